"""``scenario show`` and ``scenario validate``: a scenario's actors, phases and provenance; checks.

Everything shown comes from a file someone may have handed us: each table cell is a ``Text`` of
:func:`sim.text.neutral` (never parsed as markup, control codes shown as ``\\xNN``, capped in length).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from sim.cli.common import load_or_exit, out
from sim.cli.exits import fail
from sim.data import resolve_scenario
from sim.scenario.loader import Problem, ScenarioError, load_scenario
from sim.scenario.schema import Linkage, Scenario, seeded_values
from sim.text import literal, neutral

scenario_app = typer.Typer(no_args_is_help=True, help="Inspect and check scenario files.")


DESCRIPTION_SHOWN = 20_000
"""Characters of a scenario's description shown (longer ones are elided)."""


def _table(title: str, columns: tuple[str, ...], rows: Iterable[tuple], right: tuple[str, ...] = ()) -> Table:
    """A table whose cells are literal text: markup in a file is shown, never interpreted."""
    t = Table(title=title, title_justify="left")
    for col in columns:
        t.add_column(col, justify="right" if col in right else "left")
    for row in rows:
        t.add_row(*(Text(neutral(c)) for c in row))
    return t


@scenario_app.command("show")
def show(file: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Actors, issues, phases and every seeded value with its evidence or assumption."""
    sc = load_or_exit(file)
    out.print(
        f"[bold]{literal(sc.title)}[/] ({sc.name}): seed {sc.seed}, from {sc.start_date}, "
        f"{sc.horizon_days} days"
    )
    if sc.description:
        out.print(Text(neutral(sc.description, DESCRIPTION_SHOWN)))
    for table in _tables(sc):
        out.print(table)
    seeded = seeded_values(sc)
    n_ev = sum(1 for _, v in seeded if v.evidence is not None)
    out.print(f"{len(seeded)} seeded values: {n_ev} with evidence, {len(seeded) - n_ev} assumptions")


def _linkage(lk: Linkage) -> str:
    """``russia: security_guarantees >= 0.6``."""
    if lk.at_most is not None:
        return f"{lk.actor}: {lk.issue} <= {lk.at_most.value:g}"
    return f"{lk.actor}: {lk.issue} >= {lk.at_least.value:g}" if lk.at_least is not None else lk.actor


def _tables(sc: Scenario) -> list[Table]:
    """Actors, issues, phases, incidents (if any) and the seeded values with their provenance."""
    actors = (
        (
            a,
            actor.name,
            actor.role.value,
            f"{actor.capability.value:g}",
            actor.concession.strategy if actor.concession else "-",
            ", ".join(f"{k}->{lv.target}" for k, lv in actor.levers.items()) or "-",
        )
        for a, actor in sc.actors.items()
    )
    issues = ((i, x.zero, x.one, f"{x.status_quo.value:g}") for i, x in sc.issues.items())
    phases = (
        (
            p,
            ph.title,
            ", ".join(ph.domains) or "-",
            ", ".join(ph.prerequisites) or "-",
            f"day {ph.opens_day.value}",
            f"{ph.duration_days.value} d" if ph.duration_days else "open-ended",
            "; ".join(_linkage(lk) for lk in ph.linkage) or "-",
        )
        for p, ph in sc.phases.items()
    )
    incidents = ((f"incidents.{i}", inc.summary(), inc.provenance) for i, inc in enumerate(sc.incidents))
    seeded = (
        (path, f"{v.value:g}" if isinstance(v.value, float) else v.value, v.provenance)
        for path, v in seeded_values(sc)
    )
    what = ("path", "what", "evidence or assumption")
    return [
        _table("Actors", ("id", "name", "role", "capability", "strategy", "levers"), actors),
        _table("Issues (positions in [0, 1])", ("id", "0 means", "1 means", "status quo"), issues),
        _table(
            "Phases (in order)",
            ("id", "title", "covers", "needs in force", "opens", "duration", "linkage"),
            phases,
        ),
        *([_table("Incidents (scheduled strikes: injects)", what, incidents)] if sc.incidents else []),
        _table(
            "Seeded values and their provenance",
            ("parameter path", "value", "evidence or assumption"),
            seeded,
            right=("value",),
        ),
    ]


@scenario_app.command("validate")
def validate(files: Annotated[list[Path], typer.Argument(help="scenario YAML files")]) -> None:
    """Exit 0 if every file is valid; otherwise exit 2 with one line per problem."""
    problems: list[Problem] = []
    for f in files:
        try:
            load_scenario(resolve_scenario(f))
            out.print(f"{literal(f)}: valid", highlight=False)
        except ScenarioError as exc:
            problems += exc.problems
        except ValueError as exc:  # neither a file nor a shipped scenario's name
            problems.append(Problem(str(f), None, "", str(exc)))
    if problems:
        raise fail(problems)
