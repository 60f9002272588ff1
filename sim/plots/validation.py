"""Figures of a validation against the observed record (docs/validation.md).

Each ``x_frame`` makes the tidy data a figure draws (and the report offers as CSV); each
``x_figure`` draws it. Pattern texts are the project's own; phase names come through ``Labels``
(escaped there).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from sim.plots.style import Labels, esc, interval_bars, styled
from sim.validation.patterns import PATTERNS
from sim.validation.validate import OBSERVED_ENERGY_END, Validation

PHASE_COLOURS = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00")
SHOWN_DAYS = 110
"""Days the course and the exchanges are drawn over: the record ends on 30 June 2025 (day 104)."""


def patterns_frame(v: Validation) -> pd.DataFrame:
    """Per pattern (and all at once): the share of runs reproducing it, its 95% interval, and
    whether 'nothing changes' reproduces it."""
    rows = [
        {
            "pattern": p.text,
            "window": p.window,
            "share": v.shares[p.id][0],
            "low": v.shares[p.id][1],
            "high": v.shares[p.id][2],
            "nothing_changes": v.naive[p.id],
        }
        for p in PATTERNS
    ]
    s, lo, hi = v.all_share
    rows.append(
        {
            "pattern": "all at once",
            "window": "",
            "share": s,
            "low": lo,
            "high": hi,
            "nothing_changes": all(v.naive.values()),
        }
    )
    return pd.DataFrame(rows)


def patterns_figure(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars with 95% whiskers (dark: calibration window, light: held out, black: all at
    once), and diamonds where the naive baseline reproduces the pattern."""
    names = [esc(x) for x in frame["pattern"]]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=frame["share"],
        orientation="h",
        name="share of the model's runs",
        marker={
            "color": [
                "#0072B2" if w == "calibration" else "#56B4E9" if w else "#000000" for w in frame["window"]
            ]
        },
        error_x=interval_bars(frame),
        hovertemplate="%{y}: %{x:.1%} of runs<extra></extra>",
    )
    fig.add_scatter(
        y=names,
        x=[1.0 if b else 0.0 for b in frame["nothing_changes"]],
        mode="markers",
        marker={"symbol": "diamond", "size": 13, "color": "#D55E00"},
        name="'nothing changes' (1: reproduces it)",
        hoverinfo="skip",
    )
    fig.update_xaxes(
        title="share of runs reproducing the pattern (observed: it happened)",
        tickformat=".0%",
        range=[0, 1.05],
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    return styled(fig, "Which observed patterns does the model reproduce?", height=520)


def course_frame(occupancy: pd.DataFrame, phases: Sequence[str]) -> pd.DataFrame:
    """Per day and phase: the share of runs with it in force, and the record's (1 in force).

    The record has only the energy moratorium in force (day 0 to its expiry); no other phase entered.
    """
    frames = []
    for p in phases:
        if p == "energy_truce":
            observed = [1.0 if 0 <= d <= OBSERVED_ENERGY_END else 0.0 for d in occupancy["day"]]
        else:
            observed = [0.0] * len(occupancy)
        frames.append(
            pd.DataFrame(
                {
                    "day": occupancy["day"],
                    "phase": p,
                    "share_in_force": occupancy[p],
                    "observed_in_force": observed,
                }
            )
        )
    return pd.concat(frames)


def course_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    """The observed course over the ensemble's share of runs with each phase in force, day by day;
    crosses mark weeks where more than half the runs differ from the record."""
    horizon = int(frame["day"].max())
    fig = go.Figure()
    for i, (key, part) in enumerate(frame.groupby("phase", sort=False)):
        p = str(key)
        colour = PHASE_COLOURS[i % len(PHASE_COLOURS)]
        days, share, observed = part["day"], part["share_in_force"], list(part["observed_in_force"])
        dates = [labels.date(d) for d in days]
        fig.add_scatter(
            x=dates,
            y=share,
            mode="lines",
            line={"color": colour, "width": 3},
            name=f"{labels.phase(p)}: share of runs in force",
        )
        fig.add_scatter(
            x=dates,
            y=observed,
            mode="lines",
            line={"color": colour, "width": 2, "dash": "dot"},
            name=f"{labels.phase(p)}: observed (1 in force)",
        )
        diverge = [
            (d, y) for d, y, o in zip(days, share, observed, strict=True) if abs(y - o) > 0.5 and d % 7 == 0
        ]
        if diverge:
            fig.add_scatter(
                x=[labels.date(d) for d, _ in diverge],
                y=[y for _, y in diverge],
                mode="markers",
                marker={"symbol": "x", "size": 10, "color": colour},
                showlegend=i == 0,
                name="model and record diverge (by more than half the runs)",
            )
    fig.update_yaxes(title="share of runs in force", tickformat=".0%", range=[-0.03, 1.05])
    fig.update_xaxes(type="date", range=[labels.date(0), labels.date(min(horizon, SHOWN_DAYS))])
    return styled(fig, "The record against the ensemble: which truce was in force, day by day?", height=560)


def exchanges_frame(exchanges: pd.DataFrame) -> pd.DataFrame:
    """Per day up to day 110: the ensemble's 10%, median and 90% cumulative exchange days, and the
    record's."""
    return exchanges[exchanges["day"] <= SHOWN_DAYS]


def exchanges_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    """Cumulative exchange days: the ensemble's median and 10-90% band, and the record's; crosses
    mark weeks where the record is outside the band."""
    q = frame
    dates = [labels.date(d) for d in q["day"]]
    fig = go.Figure()
    fig.add_scatter(x=dates, y=q["p90"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    fig.add_scatter(
        x=dates,
        y=q["p10"],
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(0, 114, 178, 0.25)",
        name="10-90% of runs",
    )
    fig.add_scatter(
        x=dates, y=q["median"], mode="lines", line={"color": "#0072B2", "width": 3}, name="median run"
    )
    fig.add_scatter(
        x=dates,
        y=q["observed"],
        mode="lines",
        line={"color": "#000000", "width": 2, "shape": "hv"},
        name="the record",
    )
    out_of_band = q[(q["observed"] > q["p90"]) | (q["observed"] < q["p10"])]
    out_of_band = out_of_band[out_of_band["day"] % 7 == 0]
    if len(out_of_band):
        fig.add_scatter(
            x=[labels.date(d) for d in out_of_band["day"]],
            y=out_of_band["observed"],
            mode="markers",
            marker={"symbol": "x", "size": 10, "color": "#D55E00"},
            name="the record outside the 10-90% band",
        )
    fig.update_yaxes(title="days with a prisoner exchange, so far", rangemode="tozero")
    fig.update_xaxes(type="date")
    return styled(fig, "Do exchanges continue as they did?", height=460)
