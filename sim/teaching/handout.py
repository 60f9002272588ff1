"""Handouts as printable, self-contained HTML: the student handout, the instructor guide, role cards.

The structure is the one instructors know from negotiation case materials: a one-sentence decision
point, the situation (the article's paragraphs, by id), public and confidential role cards, how to
run it, a prediction box, things to notice and to try, debrief questions and a "model, not a
forecast" note. The instructor guide adds learning goals, lesson plans, the role matrix, injects and
the computed answer key. Every number in them comes from :mod:`sim.teaching.findings`.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
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
from sim.reports.html import figure_html, page, table_html
from sim.teaching.exercise import CLASS_ARM, Arm, Exercise, LoadedExercise
from sim.teaching.findings import Findings
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
from sim.teaching.templates import Part, parse_ref

CLASS_RUN_FIGURES = ("timeline", "trust", "violations")
"""The class run's figures a handout shows (of the six a run report has)."""

MODEL_NOT_FORECAST = (
    "This is a model, not a forecast. Its actors follow simple rules; most of its numbers are "
    "assumptions, listed with their reasons in the provenance table of any report (run_sim.py "
    "scenario show). Use it to ask what follows from what, under these assumptions, and to argue about "
    "the assumptions; not to predict what Washington, Moscow or Kyiv will do."
)

HANDOUT_STYLE = """
.decision { font-size: 1.25em; border: 3px solid #0072B2; padding: 0.6em 1em; margin: 1em 0; }
.card { border: 1px solid #888; border-radius: 6px; padding: 0.4em 1em 0.8em; margin: 1em 0;
        break-inside: avoid; page-break-inside: avoid; }
.card h3 { margin-top: 0.5em; }
.confidential { border: 2px dashed #D55E00; }
.confidential h3::after { content: "  CONFIDENTIAL: for this role's player only"; color: #D55E00;
        font-size: 0.7em; }
.bet { border: 1px solid #444; padding: 0.4em 0.8em 2.6em; margin: 0.6em 0; break-inside: avoid; }
.computed { font-weight: bold; border-bottom: 1px dotted #0072B2; }
.note { background: #f2f2f2; border-left: 6px solid #8C8C8C; padding: 0.6em 1em; }
.source { color: #555; font-size: 0.8em; }
blockquote { margin: 0.5em 0 0.5em 1em; padding-left: 0.8em; border-left: 4px solid #56B4E9; }
code { background: #f4f4f4; padding: 0 0.2em; font-size: 0.9em; }
pre.cmd { background: #f4f4f4; padding: 0.4em 0.8em; white-space: pre-wrap; font-size: 0.8em; }
.small { font-size: 0.8em; }
@media print { .card, .bet { break-inside: avoid; } }
"""


@dataclass
class Handout:
    """Every page of an exercise's class pack, as strings ready to write."""

    student: str
    instructor: str
    roles: dict[str, str]
    """Role id -> its card (public and confidential): one page each, to hand to its player."""
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
    html = parts_html(parts)
    return "".join(f"<p>{' '.join(p.split())}</p>" for p in re.split(r"\n\s*\n", html) if p.strip())


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
    student = _student_body(f, labels, charts)
    instructor = _instructor_body(f, labels)
    caption = _caption(f, exercise_file)
    card_caption = (
        f"Built {dt.date.today():%d %B %Y} from {esc(exercise_file)}; the numbers on the card are the "
        f"scenario {esc(sc.name)}'s (sha256 {scenario_sha256(sc)[:12]}…), each with its evidence or "
        "assumption."
    )
    title = esc(ex.title)
    roles = {
        r: page(
            f"{esc(role_name(ex, sc, r))}: {title}",
            _role_page(ld, r, card_caption),
            "role-card",
            with_plotly=False,
            style=HANDOUT_STYLE,
        )
        for r in ex.roles
    }
    return Handout(
        student=page(
            f"{title}: student handout",
            _header(ex, "Student handout", caption) + student,
            "handout",
            style=HANDOUT_STYLE,
        ),
        instructor=page(
            f"{title}: instructor guide",
            _header(ex, "Instructor guide", caption) + instructor + student,
            "instructor",
            style=HANDOUT_STYLE,
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


def _caption(f: Findings, exercise_file: str) -> str:
    try:
        version = metadata.version("ceasefire-sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    shas = sorted({f"{a.scenario.name} {scenario_sha256(a.scenario)[:12]}…" for a in f.arms.values()})
    # an arm with overrides is its scenario with other numbers: its own hash, under the same name
    return (
        f"Built {dt.date.today():%d %B %Y} by ceasefire-sim {esc(version)} from {esc(exercise_file)}; every "
        f"highlighted number was computed from {f.total_runs} runs at build time "
        f"(scenarios: {esc(', '.join(shas))})."
    )


def _header(ex: Exercise, kind: str, caption: str) -> str:
    return (
        f"<h1>{esc(ex.title)}</h1><p class='caption'>{esc(kind)} · {esc(ex.topic)} · class code "
        f"<code>{esc(ex.class_code)}</code></p><p class='caption'>{caption}</p>"
        '<div id="render-warning" class="warning hidden"></div>'
    )


def _student_body(f: Findings, labels: Labels, charts: list[Chart]) -> str:
    ld = f.loaded
    ex, _sc = ld.exercise, ld.class_scenario
    article = article_paragraphs()
    out = [f'<h2>The decision</h2><div class="decision">{inline(ex.decision)}</div>']
    out.append("<h2>The situation</h2>" + prose(ex.situation.intro))
    out.append(
        "<p>From the article (18 March 2025; paragraph ids as in docs/seed-article.md):</p>"
        + "".join(
            f"<blockquote><b>{esc(p)}</b> {esc(article.get(p, '(paragraph not found)'))}</blockquote>"
            for p in ex.situation.paragraphs
        )
    )
    out.append(
        "<h2>The roles</h2><p>What everyone at the table knows. Each player also gets a "
        "confidential card for their role.</p>"
    )
    out += [_public_card(ld, r) for r in ex.roles]
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
    out += [figure_html(c) for c in charts]
    out.append(
        "<h2>Things to notice</h2><ul>"
        + "".join(f"<li>{parts_html(f.render(t))}</li>" for t in ex.notice)
        + "</ul>"
    )
    out.append(f'<h2>A model, not a forecast</h2><p class="note">{esc(MODEL_NOT_FORECAST)}</p>')
    return "".join(out)


def _how_to_run(f: Findings) -> str:
    ex = f.loaded.exercise
    items = []
    for _i, t in enumerate(ex.tasks, 1):
        cmds = []
        if t.run:
            cmds.append(arm_command(t.run, ex.arms[t.run], len(f.arms[t.run].rows), f.engine))
        if t.set:
            cmds.append(class_command(ex, t.set))
        block = "".join(f'<pre class="cmd">{esc(c)}</pre>' for c in cmds)
        sliders = ""
        if t.set:
            sliders = (
                "<br><span class='small'>Sliders (the dashboard uses the same parameter paths): "
                + ", ".join(f"<code>{esc(s)}</code>" for s in t.set)
                + "</span>"
            )
        items.append(f"<li>{inline(t.do)}{sliders}{block}</li>")
    return (
        "<h2>How to run it</h2>"
        f"<p>Everyone in the class looks at the same run, the class code <code>{esc(ex.class_code)}</code> "
        "(a scenario and a seed: the same trajectory on every machine). Install once (see the README), "
        "then:</p>"
        f'<pre class="cmd">{esc(class_command(ex))}</pre>'
        "<p>Each table also has its own code (the instructor hands them out), to see how much chance alone "
        "changes: the same command with that code.</p>"
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
        + "<p class='small'>To record them, one line each in <code>predictions.txt</code> (written "
        "beside this "
        f"handout): <code>Table 1 | {esc(ex.predictions[0].id)} | 40</code>, and your table's run as "
        f"<code>Table 1 | {RESULT} | {esc(table_codes(ex, 1)[0])}</code>.</p>"
    )


def _facts(facts: list[Fact]) -> str:
    return (
        "<ul>"
        + "".join(f"<li>{esc(x.text)}<br><span class='source'>{esc(x.source)}</span></li>" for x in facts)
        + "</ul>"
    )


def _public_card(ld: LoadedExercise, role: str) -> str:
    ex, sc = ld.exercise, ld.class_scenario
    card = ex.roles[role]
    facts = _facts(public_facts(sc, role)) if role in sc.actors else ""
    said = (
        "<p>What the article says of its positions:</p>" + facts if facts and public_facts(sc, role) else ""
    )
    optional = " <span class='small'>(optional seat)</span>" if card.optional else ""
    return (
        f'<div class="card"><h3>{esc(role_name(ex, sc, role))}{optional}</h3>{prose(card.public)}{said}</div>'
    )


def _confidential_card(ld: LoadedExercise, role: str) -> str:
    ex, sc = ld.exercise, ld.class_scenario
    card = ex.roles[role]
    facts = ""
    if role in sc.actors:
        facts = (
            "<p>What the model assumes of you (from the scenario; change it with --set and see):</p>"
            + _facts(confidential_facts(sc, role))
        )
    return (
        f'<div class="card confidential"><h3>{esc(role_name(ex, sc, role))}</h3>'
        f"{prose(card.confidential)}{facts}</div>"
    )


def _role_page(ld: LoadedExercise, role: str, caption: str) -> str:
    ex = ld.exercise
    return (
        f"<h1>{esc(role_name(ex, ld.class_scenario, role))}</h1>"
        f"<p class='caption'>Role card · {esc(ex.title)}</p>"
        f"<p class='caption'>{caption}</p>"
        f'<div class="decision">{inline(ex.decision)}</div>'
        + _public_card(ld, role)
        + _confidential_card(ld, role)
    )


# -- the instructor's part -----------------------------------------------------------------------
def _instructor_body(f: Findings, labels: Labels) -> str:
    ld = f.loaded
    ex, _sc = ld.exercise, ld.class_scenario
    out = [
        "<h2>Learning goals</h2><ul>" + "".join(f"<li>{inline(g)}</li>" for g in ex.learning_goals) + "</ul>"
    ]
    out.append("<h2>Lesson plans</h2>")
    for minutes, steps in plans(ex).items():
        out.append(
            f"<h3>{minutes} minutes</h3><ol>"
            + "".join(f"<li><b>{m} min</b> {esc(s)}</li>" for m, s in steps)
            + "</ol>"
        )
    out.append(_role_matrix(ld))
    if ex.injects:
        items = []
        for inj in ex.injects:
            when = f"Day {inj.day} ({labels.date(inj.day):%-d %B %Y})"
            what = f"<br>What the model says: {parts_html(f.render(inj.finding))}" if inj.finding else ""
            items.append(f"<li><b>{when}.</b> {inline(inj.text)}{what}</li>")
        out.append(
            "<h2>Injects</h2><p>Read out during play, at the day given.</p><ul>" + "".join(items) + "</ul>"
        )
    out.append(_answer_key(f))
    out.append(
        "<h2>Findings for the debrief</h2><p>Computed when this guide was built; rebuild it after "
        "changing the model or a scenario and they follow.</p><ul>"
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
    out.append(
        "<h2>Confidential role cards</h2>"
        "<p>Also written one per file in <code>roles/</code>, to hand out.</p>"
    )
    out += [_confidential_card(ld, r) for r in ex.roles]
    out.append("<h1>The student handout</h1><p>As the students have it:</p>")
    return "".join(out)


def _role_matrix(ld: LoadedExercise) -> str:
    ex, sc = ld.exercise, ld.class_scenario
    core, optional, double = role_ids(ex, sc)
    rows, most = [], 1
    for n in CLASS_SIZES:
        seating = seat(n, core, optional, double)
        most = max(most, len(seating.tables))
        groups: dict[tuple, int] = {}
        for t in seating.tables:
            groups[tuple(t)] = groups.get(tuple(t), 0) + 1
        text = "; ".join(f"{k} × ({_seats(ex, sc, roles)})" for roles, k in groups.items())
        rows.append((str(n), str(len(seating.tables)), text))
    codes = ", ".join(f"table {i}: <code>{esc(c)}</code>" for i, c in enumerate(table_codes(ex, most), 1))
    return (
        "<h2>Role matrix</h2><p>Seats for 3 to 40 students: every table fills the core roles; extra students "
        "take the optional seats, then a second seat on a side. Each table runs its own class code:</p>"
        f"<p class='small'>{codes}</p>"
        + table_html(rows, ("students", "tables", "seats at each table"), numeric=(0, 1))
    )


def _seats(ex: Exercise, sc, roles: tuple[str, ...]) -> str:
    """Role names at a table; a doubled role's second seat says so."""
    seen: set[str] = set()
    names = []
    for r in roles:
        names.append(esc(role_name(ex, sc, r)) + (" (2nd seat)" if r in seen else ""))
        seen.add(r)
    return ", ".join(names)


def _answer_key(f: Findings) -> str:
    ex = f.loaded.exercise
    rows = []
    for p in ex.predictions:
        ref = parse_ref(p.answer)
        rows.append(
            (
                f"<code>{esc(p.id)}</code>",
                inline(p.question),
                parts_html(f.render("{" + p.answer + ("|count" if _is_label(ref) else "|ci") + "}")),
            )
        )
    return "<h2>Answer key</h2>" + table_html(rows, ("id", "question", "the model's answer"))


def _is_label(ref) -> bool:
    return ref.measure.kind == "outcome" and ref.measure.arg is None


def _arms(f: Findings, labels: Labels) -> str:
    ex = f.loaded.exercise
    rows = []
    for name, arm in ex.arms.items():
        command = arm_command(name, arm, len(f.arms[name].rows), f.engine)
        rows.append((esc(arm.label), f"<code>{esc(command)}</code>"))
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
    ends = tp.shares_frame(ens, outcomes, "outcome")
    charts = [
        Chart(
            "arms-phases",
            tp.shares_figure(
                reached, "How often does each phase enter into force, per ensemble?", names, phase_names
            ),
            reached,
            "Share of runs in which each phase entered into force at some point; "
            "whiskers: 95% Wilson intervals.",
        ),
        Chart(
            "arms-outcomes",
            tp.shares_figure(
                ends,
                "How does it stand on the last day, per ensemble?",
                names,
                {o: labels.outcome(o) for o in outcomes},
            ),
            ends,
            "Outcome on the last day: the furthest phase in force then (no truce if none); 95% intervals.",
        ),
    ]
    return (
        "<h2>The ensembles behind the findings</h2><p>Each finding compares these ensembles (run them "
        "yourself with the command shown; the numbers are the same).</p>"
        + table_html(rows, ("ensemble", "command"))
        + "".join(figure_html(c) for c in charts)
    )
