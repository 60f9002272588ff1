"""How long does an instructor wait for a class pack, and where does the time go?

Why this exists: ``exercise handout NAME`` computes every finding at build time (each arm's
ensemble, the class run) and then writes self-contained pages; an instructor rebuilds it after any
model change. This script times, per exercise, loading and checking the exercise, computing its
findings, and building the pages, and compares the computing stage with a reference measured in the
same run: the very same runs through ``run_ensemble`` (what ``run`` does, with per-day
recording). It asserts nothing about speed; it prints numbers.

    .venv/bin/python benchmarks/handout_speed.py            # all exercises, each arm's own runs
    .venv/bin/python benchmarks/handout_speed.py --runs 50  # fewer runs per arm

The last line is ``exercises=<n> runs=<r> findings_s=<a> pages_s=<b> reference_s=<c> ratio=<a/c>``:
the summed seconds over the exercises of computing the findings, of building the pages, and of
simulating the same runs with ``run_ensemble``; a ratio below 1 means the findings cost less than a
plain ensemble of the same runs (they record no days, only each run's row).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.experiments.ensemble import run_ensemble
from sim.teaching.exercise import exercise_files, load_exercise
from sim.teaching.findings import compute
from sim.teaching.handout import build_handout

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per arm (default: each arm's)")
    args = parser.parse_args()
    totals = {"load": 0.0, "findings": 0.0, "pages": 0.0, "reference": 0.0}
    n_runs = 0
    print(
        f"{'exercise':<12} {'arms':>4} {'runs':>5} {'load s':>7} {'findings s':>10} {'pages s':>8} "
        f"{'MiB':>6} {'reference s':>11}"
    )
    files = exercise_files(ROOT / "exercises")
    for path in files:
        t0 = time.perf_counter()
        loaded = load_exercise(path, ROOT / "scenarios")
        t1 = time.perf_counter()
        findings = compute(loaded, runs=args.runs)
        t2 = time.perf_counter()
        pack = build_handout(findings, str(path.relative_to(ROOT)))
        t3 = time.perf_counter()
        size = sum(len(p.encode()) for p in (pack.student, pack.instructor, *pack.roles.values()))
        for name, arm in loaded.exercise.arms.items():  # the same runs, as `run` makes them
            run_ensemble(loaded.arm_scenarios[name], args.runs or arm.runs, arm.seed)
        t4 = time.perf_counter()
        runs = findings.total_runs
        n_runs += runs
        for key, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            totals[key] += dt
        print(
            f"{loaded.name:<12} {len(loaded.exercise.arms):>4} {runs:>5} {t1 - t0:>7.2f} {t2 - t1:>10.2f} "
            f"{t3 - t2:>8.2f} {size / 2**20:>6.1f} {t4 - t3:>11.2f}"
        )
    ratio = totals["findings"] / totals["reference"] if totals["reference"] else float("nan")
    print(
        f"exercises={len(files)} runs={n_runs} findings_s={totals['findings']:.2f} "
        f"pages_s={totals['pages']:.2f} reference_s={totals['reference']:.2f} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
