"""An exercise's class pack and its debrief, computed and written into a folder.

:func:`handout_to_folder` computes the findings and writes the pack in three folders, so what goes to
whom cannot be mixed up::

    NAME/student/handout.html       the handout, for the whole class (no answers)
    NAME/student/predictions.txt    the class's bets, filled in during class
    NAME/roles/ROLE.html            one card per player (confidential): printed, handed out one each
    NAME/instructor/guide.html      the instructor guide with the answer key and the epilogue
    NAME/instructor/ensemble.json   what the answer key was computed from, and what it printed

:func:`debrief_to_folder` places a class's recorded bets and results within the ensemble and writes
debrief.html; given the pack's ``student/predictions.txt`` it reads ``instructor/ensemble.json`` and
recomputes the same runs on the same engine, so its numbers are the answer key's, and it says so when
anything differs (the runs or engine asked for, the exercise, a scenario, a figure).

The folder's rules keep a class's work safe: a pack never overwrites a ``predictions.txt`` (it may hold
the class's bets) nor writes into a folder whose predictions belong to another exercise; a failed or
interrupted build leaves no empty folder behind; a rebuilt pack keeps only its own role cards (and
drops the single-folder layout's pages); a debrief replaces debrief.html only when told. Bad input
ends in :class:`~sim.jobs.common.JobError` before anything is computed or written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sim.data import shown
from sim.experiments.engines import ENGINES
from sim.experiments.folder import FolderError, prepare_output_dir, refuse_dangerous
from sim.experiments.store import write_atomic
from sim.jobs.common import JobError
from sim.scenario.loader import ScenarioError
from sim.scenario.reading import read_text
from sim.teaching.debrief import Placement, debrief_page
from sim.teaching.exercise import LoadedExercise
from sim.teaching.findings import (
    Findings,
    answer_differences,
    compute,
    ensemble_record,
    recorded_runs,
    setup_differences,
)
from sim.teaching.handout import build_handout, version
from sim.teaching.predictions import read_predictions

STUDENT, ROLES, INSTRUCTOR = "student", "roles", "instructor"
PREDICTIONS = "predictions.txt"
HANDOUT = f"{STUDENT}/handout.html"
GUIDE = f"{INSTRUCTOR}/guide.html"
RECORD = f"{INSTRUCTOR}/ensemble.json"
BETS = f"{STUDENT}/{PREDICTIONS}"
LEGACY_PAGES = ("handout.html", "instructor.html")
"""The pages of the single-folder layout (before the student/instructor split); a rebuild drops them."""
DEBRIEF = "debrief.html"


@dataclass(frozen=True)
class HandoutOutcome:
    folder: Path
    findings: Findings
    role_cards: int
    kept_predictions: bool
    """A ``student/predictions.txt`` was already there and kept (the class's bets)."""
    seconds: float


@dataclass(frozen=True)
class DebriefOutcome:
    path: Path
    """The debrief.html written."""
    findings: Findings
    placed: list[Placement]
    record: Path | None = None
    """The pack's ensemble record the debrief recomputed, if one was found."""
    warnings: list[str] = field(default_factory=list)
    """What differs from the handout's answer key (also on the page)."""


def handout_to_folder(
    loaded: LoadedExercise,
    out: Path | None = None,
    *,
    runs: int | None = None,
    force: bool = False,
    on_run_done: Callable[[int], None] | None = None,
    engine: str = "batch",
) -> HandoutOutcome:
    """Compute the findings (ensembles on ``engine``) and write the class pack into ``out`` (default:
    handouts/NAME).

    ``force`` writes into a non-empty pack folder: the pages are rewritten, a ``predictions.txt`` is kept.
    """
    _check_engine(engine)
    started = time.perf_counter()
    target = out or Path("handouts") / loaded.name
    with pack_folder(target, loaded.name, force):
        exercise_bytes = read_text(loaded.path).encode("utf-8")
        f = compute(loaded, runs, on_run_done=on_run_done, engine=engine)
        pack = build_handout(f, shown(loaded.path))
        record = ensemble_record(f, exercise_bytes, dt.date.today().isoformat(), version())
        pages = {
            HANDOUT: pack.student,
            GUIDE: pack.instructor,
            RECORD: json.dumps(record, indent=2, ensure_ascii=False) + "\n",
        }
        pages.update({f"{ROLES}/{r}.html": html for r, html in pack.roles.items()})
        kept = write_pack(target, pages, pack.predictions)
    return HandoutOutcome(target, f, len(pack.roles), kept, time.perf_counter() - started)


def pack_record(predictions: Path) -> Path | None:
    """The ensemble record of the pack a predictions file belongs to (``NAME/student/predictions.txt``
    -> ``NAME/instructor/ensemble.json``), if there is one."""
    folder = predictions.parent
    if folder.name != STUDENT:  # "." or "": the working folder may be the pack's student/
        folder = folder.resolve()
        if folder.name != STUDENT:
            return None
    record = folder.parent / RECORD
    return record if record.is_file() else None


def read_record(path: Path) -> dict:
    """An ensemble record; :class:`JobError` (one line) if it cannot be read."""
    try:
        data = json.loads(read_text(path))
    except (ScenarioError, ValueError) as exc:
        raise JobError([f"{path}: not a readable ensemble record ({exc}); rebuild the pack"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("arms"), dict):
        raise JobError([f"{path}: not an ensemble record (no 'arms'); rebuild the pack"])
    return data


@dataclass(frozen=True)
class DebriefPlan:
    """How a debrief computes: the runs per ensemble and the engine, and the record they come from."""

    runs: int | Mapping[str, int] | None
    engine: str
    record: dict | None
    record_path: Path | None


def debrief_plan(predictions: Path, runs: int | None = None, engine: str | None = None) -> DebriefPlan:
    """The runs and engine of a debrief: those asked for, else the pack's record's, else the defaults."""
    if engine is not None:
        _check_engine(engine)
    path = pack_record(predictions)
    record = read_record(path) if path is not None else None
    if record is None:
        return DebriefPlan(runs, engine or "batch", None, None)
    recorded_engine = record.get("engine") if record.get("engine") in ENGINES else "batch"
    return DebriefPlan(
        runs if runs is not None else recorded_runs(record), engine or recorded_engine, record, path
    )


def debrief_to_folder(
    loaded: LoadedExercise,
    predictions: Path,
    out: Path | None = None,
    *,
    runs: int | None = None,
    force: bool = False,
    on_run_done: Callable[[int], None] | None = None,
    source: str | None = None,
    engine: str | None = None,
) -> DebriefOutcome:
    """Place the bets and table results in ``predictions`` within the ensemble; write debrief.html
    into ``out`` (default: the pack's instructor folder, else the predictions file's folder).

    With the pack's ensemble record the runs and engine are the answer key's unless ``runs`` or
    ``engine`` say otherwise; every difference from the answer key is a warning on the page and in
    the outcome. ``source`` names the file on the page.
    """
    plan = debrief_plan(predictions, runs, engine)
    try:
        entries = read_predictions(predictions, loaded)
    except ScenarioError as exc:
        raise JobError(exc.problems) from None
    default = plan.record_path.parent if plan.record_path is not None else predictions.parent
    path = debrief_folder(out or default, force)
    warnings: list[str] = []
    if plan.record is not None:
        warnings += setup_differences(
            loaded, plan.record, read_text(loaded.path).encode("utf-8"), runs, engine
        )
    f = compute(loaded, plan.runs, on_run_done=on_run_done, engine=plan.engine)
    if plan.record is not None:
        warnings += answer_differences(f, plan.record)
    basis = (
        f"the handout's ensemble ({shown(plan.record_path)})"
        if plan.record_path is not None
        else "runs computed now (no ensemble record of a pack beside the predictions file)"
    )
    page, placed = debrief_page(f, entries, source or str(predictions), warnings=warnings, basis=basis)
    write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return DebriefOutcome(path, f, placed, plan.record_path, warnings)


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise JobError([f"--engine: expected {' or '.join(ENGINES)}, got {engine!r}"])


def predictions_of_another_exercise(path: Path, name: str) -> str | None:
    """The exercise a predictions file's header names, if it is not ``name`` (its bets belong there)."""
    try:
        first = read_text(path).splitlines()[0]  # a regular, bounded file: a FIFO there never blocks
    except (ScenarioError, IndexError):
        return None
    match = re.match(r"# Predictions for the exercise '([a-z][a-z0-9_]*)'", first)
    return match[1] if match and match[1] != name else None


@contextmanager
def pack_folder(target: Path, name: str, force: bool) -> Iterator[Path]:
    """Check and create the folder for exercise ``name``'s pack before any work; yield it.

    If the block fails or is interrupted and the folder is new and still empty, it is removed.
    :class:`JobError` (one line) if the folder cannot take the pack.
    """
    for bets in (target / BETS, target / PREDICTIONS):  # and the single-folder layout's
        other = predictions_of_another_exercise(bets, name)
        if other:
            raise JobError([f"{bets} holds the bets of exercise {other!r}; --out another folder"])
    existed = target.exists()
    if force and target.is_dir() and any(target.iterdir()):
        try:
            refuse_dangerous(target)
        except FolderError as exc:
            raise JobError([str(exc)]) from None
        if not any((target / page).is_file() for page in (HANDOUT, GUIDE, *LEGACY_PAGES)):
            raise JobError(
                [
                    f"{target}: not a class pack folder (no {HANDOUT} or {GUIDE}); --force rewrites "
                    "only class packs: choose another --out (nothing was written)"
                ]
            )
    problem = prepare_output_dir(target, allow_existing=force)
    if problem:
        raise JobError(
            [
                f"{problem}; choose another --out or pass --force (nothing was written)"
                if "not empty" in problem
                else problem
            ]
        )
    try:
        yield target
    except BaseException:
        if not existed and target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        raise


def write_pack(target: Path, pages: Mapping[str, str], predictions: str) -> bool:
    """Write the pack's files (``student/handout.html``, ``roles/x.html``, ...) and, unless one is
    there already, ``student/predictions.txt``; role cards of an earlier build that this one lacks,
    and the single-folder layout's pages, are removed. True if a ``predictions.txt`` was kept."""
    files = dict(pages)
    kept = (target / BETS).exists()
    if not kept:
        files[BETS] = predictions
    for folder in (STUDENT, ROLES, INSTRUCTOR):
        (target / folder).mkdir(exist_ok=True)
    for rel, text in files.items():
        write_atomic(target / rel, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    for card in (target / ROLES).glob("*.html"):  # a rebuilt pack has only its own role cards
        if f"{ROLES}/{card.name}" not in files:
            card.unlink()
    for old in LEGACY_PAGES:  # an answer key left beside the student's pages would defeat the split
        if (target / old).is_file():
            (target / old).unlink()
    return kept


def debrief_folder(target: Path, force: bool) -> Path:
    """Check and create the debrief's folder before any work; the debrief.html it will hold."""
    problem = prepare_output_dir(target, allow_existing=True)
    if problem:
        raise JobError([problem])
    page = target / DEBRIEF
    if page.exists() and not force:
        raise JobError([f"{page} exists; pass --force to replace it, or --out another folder"])
    return page
