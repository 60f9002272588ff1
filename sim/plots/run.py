"""Figures of a single run: what happened, day by day, and why.

Each figure is a pair: ``x_frame(...)`` shapes the stored tables into the tidy data the figure draws
(and that the report offers as CSV), ``x_figure(frame, labels)`` draws it. No I/O here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.plots.events import explain
from sim.plots.style import DASHES, DAY, STATUS_COLOURS, STATUS_NAMES, Labels, styled, time_axis

TIMELINE_EVENTS = ("open", "enter_force", "withdraw", "renewed", "expired", "reopen", "abandon")


def _hover(events: pd.DataFrame, labels: Labels) -> list[str]:
    return [explain(row, labels) for row in events.to_dict("records")]


def _dates(labels: Labels, days: pd.Series) -> list:
    return [labels.date(d) for d in days]


# -- phase timeline ------------------------------------------------------------------------------
def timeline_frame(days: pd.DataFrame, phases: Sequence[str]) -> pd.DataFrame:
    """Each phase's states as segments: a row per unbroken stretch of days in one state."""
    rows = []
    for phase in phases:
        status = days[f"{phase}_status"].astype(str).to_numpy()
        day = days["day"].to_numpy()
        start = 0
        for i in range(1, len(status) + 1):
            if i == len(status) or status[i] != status[start]:
                rows.append(
                    {
                        "phase": phase,
                        "status": status[start],
                        "first_day": int(day[start]),
                        "last_day": int(day[i - 1]),
                        "days": int(day[i - 1] - day[start] + 1),
                    }
                )
                start = i
    return pd.DataFrame(rows, columns=["phase", "status", "first_day", "last_day", "days"])


def timeline_figure(frame: pd.DataFrame, events: pd.DataFrame, labels: Labels) -> go.Figure:
    """A Gantt chart of the phases over calendar dates, with the turning points marked."""
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        seg = frame[frame["status"] == status]
        if seg.empty:
            continue
        first = [labels.date(d) for d in seg["first_day"]]  # day d is drawn at date(d), as everywhere
        text = [
            f"{labels.phase(p)}: {STATUS_NAMES[status]}<br>{labels.date(a):%d %b} to "
            f"{labels.date(b):%d %b %Y} ({n} day{'s' if n != 1 else ''})"
            for p, a, b, n in zip(seg["phase"], seg["first_day"], seg["last_day"], seg["days"], strict=True)
        ]
        fig.add_bar(
            orientation="h",
            base=[str(d) for d in first],
            x=[n * DAY for n in seg["days"]],
            y=[labels.phase(p) for p in seg["phase"]],
            name=STATUS_NAMES[status],
            marker={"color": colour, "line": {"color": "white", "width": 0.5}},
            hovertext=text,
            hoverinfo="text",
        )
    marks = events[events["event"].isin(TIMELINE_EVENTS)]
    if not marks.empty:
        fig.add_scatter(
            x=_dates(labels, marks["day"]),
            y=[labels.phase(p) for p in marks["phase"]],
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 22, "color": "#000000", "line": {"width": 2}},
            name="turning points",
            hovertext=_hover(marks, labels),
            hoverinfo="text",
        )
    order = [labels.phase(p) for p in dict.fromkeys(frame["phase"])]
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed", title=None)
    time_axis(fig)
    height = 140 + 70 * frame["phase"].nunique()
    return styled(fig, "Which phase was negotiated, in force or broken, and when?", height=height)


# -- trust ---------------------------------------------------------------------------------------
def trust_pairs(columns: Sequence[str], actors: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``trust_{a}_{b}`` columns as (a, b), matched against the actor ids (ids may contain ``_``)."""
    pairs = {f"trust_{a}_{b}": (a, b) for a in actors for b in actors if a != b}
    return {c: pairs[c] for c in columns if c in pairs}


def trust_frame(days: pd.DataFrame, actors: Sequence[str]) -> pd.DataFrame:
    """Trust of each actor in each enemy per day (long form: day, actor, other, trust)."""
    pairs = trust_pairs(list(days.columns), actors)
    parts = [
        pd.DataFrame({"day": days["day"], "actor": a, "other": b, "trust": days[col]})
        for col, (a, b) in pairs.items()
    ]
    if not parts:
        return pd.DataFrame(columns=["day", "actor", "other", "trust"])
    return pd.concat(parts, ignore_index=True)


def trust_figure(frame: pd.DataFrame, events: pd.DataFrame, labels: Labels) -> go.Figure:
    """Trust between each pair, with each perceived violation marked where it hit.

    Colour says who trusts, the dash pattern whom (when an actor has more than one enemy).
    """
    fig = go.Figure()
    others: dict[str, list[str]] = {}
    for (actor, other), g in frame.groupby(["actor", "other"], sort=False):
        others.setdefault(actor, []).append(other)
        colour = labels.actor_colours.get(actor, "#000000")
        name = f"{labels.actor(actor)} trusts {labels.actor(other)}"
        fig.add_scatter(
            x=_dates(labels, g["day"]),
            y=g["trust"],
            mode="lines",
            name=name,
            line={"color": colour, "width": 3, "dash": DASHES[(len(others[actor]) - 1) % len(DASHES)]},
            meta=name,
            hovertemplate="%{meta}: %{y:.2f}<extra>%{x|%d %b %Y}</extra>",
        )
        seen = events[(events["event"] == "perceive") & (events["actor"] == actor)]
        seen = seen[seen["detail"].str.split(" ").str[0] == other]
        if not seen.empty:
            level = g.set_index("day")["trust"].reindex(seen["day"]).to_numpy()
            false = ~seen["detail"].str.endswith("detected").to_numpy()  # false alarms and disputed
            fig.add_scatter(
                x=_dates(labels, seen["day"]),
                y=level,
                mode="markers",
                name=f"{labels.actor(actor)} perceives a violation by {labels.actor(other)}",
                marker={
                    "color": colour,
                    "size": 10,
                    "symbol": ["x-thin-open" if f else "circle" for f in false],
                    "line": {"color": colour, "width": 2},
                },
                hovertext=_hover(seen, labels),
                hoverinfo="text",
            )
    fig.update_yaxes(title="trust (0: none, 1: full)", range=[0, 1])
    time_axis(fig)
    return styled(fig, "How does trust between the parties move? (x: false alarm, o: detected violation)")


# -- violations ----------------------------------------------------------------------------------
def violations_frame(days: pd.DataFrame, domains: Sequence[str]) -> pd.DataFrame:
    """Cumulative true and perceived violations per domain (long form).

    Folders written before per-domain counts were recorded have totals only: one domain, ``all``.
    """
    if not any(f"violations_true_{d}" in days for d in domains):
        domains = ["all"]
        days = days.rename(
            columns={
                "violations_true": "violations_true_all",
                "violations_perceived": "violations_perceived_all",
            }
        )
    rows = []
    for d in domains:
        for kind in ("true", "perceived"):
            col = f"violations_{kind}_{d}"
            if col in days:
                rows.append(
                    pd.DataFrame(
                        {"day": days["day"], "domain": d, "kind": kind, "cumulative": days[col].cumsum()}
                    )
                )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["day", "domain", "kind"])


def violations_figure(frame: pd.DataFrame, events: pd.DataFrame, labels: Labels) -> go.Figure:
    """True against perceived violations, one panel per domain, each strike explained on hover."""
    domains = list(dict.fromkeys(frame["domain"]))
    fig = make_subplots(
        rows=max(1, len(domains)),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[labels.domains.get(d, "All domains") for d in domains],
        vertical_spacing=80 / (200 + 230 * max(1, len(domains))),
    )
    styles = {"true": ("#000000", "solid", "true violations"), "perceived": ("#D55E00", "dash", "perceived")}
    for i, d in enumerate(domains, start=1):
        for kind, (colour, dash, name) in styles.items():
            g = frame[(frame["domain"] == d) & (frame["kind"] == kind)]
            fig.add_scatter(
                x=_dates(labels, g["day"]),
                y=g["cumulative"],
                mode="lines",
                line={"color": colour, "dash": dash, "width": 3, "shape": "hv"},
                name=name,
                legendgroup=kind,
                showlegend=i == 1,
                hovertemplate=f"{name} so far: %{{y}}<extra>%{{x|%d %b %Y}}</extra>",
                row=i,
                col=1,
            )
        # a decided strike inside a truce, or a scheduled incident a truce covered (phase set)
        incident = (events["event"] == "incident") & (events["phase"].fillna("") != "")
        strikes = events[(events["event"] == "strike") | incident]
        if d != "all":
            strikes = strikes[strikes["detail"].str.startswith(f"{d} vs ")]
        if not strikes.empty:
            true = frame[(frame["domain"] == d) & (frame["kind"] == "true")]
            true_cum = true.set_index("day")["cumulative"]
            fig.add_scatter(
                x=_dates(labels, strikes["day"]),
                y=true_cum.reindex(strikes["day"]).to_numpy(),
                mode="markers",
                marker={
                    "color": [labels.actor_colours.get(a, "#000") for a in strikes["actor"]],
                    "size": 9,
                },
                name="a violation (colour: who struck)",
                legendgroup="strike",
                showlegend=i == 1,
                hovertext=_hover(strikes, labels),
                hoverinfo="text",
                row=i,
                col=1,
            )
        fig.update_yaxes(title_text="count", rangemode="tozero", row=i, col=1)
    time_axis(fig)
    return styled(
        fig,
        "How many truce violations happened, and how many did each side believe happened?",
        height=200 + 230 * max(1, len(domains)),
    )


# -- costs ---------------------------------------------------------------------------------------
def costs_frame(days: pd.DataFrame) -> pd.DataFrame:
    """Each belligerent's cumulative cost of war per day (long form)."""
    cols = [c for c in days.columns if c.startswith("cost_")]
    long = days.melt(id_vars=["day"], value_vars=cols, var_name="actor", value_name="cost")
    long["actor"] = long["actor"].str.removeprefix("cost_")
    return long[["day", "actor", "cost"]]


def costs_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    fig = go.Figure()
    for actor, g in frame.groupby("actor", sort=False):
        name = labels.actor(actor)
        fig.add_scatter(
            x=_dates(labels, g["day"]),
            y=g["cost"],
            mode="lines",
            name=name,
            line={"color": labels.actor_colours.get(actor, "#000"), "width": 3},
            meta=name,
            hovertemplate="%{meta}: %{y:.1f} cost units so far<extra>%{x|%d %b %Y}</extra>",
        )
    fig.update_yaxes(title="cumulative cost of war (model units)", rangemode="tozero")
    time_axis(fig)
    return styled(fig, "What has the war cost each side so far?")


# -- packages against reservation values ---------------------------------------------------------
def offers_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Every package put to a party: its value to them, their reservation value, and the answer."""
    cols = ["day", "actor", "phase", "event", "utility", "reservation", "p", "detail"]
    picked = events[events["event"].isin(("accept", "reject", "renew", "let_expire"))]
    return picked[cols].reset_index(drop=True)


def offers_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    """Each party's value of the packages tabled against its reservation value (walk-away point)."""
    fig = go.Figure()
    for actor, g in frame.groupby("actor", sort=False):
        colour = labels.actor_colours.get(actor, "#000")
        name = labels.actor(actor)
        yes = g["event"].isin(("accept", "renew")).to_numpy()
        fig.add_scatter(
            x=_dates(labels, g["day"]),
            y=g["utility"],
            mode="markers",
            name=f"package value to {name}",
            marker={
                "color": [colour if y else "white" for y in yes],
                "line": {"color": colour, "width": 2},
                "size": 9,
                "symbol": "circle",
            },
            hovertext=_hover(g, labels),
            hoverinfo="text",
        )
        res = g.groupby("day", sort=True)["reservation"].mean()
        fig.add_scatter(
            x=_dates(labels, res.index),
            y=res.to_numpy(),
            mode="lines",
            line={"color": colour, "dash": "dot", "width": 2, "shape": "hv"},
            name=f"{name}'s reservation value",
            meta=name,
            hovertemplate="%{meta} walks away below %{y:.2f}<extra>%{x|%d %b %Y}</extra>",
        )
    fig.update_yaxes(title="value of the package (utility)")
    time_axis(fig)
    return styled(fig, "Were the packages tabled worth more than walking away? (filled: accepted)")


# -- humanitarian exchanges ----------------------------------------------------------------------
def exchanges_frame(days: pd.DataFrame) -> pd.DataFrame:
    """Prisoners exchanged and wounded handed over, cumulative, per day."""
    return days[["day", "prisoners_exchanged", "wounded_handed_over"]].reset_index(drop=True)


def exchanges_figure(frame: pd.DataFrame, events: pd.DataFrame, labels: Labels) -> go.Figure:
    fig = go.Figure()
    for column, colour, name in (
        ("prisoners_exchanged", "#0072B2", "prisoners exchanged (both sides)"),
        ("wounded_handed_over", "#CC79A7", "wounded handed over"),
    ):
        fig.add_scatter(
            x=_dates(labels, frame["day"]),
            y=frame[column],
            mode="lines",
            line={"color": colour, "width": 3, "shape": "hv"},
            name=name,
            hovertemplate=f"%{{y}} {name} so far<extra>%{{x|%d %b %Y}}</extra>",
        )
    swaps = events[events["event"].isin(("exchange", "hand_over_wounded"))]
    if not swaps.empty:
        level = frame.set_index("day")["prisoners_exchanged"].reindex(swaps["day"]).to_numpy()
        fig.add_scatter(
            x=_dates(labels, swaps["day"]),
            y=level,
            mode="markers",
            marker={"color": "#0072B2", "size": 10, "line": {"color": "white", "width": 1}},
            name="an exchange",
            hovertext=_hover(swaps, labels),
            hoverinfo="text",
        )
    fig.update_yaxes(title="people (cumulative)", rangemode="tozero")
    time_axis(fig)
    return styled(fig, "Do humanitarian exchanges go on while the talks stall?")
