"""The debrief: each recorded bet, and each table's own result, placed within the model's ensemble.

A bet on a share is inside, above or below the model's 95% interval; a bet on a number or a day is
placed by the share of runs below it; a bet on an outcome by the share of runs ending there. A
table's run (its class code) is re-run here, so its result is the one the table saw, and placed by
its outcome and its violations among the ensemble's runs. The page ends with the epilogue: what
actually happened, beside the tables' results and the model's.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from sim.experiments.ensemble import run_one
from sim.model.results import NO_TRUCE, run_row
from sim.plots import teaching as tp
from sim.plots.style import Labels, esc
from sim.reports.document import Chart
from sim.reports.html import table_html
from sim.scenario.class_code import ClassCode
from sim.teaching.findings import ArmRuns, Findings, answer_parts, outcome_names
from sim.teaching.handout import (
    MODEL_NOT_FORECAST,
    alt_text,
    epilogue_section,
    inline,
    parts_html,
    print_figure,
    print_page,
)
from sim.teaching.predictions import RESULT, Entry, answer_kind, place, result_arm
from sim.teaching.quantities import share_below
from sim.teaching.templates import fmt_share, parse_ref, runs_word


@dataclass(frozen=True)
class Placement:
    who: str
    question: str
    answer: str
    where: str
    """Where the bet or result falls, in words."""


def placements(f: Findings, entries: list[Entry]) -> list[Placement]:
    """Every entry placed (pure, given the computed findings)."""
    ld = f.loaded
    names = outcome_names(ld.class_scenario)
    questions = {p.id: p for p in ld.exercise.predictions}
    out = []
    for e in entries:
        if e.question == RESULT:
            out.append(Placement(e.who, e.question, e.answer, place_result(f, e.value)))
        else:
            q = f.quantity(parse_ref(questions[e.question].answer))
            out.append(Placement(e.who, e.question, e.answer, place(e.value, q, names)))
    return out


def place_result(f: Findings, value: ClassCode | str) -> str:
    """A table's result within the ensemble it belongs to."""
    ld = f.loaded
    names = outcome_names(ld.class_scenario)
    if isinstance(value, ClassCode):
        ensemble, row = table_run(f, value)
        rows = ensemble.rows
        same = sum(1 for r in rows if r["outcome"] == row["outcome"]) / len(rows)
        furthest = row["furthest_phase"]
        phase = ensemble.scenario.phases[furthest].title if furthest in ensemble.scenario.phases else "none"
        fewer, equal = share_below(float(row["violations_true"]), [float(r["violations_true"]) for r in rows])
        return (
            f"its run ends in {names.get(row['outcome'], row['outcome'])}, as {fmt_share(same)} of the "
            f"{runs_word(len(rows))} of '{ensemble.label}' do; furthest phase in force: {phase}; "
            f"{row['violations_true']} true violations: {fmt_share(fewer)} of runs had fewer, "
            f"{fmt_share(equal)} as many"
        )
    arm = result_arm(ld, ld.exercise.code) or next(iter(ld.exercise.arms))
    rows = f.arms[arm].rows
    share = sum(1 for r in rows if r["outcome"] == value) / len(rows)
    return (
        f"the table reached {names.get(value, value)}; {fmt_share(share)} of the {runs_word(len(rows))} of "
        f"'{f.arms[arm].label}' end there"
    )


def table_run(f: Findings, code: ClassCode) -> tuple[ArmRuns, dict]:
    """A table's run (run 0 of its class code) and the ensemble it belongs to."""
    ensemble = f.arms[result_arm(f.loaded, code)]
    return ensemble, run_row(run_one(ensemble.scenario, code.seed, 0, record=False))


def _results_chart(f: Findings, results: list[tuple[Entry, Placement]]) -> list[tuple[Chart, str]]:
    """Per ensemble, its runs' true violations with each table's run as a dot."""
    by_arm: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for e, _ in results:
        if isinstance(e.value, ClassCode):
            ensemble, row = table_run(f, e.value)
            by_arm[ensemble.name].append((esc(f"{e.who} ({e.value})"), float(row["violations_true"])))
    charts = []
    for arm, dots in by_arm.items():
        samples = [float(r["violations_true"]) for r in f.arms[arm].rows]
        fig = tp.bets_figure(
            f"True violations: the tables' runs among the runs of {esc(f.arms[arm].label)}",
            "number",
            {"value": statistics.median(samples)},
            samples,
            dots,
        )
        frame = tp.bets_frame(dots, samples, "number").rename(columns={"guess": "violations_true"})
        chart = Chart(f"tables-{arm}", fig, frame, "Bars: the ensemble's runs; dots: the tables' runs.")
        tables = "; ".join(f"{who} {v:g}" for who, v in dots)
        summary = f"Median of the runs: {statistics.median(samples):g}; the tables' runs: {tables}."
        charts.append((chart, alt_text(chart, summary)))
    return charts


def class_outcomes(f: Findings, results: list[tuple[Entry, Placement]]) -> dict[str, str] | None:
    """Per phase, what the tables' recorded results say of it: how many tables' runs had it in force,
    and which tables' role plays ended in its outcome. None if no result was recorded."""
    if not results:
        return None
    sc = f.loaded.class_scenario
    runs = [(e.who, table_run(f, e.value)[1]) for e, _ in results if isinstance(e.value, ClassCode)]
    played = [(e.who, e.value) for e, _ in results if not isinstance(e.value, ClassCode)]
    names = outcome_names(sc)
    out = {}
    for p, phase in sc.phases.items():
        bits = []
        if runs:
            k = sum(1 for _, row in runs if row.get(f"{p}_entered_day") is not None)
            bits.append(f"in force at some point in {k} of {len(runs)} table run{'s' * (len(runs) != 1)}")
        ended = [who for who, outcome in played if outcome == phase.outcome]
        if ended:
            bits.append(f"{', '.join(ended)} ended in {names.get(phase.outcome, phase.outcome)}")
        out[p] = "; ".join(bits) or "–"
    return out


def debrief_page(
    f: Findings,
    entries: list[Entry],
    source: str,
    *,
    warnings: list[str] = (),
    basis: str = "runs computed now",
) -> tuple[str, list[Placement]]:
    """The debrief as a self-contained page, and the placements it shows.

    ``warnings`` (what differs from the handout's answer key) head the page; ``basis`` says where
    its runs come from (the handout's ensemble record, or runs computed now)."""
    ld = f.loaded
    ex, sc = ld.exercise, ld.class_scenario
    labels = Labels.of(sc)
    placed = placements(f, entries)
    by_question: dict[str, list[tuple[Entry, Placement]]] = defaultdict(list)
    for e, p in zip(entries, placed, strict=True):
        by_question[e.question].append((e, p))
    runs = "/".join(str(n) for n in sorted({len(f.arms[a].rows) for a in ex.arms}))
    out = [
        f"<h1>Debrief: {esc(ex.title)}</h1><p class='caption'>Bets from {esc(source)}, placed within "
        f"{f.total_runs} runs ({runs} per ensemble, {esc(f.engine)} engine): {esc(basis)}; class code "
        f"<code>{esc(ex.class_code)}</code>.</p>"
        '<div id="render-warning" class="warning hidden"></div>'
    ]
    if warnings:
        out.append(
            '<div class="warning" id="differs"><b>Warning: these numbers may differ from the answer key.</b>'
            "<ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul></div>"
        )
    for p in ex.predictions:
        pairs = by_question.get(p.id, [])
        ref = parse_ref(p.answer)
        q = f.quantity(ref)
        kind = answer_kind(ld, p.answer)
        out.append(f"<h2>{inline(p.question)}</h2><p>The model: {parts_html(answer_parts(f, p))}.</p>")
        if not pairs:
            out.append("<p>No bets recorded for this question.</p>")
            continue
        guesses = [(e.who, e.value) for e, _ in pairs]
        frame = tp.bets_frame(guesses, q.samples, kind)
        model = {"value": q.value, "low": q.low, "high": q.high}
        cats = {o: labels.outcome(o) for o in [NO_TRUCE, *sc.outcomes]}
        fig = tp.bets_figure(
            "Your bets against the model", kind, model, q.samples, [(esc(w), v) for w, v in guesses], cats
        )
        chart = Chart(f"bets-{p.id}", fig, frame, "Each dot is one bet; hover for who placed it.")
        said = f"The model: {fmt_text(f, p)}. The bets: " + "; ".join(
            f"{w} {a}" for w, a in _bets_said(pairs)
        )
        out.append(print_figure(chart, alt_text(chart, said + ".")))
        out.append(
            table_html(
                [(esc(e.who), esc(e.answer), esc(pl.where)) for e, pl in pairs],
                ("who", "bet", "where it falls"),
            )
        )
    results = by_question.get(RESULT, [])
    out.append("<h2>The tables' own results</h2>")
    if results:
        out.append(
            table_html(
                [(esc(e.who), esc(e.answer), esc(pl.where)) for e, pl in results], ("who", "result", "placed")
            )
        )
        out += [print_figure(c, alt) for c, alt in _results_chart(f, results)]
    else:
        out.append("<p>No results recorded (lines like <code>Table 1 | result | baseline@43</code>).</p>")
    out.append(
        "<h2>Debrief questions</h2><ol>" + "".join(f"<li>{inline(q)}</li>" for q in ex.questions) + "</ol>"
    )
    out.append(f'<h2>A model, not a forecast</h2><p class="note">{esc(MODEL_NOT_FORECAST)}</p>')
    out.append(epilogue_section(f, class_outcomes(f, results)))
    return print_page(f"Debrief: {esc(ex.title)}", "".join(out), "debrief"), placed


def fmt_text(f: Findings, p) -> str:
    return "".join(t for t, _ in answer_parts(f, p))


def _bets_said(pairs: list[tuple[Entry, Placement]]) -> list[tuple[str, str]]:
    return [(e.who, e.answer) for e, _ in pairs]
