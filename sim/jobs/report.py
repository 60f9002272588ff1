"""The report step that ``run``, ``sweep`` and ``analyze`` end with, and the ``report`` job itself."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sim.jobs.common import JobError, output
from sim.reports.build import (
    REPORT_FILE,
    ImageExportUnavailable,
    ReportError,
    build_report,
    export_images,
    write_report,
)
from sim.text import neutral


@dataclass
class ReportOutcome:
    """What the report step did: written (how big, how many figures), or why not (one line)."""

    path: Path
    written: bool
    figures: int = 0
    size: int = 0
    seconds: float = 0.0
    problem: str | None = None
    """Why report.html was not written (one line); None if it was."""
    stale_removed: bool = False
    """An older report.html was removed: it would have described other data."""
    image_format: str | None = None
    images: list[Path] = field(default_factory=list)
    image_problem: str | None = None

    def moved_to(self, folder: Path) -> ReportOutcome:
        """The same outcome for a report written in a staging folder and then moved to ``folder``."""
        staged = self.path.parent
        self.path = folder / self.path.name
        self.images = [folder / "figures" / p.name for p in self.images]
        for name in ("problem", "image_problem"):
            text = getattr(self, name)
            if text:  # say the folder the user knows, not the staging folder that is gone
                setattr(self, name, text.replace(str(staged), str(folder)))
        return self

    def lines(self) -> list[tuple[str, str]]:
        """(kind, text) to show: kind ``ok`` or ``warning``; text plain (paths neutralised)."""
        if not self.written:
            gone = f"; the older {REPORT_FILE} was removed" if self.stale_removed else ""
            return [("warning", f"report not written: {self.problem}{gone}")]
        shown = [
            (
                "ok",
                f"wrote {neutral(self.path)} ({self.figures} figures, {self.size / 2**20:.1f} MiB, "
                f"{self.seconds:.1f} s)",
            )
        ]
        if self.image_problem:
            shown.append(("warning", f"no images: {self.image_problem}"))
        elif self.image_format:
            shown.append(
                (
                    "ok",
                    f"wrote {len(self.images)} {self.image_format.upper()} images and their CSV data to "
                    f"{neutral(self.path.parent / 'figures')}/",
                )
            )
        return shown


def write_folder_report(folder: Path, fmt: str | None = None, *, strict: bool = False) -> ReportOutcome:
    """Build and write ``folder/report.html`` (and images if asked); the caller holds the folder.

    After a run or sweep the tables are already safe on disk, so a report that cannot be built is a
    warning there (``strict=False``: the outcome says why, and an older report.html is removed, since
    it would describe other data) and a :class:`JobError` for the ``report`` job (``strict=True``: the
    folder is left as it was).
    """
    started = time.perf_counter()
    path = folder / REPORT_FILE
    try:
        report = build_report(folder)
        size = write_report(report, path)
    except Exception as exc:  # a bug in a figure must not turn a finished run into a traceback
        text = " ".join(str(exc).split())
        if not isinstance(exc, ReportError):
            text = f"{folder}: {type(exc).__name__}: {text} (a bug: please report it)"
        if strict:
            raise JobError([f"report not written: {text}"]) from None
        stale = path.exists()
        path.unlink(missing_ok=True)
        return ReportOutcome(path, False, problem=text, stale_removed=stale)
    outcome = ReportOutcome(path, True, len(report.charts), size, time.perf_counter() - started)
    if fmt is not None:
        outcome.image_format = fmt
        try:
            outcome.images = export_images(report, folder / "figures", fmt)
        except ImageExportUnavailable as exc:
            outcome.image_problem = str(exc)
            if strict:
                raise JobError([f"no images: {exc}"]) from None
    return outcome


def report_folder(folder: Path, fmt: str | None = None) -> ReportOutcome:
    """The ``report`` job: (re)build a run or sweep folder's report, holding the folder's lock.

    A folder another command is writing is refused (its report comes when that command ends).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise JobError([f"report not written: {folder}: no such folder"])
    with output(folder, "update"):
        return write_folder_report(folder, fmt, strict=True)
