"""Figures of a parameter sweep: how outcomes respond to the swept inputs, with their uncertainty.

Works on ``runs.parquet`` (one row per run, its design point's axis values in ``axis:<path>``
columns) for every design: grid axes keep their values; sampled axes (lhs, sobol, morris) with many
distinct values are cut into quantile bins, so heatmaps and response curves read the same way.
Shares carry 95% Wilson intervals. No I/O here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.plots.style import DASHES, Labels, esc, styled, with_alpha
from sim.stats import wilson

MAX_LEVELS = 12
"""An axis with more distinct values than this is cut into ``BINS`` quantile bins."""
BINS = 6
PARALLEL_LINES = 3000
"""Parallel coordinates draw at most this many runs (an even stride through the runs)."""


def axis_column(axis: str) -> str:
    return f"axis:{axis}"


def axis_label(axis: str) -> str:
    """A swept path, shortened for axis titles: ``actors.us.levers.normalisation.strength`` stays whole
    in hovers, but titles drop ``actors.`` and ``.value`` noise."""
    return esc(axis.removeprefix("actors.").removesuffix(".value"))


def indicators(runs: pd.DataFrame, outcomes: Sequence[str], phases: Sequence[str]) -> pd.DataFrame:
    """0/1 columns per run: each outcome on the last day, and each phase ever in force."""
    cols = {f"share_{o}": (runs["outcome"] == o).astype(float) for o in outcomes}
    cols |= {f"reached_{p}": runs[f"{p}_entered_day"].notna().astype(float) for p in phases}
    return pd.DataFrame(cols, index=runs.index)


def metric_label(metric: str, labels: Labels) -> str:
    kind, _, name = metric.partition("_")
    if kind == "share":
        return f"ends in {labels.outcome(name)}"
    if kind == "reached":
        return f"{labels.phase(name)} ever in force"
    return esc(metric.replace("_", " "))


def levels(values: pd.Series) -> pd.Series:
    """An axis's values as levels: themselves if few, else the mean value of their quantile bin.

    Bins cut the distinct values (design points), so all replicates of a point share a bin.
    """
    return _binned(values)[0]


def level_names(values: pd.Series) -> pd.Series:
    """Each value's level as text: the value itself, or its bin's range ``low–high``."""
    return _binned(values)[1]


def _binned(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    if values.nunique() <= MAX_LEVELS:
        return values.astype(float), values.map(lambda v: f"{v:.3g}")
    distinct = np.sort(values.unique())
    code_of = pd.qcut(np.arange(len(distinct)), BINS, labels=False)  # a bin per distinct value
    bins = code_of[np.searchsorted(distinct, values.to_numpy())]
    # per bin, computed once and spread back (20,000 runs: milliseconds, not seconds)
    stats = pd.Series(values.to_numpy(), index=bins).groupby(level=0).agg(["mean", "min", "max"])
    mean = pd.Series(stats["mean"].to_numpy(float)[np.searchsorted(stats.index, bins)], index=values.index)
    text = np.asarray([f"{a:.3g}–{b:.3g}" for a, b in zip(stats["min"], stats["max"], strict=True)], object)
    names = pd.Series(text[np.searchsorted(stats.index, bins)], index=values.index)
    return mean, names


def _share_rows(group: pd.DataFrame, metrics: Sequence[str]) -> list[dict]:
    n = len(group)
    rows = []
    for m in metrics:
        k = int(group[m].sum())
        low, high = wilson(k, n)
        rows.append({"metric": m, "runs": n, "share": k / n, "low": low, "high": high})
    return rows


def headline_metric(table: pd.DataFrame) -> str:
    """The metric whose share varies most across the table's cells: the most informative default."""
    spread = table.groupby("metric")["share"].agg(lambda s: s.max() - s.min())
    return str(spread.idxmax())


# -- heatmaps over two axes ----------------------------------------------------------------------
def heatmap_frame(runs: pd.DataFrame, x_axis: str, y_axis: str, marks: pd.DataFrame) -> pd.DataFrame:
    """Per cell of two axes (pooled over all others): each metric's share with its 95% interval."""
    xs, ys = runs[axis_column(x_axis)], runs[axis_column(y_axis)]
    keys = pd.DataFrame(
        {"x": levels(xs), "y": levels(ys), "x_name": level_names(xs), "y_name": level_names(ys)}
    )
    data = pd.concat([keys, marks], axis=1)
    rows = []
    for (x, y, xn, yn), group in data.groupby(["x", "y", "x_name", "y_name"], sort=True):
        rows += [{"x": x, "y": y, "x_name": xn, "y_name": yn, **r} for r in _share_rows(group, marks.columns)]
    return pd.DataFrame(rows)


def heatmap_figure(frame: pd.DataFrame, x_axis: str, y_axis: str, labels: Labels) -> go.Figure:
    """A heatmap of one metric's share over two axes; a menu switches the metric."""
    metrics = list(dict.fromkeys(frame["metric"]))
    default = headline_metric(frame)
    fig = go.Figure()
    for m in metrics:
        g = frame[frame["metric"] == m]
        z = g.pivot(index="y", columns="x", values="share")
        low = g.pivot(index="y", columns="x", values="low")
        high = g.pivot(index="y", columns="x", values="high")
        n = g.pivot(index="y", columns="x", values="runs")
        x_names = g.drop_duplicates("x").set_index("x")["x_name"]
        y_names = g.drop_duplicates("y").set_index("y")["y_name"]
        fig.add_heatmap(
            x=[x_names[v] for v in z.columns],
            y=[y_names[v] for v in z.index],
            z=z.to_numpy(),
            zmin=0,
            zmax=max(0.05, float(np.nanmax(z.to_numpy()))),
            colorscale="Cividis",
            hoverongaps=False,
            colorbar={"title": {"text": "share<br>of runs"}, "tickformat": ".0%"},
            customdata=np.dstack([low.to_numpy(), high.to_numpy(), n.to_numpy()]),
            hovertemplate=(
                f"{axis_label(x_axis)} = %{{x}}<br>{axis_label(y_axis)} = %{{y}}<br>"
                "%{meta}: %{z:.1%} of %{customdata[2]} runs<br>"
                "95% interval %{customdata[0]:.1%} to %{customdata[1]:.1%}<extra></extra>"
            ),
            visible=m == default,
            name=metric_label(m, labels),
            meta=metric_label(m, labels),
        )
    buttons = [
        {
            "label": metric_label(m, labels),
            "method": "update",
            "args": [{"visible": [k == m for k in metrics]}],
        }
        for m in metrics
    ]
    fig.update_layout(
        updatemenus=[
            {
                "buttons": buttons,
                "active": metrics.index(default),
                "x": 0.0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
            }
        ]
    )
    fig.update_xaxes(title=axis_label(x_axis), type="category")
    fig.update_yaxes(title=axis_label(y_axis), type="category")
    return styled(
        fig,
        f"How does the share of runs change over {axis_label(x_axis)} and {axis_label(y_axis)}?",
        height=560,
        legend=False,
    )


# -- response curves -----------------------------------------------------------------------------
def response_frame(runs: pd.DataFrame, axes: Sequence[str], marks: pd.DataFrame) -> pd.DataFrame:
    """Per axis and level (pooled over the other axes): each metric's share with its 95% interval."""
    rows = []
    for axis in axes:
        values = runs[axis_column(axis)]
        data = marks.assign(level=levels(values), level_name=level_names(values))
        for (level, name), group in data.groupby(["level", "level_name"], sort=True):
            rows += [
                {"axis": axis, "level": level, "level_name": name, **r}
                for r in _share_rows(group, marks.columns)
            ]
    return pd.DataFrame(rows)


def response_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    """One panel per axis: each outcome's share (solid, its colour) and each phase reached (black, dashed)."""
    axes = list(dict.fromkeys(frame["axis"]))
    cols = min(2, len(axes))
    nrows = -(-len(axes) // cols)
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=[axis_label(a) for a in axes],
        vertical_spacing=90 / (160 + 330 * nrows) if nrows > 1 else 0.1,
    )
    metrics = [
        m for m in dict.fromkeys(frame["metric"]) if frame.loc[frame["metric"] == m, "share"].max() > 0
    ]
    reached = [m for m in metrics if not m.startswith("share_")]
    phase_dash = {m: DASHES[1 + i % (len(DASHES) - 1)] for i, m in enumerate(reached)}
    for k, axis in enumerate(axes):
        row, col = k // cols + 1, k % cols + 1
        for m in metrics:
            g = frame[(frame["axis"] == axis) & (frame["metric"] == m)]
            outcome = m.startswith("share_")
            colour = labels.outcomes.get(m.removeprefix("share_"), "#000") if outcome else "#000000"
            name = metric_label(m, labels)
            fig.add_scatter(
                x=[*g["level"], *g["level"][::-1]],
                y=[*g["high"], *g["low"][::-1]],
                mode="lines",
                fill="toself",
                fillcolor=with_alpha(colour, 0.15),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=m,
                row=row,
                col=col,
            )
            fig.add_scatter(
                x=g["level"],
                y=g["share"],
                mode="lines+markers",
                line={"color": colour, "width": 3, "dash": "solid" if outcome else phase_dash[m]},
                marker={"color": colour, "size": 7},
                name=name,
                meta=name,
                legendgroup=m,
                showlegend=k == 0,
                customdata=list(zip(g["low"], g["high"], g["runs"], g["level_name"], strict=True)),
                hovertemplate=(
                    f"{axis_label(axis)} = %{{customdata[3]}}<br>"
                    "%{meta}: %{y:.1%} of %{customdata[2]} runs"
                    "<br>95% interval %{customdata[0]:.1%} to %{customdata[1]:.1%}<extra></extra>"
                ),
                row=row,
                col=col,
            )
        fig.update_yaxes(tickformat=".0%", range=[0, 1], row=row, col=col)
    return styled(
        fig, "How does each outcome respond to one input at a time? (95% bands)", height=160 + 330 * nrows
    )


# -- sensitivity indices -------------------------------------------------------------------------
def sensitivity_figure(indices: pd.DataFrame, labels: Labels) -> go.Figure:
    """Bars of Sobol total and first order (or Morris mu* and sigma) per axis; a menu picks the outcome."""
    sobol = "ST" in indices
    first, second = ("ST", "S1") if sobol else ("mu_star", "sigma")
    if sobol and indices["ST"].isna().all():  # a hypercube (RBD-FAST) study: first order only
        first, second = "S1", "ST"
    names = {"ST": "total order ST", "S1": "first order S1", "mu_star": "mu*", "sigma": "sigma"}
    conf = {"ST": "ST_conf", "S1": "S1_conf", "mu_star": "mu_star_conf"}
    usable = indices
    if "constant_output" in usable:
        usable = usable[~usable["constant_output"].astype(bool)]
    outcomes = list(dict.fromkeys(usable["outcome"]))
    fig = go.Figure()
    default = (
        max(outcomes, key=lambda o: usable.loc[usable["outcome"] == o, first].sum()) if outcomes else None
    )
    for o in outcomes:
        g = usable[usable["outcome"] == o].sort_values(first)
        for key, colour in ((first, "#0072B2"), (second, "#E69F00")):
            error = {"type": "data", "array": g[conf[key]], "color": "#333"} if key in conf else None
            fig.add_bar(
                y=[axis_label(a) for a in g["axis"]],
                x=g[key],
                orientation="h",
                name=names[key],
                marker={"color": colour},
                error_x=error,
                visible=o == default,
                legendgroup=key,
                meta=metric_label(o, labels),
                hovertemplate=f"%{{y}}: {names[key]} = %{{x:.3f}}<extra>%{{meta}}</extra>",
            )
    buttons = [
        {
            "label": metric_label(o, labels),
            "method": "update",
            "args": [{"visible": [k == o for k in outcomes for _ in (0, 1)]}],
        }
        for o in outcomes
    ]
    if buttons:
        fig.update_layout(
            updatemenus=[
                {
                    "buttons": buttons,
                    "active": outcomes.index(default),
                    "x": 0.0,
                    "xanchor": "left",
                    "y": 1.02,
                    "yanchor": "bottom",
                }
            ]
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="Sobol index (share of variance)" if sobol else "Morris elementary effect")
    n_axes = indices["axis"].nunique()
    method = "Sobol" if sobol else "Morris"
    styled(fig, f"Which inputs move the outcome most? ({method}, 95% intervals)", height=260 + 50 * n_axes)
    return fig


# -- feature scoring -----------------------------------------------------------------------------
def scoring_frame(runs: pd.DataFrame, axes: Sequence[str], marks: pd.DataFrame) -> pd.DataFrame:
    """The correlation ratio eta² of each metric on each input alone: the share of the run-to-run
    variance that the input's level explains (a model-free first-order effect; 0 none, 1 all)."""
    y = marks.to_numpy(float)  # runs x metrics
    mean = y.mean(axis=0)
    total = ((y - mean) ** 2).sum(axis=0)
    rows = []
    for axis in axes:
        code, uniques = pd.factorize(levels(runs[axis_column(axis)]))
        n = np.bincount(code, minlength=len(uniques)).astype(float)
        sums = np.stack(
            [np.bincount(code, weights=y[:, j], minlength=len(uniques)) for j in range(y.shape[1])], 1
        )
        level_means = sums / n[:, None]
        between = (n[:, None] * (level_means - mean) ** 2).sum(axis=0)
        for j, m in enumerate(marks.columns):
            rows.append(
                {"axis": axis, "metric": m, "eta2": between[j] / total[j] if total[j] > 0 else np.nan}
            )
    return pd.DataFrame(rows)


def scoring_figure(frame: pd.DataFrame, labels: Labels) -> go.Figure:
    z = frame.pivot(index="axis", columns="metric", values="eta2")
    z = z[[m for m in dict.fromkeys(frame["metric"]) if m in z]]
    z = z.dropna(axis=1, how="all")
    fig = go.Figure(
        go.Heatmap(
            x=[metric_label(m, labels) for m in z.columns],
            y=[axis_label(a) for a in z.index],
            z=z.to_numpy(),
            zmin=0,
            zmax=max(0.05, float(np.nanmax(z.to_numpy()))) if z.size else 0.05,
            colorscale="Cividis",
            text=[["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in z.to_numpy()],
            texttemplate="%{text}",
            colorbar={"title": {"text": "eta²"}},
            hovertemplate=(
                "%{y} explains %{z:.1%} of the run-to-run variance of '%{x}' on its own<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(tickangle=-30)
    return styled(
        fig,
        "Which input matters for which outcome? (feature scores: eta²)",
        height=260 + 45 * len(z),
        legend=False,
    )


# -- parallel coordinates ------------------------------------------------------------------------
def parallel_frame(runs: pd.DataFrame, axes: Sequence[str], limit: int = PARALLEL_LINES) -> pd.DataFrame:
    """The runs to draw: every run, or an even stride through them if there are more than ``limit``."""
    step = max(1, -(-len(runs) // limit))
    cols = [axis_column(a) for a in axes] + ["outcome", "violations_true"]
    return runs[cols].iloc[::step].reset_index(drop=True)


def parallel_figure(frame: pd.DataFrame, axes: Sequence[str], labels: Labels, n_runs: int) -> go.Figure:
    outcomes = list(labels.outcomes)
    code = frame["outcome"].map({o: i for i, o in enumerate(outcomes)}).fillna(0).to_numpy()
    n = max(len(outcomes) - 1, 1)
    scale = []
    for i, o in enumerate(outcomes):
        scale += [[i / (n + 1), labels.outcomes[o]], [(i + 1) / (n + 1), labels.outcomes[o]]]
    dims = [{"label": axis_label(a), "values": frame[axis_column(a)]} for a in axes]
    dims.append({"label": "true violations", "values": frame["violations_true"]})
    dims.append(
        {
            "label": "outcome",
            "values": code,
            "tickvals": list(range(len(outcomes))),
            "ticktext": [labels.outcome(o) for o in outcomes],
        }
    )
    fig = go.Figure(
        go.Parcoords(
            line={"color": code, "colorscale": scale, "cmin": -0.5, "cmax": len(outcomes) - 0.5},
            dimensions=dims,
            labelangle=-15,
        )
    )
    shown = f"{len(frame)} of {n_runs} runs" if len(frame) < n_runs else f"all {n_runs} runs"
    styled(
        fig,
        f"Which inputs lead to which outcome? (drag along an axis to filter; {shown})",
        height=600,
        legend=False,
    )
    fig.update_layout(margin={"l": 90, "r": 90, "t": fig.layout.margin.t + 60, "b": 40})
    return fig


def top_axes(runs: pd.DataFrame, axes: Sequence[str], marks: pd.DataFrame, k: int = 3) -> list[str]:
    """The ``k`` axes with the largest eta² summed over all metrics: the ones worth a heatmap."""
    if len(axes) <= k:
        return list(axes)
    scores = scoring_frame(runs, axes, marks).groupby("axis")["eta2"].sum()
    return [a for a in scores.sort_values(ascending=False).index[:k]]


def axis_pairs(axes: Sequence[str]) -> list[tuple[str, str]]:
    return list(itertools.combinations(axes, 2))
