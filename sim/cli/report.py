"""The ``report`` command, and how the report step that ``run``, ``sweep`` and ``analyze`` end with is shown.

The step itself is :func:`sim.jobs.write_folder_report`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from sim.cli.exits import fail
from sim.jobs import JobError, ReportOutcome, report_folder
from sim.reports.build import IMAGE_FORMATS
from sim.text import neutral

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


def show_report(outcome: ReportOutcome | None) -> None:
    """Print what the report step did: a "wrote" line, or a one-line warning (stderr)."""
    if outcome is None:
        return
    for kind, text in outcome.lines():
        if kind == "ok":
            out.print(neutral(text), markup=False, highlight=False)
        else:  # "report not written: why" with the head in yellow; the text is data, never markup
            head, _, why = neutral(text).partition(": ")
            err.print(Text.assemble((head, "yellow"), ": ", why), highlight=False)


def report(
    folder: Annotated[Path, typer.Argument(help="a folder written by run or sweep")],
    fmt: FormatOption = None,
) -> None:
    """(Re)build the self-contained HTML report of a run, ensemble or sweep folder from its files."""
    try:
        outcome = report_folder(folder, fmt.value if fmt else None)
    except JobError as exc:
        raise fail(exc.problems) from None
    show_report(outcome)
