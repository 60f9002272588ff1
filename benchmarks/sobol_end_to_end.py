"""A 20,480-run Sobol sweep end to end: plan, runs, store and report, timed as a user runs it.

Issue 14's target: a 20,000-run Sobol study of assumptions in under 30 s on 2 cores (batch engine).
The spec is the shipped assumptions Sobol design cut to its first 39 axes at 256 samples
(256 x (2 x 39 + 2) = 20,480 runs, one replicate). Each command runs in a fresh process, as from the
command line; wall time, CPU time of the process and its children and peak memory (largest resident
set of the process or any child) are printed, with a load check. First, as the baseline measured in
the same run, the same design at 16 samples (1,280 runs) runs on both engines, end to end.

    python benchmarks/sobol_end_to_end.py            # batch engine, 2 workers, with the report
    python benchmarks/sobol_end_to_end.py --axes 10  # a smaller design (256 x 22 = 5,632 runs)
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from sim.data import SCENARIOS

SPEC = SCENARIOS / "sweeps" / "assumptions_sobol.yaml"


def cut_spec(folder: Path, axes: int, samples: int) -> tuple[Path, int]:
    """The shipped assumptions Sobol spec with its first ``axes`` axes and ``samples`` samples."""
    spec = yaml.safe_load(SPEC.read_text())
    spec["axes"] = dict(list(spec["axes"].items())[:axes])
    spec["samples"] = samples
    spec["scenario"] = str(SCENARIOS / "baseline.yaml")
    path = folder / "sobol_cut.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path, samples * (2 * axes + 2)


def timed(cmd: list[str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s of the children, peak RSS MiB of the largest child, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return wall, cpu, after.ru_maxrss / 1024, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axes", type=int, default=39)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", default="batch")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument(
        "--baseline-samples",
        type=int,
        default=16,
        help="first time the same design at this many samples on both engines (same runs), as the "
        "baseline measured in this run (default 16; 0: skip)",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline_samples:
            rates = {}
            for engine in ("mesa", args.engine):
                runs, wall, cpu, peak, code, _ = sweep_once(Path(tmp), engine, args, args.baseline_samples)
                rates[engine] = runs / wall
                print(
                    f"baseline: {runs} runs on {engine}: wall {wall:.1f} s, "
                    f"{runs / wall:.0f} runs/s, peak {peak:.0f} MiB"
                )
            print(
                f"baseline ratio {args.engine}/mesa, same sweep end to end: "
                f"{rates[args.engine] / rates['mesa']:.1f}x"
            )
        runs, wall, cpu, peak, code, size = sweep_once(Path(tmp), args.engine, args, args.samples)
    load_after = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    busy = max(load_before, load_after) > cores + 0.5
    print(
        f"load average before {load_before:.1f}, after {load_after:.1f} on {cores} cores"
        + (" -- BUSY: the time is not the machine's" if busy else "")
    )
    print(
        f"exit {code}; wall {wall:.1f} s; CPU {cpu:.1f} s (all processes); peak RSS {peak:.0f} MiB; "
        f"report {size:.1f} MiB"
    )
    print(f"sobol_runs={runs} wall_s={wall:.1f} cpu_s={cpu:.1f} peak_mib={peak:.0f} busy={busy}")
    return code


def sweep_once(tmp: Path, engine: str, args: argparse.Namespace, samples: int) -> tuple:
    """One sweep of the cut design in a fresh process: (runs, wall, CPU, peak MiB, exit code, report MiB)."""
    folder = tmp / f"{engine}-{samples}"
    folder.mkdir()
    spec, runs = cut_spec(folder, args.axes, samples)
    out = folder / "out"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve().parents[1] / "run_sim.py"),
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        str(args.workers),
        "--engine",
        engine,
    ]
    if args.no_report:
        cmd.append("--no-report")
    print(
        f"{runs} runs ({args.axes} axes x {samples} samples), engine {engine}, "
        f"{args.workers} workers{', no report' if args.no_report else ', with the report'}"
    )
    wall, cpu, peak, code = timed(cmd)
    report = out / "report.html"
    size = report.stat().st_size / 2**20 if report.exists() else 0.0
    return runs, wall, cpu, peak, code, size


if __name__ == "__main__":
    raise SystemExit(main())
