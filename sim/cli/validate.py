"""The ``validate`` command: a scenario's ensemble against the observed record, with its report."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import pandas as pd
import plotly.graph_objects as go
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli.exits import fail
from sim.experiments.folder import prepare_output_dir
from sim.experiments.manifest import package_versions, scenario_sha256
from sim.experiments.store import write_atomic, write_csv, write_json
from sim.plots.style import Labels, esc, interval_bars, styled
from sim.reports.document import Chart
from sim.reports.html import attr, figure_html, page, table_html
from sim.scenario.loader import load_scenario
from sim.scenario.schema import value_at
from sim.validation.observed import CALL, load_record
from sim.validation.patterns import PATTERNS
from sim.validation.validate import (
    CALIBRATION_GRID,
    OBSERVED_ENERGY_END,
    Validation,
    ValidationError,
    calibrate,
    check_validatable,
    validate,
)

out = Console(soft_wrap=True, highlight=False)


def validate_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario YAML (default: scenarios/baseline.yaml)")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, max=5000, help="runs in the ensemble")] = 200,
    seed: Annotated[str | None, typer.Option(help="a seed or a class code (default: the scenario's)")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder (default: new under results/)")
    ] = None,
    calibrate_first: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="first calibrate the assumptions in CALIBRATION_GRID on the record's first 30 days "
            "(other runs: the seed + 1) and write calibrated.yaml",
        ),
    ] = False,
) -> None:
    """Run the ensemble and report which observed patterns it reproduces (docs/validation.md)."""
    from sim.cli.common import scenario_and_seed

    path, sc, seed_value = scenario_and_seed(scenario, seed, None)
    try:
        check_validatable(sc)
    except ValidationError as exc:
        raise fail([str(exc)]) from None
    target = out_dir or Path("results") / f"validate-{sc.name}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    problem = prepare_output_dir(target, allow_existing=False)
    if problem:
        raise fail([problem])
    results = [validate(sc, runs, seed_value)]
    if calibrate_first:
        calibrated = _calibrate(path, sc, runs, seed_value, target)
        results.append(validate(load_scenario(calibrated), runs, seed_value))
    for v in results:
        _print(v)
    summary = {
        "validated": [_summary(v) for v in results],
        "packages_versions": package_versions(),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json(target / "validation.json", summary)
    write_csv(target / "patterns.csv", pd.concat([v.table.assign(scenario=v.scenario.name) for v in results]))
    html = render(results)
    write_atomic(target / "validation.html", lambda tmp: tmp.write_text(html, encoding="utf-8"))
    out.print(f"wrote {target}/: validation.json, patterns.csv, validation.html")


def _summary(v: Validation) -> dict:
    return {
        "scenario": v.scenario.name,
        "scenario_sha256": scenario_sha256(v.scenario),
        "seed": v.seed,
        "runs": v.runs,
        "patterns": {p.id: {"text": p.text, "window": p.window, "share": v.shares[p.id]} for p in PATTERNS},
        "all_at_once": v.all_share,
        "held_out_at_once": v.held_out_share,
        "nothing_changes": v.naive,
        "naive_as_good_or_better_on": naive_as_good(v),
        "ranks": v.ranks,
        "packages": v.packages,
        "packages_note": "issue, naive capability x salience weighted mean, the model's median signed term",
    }


def naive_as_good(v: Validation) -> list[str]:
    """Patterns where 'nothing changes' does as well as the model or better: it reproduces them
    always (it is one deterministic course), the model in at most all of its runs."""
    return [p.id for p in PATTERNS if v.naive[p.id]]


def _print(v: Validation) -> None:
    sc = v.scenario
    t = Table(title=f"{sc.name}: patterns reproduced ({v.runs} runs, seed {v.seed})", title_justify="left")
    for col in ("pattern", "window", "share of runs (95% CI)", "nothing changes"):
        t.add_column(col)
    for p in PATTERNS:
        s, lo, hi = v.shares[p.id]
        t.add_row(Text(p.text), p.window, f"{s:.1%} ({lo:.1%}-{hi:.1%})", "yes" if v.naive[p.id] else "no")
    for label, (s, lo, hi), naive in (
        (
            "ALL HELD-OUT AT ONCE",
            v.held_out_share,
            all(v.naive[p.id] for p in PATTERNS if p.window == "validation"),
        ),
        ("ALL AT ONCE", v.all_share, all(v.naive.values())),
    ):
        t.add_row(label, "", f"{s:.1%} ({lo:.1%}-{hi:.1%})", "yes" if naive else "no")
    out.print(t)
    held = [p for p in PATTERNS if p.window == "validation"]
    model_held = sum(v.shares[p.id][0] > 0.5 for p in held)
    naive_held = sum(v.naive[p.id] for p in held)
    out.print(
        f"Held-out patterns reproduced in most runs: the model {model_held} of {len(held)}, "
        f"'nothing changes' {naive_held}."
    )
    worse = naive_as_good(v)
    if worse:
        out.print(f"'nothing changes' does as well or better on: {', '.join(worse)}")
    for quantity, observed, where in v.ranks:
        out.print(f"{quantity}: observed {observed}; {where}", highlight=False)


def _calibrate(path: Path, sc, runs: int, seed: int, target: Path) -> Path:
    """Grid-search the calibration assumptions on days 0-30 with other seeds; write the best as a scenario."""
    import yaml

    grid = calibrate(path, runs, seed + 1)
    write_csv(target / "calibration.csv", grid)
    t = Table(
        title=f"Calibration on days 0-30 ({runs} runs of seed {seed + 1} per point)", title_justify="left"
    )
    for col in [*CALIBRATION_GRID, "share reproducing both early patterns"]:
        t.add_column(col)
    for _, r in grid.iterrows():
        t.add_row(*(f"{r[k]:g}" for k in CALIBRATION_GRID), f"{r['share_calibration_patterns']:.1%}")
    out.print(t)
    best = grid.iloc[0]
    own = [value_at(sc, k) for k in CALIBRATION_GRID]
    base = grid[(grid[list(CALIBRATION_GRID)] == own).all(axis=1)]
    before = f"{base.iloc[0]['share_calibration_patterns']:.1%}" if len(base) else "n/a"
    nested: dict = {}
    for key in CALIBRATION_GRID:
        quote = (
            f"grid point reproducing both early patterns in {best['share_calibration_patterns']:.1%} of "
            f"{runs} runs (the scenario's own value: {before})"
        )
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = {
            "value": float(best[key]),
            "evidence": {"source": "docs/validation.md#calibration", "quote": quote},
        }
    head = (
        "# Calibrated on the first 30 days of the observed record (docs/validation.md#calibration);\n"
        f"# written by `run_sim.py validate {path} --calibrate --runs {runs}`. Not article-only.\n"
    )
    meta = {
        "extends": os.path.relpath(Path(path).resolve(), target.resolve()),
        "name": f"{sc.name}_calibrated",
        "title": f"{sc.title} (calibrated on the record's first 30 days)",
    }
    text = head + yaml.safe_dump({**meta, **nested}, sort_keys=False, width=200, allow_unicode=True)
    write_atomic(target / "calibrated.yaml", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    out.print(
        f"best: {', '.join(f'{k}={best[k]:g}' for k in CALIBRATION_GRID)} ({before} at the scenario's own "
        f"values; the top points are within a few points of each other, so read it as a direction, not "
        f"a value); wrote {target / 'calibrated.yaml'}"
    )
    return target / "calibrated.yaml"


def shares_figure(v: Validation) -> tuple[go.Figure, pd.DataFrame]:
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
    frame = pd.DataFrame(rows)
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
    return styled(fig, "Which observed patterns does the model reproduce?", height=520), frame


def course_figure(v: Validation) -> tuple[go.Figure, pd.DataFrame]:
    """The observed course over the ensemble's share of runs with each phase in force, day by day."""
    labels = Labels.of(v.scenario)
    occ = v.occupancy
    horizon = int(occ["day"].max())
    observed = {p: [0.0] * len(occ) for p in v.scenario.phases}
    if "energy_truce" in observed:
        observed["energy_truce"] = [1.0 if 0 <= d <= OBSERVED_ENERGY_END else 0.0 for d in occ["day"]]
    fig = go.Figure()
    frames = []
    for i, p in enumerate(v.scenario.phases):
        colour = ["#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00"][i % 5]
        dates = [labels.date(d) for d in occ["day"]]
        fig.add_scatter(
            x=dates,
            y=occ[p],
            mode="lines",
            line={"color": colour, "width": 3},
            name=f"{labels.phase(p)}: share of runs in force",
        )
        fig.add_scatter(
            x=dates,
            y=observed[p],
            mode="lines",
            line={"color": colour, "width": 2, "dash": "dot"},
            name=f"{labels.phase(p)}: observed (1 in force)",
        )
        diverge = [
            (d, y)
            for d, y, o in zip(occ["day"], occ[p], observed[p], strict=True)
            if abs(y - o) > 0.5 and d % 7 == 0
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
        frames.append(
            pd.DataFrame(
                {"day": occ["day"], "phase": p, "share_in_force": occ[p], "observed_in_force": observed[p]}
            )
        )
    fig.update_yaxes(title="share of runs in force", tickformat=".0%", range=[-0.03, 1.05])
    fig.update_xaxes(type="date", range=[labels.date(0), labels.date(min(horizon, 110))])
    return styled(
        fig, "The record against the ensemble: which truce was in force, day by day?", height=560
    ), (pd.concat(frames))


def exchanges_figure(v: Validation) -> tuple[go.Figure, pd.DataFrame]:
    """Cumulative exchange days: the ensemble's median and 10-90% band, and the record's."""
    q = v.exchanges[v.exchanges["day"] <= 110]
    labels = Labels.of(v.scenario)
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
    return styled(fig, "Do exchanges continue as they did?", height=460), q


def render(results: list[Validation]) -> str:
    record = load_record()
    parts = []
    for v in results:
        sc = v.scenario
        f1, d1 = shares_figure(v)
        f2, d2 = course_figure(v)
        f3, d3 = exchanges_figure(v)
        key = sc.name
        charts = [
            Chart(
                f"{key}-patterns",
                f1,
                d1,
                "Bars: share of runs reproducing each pattern (95% Wilson intervals); dark blue: first 30 "
                "days (calibration window), light blue: held out, black: all at once. Diamonds: the naive "
                "baseline 'nothing changes' (no truce ever enters into force).",
            ),
            Chart(
                f"{key}-course",
                f2,
                d2,
                "Solid: share of runs with each phase in force; dotted: the record (the energy moratorium in "
                "force from 18 March to 18 April; no maritime truce, full ceasefire or peace framework). "
                "Crosses: weeks where more than half the runs differ from the record.",
            ),
            Chart(
                f"{key}-exchanges",
                f3,
                d3,
                "Cumulative days with a prisoner exchange: the ensemble's median and 10-90% band, and the "
                "record's (19 March, 19 April, 23-25 May, 9 and 12 June); crosses: weeks outside the band.",
            ),
        ]
        worse = naive_as_good(v)
        s, lo, hi = v.held_out_share
        a, alo, ahi = v.all_share
        verdict = (
            f"All held-out patterns at once: {s:.1%} of runs (95% CI {lo:.1%}-{hi:.1%}); all seven: {a:.1%} "
            f"({alo:.1%}-{ahi:.1%}). "
            + (
                "The naive baseline 'nothing changes' does as well or better on: "
                + "; ".join(esc(p.text) for p in PATTERNS if p.id in worse)
                + "."
                if worse
                else "The naive baseline does not match the model on any pattern."
            )
        )
        ranks = table_html(
            [(esc(x), esc(y), esc(z)) for x, y, z in v.ranks], ("quantity", "observed", "the model")
        )
        pk = table_html(
            [(esc(i), f"{b:.2f}", "-" if m is None else f"{m:.2f}") for i, b, m in v.packages],
            (
                "issue",
                "naive benchmark (capability x salience weighted mean)",
                "the model's median signed term",
            ),
            numeric=(1, 2),
        )
        parts.append(
            f"<h2>{esc(sc.title)} ({esc(sc.name)})</h2><p class='caption'>{v.runs} runs, seed {v.seed}, "
            f"sha256 {scenario_sha256(sc)[:12]}…</p><p>{verdict}</p>"
            + "".join(figure_html(c) for c in charts)
            + "<h3>Observed quantities within the simulated distributions</h3>"
            + ranks
            + "<h3>Packages against the naive benchmark</h3><p>For each issue a signed package sets, the "
            "capability x salience weighted mean of the actors' positions beside the model's median term "
            "(the benchmark that, in tests of bargaining models on EU decisions, predicts outcomes about as "
            "well as far more elaborate models: Achen, in Thomson et al. (eds.), <i>The European Union "
            "Decides</i>, 2006). The record has no agreed package terms to score either against: the Black "
            "Sea deal never took effect, and no full ceasefire or peace framework was agreed.</p>" + pk
        )
    events = table_html(
        [
            (
                esc(e.date),
                str((e.date - CALL).days),
                esc(e.kind),
                esc(e.event),
                f'<a href="{attr(str(e.source.url))}">{esc(e.source.title[:60])}</a>',
                esc(e.certainty),
            )
            for e in record.events
        ],
        ("date", "day", "kind", "event", "source", "certainty"),
    )
    names = " and ".join(esc(v.scenario.name) for v in results)
    body = (
        f"<h1>Validation against the record: {names}</h1><p class='caption'>The observed record: "
        f"{len(record.events)} events, scenarios/observed/2025.yaml (docs/validation.md)</p>"
        '<div id="render-warning" class="warning hidden"></div>'
        + "".join(parts)
        + "<h2>The observed record</h2>"
        + events
    )
    return page(f"Validation: {names}", body, "validation")
