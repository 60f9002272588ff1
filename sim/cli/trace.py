"""``trace``: one run day by day, every decision with the numbers behind it.

The trace names the scenario, its actors and phases, which come from a file: each line is printed
through :func:`sim.text.neutral` (control codes shown as ``\\xNN``, a line capped), plain text.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import SEED_HELP, scenario_and_seed
from sim.experiments.ensemble import run_one
from sim.reports.trace import trace
from sim.text import neutral

LINE_SHOWN = 10_000
"""Characters of one trace line shown at most (the lines the model writes are far shorter)."""


def trace_cmd(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario YAML file (default: scenarios/baseline.yaml)")
    ] = None,
    run_index: Annotated[int, typer.Option("--run", min=0, help="which run of the ensemble")] = 0,
    seed: Annotated[str | None, typer.Option(help=SEED_HELP)] = None,
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="days (default: the scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override PATH=VALUE (repeatable)")] = None,
) -> None:
    """Print one run day by day: every decision with the numbers behind it (compliance omitted)."""
    _, sc, seed_value = scenario_and_seed(scenario, seed, set_)
    result = run_one(sc, seed_value, run_index, days)
    sys.stdout.write("\n".join(neutral(line, LINE_SHOWN) for line in trace(result).split("\n")))
