"""Figures of an ensemble: how often each thing happens across seeded runs, and how sure we are.

Pairs of ``x_frame`` (shape the stored tables) and ``x_figure`` (draw). Bands are quantiles across
runs; shares carry 95% Wilson intervals. No I/O here.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.plots.style import (
    STATUS_COLOURS,
    STATUS_NAMES,
    Labels,
    band_colour,
    interval_bars,
    styled,
    time_axis,
)
from sim.stats import wilson

BANDS = {90: (0.05, 0.95), 80: (0.10, 0.90), 50: (0.25, 0.75)}
QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


# -- phase occupancy -----------------------------------------------------------------------------
def occupancy_frame(days: pd.DataFrame, phases: Sequence[str]) -> pd.DataFrame:
    """Share of runs in each state of each phase, per day (long form: day, phase, status, share)."""
    n_runs = days["run"].nunique()
    parts = []
    for phase in phases:
        counts = days.groupby(["day", days[f"{phase}_status"].astype(str)], observed=True).size()
        counts.index.names = ["day", "status"]
        part = (counts / n_runs).rename("share").reset_index()
        part.insert(1, "phase", phase)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def occupancy_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    """Stacked areas, one panel per phase: what share of runs is in which state on each day."""
    phases = list(dict.fromkeys(frame["phase"]))
    fig = make_subplots(
        rows=len(phases),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[labels.phase(p) for p in phases],
        vertical_spacing=50 / (160 + 170 * len(phases)),  # 50 px between panels, however many phases
    )
    all_days = np.sort(frame["day"].unique())
    x = [labels.date(d) for d in all_days]
    for i, phase in enumerate(phases, start=1):
        here = frame[frame["phase"] == phase]
        for status, colour in STATUS_COLOURS.items():
            share = here[here["status"] == status].set_index("day")["share"].reindex(all_days, fill_value=0)
            if not share.any():
                continue
            name = STATUS_NAMES[status]
            fig.add_scatter(
                x=x,
                y=share.to_numpy(),
                mode="lines",
                stackgroup=f"p{i}",
                line={"width": 0.5, "color": colour},
                fillcolor=colour,
                name=name,
                legendgroup=status,
                showlegend=not any(t.name == name for t in fig.data),
                meta=f"{labels.phase(phase)}: {name}",
                hovertemplate="%{meta} in %{y:.0%} of runs<extra>%{x|%d %b %Y}</extra>",
                row=i,
                col=1,
            )
        fig.update_yaxes(range=[0, 1], tickformat=".0%", row=i, col=1)
    time_axis(fig)
    return styled(
        fig,
        "How often is each phase negotiated, in force or broken, day by day?",
        height=160 + 170 * len(phases),
    )


# -- flow of runs through the phases -------------------------------------------------------------
def flow_frame(runs: pd.DataFrame, phases: Sequence[str]) -> pd.DataFrame:
    """How many runs pass from each stage to the next: each phase ever in force or not, then outcome."""
    stages = []
    for p in phases:
        stages.append(np.where(runs[f"{p}_entered_day"].notna(), f"{p}:yes", f"{p}:no"))
    stages.append(np.array([f"outcome:{o}" for o in runs["outcome"]]))
    rows = []
    for a, b in itertools.pairwise(stages):
        pairs = pd.DataFrame({"source": a, "target": b}).value_counts(sort=False).rename("runs").reset_index()
        rows.append(pairs)
    return pd.concat(rows, ignore_index=True)


def flow_figure(frame: pd.DataFrame, labels: Labels, n_runs: int) -> go.Figure:
    """A Sankey: runs flow through the phases (entered into force or not) to their final outcome."""
    nodes = list(dict.fromkeys([*frame["source"], *frame["target"]]))
    index = {n: i for i, n in enumerate(nodes)}

    def label(node: str) -> str:
        kind, value = node.split(":", 1)
        if kind == "outcome":
            return f"ends in<br>{labels.outcome(value)}"
        return f"{labels.phase(kind)}<br>{'in force at some point' if value == 'yes' else 'never in force'}"

    def colour(node: str) -> str:
        kind, value = node.split(":", 1)
        if kind == "outcome":
            return labels.outcomes.get(value, "#8C8C8C")
        return STATUS_COLOURS["in_force"] if value == "yes" else "#BBBBBB"

    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [label(n) for n in nodes],
                "color": [colour(n) for n in nodes],
                "pad": 18,
                "thickness": 18,
                "hovertemplate": "%{label}: %{value} runs<extra></extra>",
            },
            link={
                "source": [index[s] for s in frame["source"]],
                "target": [index[t] for t in frame["target"]],
                "value": frame["runs"].tolist(),
                "color": "rgba(140, 140, 140, 0.35)",
                "hovertemplate": "%{source.label} → %{target.label}: %{value} runs<extra></extra>",
            },
        )
    )
    fig.update_traces(textfont={"size": 13})
    return styled(fig, f"How do the {n_runs} runs move through the phases to their outcome?", height=520)


# -- fan charts ----------------------------------------------------------------------------------
def fan_frame(days: pd.DataFrame, columns: Mapping[str, str], *, weekly: bool = False) -> pd.DataFrame:
    """Quantiles across runs of each named column, per day (or per full week, summed within runs)."""
    data = days[["run", "day", *columns.values()]]
    if weekly:
        data = data.assign(week=(data["day"] - 1) // 7)
        full = data.groupby("week")["day"].transform("nunique") == 7
        data = data[full].groupby(["run", "week"], as_index=False)[list(columns.values())].sum()
        data["day"] = data.pop("week") * 7 + 1
    names = [f"q{round(v * 100):02d}" for v in QUANTILES]
    if data.empty:  # e.g. weekly sums of a run shorter than a week
        return pd.DataFrame(columns=["series", "day", *names])
    parts = []
    for name, col in columns.items():
        q = data.groupby("day")[col].quantile(list(QUANTILES)).unstack()
        q.columns = [f"q{round(v * 100):02d}" for v in QUANTILES]
        parts.append(q.reset_index().assign(series=name))
    out = pd.concat(parts, ignore_index=True)
    return out[["series", "day", *[f"q{round(v * 100):02d}" for v in QUANTILES]]]


def fan_frame_wide(
    day_numbers: Sequence[int] | np.ndarray, columns: Mapping[str, np.ndarray], *, weekly: bool = False
) -> pd.DataFrame:
    """:func:`fan_frame` of series given as runs x days arrays (column ``j`` is day ``day_numbers[j]``).

    The same quantiles without the long table: a large ensemble's days fit as one float array per
    series. Every run must have every day (as ``run`` writes them).
    """
    names = [f"q{round(v * 100):02d}" for v in QUANTILES]
    days = np.asarray(day_numbers, dtype="int64")
    if weekly:
        week = (days - 1) // 7
        weeks, counts = np.unique(week, return_counts=True)
        full = weeks[counts == 7]
        if not len(full):  # e.g. weekly sums of a run shorter than a week
            return pd.DataFrame(columns=["series", "day", *names])
        columns = {
            name: np.stack([v[:, week == w].sum(axis=1) for w in full], axis=1) for name, v in columns.items()
        }
        days = full * 7 + 1
    parts = []
    for name, values in columns.items():
        values = np.asarray(values, dtype="float64")
        quantile = np.nanquantile if np.isnan(values).any() else np.quantile
        q = quantile(values, list(QUANTILES), axis=0)
        parts.append(pd.DataFrame({"series": name, "day": days, **dict(zip(names, q, strict=True))}))
    return pd.concat(parts, ignore_index=True)


def fan_figure(
    frame: pd.DataFrame,
    labels: Labels,
    *,
    title: str,
    y_title: str,
    colours: Mapping[str, str],
    names: Mapping[str, str],
    unit: str = "",
    y_range: Sequence[float] | None = None,
) -> go.Figure:
    """One panel per series: the median with 50/80/90% bands across runs, in the series' colour."""
    series_ids = list(dict.fromkeys(frame["series"]))
    fig = make_subplots(
        rows=len(series_ids),
        cols=1,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[names[s] for s in series_ids],
        vertical_spacing=80 / (170 + 280 * len(series_ids)) if len(series_ids) > 1 else 0.0,
    )
    for row, series in enumerate(series_ids, start=1):
        g = frame[frame["series"] == series]
        x = [labels.date(d) for d in g["day"]]
        colour, name = colours[series], names[series]
        for width, (lo, hi) in sorted(BANDS.items(), reverse=True):
            lo_col, hi_col = f"q{round(lo * 100):02d}", f"q{round(hi * 100):02d}"
            fig.add_scatter(
                x=x,
                y=g[hi_col],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                row=row,
                col=1,
            )
            fig.add_scatter(
                x=x,
                y=g[lo_col],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=band_colour(colour, width),
                name=f"middle {width}% of runs",
                legendgroup=f"band{width}",
                showlegend=row == 1,
                customdata=np.column_stack([g[lo_col], g[hi_col]]),
                meta=name,
                hovertemplate=(
                    f"%{{meta}}: {width}% of runs between %{{customdata[0]:.2f}} and %{{customdata[1]:.2f}}"
                    f"{unit}<extra>%{{x|%d %b %Y}}</extra>"
                ),
                row=row,
                col=1,
            )
        fig.add_scatter(
            x=x,
            y=g["q50"],
            mode="lines",
            line={"color": colour, "width": 3},
            name=f"{name}: median",
            meta=name,
            hovertemplate=f"%{{meta}}: median %{{y:.2f}}{unit}<extra>%{{x|%d %b %Y}}</extra>",
            row=row,
            col=1,
        )
        fig.update_yaxes(
            title_text=y_title, range=list(y_range) if y_range else None, rangemode="tozero", row=row, col=1
        )
    time_axis(fig)
    return styled(fig, title, height=170 + 280 * len(series_ids))


# -- outcomes ------------------------------------------------------------------------------------
def outcomes_frame(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Share of runs ending in each outcome, with a 95% Wilson interval."""
    n = len(runs)
    rows = []
    for o in outcomes:
        k = int((runs["outcome"] == o).sum())
        low, high = wilson(k, n)
        rows.append({"outcome": o, "runs": k, "share": k / n if n else np.nan, "low": low, "high": high})
    return pd.DataFrame(rows)


def outcomes_figure(frame: pd.DataFrame, labels: Labels, last_date: str) -> go.Figure:
    names = [labels.outcome(o) for o in frame["outcome"]]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=frame["share"],
            marker={"color": [labels.outcomes.get(o, "#8C8C8C") for o in frame["outcome"]]},
            error_y=interval_bars(frame),
            customdata=np.column_stack([frame["runs"], frame["low"], frame["high"]]),
            hovertemplate=(
                "%{x}: %{y:.1%} of runs (%{customdata[0]} runs)<br>95% interval "
                "%{customdata[1]:.1%} to %{customdata[2]:.1%}<extra></extra>"
            ),
        )
    )
    for name, share, high in zip(names, frame["share"], frame["high"], strict=True):
        fig.add_annotation(x=name, y=high, text=f"<b>{share:.0%}</b>", showarrow=False, yshift=14)
    fig.update_yaxes(title="share of runs", tickformat=".0%", range=[0, 1.1])
    return styled(
        fig, f"How does it stand on {last_date}? (outcome on the last day, 95% intervals)", legend=False
    )


# -- when phases enter into force ----------------------------------------------------------------
def entry_frame(runs: pd.DataFrame, phases: Sequence[str]) -> pd.DataFrame:
    """The day each phase first entered into force, per run (runs where it never did are left out)."""
    parts = []
    for p in phases:
        days = runs[["run", f"{p}_entered_day"]].dropna()
        parts.append(
            pd.DataFrame({"run": days["run"], "phase": p, "entered_day": days.iloc[:, 1].astype(int)})
        )
    return pd.concat(parts, ignore_index=True)


def entry_figure(frame: pd.DataFrame, labels: Labels, phases: Sequence[str], n_runs: int) -> go.Figure:
    """Box and dots of the entry date per phase; the label says in how many runs it ever entered."""
    fig = go.Figure()
    for p in phases:
        g = frame[frame["phase"] == p]
        name = f"{labels.phase(p)}<br>({len(g)} of {n_runs} runs)"
        if g.empty:  # keep the row, with its "(0 of N runs)" label: an invisible point holds it
            fig.add_scatter(
                x=[None],
                y=[name],
                name=name,
                mode="markers",
                marker={"opacity": 0},
                hoverinfo="skip",
                showlegend=False,
            )
            continue
        fig.add_box(
            x=[labels.date(d) for d in g["entered_day"]],
            y=[name] * len(g),
            name=name,
            orientation="h",
            boxpoints="all",
            jitter=0.5,
            pointpos=0,
            marker={"color": STATUS_COLOURS["in_force"], "size": 5, "opacity": 0.6},
            line={"color": "#333333"},
            customdata=g["run"],
            meta=labels.phase(p),
            hovertemplate="%{meta} entered force on %{x|%d %b %Y} (run %{customdata})<extra></extra>",
            showlegend=False,
        )
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[t.name for t in fig.data])
    time_axis(fig)
    return styled(
        fig, "When does each phase first enter into force?", height=160 + 90 * len(phases), legend=False
    )


# -- representative runs -------------------------------------------------------------------------
def representative_runs(runs: pd.DataFrame, phases: Sequence[str]) -> list[tuple[int, str]]:
    """Up to two runs to show in full, picked by a documented rule (docs/reports.md).

    1. *Typical*: among runs with the most common outcome, and of those with the most common
       furthest phase, the run closest to the ensemble's medians in robust units
       (``sum |x - median| / IQR`` over violations, exchanges, days each phase held and final trust).
    2. *Contrast*: among runs that reached the furthest phase any run reached, the one closest to
       the medians in the same sense, if the typical run did not reach it; otherwise the most typical
       run (as in 1.) of the second most common outcome, if there is one.
    Ties (of counts or distances) go to the lowest run number, so the pick does not depend on row order.
    """
    if runs.empty:
        return []
    runs = runs.sort_values("run").reset_index(drop=True)
    measures = [c for c in ("violations_true", "violations_perceived", "prisoners_exchanged") if c in runs]
    measures += [f"{p}_days_in_force" for p in phases if f"{p}_days_in_force" in runs]
    measures += [c for c in runs.columns if c.startswith("final_trust_")]
    x = runs[measures].astype(float)
    iqr = (x.quantile(0.75) - x.quantile(0.25)).replace(0, np.nan)
    distance = ((x - x.median()).abs() / iqr).fillna(0).sum(axis=1)

    def closest(mask: pd.Series) -> int:
        d = distance[mask]
        return int(runs.loc[d[d == d.min()].index, "run"].min())

    def most_typical_of(outcome: str) -> tuple[int, str]:
        of_outcome = runs["outcome"] == outcome
        furthest = _by_count(runs.loc[of_outcome, "furthest_phase"])[0]
        return closest(of_outcome & (runs["furthest_phase"] == furthest)), furthest

    modal = _by_count(runs["outcome"])
    typical, furthest = most_typical_of(modal[0])
    picked = [(typical, f"typical: ends in {modal[0]}, furthest phase {furthest}")]
    order = {p: i for i, p in enumerate(phases)}
    reached = runs["furthest_phase"].map(lambda p: order.get(p, -1))
    top = reached.max()
    typical_rank = order.get(furthest, -1)
    if top > typical_rank:
        run = closest(reached == top)
        picked.append((run, f"contrast: reached {phases[top]}, the furthest phase any run reached"))
    elif len(modal) > 1:
        run, _ = most_typical_of(modal[1])
        picked.append((run, f"contrast: ends in {modal[1]}, the second most common outcome"))
    return picked


def _by_count(values: pd.Series) -> list:
    """Distinct values, most common first; a tie goes to the value seen first (lowest run number)."""
    counts = values.value_counts(sort=False)
    first = {v: i for i, v in reversed(list(enumerate(values)))}
    return sorted(counts.index, key=lambda v: (-counts[v], first[v]))
