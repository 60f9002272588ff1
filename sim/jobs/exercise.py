"""An exercise's class pack and its debrief, computed and written into a folder.

:func:`handout_to_folder` computes the findings and writes the student handout, the instructor guide,
the role cards and a predictions file; :func:`debrief_to_folder` places a class's recorded bets and
results within the ensemble and writes debrief.html. The folder's rules keep a class's work safe: a
pack never overwrites a ``predictions.txt`` (it may hold the class's bets) nor writes into a folder
whose predictions belong to another exercise; a failed or interrupted build leaves no empty folder
behind; a rebuilt pack keeps only its own role cards; a debrief replaces debrief.html only when told.
Bad input ends in :class:`~sim.jobs.common.JobError` before anything is computed or written.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
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
from sim.teaching.findings import Findings, compute
from sim.teaching.handout import build_handout
from sim.teaching.predictions import read_predictions

PREDICTIONS = "predictions.txt"
DEBRIEF = "debrief.html"


@dataclass(frozen=True)
class HandoutOutcome:
    folder: Path
    findings: Findings
    role_cards: int
    kept_predictions: bool
    """A ``predictions.txt`` was already there and kept (the class's bets)."""
    seconds: float


@dataclass(frozen=True)
class DebriefOutcome:
    path: Path
    """The debrief.html written."""
    findings: Findings
    placed: list[Placement]


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

    ``force`` writes into a non-empty folder: the pages are rewritten, a ``predictions.txt`` is kept.
    """
    _check_engine(engine)
    started = time.perf_counter()
    target = out or Path("handouts") / loaded.name
    with pack_folder(target, loaded.name, force):
        f = compute(loaded, runs, on_run_done=on_run_done, engine=engine)
        pack = build_handout(f, shown(loaded.path))
        pages = {"handout.html": pack.student, "instructor.html": pack.instructor}
        pages.update({f"roles/{r}.html": html for r, html in pack.roles.items()})
        kept = write_pack(target, pages, pack.predictions)
    return HandoutOutcome(target, f, len(pack.roles), kept, time.perf_counter() - started)


def debrief_to_folder(
    loaded: LoadedExercise,
    predictions: Path,
    out: Path | None = None,
    *,
    runs: int | None = None,
    force: bool = False,
    on_run_done: Callable[[int], None] | None = None,
    source: str | None = None,
    engine: str = "batch",
) -> DebriefOutcome:
    """Place the bets and table results in ``predictions`` within the ensemble; write debrief.html
    into ``out`` (default: the predictions file's folder). ``source`` names the file on the page."""
    _check_engine(engine)
    try:
        entries = read_predictions(predictions, loaded)
    except ScenarioError as exc:
        raise JobError(exc.problems) from None
    path = debrief_folder(out or predictions.parent, force)
    f = compute(loaded, runs, on_run_done=on_run_done, engine=engine)
    page, placed = debrief_page(f, entries, source or str(predictions))
    write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return DebriefOutcome(path, f, placed)


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
    other = predictions_of_another_exercise(target / PREDICTIONS, name)
    if other:
        raise JobError([f"{target / PREDICTIONS} holds the bets of exercise {other!r}; --out another folder"])
    existed = target.exists()
    if force and target.is_dir() and any(target.iterdir()):
        try:
            refuse_dangerous(target)
        except FolderError as exc:
            raise JobError([str(exc)]) from None
        if not any((target / page).is_file() for page in ("handout.html", "instructor.html")):
            raise JobError(
                [
                    f"{target}: not a class pack folder (no handout.html or instructor.html); "
                    "--force rewrites "
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
    """Write the pack's pages (``handout.html``, ``roles/x.html``, ...) and, unless one is there
    already, ``predictions.txt``; role cards of an earlier build that this one lacks are removed.
    True if a ``predictions.txt`` was there and kept."""
    files = dict(pages)
    kept = (target / PREDICTIONS).exists()
    if not kept:
        files[PREDICTIONS] = predictions
    (target / "roles").mkdir(exist_ok=True)
    for rel, text in files.items():
        write_atomic(target / rel, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    for card in (target / "roles").glob("*.html"):  # a rebuilt pack has only its own role cards
        if f"roles/{card.name}" not in files:
            card.unlink()
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
