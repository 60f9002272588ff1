"""The ``exercise`` commands: list, show, validate, handout and debrief.

Handouts and debriefs compute their findings when they are built (a progress bar shows the runs);
bad input (an unknown exercise, a broken exercise file, a malformed predictions line) ends in one
line per problem and exit code 2, and nothing already written is touched.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sim.cli.exits import fail
from sim.cli.progress import runs_progress
from sim.data import EXERCISES, SCENARIOS, shown
from sim.experiments.folder import prepare_output_dir
from sim.experiments.store import write_atomic
from sim.scenario.loader import Problem, ScenarioError
from sim.teaching.exercise import LoadedExercise, exercise_files, find_exercise, load_exercise
from sim.teaching.findings import Findings, compute, planned_runs

exercise_app = typer.Typer(
    no_args_is_help=True, help="Teaching exercises: handouts, instructor guides, debriefs."
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

RunsOption = Annotated[
    int | None,
    typer.Option("--runs", "-n", min=1, max=5000, help="runs per ensemble (default: each arm's, 200)"),
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


def _compute(ld: LoadedExercise, runs: int | None) -> Findings:
    with runs_progress(err) as bar:
        task = bar.add_task(f"computing {ld.name}", total=planned_runs(ld, runs))
        return compute(ld, runs, on_run_done=lambda k: bar.advance(task, k))


def _relative(path: Path) -> str:
    """A path as the user would type it here: relative to the working folder if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _in_project(path: Path) -> str:
    """A path as the project names it (``exercises/x.yaml``), for captions."""
    return shown(path)


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
        t.add_row(ex.name, Text(ex.topic), ex.class_code, Text(ex.title))
    out.print(t)
    if problems:
        raise fail(problems)


@exercise_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="an exercise's name (see exercise list) or its file")],
    findings: Annotated[bool, typer.Option(help="also compute and print the instructor's findings")] = False,
    runs: RunsOption = None,
) -> None:
    """An exercise in the terminal: the decision, goals, roles, bets, tasks and questions."""
    from sim.teaching.handout import arm_command, class_command

    ld = _load(name)
    ex = ld.exercise
    out.print(f"[bold]{escape(ex.title)}[/]  ({ex.name}, {escape(_relative(ld.path))})", highlight=False)
    out.print(f"Decision: {escape(ex.decision)}", highlight=False)
    out.print(f"Class code: {ex.class_code}  ->  {escape(class_command(ex))}", highlight=False)
    out.print(f"Article paragraphs: {', '.join(ex.situation.paragraphs)}")
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
            out.print(f"  {i}. {escape(item)}", highlight=False)
    if findings:
        f = _compute(ld, runs)
        out.print(f"\n[bold]Findings[/] (computed now from {f.total_runs} runs)")
        for i, t in enumerate(ex.debrief, 1):
            out.print(f"  {i}. {escape(f.text(t))}", highlight=False)


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
            out.print(f"{escape(_relative(path))}: valid", highlight=False)
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
) -> None:
    """Write the student handout, the instructor guide, role cards and a predictions file.

    Rebuilding into the same folder (``--force``) rewrites the pages with freshly computed findings
    but never a ``predictions.txt`` already there: it may hold the class's bets.
    """
    from sim.teaching.handout import build_handout

    started = time.perf_counter()
    ld = _load(name)
    target = out_dir or Path("handouts") / ld.name
    existed = target.exists()
    other = _predictions_of_another_exercise(target / "predictions.txt", ld.name)
    if other:
        raise fail(
            [f"{target / 'predictions.txt'} holds the bets of exercise {other!r}; --out another folder"]
        )
    problem = prepare_output_dir(target, allow_existing=force)
    if problem:
        raise fail(
            [
                f"{problem}; choose another --out or pass --force (nothing was written)"
                if "not empty" in problem
                else problem
            ]
        )
    try:
        f = _compute(ld, runs)
        pack = build_handout(f, _in_project(ld.path))
    except BaseException:
        if not existed and not any(target.iterdir()):
            target.rmdir()  # leave no empty folder behind a failed or interrupted build
        raise
    files = {
        "handout.html": pack.student,
        "instructor.html": pack.instructor,
        **{f"roles/{r}.html": html for r, html in pack.roles.items()},
    }
    bets = target / "predictions.txt"
    kept = bets.exists()
    if not kept:
        files["predictions.txt"] = pack.predictions
    (target / "roles").mkdir(exist_ok=True)
    for rel, text in files.items():
        write_atomic(target / rel, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    for card in (target / "roles").glob("*.html"):  # a rebuilt pack has only its own role cards
        if f"roles/{card.name}" not in files:
            card.unlink()
    out.print(
        f"wrote {escape(str(target))}/: handout.html, instructor.html, roles/ ({len(pack.roles)} cards), "
        f"{'kept the existing predictions.txt' if kept else 'predictions.txt'}; "
        f"{f.total_runs} runs computed ({time.perf_counter() - started:.1f} s)",
        highlight=False,
    )


def _predictions_of_another_exercise(path: Path, name: str) -> str | None:
    """The exercise a predictions file's header names, if it is not ``name`` (its bets belong there)."""
    try:
        first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    except (OSError, UnicodeDecodeError, IndexError):
        return None
    match = re.match(r"# Predictions for the exercise '([a-z][a-z0-9_]*)'", first)
    return match[1] if match and match[1] != name else None


@exercise_app.command("debrief")
def debrief(
    name: Annotated[str, typer.Argument(help="an exercise's name or its file")],
    predictions: Annotated[
        Path, typer.Argument(help="the recorded predictions (WHO | QUESTION | ANSWER lines)")
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder (default: the predictions file's)")
    ] = None,
    runs: RunsOption = None,
    force: Annotated[bool, typer.Option(help="replace an existing debrief.html")] = False,
) -> None:
    """Place recorded bets and the tables' results within the model's ensemble: debrief.html."""
    from sim.teaching.debrief import debrief_page
    from sim.teaching.predictions import read_predictions

    ld = _load(name)
    try:
        entries = read_predictions(predictions, ld)
    except ScenarioError as exc:
        raise fail(exc.problems) from None
    target = out_dir or predictions.parent
    problem = prepare_output_dir(target, allow_existing=True)
    if problem:
        raise fail([problem])
    if (target / "debrief.html").exists() and not force:
        raise fail([f"{target / 'debrief.html'} exists; pass --force to replace it, or --out another folder"])
    f = _compute(ld, runs)
    page, placed = debrief_page(f, entries, _relative(predictions))
    write_atomic(target / "debrief.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
    t = Table(title="Placed within the ensemble", title_justify="left")
    for col in ("who", "question", "answer", "where it falls"):
        t.add_column(col)
    for p in placed:
        t.add_row(*(Text(x) for x in (p.who, p.question, p.answer, p.where)))
    out.print(t)
    out.print(
        f"wrote {escape(str(target / 'debrief.html'))} ({len(placed)} entries, {f.total_runs} runs)",
        highlight=False,
    )
