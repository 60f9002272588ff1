"""The ``report`` command, and the report step that ``run``, ``sweep`` and ``analyze`` end with."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.cli.exits import fail
from sim.reports.build import (
    IMAGE_FORMATS,
    REPORT_FILE,
    ImageExportUnavailable,
    ReportError,
    build_report,
    export_images,
    write_report,
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


ImageFormat = StrEnum("ImageFormat", {f: f for f in IMAGE_FORMATS})
"""The formats ``--format`` takes: those :func:`sim.reports.build.export_images` writes."""


FormatOption = Annotated[
    ImageFormat | None,
    typer.Option(
        "--format",
        help="also export every figure as an image (needs Chromium) into FOLDER/figures/",
        case_sensitive=False,
    ),
]


def write_folder_report(folder: Path, fmt: ImageFormat | None = None, *, strict: bool = False) -> bool:
    """Build and write ``folder/report.html`` (and images if asked); one line on success or failure.

    After a run or sweep the tables are already safe on disk, so a report that cannot be built is
    a warning there (``strict=False``) and an error for the ``report`` command itself.
    """
    started = time.perf_counter()
    try:
        report = build_report(folder)
        size = write_report(report, folder / REPORT_FILE)
    except Exception as exc:  # a bug in a figure must not turn a finished run into a traceback
        text = " ".join(str(exc).split())
        if not isinstance(exc, ReportError):
            text = f"{folder}: {type(exc).__name__}: {text} (a bug: please report it)"
        if strict:  # the folder's data is unchanged: an older report.html, if any, still describes it
            raise fail([f"report not written: {text}"]) from None
        stale = folder / REPORT_FILE
        if stale.exists():  # new tables were just written: an older report would describe other data
            stale.unlink()
            text += f"; the older {REPORT_FILE} was removed"
        err.print(f"[yellow]report not written[/]: {text}", highlight=False)
        return False
    out.print(
        f"wrote {folder / REPORT_FILE} ({len(report.charts)} figures, {size / 2**20:.1f} MiB, "
        f"{time.perf_counter() - started:.1f} s)",
        highlight=False,
    )
    if fmt is not None:
        try:
            paths = export_images(report, folder / "figures", fmt.value)
        except ImageExportUnavailable as exc:
            err.print(f"[yellow]no images[/]: {exc}", highlight=False)
            return not strict
        out.print(
            f"wrote {len(paths)} {fmt.value.upper()} images and their CSV data to {folder / 'figures'}/"
        )
    return True


def report(
    folder: Annotated[Path, typer.Argument(help="a folder written by run or sweep")],
    fmt: FormatOption = None,
) -> None:
    """(Re)build the self-contained HTML report of a run, ensemble or sweep folder from its files."""
    if not write_folder_report(folder, fmt, strict=True):
        raise typer.Exit(2)
