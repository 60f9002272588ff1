"""Comparative statics of the baseline: every lever of issue 13 on both sides, common random numbers.

Runs each lever of ``sim.experiments.statics.default_levers`` at all its levels (the same seed and
run indices at every level), prints the table of expected direction against measured effect, and
rewrites the section between ``<!-- statics:begin -->`` and ``<!-- statics:end -->`` in
docs/ODD.md with it. Regenerate after any change to the model or the baseline::

    .venv/bin/python scripts/comparative_statics.py --runs 200

Options: ``--runs`` per level (default 200), ``--seed`` (default: the scenario's), ``--scenario``,
``--doc`` (the document to rewrite), ``--only`` (a substring of lever names; repeatable),
``--diagnose-runs`` (recorded runs per level behind the "who refused" tables of a surprising
reading, default 50), ``--no-write`` (print only).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.data import BASELINE
from sim.experiments import statics

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200, help="runs per level (default 200)")
    ap.add_argument("--seed", type=int, default=None, help="ensemble seed (default: the scenario's)")
    ap.add_argument("--scenario", type=Path, default=BASELINE, help="scenario file (default: the baseline)")
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "ODD.md", help="document to rewrite")
    ap.add_argument("--only", action="append", default=[], help="run only levers whose name contains this")
    ap.add_argument(
        "--diagnose-runs",
        type=int,
        default=50,
        help="recorded runs per level to read who refused, for a surprising reading (default 50)",
    )
    ap.add_argument("--no-write", action="store_true", help="print the table, leave the document alone")
    args = ap.parse_args(argv)
    if args.runs < 2:
        ap.error("--runs must be at least 2")

    base = statics.Base(args.scenario)  # read once: an edit during the study cannot mix versions
    levers = statics.default_levers(base)
    if args.only:
        levers = [lv for lv in levers if any(s.lower() in lv.name.lower() for s in args.only)]
        if not levers:
            ap.error(f"no lever matches {args.only}")
    cache: dict = {}
    results = []
    started = time.perf_counter()
    for n, lever in enumerate(levers, 1):
        t0 = time.perf_counter()
        res = statics.measure(lever, base, runs=args.runs, seed=args.seed, cache=cache)
        for _res, reading in statics.surprises([res]):  # who refused, at each level
            statics.diagnose(res, reading, base, runs=min(args.runs, args.diagnose_runs), cache=cache)
        results.append(res)
        verdicts = "; ".join(f"{r.expectation.outcome}: {r.verdict}" for r in res.readings)
        print(
            f"[{n}/{len(levers)}] {lever.name}: {len(lever.levels)} levels x {args.runs} runs, "
            f"{time.perf_counter() - t0:.1f} s ({verdicts})",
            file=sys.stderr,
            flush=True,
        )
    elapsed = time.perf_counter() - started
    body = statics.section(results)
    print(body)
    print(f"{len(cache)} distinct levels x {args.runs} runs in {elapsed:.0f} s", file=sys.stderr)
    if not args.no_write:
        doc = args.doc
        doc.write_text(statics.replace_section(doc.read_text(encoding="utf-8"), body), encoding="utf-8")
        print(f"rewrote the statics section of {doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
