"""Figures of an exercise: its arms side by side, and the class's bets against the model.

Each ``x_frame`` makes the tidy data a figure draws (and offers as CSV); each ``x_figure`` draws
it. Names from files are escaped by the caller (``Labels``) and reach hovers through ``meta`` or
trace names, never through hovertemplate strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.plots.style import interval_bars, styled
from sim.stats import wilson

ARM_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def shares_frame(arms: Mapping[str, Sequence[dict]], categories: Sequence[str], column: str) -> pd.DataFrame:
    """Per arm and category, the share of runs with it and a 95% Wilson interval.

    ``column`` is ``outcome`` (the category is an outcome) or ``reached`` (a phase entered force).
    """
    rows = []
    for arm, runs in arms.items():
        n = len(runs)
        for c in categories:
            if column == "outcome":
                k = sum(1 for r in runs if r["outcome"] == c)
            else:
                k = sum(1 for r in runs if r.get(f"{c}_entered_day") is not None)  # absent: not reached
            low, high = wilson(k, n)
            rows.append(
                {"arm": arm, "category": c, "runs": k, "of": n, "share": k / n, "low": low, "high": high}
            )
    return pd.DataFrame(rows)


def shares_figure(
    frame: pd.DataFrame, title: str, arm_names: Mapping[str, str], category_names: Mapping[str, str]
) -> go.Figure:
    """Grouped bars: one colour per arm, one group per category, 95% whiskers."""
    fig = go.Figure()
    for i, (arm, part) in enumerate(frame.groupby("arm", sort=False)):
        fig.add_trace(
            go.Bar(
                name=arm_names.get(arm, arm),
                x=[category_names.get(c, c) for c in part["category"]],
                y=part["share"],
                marker={"color": ARM_COLOURS[i % len(ARM_COLOURS)]},
                error_y=interval_bars(part),
                customdata=np.column_stack([part["runs"], part["of"], part["low"], part["high"]]),
                meta=arm_names.get(arm, arm),
                hovertemplate=(
                    "%{meta}<br>%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]} runs)<br>"
                    "95% interval %{customdata[2]:.1%} to %{customdata[3]:.1%}<extra></extra>"
                ),
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="share of runs", tickformat=".0%", range=[0, 1.08])
    return styled(fig, title)


def bets_frame(guesses: Sequence[tuple[str, float | str]], samples: Sequence, kind: str) -> pd.DataFrame:
    """The class's guesses with, for numbers and days, the share of runs strictly below each (a day
    never reached counts as not below)."""
    rows = []
    values = [s for s in samples if s is not None]
    for who, guess in guesses:
        row = {"who": who, "guess": guess}
        if kind in ("number", "day") and isinstance(guess, float) and np.isfinite(guess):
            row["share_of_runs_below"] = float(np.mean([v < guess for v in values])) if values else np.nan
        rows.append(row)
    return pd.DataFrame(
        rows, columns=["who", "guess", *(["share_of_runs_below"] if kind in ("number", "day") else [])]
    )


def bets_figure(
    title: str,
    kind: str,
    model: Mapping[str, float | str | None],
    samples: Sequence,
    guesses: Sequence[tuple[str, float | str]],
    category_names: Mapping[str, str] | None = None,
) -> go.Figure:
    """The model's answer and the class's bets on one chart.

    Shares: the model's value and 95% interval as a band, each bet a dot. Numbers and days: the
    runs' distribution as a histogram, each bet a dot below it. Outcomes: the share of runs ending
    in each, each bet a dot on its outcome.
    """
    fig = go.Figure()
    names = [who for who, _ in guesses]
    if kind == "share":
        lo, hi, value = model["low"], model["high"], model["value"]
        fig.add_shape(
            type="rect",
            x0=lo,
            x1=hi,
            y0=-0.5,
            y1=len(guesses) - 0.5 if guesses else 0.5,
            fillcolor="rgba(0, 114, 178, 0.18)",
            line={"width": 0},
        )
        fig.add_vline(x=value, line={"color": "#0072B2", "width": 3})
        fig.add_trace(
            go.Scatter(
                x=[value],
                y=[None],
                mode="lines",
                line={"color": "#0072B2", "width": 3},
                name="the model (line) and its 95% interval (band)",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[g for _, g in guesses],
                y=list(range(len(guesses))),
                mode="markers",
                marker={"size": 14, "color": "#D55E00", "symbol": "circle"},
                name="a bet",
                customdata=names,
                hovertemplate="%{customdata}: %{x:.0%}<extra></extra>",
            )
        )
        fig.update_yaxes(
            tickvals=list(range(len(guesses))), ticktext=names, range=[-0.7, max(len(guesses), 1) - 0.3]
        )
        fig.update_xaxes(title="share of runs", tickformat=".0%", range=[-0.02, 1.02])
        return styled(fig, title, height=260 + 28 * len(guesses))
    if kind == "label":
        cats = list(category_names or {})
        shares = [sum(1 for s in samples if s == c) / max(len(samples), 1) for c in cats]
        labels = [category_names[c] for c in cats]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=shares,
                marker={"color": "#56B4E9"},
                name="share of runs ending there",
                hovertemplate="%{x}: %{y:.1%} of runs<extra></extra>",
            )
        )
        counts: dict[str, int] = {}
        xs, ys = [], []
        for _who, g in guesses:
            counts[g] = counts.get(g, 0) + 1
            xs.append(category_names.get(g, g))
            ys.append(-0.04 * counts[g])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                marker={"size": 13, "color": "#D55E00"},
                name="a bet",
                customdata=names,
                hovertemplate="%{customdata}: %{x}<extra></extra>",
            )
        )
        fig.update_yaxes(
            title="share of runs",
            tickformat=".0%",
            range=[-0.04 * (max(counts.values(), default=1) + 1), 1.05],
        )
        return styled(fig, title)
    values = [float(s) for s in samples if s is not None and np.isfinite(float(s))]  # never: not drawn
    fig.add_trace(
        go.Histogram(
            x=values,
            name="runs of the model",
            marker={"color": "#56B4E9"},
            hovertemplate="%{x}: %{y} runs<extra></extra>",
        )
    )
    finite = [(w, g) for w, g in guesses if isinstance(g, float) and np.isfinite(g)]
    fig.add_trace(
        go.Scatter(
            x=[g for _, g in finite],
            y=[-1 - i % 3 for i in range(len(finite))],
            mode="markers",
            marker={"size": 13, "color": "#D55E00"},
            name="a bet",
            customdata=[w for w, _ in finite],
            hovertemplate="%{customdata}: %{x}<extra></extra>",
        )
    )
    if model.get("value") is not None:
        fig.add_vline(x=float(model["value"]), line={"color": "#000000", "width": 2, "dash": "dash"})
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "#000000", "dash": "dash"},
                name="the model's value",
                hoverinfo="skip",
            )
        )
    never = sum(1 for s in samples if s is not None and not np.isfinite(float(s)))
    on_never = [w for w, g in guesses if isinstance(g, float) and not np.isfinite(g)]
    if kind == "day" and (never or on_never):
        text = f"never entered into force: {never} of {len(samples)} runs (not drawn)"
        if on_never:
            text += f"<br>bets on never: {', '.join(on_never)}"
        fig.add_annotation(
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="top",
            text=text,
            showarrow=False,
            align="right",
        )
    fig.update_xaxes(title="day of the run" if kind == "day" else "value per run")
    fig.update_yaxes(title="runs")
    return styled(fig, title)
