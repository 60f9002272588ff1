"""What a report is made of, as data: charts with their tidy data, sections, the page's caption.

The builders fill it (``sim.reports.build``, teaching, validation); ``sim.reports.html`` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go


@dataclass
class Chart:
    """One figure, the tidy data it draws (offered as CSV), and what its quantities mean."""

    name: str
    figure: go.Figure
    data: pd.DataFrame
    note: str = ""


@dataclass
class Section:
    """Titles, intro and table cells are HTML: anything from a file in them is escaped already."""

    title: str
    intro: str = ""
    charts: list[Chart] = field(default_factory=list)
    table: list[tuple[str, str]] = field(default_factory=list)
    """Key figures shown as a two-column table above the charts ("at a glance")."""


@dataclass
class Report:
    title: str
    kind: str
    """``run``, ``ensemble`` or ``sweep``."""
    caption: str
    sections: list[Section]
    provenance: list[tuple[str, str, str, str]]
    """(parameter path, value, source, quote or assumption) for every seeded value."""
    manifest: dict

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]
