"""Handouts as printable, self-contained HTML: the student handout, the instructor guide, role cards.

The structure is the one instructors know from negotiation case materials: a one-sentence decision
point, the situation (the article's paragraphs, by id), public and confidential role cards, how to
run it, a prediction box, things to notice and to try, debrief questions and a "model, not a
forecast" note. The instructor guide adds learning goals, lesson plans, the role matrix, injects, the
computed answer key and the epilogue. Every number in them comes from :mod:`sim.teaching.findings`.

They are made to be printed (A4): the student handout on at most 4 pages, a role card on one sheet,
the guide on at most 10 (``tests/test_print.py`` measures Chromium's PDFs). On screen a figure is
interactive plotly; in print it is a static SVG made from it when the page loads
(``Plotly.toImage``), in an ``<img>`` whose alt text says what the figure shows.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.data import ARTICLE
from sim.experiments.manifest import scenario_sha256
from sim.experiments.store import days_frame, events_frame
from sim.model.results import NO_TRUCE
from sim.plots import teaching as tp
from sim.plots.style import Labels, esc
from sim.reports.build import run_section, run_story
from sim.reports.document import Chart
from sim.reports.html import attr, figure_html, page, table_html
from sim.scenario.schema import Scenario
from sim.stats import wilson
from sim.teaching.epilogue import epilogue, epilogue_html
from sim.teaching.exercise import CLASS_ARM, Arm, Exercise, LoadedExercise
from sim.teaching.findings import Findings, answer_parts
from sim.teaching.points import headline_phase, points_sheet, sheet_html
from sim.teaching.predictions import RESULT, answer_hint, template
from sim.teaching.roles import (
    CLASS_SIZES,
    Fact,
    confidential_facts,
    plans,
    public_facts,
    role_ids,
    role_name,
    seat,
)
from sim.teaching.templates import Part, fmt_share
from sim.validation.patterns import HORIZON as RECORD_DAYS

CLASS_RUN_FIGURES = ("timeline", "trust", "violations")
"""The class run's figures a handout shows (of the six a run report has)."""

MODEL_NOT_FORECAST = (
    "This is a model, not a forecast. Its actors follow simple rules; most of its numbers are "
    "assumptions, listed with their reasons in the provenance table of any report (run_sim.py "
    "scenario show). Use it to ask what follows from what, under these assumptions, and to argue about "
    "the assumptions; not to predict what Washington, Moscow or Kyiv will do."
)

HANDOUT_STYLE = """
.decision { font-size: 1.15em; border: 3px solid #0072B2; padding: 0.4em 0.8em; margin: 0.6em 0; }
.card { border: 1px solid #888; border-radius: 6px; padding: 0.2em 0.8em 0.4em; margin: 0.5em 0;
        break-inside: avoid; page-break-inside: avoid; }
.card h3 { margin: 0.3em 0 0.2em; }
.card p { margin: 0.3em 0; }
.confidential { border: 2px dashed #D55E00; }
.confidential h3::after { content: "  CONFIDENTIAL: for this role's player only"; color: #D55E00;
        font-size: 0.7em; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 0 0.8em; }
.bet { border: 1px solid #444; padding: 0.3em 0.6em 2em; margin: 0.4em 0; break-inside: avoid; }
.computed { font-weight: bold; border-bottom: 1px dotted #0072B2; }
.note { background: #f2f2f2; border-left: 6px solid #8C8C8C; padding: 0.4em 0.8em; }
.source { color: #555; font-size: 0.8em; }
.facts { margin: 0.2em 0; padding-left: 1.2em; }
.facts li { margin: 0.1em 0; }
blockquote { margin: 0.3em 0 0.3em 0.6em; padding-left: 0.6em; border-left: 4px solid #56B4E9; }
code { background: #f4f4f4; padding: 0 0.2em; font-size: 0.9em; }
pre.cmd { background: #f4f4f4; padding: 0.3em 0.6em; white-space: pre-wrap; font-size: 0.8em;
          margin: 0.2em 0; }
.small { font-size: 0.8em; }
.bottom-line { font-weight: bold; }
table.positions td, table.positions th { padding: 0.1em 0.4em; }
table.positions td.pos { white-space: nowrap; }
table.compact { font-size: 0.8em; }
.plans { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 0 1em; }
.plans ol { padding-left: 1.2em; margin: 0.2em 0; }
.matrix { columns: 2; column-gap: 1.5em; font-size: 0.8em; }
.matrix p { margin: 0; break-inside: avoid; }
.after { border-top: 2px solid #0072B2; margin-top: 1em; }
img.print-figure { display: none; }
@media print {
  body { font-size: 9.5pt; line-height: 1.3; }
  h1 { font-size: 1.5em; margin: 0 0 0.1em; }
  h2 { font-size: 1.15em; margin: 0.7em 0 0.25em; page-break-before: auto; break-before: auto;
       break-after: avoid; page-break-after: avoid; }
  h3 { font-size: 1em; margin: 0.4em 0 0.2em; break-after: avoid; }
  p, ul, ol { margin: 0.25em 0; }
  blockquote { font-size: 0.85em; }
  ul, ol { padding-left: 1.3em; }
  table { font-size: 0.9em; margin: 0.3em 0 0.5em; }
  th, td { padding: 0.1em 0.4em; }
  .caption { font-size: 0.8em; margin: 0.1em 0; }
  figure { margin: 0.4em 0 0.6em; }
  figcaption { font-size: 0.8em; }
  figure:has(img.print-figure[src]) > div { display: none !important; }
  img.print-figure[src] { display: block; width: 100%; height: auto; }
  .screen-only { display: none !important; }
  a { color: inherit; text-decoration: none; }
  .role-page { break-before: page; page-break-before: always; }
  .role-page:first-child { break-before: auto; page-break-before: auto; }
}
"""

PRINT_FIGURES = """
// Print: each figure as a static SVG (made once, when the page loads) in the <img> beside it, whose
// alt text says what it shows; the interactive figure stays on screen. The body records how many
// were made: data-print-figures="made/all".
window.addEventListener('load', function () {
  setTimeout(function () {
    var imgs = document.querySelectorAll('img.print-figure');
    var pending = imgs.length, made = 0;
    function one() {
      pending -= 1;
      if (pending <= 0) { document.body.setAttribute('data-print-figures', made + '/' + imgs.length); }
    }
    if (!imgs.length) { document.body.setAttribute('data-print-figures', '0/0'); return; }
    imgs.forEach(function (img) {
      var gd = document.getElementById(img.getAttribute('data-for'));
      if (!gd || !window.Plotly || !gd.data) { one(); return; }
      var width = +img.getAttribute('data-width'), height = +img.getAttribute('data-height');
      Plotly.toImage(gd, {format: 'svg', width: width, height: height})
        .then(function (url) { img.src = url; made += 1; one(); }, one);
    });
  }, 0);
});
"""

PRINT_WIDTH = 900
"""Pixels of a printed figure's width (A4 less margins: about 0.2 mm per pixel)."""
PRINT_HEIGHTS = {"timeline": 330, "trust": 330, "violations": 440, "arms-phases": 340, "arms-outcomes": 340}
"""A printed figure's height in pixels, by the end of its name (default 360)."""


@dataclass
class Handout:
    """Every page of an exercise's class pack, as strings ready to write."""

    student: str
    instructor: str
    roles: dict[str, str]
    """Role id -> its card (public, confidential, points sheet): one sheet each, for its player."""
    predictions: str
    """An empty predictions file to fill in (text)."""
    charts: list[Chart]
    """The student handout's figures (the class run), for tests and image export."""


def article_paragraphs(path: Path = ARTICLE) -> dict[str, str]:
    """The seed article's English paragraphs by id (P0 ... P13), from docs/seed-article.md."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*(P\d+)\s*\|\s*(.+?)\s*\|\s*(.*?)\s*\|$", line)
        if m:
            rows[m[1]] = m[2]
    return rows


def prose(text: str) -> str:
    """Plain text from an exercise as HTML: escaped; blank lines make paragraphs; `x` is code."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{inline(' '.join(p.split()))}</p>" for p in paras)


def inline(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


def parts_html(parts: list[Part]) -> str:
    return "".join(
        f'<span class="computed" title="computed by the simulator">{esc(t)}</span>' if c else inline(t)
        for t, c in parts
    )


def prose_parts(parts: list[Part]) -> str:
    """A rendered template as paragraphs (blank lines in its text), computed numbers highlighted."""
    html_ = parts_html(parts)
    return "".join(f"<p>{' '.join(p.split())}</p>" for p in re.split(r"\n\s*\n", html_) if p.strip())


# -- print -----------------------------------------------------------------------------------------
def print_page(title: str, body: str, kind: str, *, with_plotly: bool = True) -> str:
    """A pack page: the report page with the print stylesheet and, with figures, their print images."""
    script = f"<script>{PRINT_FIGURES}</script>" if with_plotly else ""
    return page(title, body + script, kind, with_plotly=with_plotly, style=HANDOUT_STYLE)


def print_figure(chart: Chart, alt: str) -> str:
    """A figure: interactive on screen; in print, a static image with ``alt`` as its alt text."""
    height = next((h for end, h in PRINT_HEIGHTS.items() if chart.name.endswith(end)), 360)
    img = (
        f'<img class="print-figure" alt="{attr(alt)}" data-for="fig-{attr(chart.name)}" '
        f'data-width="{PRINT_WIDTH}" data-height="{height}">'
    )
    return figure_html(chart).replace("<figcaption>", img + "<figcaption>", 1)


def plain(text: str) -> str:
    """A figure title or label (plotly's HTML-like text) as plain text."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(text))).split())


def alt_text(chart: Chart, summary: str = "") -> str:
    """What a figure shows, in words: its title, what it plots and, if given, its main numbers."""
    title = plain(chart.figure.layout.title.text or chart.name)
    parts = [f"Figure: {title.rstrip('.')}.", plain(chart.note)]
    if summary:
        parts.append(summary)
    return " ".join(p for p in parts if p)


def class_run_alt(chart: Chart, labels: Labels) -> str:
    """Alt text of one of the class run's figures, with what happened in it."""
    d = chart.data
    summary = ""
    if chart.name.endswith("timeline") and {"phase", "status", "first_day", "last_day"} <= set(d.columns):
        spans = [
            f"{plain(labels.phase(r.phase))} in force days {r.first_day}–{r.last_day}"
            for r in d.itertuples()
            if r.status == "in_force"
        ]
        summary = "In force: " + "; ".join(spans) + "." if spans else "No phase entered into force."
    elif chart.name.endswith("trust") and {"day", "actor", "other", "trust"} <= set(d.columns) and len(d):
        last = d.sort_values("day").groupby(["actor", "other"], sort=False).tail(1)
        summary = (
            "Trust on the last day: "
            + "; ".join(
                f"{plain(labels.actor(r.actor))} in {plain(labels.actor(r.other))} {r.trust:.2f}"
                for r in last.itertuples()
            )
            + "."
        )
    elif chart.name.endswith("violations") and {"domain", "kind", "cumulative"} <= set(d.columns) and len(d):
        last = d.groupby(["domain", "kind"], sort=False)["cumulative"].max()
        summary = (
            "By the last day: " + "; ".join(f"{dom} {kind} {n}" for (dom, kind), n in last.items()) + "."
        )
    return alt_text(chart, summary)


def shares_alt(chart: Chart, arm_names: Mapping[str, str], category_names: Mapping[str, str]) -> str:
    """Alt text of a shares figure: each ensemble's share per category."""
    d = chart.data
    bits = []
    for cat, part in d.groupby("category", sort=False):
        shares = ", ".join(
            f"{plain(arm_names.get(r.arm, r.arm))} {fmt_share(r.share)}" for r in part.itertuples()
        )
        bits.append(f"{plain(category_names.get(cat, cat))}: {shares}")
    return alt_text(chart, ". ".join(bits) + ".")


# -- commands ------------------------------------------------------------------------------------
def arm_command(name: str, arm: Arm, runs: int | None = None, engine: str = "batch") -> str:
    """The command that runs an arm: ``python run_sim.py run --seed SCENARIO@SEED --runs N --set ...``.

    ``runs`` is the number the handout was built with, if not the arm's own; ``engine`` the engine its
    findings ran on (``run``'s default is mesa, so the command names it: the same engine gives the
    same runs, the other only the same distribution).
    """
    runs = runs or arm.runs
    sets = "".join(f" --set {shlex.quote(s)}" for s in arm.set)
    return (
        f"python run_sim.py run --seed {arm.scenario}@{arm.seed} --runs {runs} --engine {engine}{sets}"
        f" --out results/{name}"
    )


def class_command(ex: Exercise, sets: list[str] = (), code: str | None = None) -> str:
    extra = "".join(f" --set {shlex.quote(s)}" for s in sets)
    return f"python run_sim.py run --seed {code or ex.class_code} --runs 1{extra}"


def table_codes(ex: Exercise, tables: int) -> list[str]:
    """Each table's own class code: the class code's scenario, seeds after the class seed."""
    code = ex.code
    return [f"{code.scenario}@{code.seed + k}" for k in range(1, tables + 1)]


# -- building ------------------------------------------------------------------------------------
def build_handout(f: Findings, exercise_file: str = "") -> Handout:
    ld = f.loaded
    ex, sc = ld.exercise, ld.class_scenario
    labels = Labels.of(sc)
    charts = class_run_charts(f, labels)
    caption = _caption(f, exercise_file)
    card_caption = (
        f"Built {dt.date.today():%d %B %Y} from {esc(exercise_file)}; the numbers are the scenario "
        f"{esc(sc.name)}'s (sha256 {scenario_sha256(sc)[:12]}…): P5, P10…: quoted from that paragraph of "
        "the article; the rest are the scenario's assumptions (reasons: <code>scenario show</code>)."
    )
    title = esc(ex.title)
    roles = {
        r: print_page(
            f"{esc(role_name(ex, sc, r))}: {title}",
            f'<div class="role-page">{role_card(ld, r, card_caption)}</div>',
            "role-card",
            with_plotly=False,
        )
        for r in ex.roles
    }
    return Handout(
        student=print_page(
            f"{title}: student handout",
            _header(ex, "Student handout", caption) + _student_body(f, labels, charts),
            "handout",
        ),
        instructor=print_page(
            f"{title}: instructor guide",
            _header(ex, "Instructor guide", caption) + _instructor_body(f, labels),
            "instructor",
        ),
        roles=roles,
        predictions=template(ld),
        charts=charts,
    )


def class_run_charts(f: Findings, labels: Labels) -> list[Chart]:
    """The class run's figures: the same the report of ``run --seed CODE --runs 1`` draws."""
    result = f.class_result
    days, events = days_frame([result]), events_frame([result])
    section = run_section(days, events, labels, list(f.loaded.class_scenario.phases), result.run, "")
    wanted = {f"run{result.run}-{k}" for k in CLASS_RUN_FIGURES}
    return [c for c in section.charts if c.name in wanted]


def version() -> str:
    try:
        return metadata.version("ceasefire-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def _caption(f: Findings, exercise_file: str) -> str:
    shas = sorted({f"{a.scenario.name} {scenario_sha256(a.scenario)[:12]}…" for a in f.arms.values()})
    # an arm with overrides is its scenario with other numbers: its own hash, under the same name
    return (
        f"Built {dt.date.today():%d %B %Y} by ceasefire-sim {esc(version())} from {esc(exercise_file)}; "
        f"every highlighted number was computed from {f.total_runs} runs ({esc(f.engine)} engine) at build "
        f"time (scenarios: {esc(', '.join(shas))})."
    )


def _header(ex: Exercise, kind: str, caption: str) -> str:
    return (
        f"<h1>{esc(ex.title)}</h1><p class='caption'>{esc(kind)} · {esc(ex.topic)} · class code "
        f"<code>{esc(ex.class_code)}</code></p><p class='caption'>{caption}</p>"
        '<div id="render-warning" class="warning hidden"></div>'
    )


def _student_body(f: Findings, labels: Labels, charts: list[Chart]) -> str:
    ld = f.loaded
    ex, sc = ld.exercise, ld.class_scenario
    article = article_paragraphs()
    out = [f'<div class="decision"><b>The decision.</b> {inline(ex.decision)}</div>']
    out.append("<h2>The situation</h2>" + prose(ex.situation.intro))
    out.append(
        "<p class='small'>From the article (18 March 2025; paragraph ids as in docs/seed-article.md):</p>"
        + "".join(
            f"<blockquote><b>{esc(p)}</b> {esc(article.get(p, '(paragraph not found)'))}</blockquote>"
            for p in ex.situation.paragraphs
        )
    )
    out.append(
        "<h2>The roles</h2><p>What everyone at the table knows; each player also gets a card of their "
        "own.</p><div class='cards'>" + "".join(_public_card(ld, r) for r in ex.roles) + "</div>"
    )
    out.append(positions_table(sc, [r for r in ex.roles if r in sc.actors]))
    out.append(_bets(ld))
    out.append(_how_to_run(f))
    if ex.try_:
        out.append(
            "<h2>Things to try</h2><ul>" + "".join(f"<li>{inline(t.do)}</li>" for t in ex.try_) + "</ul>"
        )
    out.append(
        "<h2>Debrief questions</h2><ol>" + "".join(f"<li>{inline(q)}</li>" for q in ex.questions) + "</ol>"
    )
    story = run_story(pd.Series(f.arms[CLASS_ARM].rows[0]), labels)
    out.append(
        f"<h2>The class run, {esc(ex.class_code)}</h2><p>Open these after you have placed your bets. "
        f"{story} The same figures appear in the report of <code>{esc(class_command(ex))}</code>.</p>"
    )
    out += [print_figure(c, class_run_alt(c, labels)) for c in charts]
    out.append(
        "<h2>Things to notice</h2><ul>"
        + "".join(f"<li>{parts_html(f.render(t))}</li>" for t in ex.notice)
        + "</ul>"
    )
    out.append(f'<h2>A model, not a forecast</h2><p class="note">{esc(MODEL_NOT_FORECAST)}</p>')
    out.append(
        "<p class='small after'><b>What actually happened</b> in March to June 2025, from the observed "
        "record, is shown at the debrief, after you have placed your bets and played: knowing it "
        "first would anchor both.</p>"
    )
    return "".join(out)


def _how_to_run(f: Findings) -> str:
    ex = f.loaded.exercise
    items = []
    for t in ex.tasks:
        cmds = []
        if t.run:
            cmds.append(arm_command(t.run, ex.arms[t.run], len(f.arms[t.run].rows), f.engine))
        if t.set:
            cmds.append(class_command(ex, t.set))
        block = "".join(f'<pre class="cmd">{esc(c)}</pre>' for c in cmds)
        sliders = ""
        if t.set:
            sliders = (
                " <span class='small'>(dashboard sliders: "
                + ", ".join(f"<code>{esc(s)}</code>" for s in t.set)
                + ")</span>"
            )
        items.append(f"<li>{inline(t.do)}{sliders}{block}</li>")
    return (
        "<h2>How to run it</h2>"
        f"<p>Everyone looks at the same run, the class code <code>{esc(ex.class_code)}</code> (a scenario "
        "and a seed: the same trajectory on every machine); each table also gets a code of its own, to "
        "see what chance alone changes. Install once (see the README), then:</p>"
        f'<pre class="cmd">{esc(class_command(ex))}</pre>'
        f"<ol>{''.join(items)}</ol>"
    )


def _bets(ld: LoadedExercise) -> str:
    ex = ld.exercise
    boxes = "".join(
        f'<div class="bet"><b>{i}. {inline(p.question)}</b><br><span class="small">Answer: '
        f"{esc(answer_hint(ld, p.answer))}. Question id <code>{esc(p.id)}</code>.</span></div>"
        for i, p in enumerate(ex.predictions, 1)
    )
    return (
        "<h2>Place your bets</h2><p>Before you run anything, write down what you expect. The debrief "
        "places your bets, and your table's own run, within the model's ensemble.</p>"
        + boxes
        + "<p class='small'>To record them, one line each in <code>predictions.txt</code> (beside this "
        f"handout): <code>Table 1 | {esc(ex.predictions[0].id)} | 40</code>, and your table's run as "
        f"<code>Table 1 | {RESULT} | {esc(table_codes(ex, 1)[0])}</code>.</p>"
    )


def _brief_facts(facts: list[Fact]) -> str:
    """Facts with their sources in brief (the paragraph quoted, or "assumed")."""
    return (
        "<ul class='facts small'>"
        + "".join(f"<li>{esc(x.text)} <span class='source'>[{esc(_mark(x))}]</span></li>" for x in facts)
        + "</ul>"
    )


def positions_table(sc: Scenario, actors: list[str]) -> str:
    """Every actor's position on every issue (0 to 1), each marked with the article paragraph it is
    quoted from, or as the scenario's assumption: the same for every side."""
    if not actors:
        return ""
    head = ("issue (0 … 1)", *(esc(sc.actors[a].name) for a in actors))
    rows = []
    for i, issue in sc.issues.items():
        cells = []
        for a in actors:
            v = sc.actors[a].positions.get(i)
            if v is None:
                cells.append("–")
                continue
            mark = esc(v.evidence.source.removeprefix("seed-article#")) if v.evidence else "assumed"
            cells.append(f"{v.value:g} <span class='source'>{mark}</span>")
        rows.append(
            (
                f"{esc(issue.description)} <span class='source'>(0: {esc(issue.zero)}; 1: {esc(issue.one)})"
                "</span>",
                *cells,
            )
        )
    return (
        "<p class='small'><b>Positions at the table</b>: what each side wants on each issue, from 0 to 1. "
        "P5, P10…: quoted from that paragraph of the article; <i>assumed</i>: the article does not say, "
        "and the number is the scenario's assumption (its reason in <code>scenario show</code>).</p>"
        + table_html(rows, head).replace("<table>", "<table class='positions compact'>", 1)
    )


def _public_card(ld: LoadedExercise, role: str, with_positions: bool = False) -> str:
    ex, sc = ld.exercise, ld.class_scenario
    card = ex.roles[role]
    said = ""
    if with_positions and role in sc.actors:
        said = own_positions(sc, role)
    optional = " <span class='small'>(optional seat)</span>" if card.optional else ""
    return (
        f'<div class="card"><h3>{esc(role_name(ex, sc, role))}{optional}</h3>{prose(card.public)}{said}</div>'
    )


def _mark(fact: Fact) -> str:
    """A fact's source in brief: the article paragraph quoted, or that it is an assumption."""
    if fact.cited:
        return fact.cited
    return "assumed" if fact.source.startswith("assumption") else fact.source


def own_positions(sc: Scenario, actor: str) -> str:
    """An actor's positions as the table knows them: one compact row per issue, with its source."""
    rows = [
        (
            esc(x.text.split(": ", 1)[0]),
            esc(x.text.split(": ", 1)[1]),
            f"<span class='source'>{esc(_mark(x))}</span>",
        )
        for x in public_facts(sc, actor)
    ]
    return "<p class='small'>Your positions, as the table knows them (0 to 1):</p>" + table_html(
        rows, ("", "", "")
    ).replace("<table>", "<table class='positions compact'>", 1)


def bottom_line(sc: Scenario, actor: str) -> str:
    """The actor's bottom line in points, playable on paper (from its points sheet)."""
    sheet = points_sheet(sc, actor)
    if sheet.demand_start is None:
        return (
            f"You do not sign: you table texts for the {sheet.title} and press. A deal the parties sign "
            "is worth its points to you (sheet below), less what your levers cost."
        )
    start, end = round(sheet.demand_start, 1), round(sheet.demand_end or 0.0, 1)
    line = f"Bottom line ({sheet.title}): you accept a deal worth at least {start:g} points to you now"
    if end != start:
        line += f"; after {sheet.patience_days} days of talks you settle for {end:g}"
    else:
        line += ", and you do not come down"
    return line + " (0: no better than fighting on)."


def _confidential_card(ld: LoadedExercise, role: str) -> str:
    ex, sc = ld.exercise, ld.class_scenario
    card = ex.roles[role]
    facts = ""
    if role in sc.actors:
        facts = (
            f"<p class='bottom-line'>{esc(bottom_line(sc, role))}</p>"
            "<p class='small'>What the model assumes of you (change it with --set and see):</p>"
            + _brief_facts(confidential_facts(sc, role, sheet_phase=headline_phase(sc, role)))
        )
    return (
        f'<div class="card confidential"><h3>{esc(role_name(ex, sc, role))}</h3>'
        f"{prose(card.confidential)}{facts}</div>"
    )


def role_card(ld: LoadedExercise, role: str, caption: str) -> str:
    """One player's sheet: the decision, the public card, the confidential card, the points sheet."""
    ex, sc = ld.exercise, ld.class_scenario
    sheet = sheet_html(points_sheet(sc, role)) if role in sc.actors else ""
    return (
        f"<h1>{esc(role_name(ex, sc, role))}</h1>"
        f"<p class='caption'>Role card · {esc(ex.title)} · {caption}</p>"
        f'<div class="decision">{inline(ex.decision)}</div>'
        + _public_card(ld, role, with_positions=True)
        + _confidential_card(ld, role)
        + sheet
    )


# -- the instructor's part -----------------------------------------------------------------------
def _instructor_body(f: Findings, labels: Labels) -> str:
    ld = f.loaded
    ex, sc = ld.exercise, ld.class_scenario
    out = [f'<div class="decision"><b>The decision.</b> {inline(ex.decision)}</div>']
    out.append(
        "<h2>Learning goals</h2><ul>" + "".join(f"<li>{inline(g)}</li>" for g in ex.learning_goals) + "</ul>"
    )
    out.append(
        "<h2>The pack</h2><p class='small'><code>student/</code>: the handout and "
        "<code>predictions.txt</code>, to share with the whole class; <code>roles/</code>: one card per "
        "player (public and confidential, with its points sheet), to print and hand out one each; "
        "<code>instructor/</code>: this guide and <code>ensemble.json</code>, the runs the answer key "
        "comes from (the debrief reads it, and says so if its numbers differ).</p>"
    )
    out.append("<h2>Lesson plans</h2><div class='plans'>")
    for minutes, steps in plans(ex).items():
        out.append(
            f"<div><h3>{minutes} minutes</h3><ol class='small'>"
            + "".join(f"<li><b>{m} min</b> {esc(s)}</li>" for m, s in steps)
            + "</ol></div>"
        )
    out.append("</div>")
    out.append(_role_matrix(ld))
    out.append(
        "<h2>The roles at a glance</h2><p class='small'>Each player's card is in <code>roles/</code>; "
        "their bottom lines:</p><ul class='small'>"
        + "".join(
            f"<li><b>{esc(role_name(ex, sc, r))}</b>: "
            + (esc(bottom_line(sc, r)) if r in sc.actors else "a seat without a model actor (prose only)")
            + "</li>"
            for r in ex.roles
        )
        + "</ul>"
    )
    if ex.injects:
        items = []
        for inj in ex.injects:
            when = f"Day {inj.day} ({labels.date(inj.day):%-d %B %Y})"
            what = f"<br>What the model says: {parts_html(f.render(inj.finding))}" if inj.finding else ""
            items.append(f"<li><b>{when}.</b> {inline(inj.text)}{what}</li>")
        out.append(
            "<h2>Injects</h2><p>Read out during play, at the day given.</p><ul>" + "".join(items) + "</ul>"
        )
    out.append(answer_key(f))
    out.append(
        "<h2>Findings for the debrief</h2><p class='small'>Computed when this guide was built; rebuild it "
        "after changing the model or a scenario and they follow.</p><ul>"
        + "".join(f"<li>{parts_html(f.render(t))}</li>" for t in ex.debrief)
        + "</ul>"
    )
    if any(t.finding for t in ex.try_):
        out.append(
            "<h3>What the things to try give</h3><ul>"
            + "".join(
                f"<li>{inline(t.do.rstrip('.'))}: {parts_html(f.render(t.finding))}</li>"
                for t in ex.try_
                if t.finding
            )
            + "</ul>"
        )
    out.append(_arms(f, labels))
    if ex.instructor_notes:
        out.append("<h2>Notes for the instructor</h2>" + prose_parts(f.render(ex.instructor_notes)))
    out.append(epilogue_section(f))
    return "".join(out)


def _role_matrix(ld: LoadedExercise) -> str:
    ex, sc = ld.exercise, ld.class_scenario
    core, optional, double = role_ids(ex, sc)
    lines, most = [], 1
    for n in CLASS_SIZES:
        seating = seat(n, core, optional, double)
        most = max(most, len(seating.tables))
        groups: dict[tuple, int] = {}
        for t in seating.tables:
            groups[tuple(t)] = groups.get(tuple(t), 0) + 1
        text = "; ".join(f"{k} × ({_seats(ex, sc, roles)})" for roles, k in groups.items())
        lines.append(f"<p><b>{n}</b> students, {len(seating.tables)} tables: {text}</p>")
    codes = ", ".join(f"table {i}: <code>{esc(c)}</code>" for i, c in enumerate(table_codes(ex, most), 1))
    return (
        "<h2>Role matrix</h2><p class='small'>Seats for 3 to 40 students: every table fills the core roles; "
        "extra students take the optional seats, then a second seat on a side. Each table runs its own "
        f"class code: {codes}.</p><div class='matrix'>{''.join(lines)}</div>"
    )


def _seats(ex: Exercise, sc, roles: tuple[str, ...]) -> str:
    """Role names at a table; a doubled role's second seat says so."""
    seen: set[str] = set()
    names = []
    for r in roles:
        names.append(esc(role_name(ex, sc, r)) + (" (2nd seat)" if r in seen else ""))
        seen.add(r)
    return ", ".join(names)


def answer_key(f: Findings) -> str:
    ex = f.loaded.exercise
    rows = [
        (f"<code>{esc(p.id)}</code>", inline(p.question), parts_html(answer_parts(f, p)))
        for p in ex.predictions
    ]
    runs = sorted({len(f.arms[a].rows) for a in ex.arms})
    return (
        "<h2>Answer key</h2>"
        + table_html(rows, ("id", "question", "the model's answer"))
        + f"<p class='small'>From {'/'.join(map(str, runs))} runs per ensemble on the {esc(f.engine)} "
        "engine, "
        "recorded in <code>instructor/ensemble.json</code>: <code>exercise debrief</code> recomputes "
        "these same runs, and warns if its numbers differ.</p>"
    )


def _arms(f: Findings, labels: Labels) -> str:
    ex = f.loaded.exercise
    rows = []
    for name, arm in ex.arms.items():
        command = arm_command(name, arm, len(f.arms[name].rows), f.engine)
        rows.append((esc(arm.label), f"<code class='small'>{esc(command)}</code>"))
    ens = {name: f.arms[name].rows for name in ex.arms}
    names = {name: esc(arm.label) for name, arm in ex.arms.items()}
    phases = list(dict.fromkeys(p for name in ex.arms for p in f.arms[name].scenario.phases))
    reached = tp.shares_frame(ens, phases, "reached")
    outcomes = list(
        dict.fromkeys([NO_TRUCE, *(o for name in ex.arms for o in f.arms[name].scenario.outcomes)])
    )
    phase_names = {
        p: esc(f.arms[n].scenario.phases[p].title) for n in ex.arms for p in f.arms[n].scenario.phases
    }
    outcome_names = {o: labels.outcome(o) for o in outcomes}
    ends = tp.shares_frame(ens, outcomes, "outcome")
    charts = [
        (
            Chart(
                "arms-phases",
                tp.shares_figure(
                    reached, "How often does each phase enter into force, per ensemble?", names, phase_names
                ),
                reached,
                "Share of runs in which each phase entered into force at some point; "
                "whiskers: 95% Wilson intervals.",
            ),
            phase_names,
        ),
        (
            Chart(
                "arms-outcomes",
                tp.shares_figure(
                    ends, "How does it stand on the last day, per ensemble?", names, outcome_names
                ),
                ends,
                "Outcome on the last day: the furthest phase in force then (no truce if none); "
                "95% intervals.",
            ),
            outcome_names,
        ),
    ]
    return (
        "<h2>The ensembles behind the findings</h2><p class='small'>Each finding compares these ensembles; "
        "each command reruns one and gives the same numbers.</p>"
        + table_html(rows, ("ensemble", "command")).replace("<table>", "<table class='compact'>", 1)
        + "".join(print_figure(c, shares_alt(c, names, cats)) for c, cats in charts)
    )


# -- the epilogue --------------------------------------------------------------------------------
def reference_arm(ld: LoadedExercise) -> str:
    """The ensemble the epilogue sets beside reality: the class scenario without overrides, if an
    arm is that (the article's case), else the first arm."""
    sc = ld.class_scenario
    for name, arm in ld.exercise.arms.items():
        if not arm.set and arm.scenario == sc.name:
            return name
    return next(iter(ld.exercise.arms))


def model_outcomes(f: Findings) -> tuple[str, dict[str, str]]:
    """The reference ensemble's label, and per phase how often it entered into force there: by the
    record's last day first (the window reality is known over), then over the whole run."""
    arm = reference_arm(f.loaded)
    sc = f.arms[arm].scenario
    rows = f.arms[arm].rows
    text = {}
    for p in sc.phases:
        k = sum(1 for r in rows if r[f"{p}_entered_day"] is not None and r[f"{p}_entered_day"] <= RECORD_DAYS)
        lo, hi = wilson(k, len(rows))
        text[p] = f"by day {RECORD_DAYS}: in force in {fmt_share(k / len(rows))} of runs (95% CI " + (
            f"{fmt_share(lo)}–{fmt_share(hi)}); "
            + f.text(f"by day {sc.horizon_days}: {{{arm}.reached.{p}|ci}}")
        )
    return f.arms[arm].label, text


def epilogue_section(f: Findings, class_outcomes: Mapping[str, str] | None = None) -> str:
    """ "What actually happened": the observed record beside the model's (and the class's) outcomes."""
    sc = f.loaded.class_scenario
    label, model = model_outcomes(f)
    arm = reference_arm(f.loaded)
    ep = epilogue({p: ph.title for p, ph in sc.phases.items()})
    return (
        '<div class="after">'
        + epilogue_html(ep, class_outcomes=class_outcomes, model_outcomes=model)
        + f"<p class='small'>The model's column: the ensemble '{esc(label)}' "
        f"({len(f.arms[arm].rows)} runs). This is a model, not a forecast: set the two side by side to "
        "ask which of its assumptions the record bears out.</p></div>"
    )
