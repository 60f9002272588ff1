"""What every job shares: its one error type, and holding an output folder with errors made one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.experiments.folder import FolderError, Mode, OutputFolder, new_results_dir, open_output
from sim.experiments.store import StoreError


class JobError(Exception):
    """A job that cannot be done or did not finish: one line per problem, and the exit code it means.

    ``code`` 2: bad input (a flag, a file, a folder), found before anything was written where that is
    possible; 1: the work failed part-way (failed runs, a broken executor), what finished is kept;
    130: interrupted (Ctrl-C).
    """

    def __init__(self, problems: list, code: int = 2) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)
        self.code = code


@contextmanager
def output(
    target: Path, mode: Mode, *, hint: str = "choose another --out", fresh: bool = False
) -> Iterator[OutputFolder]:
    """:func:`sim.experiments.folder.open_output`, with folder and stored-table errors as JobError."""
    try:
        with open_output(target, mode, hint=hint, fresh=fresh) as folder:
            yield folder
    except (FolderError, StoreError) as exc:
        raise JobError([str(exc)]) from None


def results_folder(name: str, prefix: str = "") -> Path:
    """A new folder under results/ for an output without --out (JobError if it cannot be made)."""
    try:
        return new_results_dir(name, prefix)
    except FolderError as exc:
        raise JobError([str(exc)]) from None
