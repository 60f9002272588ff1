"""The ``exercise`` commands: list, show, validate, handout and debrief.

Handouts and debriefs compute their findings when they are built (a progress bar shows the runs);
bad input (an unknown exercise, a broken exercise file, a malformed predictions line) ends in one
line per problem and exit code 2, and nothing already written is touched. The folder's rules are
:mod:`sim.jobs.exercise`'s; text from exercise files is printed as literal text (:mod:`sim.text`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli.common import ENGINE_HELP, engine_or_exit
from sim.cli.exits import fail
from sim.cli.progress import runs_progress
from sim.data import EXERCISES, SCENARIOS
from sim.jobs.common import JobError
from sim.jobs.exercise import GUIDE, HANDOUT, ROLES, debrief_plan, debrief_to_folder, handout_to_folder
from sim.scenario.loader import Problem, ScenarioError
from sim.teaching.exercise import LoadedExercise, exercise_files, find_exercise, load_exercise
from sim.teaching.findings import Findings, Runs, compute, planned_runs
from sim.text import literal, neutral

exercise_app = typer.Typer(
    no_args_is_help=True, help="Teaching exercises: handouts, instructor guides, debriefs."
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

RunsOption = Annotated[
    int | None,
    typer.Option("--runs", "-n", min=1, max=5000, help="runs per ensemble (default: each arm's, 200)"),
]
EngineOption = Annotated[
    str,
    typer.Option(
        help=f"{ENGINE_HELP} of the findings' ensembles (default batch: arrays; mesa: the reference); "
        "the class run is always mesa's"
    ),
]


def _load(name: str) -> LoadedExercise:
    try:
        path = find_exercise(name, EXERCISES)
    except ValueError as exc:
        raise fail([str(exc)]) from None
    try:
        return load_exercise(Path(_relative(path)), SCENARIOS)
    except ScenarioError as exc:
        raise fail(exc.problems) from None


@contextmanager
def _progress(ld: LoadedExercise, runs: Runs) -> Iterator[Callable[[int], None]]:
    """A progress bar over the runs computing ``ld``'s findings will make; yields its advance(k)."""
    with runs_progress(err) as bar:
        task = bar.add_task(f"computing {literal(ld.name)}", total=planned_runs(ld, runs))
        yield lambda k: bar.advance(task, k)


def _compute(ld: LoadedExercise, runs: int | None, engine: str) -> Findings:
    with _progress(ld, runs) as advance:
        return compute(ld, runs, on_run_done=advance, engine=engine)


def _engine(engine: str) -> str:
    """The engine named, or one line and exit 2 before anything runs."""
    return engine_or_exit(engine)


def _relative(path: Path) -> str:
    """A path as the user would type it here: relative to the working folder if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@exercise_app.command("list")
def list_() -> None:
    """The exercises in exercises/, one line each."""
    t = Table(title="Exercises (exercises/)", title_justify="left")
    for col in ("name", "topic", "class code", "title"):
        t.add_column(col)
    problems: list[Problem] = []
    for path in exercise_files(EXERCISES):
        try:
            ex = load_exercise(Path(_relative(path)), SCENARIOS).exercise
        except ScenarioError as exc:
            problems += exc.problems
            continue
        t.add_row(*(Text(neutral(x)) for x in (ex.name, ex.topic, ex.class_code, ex.title)))
    out.print(t)
    if problems:
        raise fail(problems)


@exercise_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="an exercise's name (see exercise list) or its file")],
    findings: Annotated[bool, typer.Option(help="also compute and print the instructor's findings")] = False,
    runs: RunsOption = None,
    engine: EngineOption = "batch",
) -> None:
    """An exercise in the terminal: the decision, goals, roles, bets, tasks and questions."""
    from sim.teaching.handout import arm_command, class_command

    _engine(engine)
    ld = _load(name)
    ex = ld.exercise
    out.print(
        f"[bold]{literal(ex.title)}[/]  ({literal(ex.name)}, {literal(_relative(ld.path))})", highlight=False
    )
    out.print(f"Decision: {literal(ex.decision)}", highlight=False)
    out.print(f"Class code: {literal(ex.class_code)}  ->  {literal(class_command(ex))}", highlight=False)
    out.print(f"Article paragraphs: {literal(', '.join(ex.situation.paragraphs))}", highlight=False)
    sections = [
        ("Learning goals", ex.learning_goals),
        ("Roles", [f"{r}{' (optional)' if c.optional else ''}: {c.public}" for r, c in ex.roles.items()]),
        ("Place your bets", [f"{p.id}: {p.question}" for p in ex.predictions]),
        ("Tasks", [t.do for t in ex.tasks]),
        ("Ensembles", [f"{a.label}: {arm_command(k, a, runs)}" for k, a in ex.arms.items()]),
        ("Debrief questions", ex.questions),
    ]
    for title, items in sections:
        out.print(f"\n[bold]{title}[/]")
        for i, item in enumerate(items, 1):
            out.print(f"  {i}. {literal(item)}", highlight=False)
    if findings:
        f = _compute(ld, runs, engine)
        out.print(f"\n[bold]Findings[/] (computed now from {f.total_runs} runs, {engine} engine)")
        for i, t in enumerate(ex.debrief, 1):
            out.print(f"  {i}. {literal(f.text(t))}", highlight=False)


@exercise_app.command("validate")
def validate(
    names: Annotated[list[str] | None, typer.Argument(help="exercise names or files (default: all)")] = None,
) -> None:
    """Check exercises and everything they refer to (scenarios, overrides, measures); exit 2 if any fails."""
    paths: list[Path] = []
    problems: list[Problem] = []
    for name in names or [p.stem for p in exercise_files(EXERCISES)]:
        try:
            paths.append(find_exercise(name, EXERCISES))
        except ValueError as exc:
            problems.append(Problem(name, None, "", str(exc)))
    for path in paths:
        try:
            load_exercise(Path(_relative(path)), SCENARIOS)
            out.print(f"{literal(_relative(path))}: valid", highlight=False)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise fail(problems)


@exercise_app.command("handout")
def handout(
    name: Annotated[str, typer.Argument(help="an exercise's name (see exercise list) or its file")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="folder (default: handouts/NAME)")] = None,
    runs: RunsOption = None,
    force: Annotated[
        bool, typer.Option(help="write into a non-empty --out folder (a predictions.txt there is kept)")
    ] = False,
    engine: EngineOption = "batch",
) -> None:
    """Write the class pack: student/ (handout, predictions file), roles/ (one card per player) and
    instructor/ (guide with the answer key, and the ensemble record the debrief recomputes).

    Rebuilding into the same folder (``--force``) rewrites the pages with freshly computed findings
    but never a ``predictions.txt`` already there: it may hold the class's bets.
    """
    _engine(engine)
    ld = _load(name)
    try:
        with _progress(ld, runs) as advance:
            done = handout_to_folder(ld, out_dir, runs=runs, force=force, on_run_done=advance, engine=engine)
    except JobError as exc:
        raise fail([neutral(p) for p in exc.problems]) from None
    bets = "kept the existing predictions.txt" if done.kept_predictions else "predictions.txt"
    out.print(
        f"wrote {literal(done.folder)}/: {HANDOUT} and {bets} (for the class), {ROLES}/ ({done.role_cards} "
        f"cards, one per player), {GUIDE} and ensemble.json (for you); {done.findings.total_runs} runs "
        f"computed on the {engine} engine ({done.seconds:.1f} s)",
        highlight=False,
    )


@exercise_app.command("debrief")
def debrief(
    name: Annotated[str, typer.Argument(help="an exercise's name or its file")],
    predictions: Annotated[
        Path, typer.Argument(help="the recorded predictions (WHO | QUESTION | ANSWER lines)")
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder (default: the predictions file's)")
    ] = None,
    runs: Annotated[
        int | None,
        typer.Option(
            "--runs",
            "-n",
            min=1,
            max=5000,
            help="runs per ensemble (default: the handout's, else each arm's)",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="replace an existing debrief.html")] = False,
    engine: Annotated[
        str | None,
        typer.Option(help=f"{ENGINE_HELP} of the ensembles (default: the handout's, else batch)"),
    ] = None,
) -> None:
    """Place recorded bets and the tables' results within the model's ensemble: debrief.html.

    Given a pack's student/predictions.txt it recomputes the handout's own ensemble (its
    instructor/ensemble.json: the same runs and engine), writes into the pack's instructor/ folder, and
    warns of anything that differs from the answer key.
    """
    if engine is not None:
        _engine(engine)
    ld = _load(name)
    try:
        plan = debrief_plan(predictions, runs, engine)
        with _progress(ld, plan.runs) as advance:
            done = debrief_to_folder(
                ld,
                predictions,
                out_dir,
                runs=runs,
                force=force,
                on_run_done=advance,
                source=_relative(predictions),
                engine=engine,
            )
    except JobError as exc:
        raise fail([neutral(p) for p in exc.problems]) from None
    t = Table(title="Placed within the ensemble", title_justify="left")
    for col in ("who", "question", "answer", "where it falls"):
        t.add_column(col)
    for p in done.placed:
        t.add_row(*(Text(neutral(x)) for x in (p.who, p.question, p.answer, p.where)))
    out.print(t)
    for w in done.warnings:
        err.print(f"warning: {neutral(w)}", highlight=False, markup=False)
    basis = f"the handout's ensemble, {literal(done.record)}" if done.record else "no ensemble record found"
    out.print(
        f"wrote {literal(done.path)} ({len(done.placed)} entries, {done.findings.total_runs} runs on the "
        f"{done.findings.engine} engine; {basis}"
        + (
            f"; {len(done.warnings)} differences from the answer key, in the warnings)"
            if done.warnings
            else ")"
        ),
        highlight=False,
    )
