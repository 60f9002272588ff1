"""Is Model II within twice the cost of Model I per 180-day baseline run? (issue 13's speed bound)

Why this exists: Model II added a battlefield, beliefs and valuations against the war to every day and
every decision; the issue allows it at most twice Model I's time per run. This script times the same
work in both: ``--runs`` runs of each version's own baseline scenario, recording off, each in a fresh
process started the same way, A B A B ... in alternation so drift on a shared machine hits both. Only
the simulation is timed (process CPU time around the runs, imports excluded). Model I is checked out
from git (commit ``MODEL_I``) into a temporary worktree. It asserts nothing; it prints numbers.

    .venv/bin/python benchmarks/model_speed.py            # about a minute
    .venv/bin/python benchmarks/model_speed.py --runs 300 --pairs 7

Last line: ``model_ii_ms=<x> model_i_ms=<y> ratio=<x/y> load=<1-min load average>``; a load above the
number of cores is reported as too busy to trust the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_I = "9bede1a"
"""The last commit of Model I (House II landed, before issue 13)."""

TIMER = """
import sys, time
from sim.scenario.loader import load_scenario
from sim.model.ceasefire import CeasefireModel
sc = load_scenario(sys.argv[1])
start = time.process_time()
for k in range(int(sys.argv[2])):
    CeasefireModel(sc, run=k, record=False).run()
print((time.process_time() - start) * 1000 / int(sys.argv[2]))
"""


def time_runs(tree: Path, runs: int) -> float:
    """Milliseconds of CPU per run, in a fresh process importing the package from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    scenario = tree / "sim" / "data" / "scenarios" / "baseline.yaml"
    out = subprocess.run(
        [sys.executable, "-c", TIMER, str(scenario), str(runs)],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=150, help="runs per timing (default 150)")
    parser.add_argument("--pairs", type=int, default=5, help="A/B pairs (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "model_i"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), MODEL_I],
            check=True,
            capture_output=True,
        )
        try:
            new_ms, old_ms, ratios = [], [], []
            for i in range(args.pairs):
                a = time_runs(ROOT, args.runs)
                b = time_runs(old, args.runs)
                new_ms.append(a)
                old_ms.append(b)
                ratios.append(a / b)
                print(f"pair {i + 1}: Model II {a:.2f} ms/run, Model I {b:.2f} ms/run, ratio {a / b:.2f}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    ratio = statistics.median(ratios)
    print(f"median ratio {ratio:.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}); issue 13 allows 2.0")
    if load > cores:
        print(f"the machine was busy (load {load:.1f} on {cores} cores): the ratio is indicative only")
    print(
        f"model_ii_ms={statistics.median(new_ms):.2f} model_i_ms={statistics.median(old_ms):.2f} "
        f"ratio={ratio:.2f} load={load:.1f}"
    )


if __name__ == "__main__":
    main()
