"""How much faster is the batch engine than the mesa engine, on the same runs of the baseline?

Why this exists (issue 14): the batch engine advances a block of runs as numpy arrays so that sweeps,
findings and validation ensembles get many more runs per second than one mesa model per run (the
target is 30x). This script times both engines on runs 0..n-1 of ``scenarios/baseline.yaml`` (seed
7) at 1, 100, 1000 and 10000 runs, with recording off (``runs.csv`` rows only) and on (plus the
``days.parquet`` and ``events.parquet`` tables), through the one entry point the program uses
(``sim.experiments.engines.blocks``: mesa in blocks of 50 runs, batch in blocks of 1000; every block
is dropped once counted, as a sweep streams it to disk). The engines alternate A B A B ... in this
one process (drift on a shared machine hits both), ``--repeats`` times per size (``--large-repeats``
at 10000 runs), and the median is reported. It asserts nothing; it prints numbers.

    .venv/bin/python benchmarks/engines.py            # full: mesa's 10000 runs take minutes
    .venv/bin/python benchmarks/engines.py --quick    # mesa capped at 1000 runs, 10000 extrapolated
    .venv/bin/python benchmarks/engines.py --sizes 1,100 --repeats 5

Load check: the 1-minute load average before and after each timing, and each timing's CPU time over
its wall time (this process is single-threaded: below 0.9 it was waiting for a core). If the load
exceeded the cores or the CPU/wall ratio fell below 0.9, the machine was busy and no ratio is
reported (``ratio=n/a``). Memory: the peak resident set of this process during each timing (Linux
``VmHWM``, reset before each timing by writing 5 to ``/proc/self/clear_refs``); where that reset is
not possible, ``ru_maxrss`` (the process's peak so far, which never goes down), and the script says so.

Last line: ``batch_runs_per_s=<x> mesa_runs_per_s=<y> ratio=<x/y> peak_mib=<z>`` at 10000 runs,
recording off (``peak_mib``: the batch engine's peak RSS in that timing); with ``--quick`` mesa's
figure is its rate at 1000 runs, extrapolated, and the line before says so.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiments.engines import blocks  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SEED = 7
SIZES = (1, 100, 1000, 10000)
QUICK_MESA_CAP = 1000
BUSY_CPU_SHARE = 0.9
ENGINES = ("mesa", "batch")


@dataclass
class Timing:
    wall: float
    cpu: float
    load_before: float
    load_after: float
    peak_mib: float

    @property
    def cpu_share(self) -> float:
        return self.cpu / self.wall if self.wall > 0 else 1.0


def _status_kib(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def reset_peak() -> bool:
    """Reset this process's peak RSS (``VmHWM``) to its current RSS; False if the OS does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mib(resettable: bool) -> float:
    if resettable:
        return _status_kib("VmHWM") / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def time_engine(engine: str, scenario: Scenario, runs: int, record: bool, resettable: bool) -> Timing:
    """Runs 0..runs-1 through ``blocks``, each block dropped once counted: wall, CPU, load, peak RSS."""
    load_before = os.getloadavg()[0]
    reset_peak() if resettable else None
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    for block in blocks(engine, scenario, runs, SEED, record=record):
        done += len(block.rows)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if done != runs:
        raise RuntimeError(f"{engine}: {done} rows for {runs} runs")
    return Timing(wall, cpu, load_before, os.getloadavg()[0], peak_mib(resettable))


def busy(timings: list[Timing], cores: int) -> str:
    """Why the machine looked busy during ``timings``, or '' if it did not."""
    load = max(max(t.load_before, t.load_after) for t in timings)
    share = min(t.cpu_share for t in timings)
    reasons = []
    if load > cores:
        reasons.append(f"load {load:.1f} on {cores} cores")
    if share < BUSY_CPU_SHARE:
        reasons.append(f"CPU/wall {share:.2f} < {BUSY_CPU_SHARE}")
    return "; ".join(reasons)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help=f"mesa capped at {QUICK_MESA_CAP} runs, extrapolated"
    )
    ap.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="runs per timing (default 1,100,1000,10000)"
    )
    ap.add_argument("--repeats", type=int, default=3, help="alternating rounds per size (default 3)")
    ap.add_argument("--large-repeats", type=int, default=1, help="rounds at 10000+ runs (default 1)")
    args = ap.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    cores = os.cpu_count() or 1
    resettable = reset_peak()
    scenario = load_scenario(BASELINE)
    for engine in ENGINES:  # warm-up: imports, caches, first allocations
        time_engine(engine, scenario, 2, True, resettable)
    print(
        f"python {sys.version.split()[0]}; {cores} CPUs; baseline seed {SEED}; "
        f"median of alternating rounds; peak RSS: "
        + ("VmHWM reset per timing" if resettable else "ru_maxrss (process peak so far, never reset)")
    )
    rates: dict[tuple[str, bool, int], float] = {}
    peaks: dict[tuple[str, bool, int], float] = {}
    all_timings: list[Timing] = []
    extrapolated: set[tuple[str, bool, int]] = set()
    print(
        f"\n{'runs':>6} {'record':>6} {'engine':>6} {'wall s':>9} {'runs/s':>10} {'CPU/wall':>8} "
        f"{'peak MiB':>8}"
    )
    for n in sizes:
        repeats = args.large_repeats if n >= 10000 else args.repeats
        for record in (False, True):
            timed: dict[str, list[Timing]] = {e: [] for e in ENGINES}
            for _ in range(repeats):
                for engine in ENGINES:
                    if engine == "mesa" and args.quick and n > QUICK_MESA_CAP:
                        continue
                    timed[engine].append(time_engine(engine, scenario, n, record, resettable))
            for engine in ENGINES:
                key = (engine, record, n)
                ts = timed[engine]
                if not ts:
                    base = (engine, record, QUICK_MESA_CAP)
                    if base in rates:
                        rates[key] = rates[base]
                        extrapolated.add(key)
                        print(f"{n:>6} {record!s:>6} {engine:>6} {'':>9} {rates[key]:>10.1f}  (extrapolated)")
                    continue
                all_timings.extend(ts)
                wall = statistics.median(t.wall for t in ts)
                rates[key] = n / wall
                peaks[key] = max(t.peak_mib for t in ts)
                share = statistics.median(t.cpu_share for t in ts)
                print(
                    f"{n:>6} {record!s:>6} {engine:>6} {wall:>9.3f} {rates[key]:>10.1f} {share:>8.2f} "
                    f"{peaks[key]:>8.0f}"
                )
            if ("batch", record, n) in rates and ("mesa", record, n) in rates:
                r = rates[("batch", record, n)] / rates[("mesa", record, n)]
                note = " (mesa extrapolated)" if ("mesa", record, n) in extrapolated else ""
                print(f"{'':>6} {'':>6} {'ratio':>6} batch/mesa {r:.1f}x{note}")

    why = busy(all_timings, cores) if all_timings else ""
    print()
    if why:
        print(f"the machine was busy ({why}): no ratio reported; rerun on a quiet machine")
    else:
        print(f"load check: quiet (load <= {cores} cores, CPU/wall >= {BUSY_CPU_SHARE} in every timing)")
    n = max(sizes)
    batch = rates.get(("batch", False, n), float("nan"))
    mesa = rates.get(("mesa", False, n), float("nan"))
    ratio = "n/a" if why else f"{batch / mesa:.1f}"
    if ("mesa", False, n) in extrapolated:
        print(f"mesa_runs_per_s below is extrapolated from its rate at {QUICK_MESA_CAP} runs (--quick)")
    if n != 10000:
        print(f"the figures below are at {n} runs (the largest size asked), not 10000")
    print(
        f"batch_runs_per_s={batch:.1f} mesa_runs_per_s={mesa:.1f} ratio={ratio} "
        f"peak_mib={peaks.get(('batch', False, n), float('nan')):.0f}"
    )


if __name__ == "__main__":
    main()
