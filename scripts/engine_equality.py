"""Are the mesa and batch engines equal in distribution on every shipped scenario and some sweep points?

For each shipped scenario (the baseline, the calibrated baseline, every variant) and a sample of
design points of a shipped sweep spec, runs ``--runs`` runs on each engine through
``sim.experiments.engines.run_block`` (recording off), compares the two runs tables column by column
with ``sim.experiments.equality.compare_runs`` (Holm-corrected at a family-wise ``--alpha`` per
scenario) and rewrites the section between ``<!-- equality:begin -->`` and ``<!-- equality:end -->``
of docs/engines.md with the results. The sweep points run as one list of scenarios (one per run,
points mixed within a block), as a sweep runs them on the batch engine.

Both engines get the same seed and run indices: the batch engine draws its numbers differently from
the mesa engine (equal in distribution, not bit for bit), so the two samples are independent draws
all the same.

    .venv/bin/python scripts/engine_equality.py                      # 1000 runs: a few minutes
    .venv/bin/python scripts/engine_equality.py --runs 2000 --points 5
    .venv/bin/python scripts/engine_equality.py --scenarios baseline,eu_actor --no-write

Options: ``--runs`` per engine and scenario (default 1000), ``--scenarios`` (comma-separated shipped
names; default all), ``--sweep`` (a shipped spec's name, default monitoring_x_leverage), ``--points``
(design points sampled from it, default 3; 0 for none), ``--alpha`` (default 0.01), ``--doc``,
``--no-write``. Progress goes to stderr. Exit status 1 if any scenario fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data import resolve_sweep, scenario_files
from sim.experiments.designs import build_design
from sim.experiments.engines import BLOCK, run_block
from sim.experiments.equality import ALPHA, Equality, compare_runs
from sim.experiments.store import runs_frame
from sim.experiments.sweep import scenario_at
from sim.experiments.sweep_spec import load_sweep
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "engines.md"
BEGIN, END = "<!-- equality:begin -->", "<!-- equality:end -->"
SWEEP = "monitoring_x_leverage"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_engine(engine: str, scenarios: Sequence[Scenario], runs: Sequence[int], seed: int) -> pd.DataFrame:
    """Rows of runs ``runs[i]`` of ``scenarios[i]`` on ``engine``, in blocks of the engine's size."""
    size = BLOCK if engine == "batch" else 50
    rows: list[dict] = []
    t0 = time.perf_counter()
    for start in range(0, len(runs), size):
        stop = min(len(runs), start + size)
        rows.extend(run_block(engine, scenarios[start:stop], runs[start:stop], seed).rows)
        log(f"    {engine}: {stop}/{len(runs)} runs, {time.perf_counter() - t0:.0f} s")
    return runs_frame(rows)


def both_engines(scenarios: Sequence[Scenario], runs: Sequence[int], seed: int) -> dict[str, pd.DataFrame]:
    return {engine: run_engine(engine, scenarios, runs, seed) for engine in ("mesa", "batch")}


def sweep_points(name: str, points: int) -> tuple[list[tuple[str, Scenario]], int]:
    """``points`` design points of a shipped sweep spec, sampled without replacement (seeded by the spec)."""
    sweep = load_sweep(resolve_sweep(name))
    design = build_design(sweep.spec, sweep.integer_axes)
    rng = np.random.default_rng(sweep.spec.seed)
    chosen = sorted(rng.choice(len(design.points), size=min(points, len(design.points)), replace=False))
    out = []
    for i in chosen:
        point = design.points[int(i)]
        values = ", ".join(f"{'.'.join(k.split('.')[-2:])}={v:g}" for k, v in point.items())
        label = f"{name} #{int(i)} ({values})"
        out.append((label, scenario_at(sweep.scenario_data, tuple(point.items()))))
    return out, sweep.spec.seed


def compare_scenarios(names: Sequence[str], runs: int, alpha: float) -> list[tuple[str, int, Equality]]:
    files = scenario_files()
    results = []
    for name in names:
        scenario = load_scenario(files[name])
        log(f"{name}: {runs} runs on each engine, seed {scenario.seed}")
        frames = both_engines([scenario] * runs, list(range(runs)), scenario.seed)
        result = compare_runs(frames["mesa"], frames["batch"], alpha)
        log(f"  {result.summary()}")
        results.append((name, runs, result))
    return results


def compare_points(sweep: str, points: int, runs: int, alpha: float) -> list[tuple[str, int, Equality]]:
    """The sampled points run together (points mixed in each block), compared point by point."""
    chosen, seed = sweep_points(sweep, points)
    if not chosen:
        return []
    log(f"{sweep}: {len(chosen)} points x {runs} runs on each engine, seed {seed}, points mixed per block")
    scenarios = [sc for _, sc in chosen for _ in range(runs)]
    run_ids = [r for _ in chosen for r in range(runs)]
    frames = both_engines(scenarios, run_ids, seed)
    results = []
    for i, (label, _) in enumerate(chosen):
        part = slice(i * runs, (i + 1) * runs)
        result = compare_runs(frames["mesa"].iloc[part], frames["batch"].iloc[part], alpha)
        log(f"  {label}: {result.summary()}")
        results.append((label, runs, result))
    return results


def _p(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.3g}"


def markdown(results: Sequence[tuple[str, int, Equality]], alpha: float) -> str:
    """The summary table (one line per scenario) and each scenario's tests in a collapsed table."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [
        f"Generated by `scripts/engine_equality.py` on {dt.date.today().isoformat()} "
        f"(commit {commit or 'unknown'}): each scenario's runs on both engines, same seed and run indices, "
        f"recording off; Holm-corrected at family-wise alpha {alpha:g} per scenario.",
        "",
    ]
    lines += [
        "| scenario | runs per engine | tests | smallest Holm p (column, test) | failed | verdict |",
        "|---|---:|---:|---|---:|---|",
    ]
    for name, runs, res in results:
        tested = res.table[res.table["p_adjusted"].notna()]
        worst = "" if tested.empty else tested.loc[tested["p_adjusted"].idxmin()]
        smallest = "" if tested.empty else f"{worst['p_adjusted']:.3g} ({worst['column']}, {worst['test']})"
        verdict = "equal" if res.passed else "**DIFFERENT**"
        lines.append(f"| {name} | {runs} | {res.tests} | {smallest} | {len(res.failures)} | {verdict} |")
    for name, _, res in results:
        lines += [
            "",
            f"<details><summary>{name}: every test</summary>",
            "",
            "| column | test | statistic | p | Holm p | n mesa | n batch | verdict |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for r in res.table.itertuples(index=False):
            lines.append(
                f"| {r.column} | {r.test} | {_p(r.statistic)} | {_p(r.p)} | {_p(r.p_adjusted)} "
                f"| {r.n_a} | {r.n_b} | {r.verdict} |"
            )
        lines += ["", "</details>"]
    return "\n".join(lines)


def rewrite(doc: Path, section: str) -> None:
    """Replace the text between the markers (appended with its markers if the document has none)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000, help="runs per engine and scenario (default 1000)")
    ap.add_argument("--scenarios", default="", help="comma-separated shipped scenario names (default: all)")
    ap.add_argument(
        "--sweep", default=SWEEP, help=f"shipped sweep spec to sample points of (default {SWEEP})"
    )
    ap.add_argument("--points", type=int, default=3, help="design points of the sweep (default 3; 0: none)")
    ap.add_argument("--alpha", type=float, default=ALPHA, help=f"family-wise alpha (default {ALPHA})")
    ap.add_argument("--doc", type=Path, default=DOC, help="document to rewrite (default docs/engines.md)")
    ap.add_argument("--no-write", action="store_true", help="print the section, leave the document alone")
    args = ap.parse_args(argv)
    if args.runs < 10:
        ap.error("--runs must be at least 10")
    if not 0 < args.alpha < 1:
        ap.error("--alpha must be between 0 and 1")
    known = scenario_files()
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()] or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        ap.error(f"--scenarios: {', '.join(unknown)} not shipped (shipped: {', '.join(known)})")
    t0 = time.perf_counter()
    results = compare_scenarios(names, args.runs, args.alpha)
    if args.points > 0:
        results += compare_points(args.sweep, args.points, args.runs, args.alpha)
    section = markdown(results, args.alpha)
    if args.no_write:
        print(section)
    else:
        rewrite(args.doc, section)
        log(f"wrote {args.doc}")
    failed = [name for name, _, res in results if not res.passed]
    seconds = time.perf_counter() - t0
    log(f"{len(results)} comparisons in {seconds:.0f} s; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
