"""``scenario show`` and ``scenario validate``: a scenario's actors, phases and provenance; checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import load_or_exit, out
from sim.cli.exits import fail
from sim.scenario.loader import Problem, ScenarioError, load_scenario
from sim.scenario.schema import seeded_values

scenario_app = typer.Typer(no_args_is_help=True, help="Inspect and check scenario files.")


@scenario_app.command("show")
def show(file: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Actors, issues, phases and every seeded value with its evidence or assumption."""
    sc = load_or_exit(file)
    out.print(
        f"[bold]{sc.title}[/] ({sc.name}): seed {sc.seed}, from {sc.start_date}, {sc.horizon_days} days"
    )
    if sc.description:
        out.print(sc.description)
    t = Table(title="Actors", title_justify="left")
    for col in ("id", "name", "role", "capability", "strategy", "levers"):
        t.add_column(col)
    for a, actor in sc.actors.items():
        t.add_row(
            a,
            actor.name,
            actor.role.value,
            f"{actor.capability.value:g}",
            actor.concession.strategy if actor.concession else "-",
            ", ".join(f"{k}->{lv.target}" for k, lv in actor.levers.items()) or "-",
        )
    out.print(t)
    t = Table(title="Issues (positions in [0, 1])", title_justify="left")
    for col in ("id", "0 means", "1 means", "status quo"):
        t.add_column(col)
    for i, issue in sc.issues.items():
        t.add_row(i, issue.zero, issue.one, f"{issue.status_quo.value:g}")
    out.print(t)
    t = Table(title="Phases (in order)", title_justify="left")
    for col in ("id", "title", "covers", "needs in force", "opens", "duration", "linkage"):
        t.add_column(col)
    for p, ph in sc.phases.items():
        links = "; ".join(
            f"{lk.actor}: {lk.issue} {'<=' if lk.at_most else '>='} {(lk.at_most or lk.at_least).value:g}"
            for lk in ph.linkage
        )
        t.add_row(
            p,
            ph.title,
            ", ".join(ph.domains) or "-",
            ", ".join(ph.prerequisites) or "-",
            f"day {ph.opens_day.value}",
            f"{ph.duration_days.value} d" if ph.duration_days else "open-ended",
            links or "-",
        )
    out.print(t)
    if sc.incidents:
        t = Table(title="Incidents (scheduled strikes: injects)", title_justify="left")
        t.add_column("path")
        t.add_column("what")
        t.add_column("evidence or assumption")
        for i, inc in enumerate(sc.incidents):
            t.add_row(f"incidents.{i}", inc.summary(), inc.provenance)
        out.print(t)
    t = Table(title="Seeded values and their provenance", title_justify="left")
    t.add_column("parameter path")
    t.add_column("value", justify="right")
    t.add_column("evidence or assumption")
    for path, v in seeded_values(sc):
        t.add_row(path, f"{v.value:g}" if isinstance(v.value, float) else str(v.value), v.provenance)
    out.print(t)
    n = len(seeded_values(sc))
    n_ev = sum(1 for _, v in seeded_values(sc) if v.evidence is not None)
    out.print(f"{n} seeded values: {n_ev} with evidence, {n - n_ev} assumptions")


@scenario_app.command("validate")
def validate(files: Annotated[list[Path], typer.Argument(help="scenario YAML files")]) -> None:
    """Exit 0 if every file is valid; otherwise exit 2 with one line per problem."""
    problems: list[Problem] = []
    for f in files:
        try:
            load_scenario(f)
            out.print(f"{f}: valid", highlight=False)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise fail(problems)
