"""The ``validate`` command: a scenario's ensemble against the observed record, with its report.

The work is :func:`sim.jobs.validate.validate_to_folder`; this module prints its tables (text from
files as literal text) and says what it wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli.common import ENGINE_HELP
from sim.cli.exits import fail
from sim.jobs.common import JobError
from sim.jobs.validate import WRITTEN, Calibration, validate_to_folder
from sim.text import literal, neutral
from sim.validation.patterns import PATTERNS
from sim.validation.validate import CALIBRATION_GRID, COIN, Validation, against_naive, brier, naive_as_good

out = Console(soft_wrap=True, highlight=False)


def validate_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario YAML (default: scenarios/baseline.yaml)")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, max=5000, help="runs in the ensemble")] = 200,
    seed: Annotated[str | None, typer.Option(help="a seed or a class code (default: the scenario's)")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder (default: new under results/)")
    ] = None,
    calibrate_first: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="first calibrate the assumptions in CALIBRATION_GRID on the record's first 30 days "
            "(other runs: the seed + 1) and write calibrated.yaml",
        ),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            help=f"{ENGINE_HELP} (default batch: blocks of runs as arrays; mesa: the reference, one "
            "model per run)"
        ),
    ] = "batch",
) -> None:
    """Run the ensemble and report which observed patterns it reproduces (docs/validation.md)."""
    from sim.cli.common import engine_or_exit, scenario_and_seed

    engine = engine_or_exit(engine)
    path, sc, seed_value = scenario_and_seed(scenario, seed, None)
    try:
        done = validate_to_folder(
            path, sc, runs, seed_value, out_dir, calibrate_first=calibrate_first, engine=engine
        )
    except JobError as exc:
        raise fail([neutral(p) for p in exc.problems]) from None
    if done.calibration is not None:
        _print_calibration(done.calibration)
    for v in done.results:
        _print(v)
    out.print(f"wrote {literal(done.target)}/: {', '.join(WRITTEN)}")


def _share(s: float, lo: float, hi: float) -> str:
    return f"{s:.1%} ({lo:.1%}-{hi:.1%})"


def _print(v: Validation) -> None:
    """The patterns table, the held-out tally, where the naive baseline does as well, the ranks."""
    t = Table(
        title=Text(
            neutral(
                f"{v.scenario.name}: patterns reproduced ({v.runs} runs, seed {v.seed}, {v.engine} engine)"
            )
        ),
        title_justify="left",
    )
    for col in ("pattern", "window", "share of runs (95% CI)", "nothing changes", "Brier: model / naive"):
        t.add_column(col)
    scores = brier(v)
    for p in PATTERNS:
        model, naive = scores[p.id]
        t.add_row(
            Text(p.text),
            p.window,
            _share(*v.shares[p.id]),
            "yes" if v.naive[p.id] else "no",
            f"{model:.3f} / {naive:.0f}",
        )
    held = [p for p in PATTERNS if p.window == "validation"]
    for label, share, naive in (
        ("ALL HELD-OUT AT ONCE", v.held_out_share, all(v.naive[p.id] for p in held)),
        ("ALL AT ONCE", v.all_share, all(v.naive.values())),
    ):
        t.add_row(label, "", _share(*share), "yes" if naive else "no", "")
    out.print(t)
    better, lost = against_naive(v)
    out.print(
        f"Brier score (0 best, a coin {COIN:g}): the model forecasts better than 'nothing changes' on "
        f"{len(better)} patterns and worse on {len(lost)}" + (f" ({', '.join(lost)})" if lost else "") + "."
    )
    model_held = sum(v.shares[p.id][0] > 0.5 for p in held)
    naive_held = sum(v.naive[p.id] for p in held)
    out.print(
        f"Held-out patterns reproduced in most runs: the model {model_held} of {len(held)}, "
        f"'nothing changes' {naive_held}."
    )
    worse = naive_as_good(v)
    if worse:
        out.print(f"'nothing changes' does as well or better on: {', '.join(worse)}")
    for quantity, observed, where in v.ranks:
        out.print(Text(neutral(f"{quantity}: observed {observed}; {where}")))


def _print_calibration(c: Calibration) -> None:
    """The grid searched, best first, and the point written as calibrated.yaml."""
    t = Table(
        title=f"Calibration on days 0-30 ({c.runs} runs of seed {c.seed} per point)", title_justify="left"
    )
    for col in [*CALIBRATION_GRID, "share reproducing both early patterns"]:
        t.add_column(col)
    for _, r in c.grid.iterrows():
        t.add_row(*(f"{r[k]:g}" for k in CALIBRATION_GRID), f"{r['share_calibration_patterns']:.1%}")
    out.print(t)
    before = "n/a" if c.own_share is None else f"{c.own_share:.1%}"
    out.print(
        f"best: {', '.join(f'{k}={v:g}' for k, v in c.best.items())} ({before} at the scenario's own "
        f"values; the top points are within a few points of each other, so read it as a direction, not "
        f"a value); wrote {literal(c.scenario)}"
    )
