"""The validation page: for each validated scenario, its patterns, course and exchanges against the
record, the observed quantities' ranks and the package benchmark; then the record itself.

Everything from a file (scenario titles and names, the record's events and sources) is escaped here.
"""

from __future__ import annotations

from sim.experiments.manifest import scenario_sha256
from sim.plots import validation as vp
from sim.plots.style import Labels, esc
from sim.reports.document import Chart
from sim.reports.html import attr, figure_html, page, table_html
from sim.validation.observed import CALL, load_record
from sim.validation.patterns import PATTERNS
from sim.validation.validate import COIN, Validation, against_naive, brier, naive_as_good

PATTERNS_NOTE = (
    "Bars: share of runs reproducing each pattern (95% Wilson intervals); dark blue: first 30 "
    "days (calibration window), light blue: held out, black: all at once. Diamonds: the naive "
    "baseline 'nothing changes' (no truce ever enters into force)."
)
COURSE_NOTE = (
    "Solid: share of runs with each phase in force; dotted: the record (the energy moratorium in "
    "force from 18 March to 18 April; no maritime truce, full ceasefire or peace framework). "
    "Crosses: weeks where more than half the runs differ from the record."
)
EXCHANGES_NOTE = (
    "Cumulative days with a prisoner exchange: the ensemble's median and 10-90% band, and the "
    "record's (19 March, 19 April, 23-25 May, 9 and 12 June); crosses: weeks outside the band."
)
BENCHMARK_TEXT = (
    "<h3>Packages against the naive benchmark</h3><p>For each issue a signed package sets, the "
    "capability x salience weighted mean of the actors' positions beside the model's median term "
    "(the benchmark that, in tests of bargaining models on EU decisions, predicts outcomes about as "
    "well as far more elaborate models: Achen, in Thomson et al. (eds.), <i>The European Union "
    "Decides</i>, 2006). The record has no agreed package terms to score either against: the Black "
    "Sea deal never took effect, and no full ceasefire or peace framework was agreed.</p>"
)


def charts(v: Validation) -> list[Chart]:
    """The three figures of one validated scenario, with the data each draws."""
    labels = Labels.of(v.scenario)
    key = v.scenario.name
    shares = vp.patterns_frame(v)
    course = vp.course_frame(v.occupancy, list(v.scenario.phases))
    exchanges = vp.exchanges_frame(v.exchanges)
    return [
        Chart(f"{key}-patterns", vp.patterns_figure(shares), shares, PATTERNS_NOTE),
        Chart(f"{key}-course", vp.course_figure(course, labels), course, COURSE_NOTE),
        Chart(f"{key}-exchanges", vp.exchanges_figure(exchanges, labels), exchanges, EXCHANGES_NOTE),
    ]


def _verdict(v: Validation) -> str:
    worse = naive_as_good(v)
    s, lo, hi = v.held_out_share
    a, alo, ahi = v.all_share
    better, lost = against_naive(v)
    scores = brier(v)
    return (
        f"All held-out patterns at once: {s:.1%} of runs (95% CI {lo:.1%}-{hi:.1%}); all seven: {a:.1%} "
        f"({alo:.1%}-{ahi:.1%}). "
        f"Brier scores (0 best; a coin scores {COIN:g}): "
        + "; ".join(
            f"{esc(p.id)} {scores[p.id][0]:.3f} (nothing changes {scores[p.id][1]:.0f})" for p in PATTERNS
        )
        + f". The model forecasts better than 'nothing changes' on {len(better)} patterns and worse on "
        f"{len(lost)}. "
        + (
            "The naive baseline 'nothing changes' does as well or better on: "
            + "; ".join(esc(p.text) for p in PATTERNS if p.id in worse)
            + "."
            if worse
            else "The naive baseline does not match the model on any pattern."
        )
    )


def _section(v: Validation) -> str:
    sc = v.scenario
    ranks = table_html(
        [(esc(x), esc(y), esc(z)) for x, y, z in v.ranks], ("quantity", "observed", "the model")
    )
    packages = table_html(
        [(esc(i), f"{b:.2f}", "-" if m is None else f"{m:.2f}") for i, b, m in v.packages],
        ("issue", "naive benchmark (capability x salience weighted mean)", "the model's median signed term"),
        numeric=(1, 2),
    )
    return (
        f"<h2>{esc(sc.title)} ({esc(sc.name)})</h2><p class='caption'>{v.runs} runs, seed {v.seed}, "
        f"sha256 {scenario_sha256(sc)[:12]}…</p><p>{_verdict(v)}</p>"
        + "".join(figure_html(c) for c in charts(v))
        + "<h3>Observed quantities within the simulated distributions</h3>"
        + ranks
        + BENCHMARK_TEXT
        + packages
    )


def render(results: list[Validation]) -> str:
    """The whole page as a string (self-contained HTML, plotly embedded)."""
    record = load_record()
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
        + "".join(_section(v) for v in results)
        + "<h2>The observed record</h2>"
        + events
    )
    return page(f"Validation: {names}", body, "validation")
