"""The shared visual language of every figure: colours, names, dates and layout.

One colour-blind-safe colour per actor, per phase state and per outcome (Okabe & Ito, 2008), the same
in every figure, report and dashboard; calendar dates on time axes; large type for projectors.
Text that comes from a scenario file is HTML-escaped here, once, because plotly renders a subset of
HTML in titles and hovers: a scenario titled ``<script>`` must show as text.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import plotly.graph_objects as go

from sim.model.phases import PhaseStatus
from sim.model.results import NO_TRUCE
from sim.scenario.schema import Scenario

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Okabe & Ito's palette, ordered so the first three (the baseline's actors) differ most."""

STATUS_COLOURS: dict[str, str] = {
    PhaseStatus.NOT_STARTED: "#E8E8E8",
    PhaseStatus.NEGOTIATING: "#E69F00",
    PhaseStatus.IN_FORCE: "#009E73",
    PhaseStatus.RENEWED: "#56B4E9",
    PhaseStatus.EXPIRED: "#8C8C8C",
    PhaseStatus.COLLAPSED: "#D55E00",
    PhaseStatus.REJECTED: "#CC79A7",
}
STATUS_NAMES: dict[str, str] = {
    PhaseStatus.NOT_STARTED: "not started",
    PhaseStatus.NEGOTIATING: "negotiating",
    PhaseStatus.IN_FORCE: "in force",
    PhaseStatus.RENEWED: "in force (renewed)",
    PhaseStatus.EXPIRED: "expired",
    PhaseStatus.COLLAPSED: "collapsed",
    PhaseStatus.REJECTED: "talks abandoned",
}
OUTCOME_COLOURS = ("#8C8C8C", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#F0E442", "#000000")
"""No truce first (grey), then the scenario's outcomes from least to most far-reaching."""

DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
"""Line patterns that tell apart series of one colour (an actor's trust in each enemy)."""
BAND_OPACITY = {50: 0.45, 80: 0.28, 90: 0.16}
FONT_SIZE = 16
DAY = 86_400_000
"""One day in milliseconds: the unit of plotly's date axes."""


def esc(text: object) -> str:
    """Text from a scenario, safe inside plotly's HTML-like labels and in HTML text content.

    Quotes stay as they are: plotly decodes ``&lt; &gt; &amp;`` but would show ``&quot;`` literally.
    HTML attributes need :func:`html.escape` with quotes (``sim.reports.html`` does that).
    """
    return html.escape(str(text), quote=False)


def band_colour(colour: str, width: int) -> str:
    """A fan band of ``width`` percent in a given colour (wider bands are paler)."""
    return with_alpha(colour, BAND_OPACITY[width])


def with_alpha(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as ``rgba(r, g, b, alpha)``: fan bands in an actor's colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


@dataclass(frozen=True)
class Labels:
    """What figures need from a scenario: escaped names, colours and the calendar, as plain data."""

    name: str
    title: str
    start_date: dt.date
    actors: dict[str, str]
    phases: dict[str, str]
    domains: dict[str, str]
    outcomes: dict[str, str]
    """Outcome id -> colour, from no truce to the most far-reaching."""
    actor_colours: dict[str, str]

    @classmethod
    def of(cls, scenario: Scenario) -> Labels:
        outcomes = [NO_TRUCE, *scenario.outcomes]
        return cls(
            name=scenario.name,
            title=esc(scenario.title),
            start_date=scenario.start_date,
            actors={a: esc(actor.name) for a, actor in scenario.actors.items()},
            phases={p: esc(phase.title) for p, phase in scenario.phases.items()},
            domains={d: esc(domain.description) for d, domain in scenario.domains.items()},
            outcomes={o: OUTCOME_COLOURS[i % len(OUTCOME_COLOURS)] for i, o in enumerate(outcomes)},
            actor_colours={a: OKABE_ITO[i % len(OKABE_ITO)] for i, a in enumerate(scenario.actors)},
        )

    def date(self, day: int | float) -> dt.date:
        """The calendar date of a simulated day (day 0 is the scenario's start date)."""
        return self.start_date + dt.timedelta(days=int(day))

    def actor(self, actor_id: str) -> str:
        return self.actors.get(actor_id, esc(actor_id))

    def phase(self, phase_id: str) -> str:
        return self.phases.get(phase_id, esc(phase_id))

    def outcome(self, outcome_id: str) -> str:
        return esc(outcome_id.replace("_", " "))


_AXIS = {
    "showline": True,
    "linecolor": "#444444",
    "ticks": "outside",
    "tickcolor": "#444444",
    "showgrid": False,
    "zeroline": False,
    "automargin": True,
}
HOUSE = go.layout.Template(
    layout={
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(OKABE_ITO),
        "xaxis": _AXIS,
        "yaxis": _AXIS,
    }
)
"""A small template of our own: plotly's named templates cost a deep copy per figure and ~10 KB of
JSON each in the page."""


LEGEND_WIDTH = 1150
"""The width (px) a legend row is assumed to have: the report's figures are about 1,200 px wide."""


def legend_rows(fig: go.Figure) -> int:
    """How many rows the horizontal legend takes, estimated from its entries' text lengths."""
    names, seen = [], set()
    for t in fig.data:
        name, shown = getattr(t, "name", None), getattr(t, "showlegend", None)
        group = getattr(t, "legendgroup", None) or name
        if shown is False or not name or group in seen:
            continue
        seen.add(group)
        names.append(html.unescape(name))
    if not names or (len(names) == 1 and getattr(fig.data[0], "showlegend", None) is None):
        return 0
    rows, used = 1, 0.0
    for name in names:
        width = 45 + 0.56 * FONT_SIZE * len(name)
        if used and used + width > LEGEND_WIDTH:
            rows, used = rows + 1, 0.0
        used += width
    return rows


def styled(fig: go.Figure, title: str, *, height: int = 480, legend: bool = True) -> go.Figure:
    """Apply the house layout: a question as the title, large type, white ground, legend on top.

    The top margin grows with the legend's rows (and subplot titles), so they never overlap the
    title or the plot.
    """
    rows = legend_rows(fig) if legend else 0
    subtitles = 26 if fig.layout.annotations else 6
    menu = 44 if fig.layout.updatemenus else 0
    top = 58 + 28 * rows + subtitles + menu
    height += top - 110
    fig.update_layout(
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1 - 14 / height,
            "yanchor": "top",
            "font": {"size": FONT_SIZE + 4},
        },
        template=HOUSE,
        font={"size": FONT_SIZE, "family": "Arial, Helvetica, sans-serif"},
        height=height,
        margin={"l": 70, "r": 30, "t": top, "b": 60},
        showlegend=legend and rows > 0,
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 1 - 54 / height,
            "yanchor": "top",
            "xanchor": "left",
            "x": 0.0,
        },
        hoverlabel={"font": {"size": FONT_SIZE - 2}, "align": "left"},
    )
    return fig


def time_axis(fig: go.Figure, **kwargs: object) -> None:
    """Calendar dates on every x axis, ticks at month starts."""
    fig.update_xaxes(type="date", tickformat="%d %b<br>%Y", showgrid=True, gridcolor="#EEEEEE", **kwargs)


def interval_bars(frame) -> dict:
    """Whiskers from a frame's ``share``, ``low`` and ``high`` columns (a 95% interval of a share)."""
    return {
        "type": "data",
        "symmetric": False,
        "array": frame["high"] - frame["share"],
        "arrayminus": frame["share"] - frame["low"],
        "color": "#333333",
    }
