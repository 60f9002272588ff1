"""Exercises: every file validates and builds; findings are computed, class codes agree, bets are read."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, chromium_render_status

from sim.reports.build import build_report
from sim.scenario.loader import ScenarioError
from sim.teaching.debrief import debrief_page
from sim.teaching.exercise import exercise_files, load_exercise
from sim.teaching.findings import compute
from sim.teaching.handout import build_handout
from sim.teaching.predictions import parse_predictions, place, read_predictions
from sim.teaching.quantities import Measure, Quantity, direction, mean_interval, measure, median_interval
from sim.teaching.roles import CLASS_SIZES, plans, seat
from sim.teaching.templates import parse_ref, placeholders, text_of

EXERCISES = ROOT / "exercises"
SCENARIOS = ROOT / "scenarios"
FILES = exercise_files(EXERCISES)
TOPICS = {"sequencing", "monitoring", "leverage", "linkage", "territory"}
RUNS = 12  # per arm: enough to exercise every template, small enough for CI


def test_there_are_the_five_exercises_the_issue_names():
    assert len(FILES) >= 5
    assert {load_exercise(f, SCENARIOS).name for f in FILES} >= TOPICS


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.stem)
def built(request):
    loaded = load_exercise(request.param, SCENARIOS)
    findings = compute(loaded, runs=RUNS)
    return loaded, findings, build_handout(findings, str(request.param))


def test_every_exercise_builds_its_handouts(built):
    loaded, _findings, pack = built
    ex = loaded.exercise
    for f in loaded.arm_files.values():
        assert f.is_file()
    for html, figures in ((pack.student, 3), (pack.instructor, 2)):
        assert html.count('class="plotly-graph-div"') == html.count('class="print-figure"') == figures
        assert "{" + next(iter(ex.arms)) + "." not in html  # no placeholder left unfilled
    for p in ex.situation.paragraphs:
        assert f"<b>{p}</b>" in pack.student
    assert "A model, not a forecast" in pack.student and "Place your bets" in pack.student
    assert set(pack.roles) == set(ex.roles)
    for role, card in ex.roles.items():
        page = pack.roles[role]
        assert "CONFIDENTIAL" in page and " ".join(card.confidential.split())[:40] in " ".join(page.split())
        if role in loaded.class_scenario.actors:
            assert 'class="points-sheet"' in page and ("Bottom line" in page or "You do not sign" in page)
            assert "Boulware" not in page.split('class="points-sheet"')[0]  # points, not strategy jargon
    for word in ("Learning goals", "50 minutes", "75 minutes", "90 minutes", "Role matrix", "Answer key"):
        assert word in pack.instructor and word not in pack.student
    assert (
        "What actually happened</h2>" in pack.instructor and "What actually happened</h2>" not in pack.student
    )
    assert pack.instructor.count('class="computed"') > pack.student.count('class="computed"') > 0
    for p in ex.predictions:
        assert f"| {p.id} |" in pack.predictions


def test_every_finding_is_computed(built):
    """Each instructor finding has placeholders, and what the model fills in is a number or a word."""
    loaded, findings, _ = built
    for template in loaded.exercise.debrief:
        assert placeholders(template), template
        parts = findings.render(template)
        assert any(computed for _, computed in parts)
        assert "{" not in text_of(parts)


def _findings_text(scenarios: Path) -> list[str]:
    loaded = load_exercise(EXERCISES / "monitoring.yaml", scenarios)
    findings = compute(loaded, runs=30)
    return [findings.text(t) for t in loaded.exercise.debrief]


def test_findings_follow_the_scenario(tmp_path):
    """Change the baseline's monitoring and the instructor's findings change with it."""
    copy = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, copy)
    baseline = copy / "baseline.yaml"
    text = baseline.read_text()
    old = 'strength: {value: 0.3, assumption: "no third-party monitors'
    assert old in text
    baseline.write_text(text.replace(old, 'strength: {value: 0.05, assumption: "almost no monitoring'))
    before, after = _findings_text(SCENARIOS), _findings_text(copy)
    assert before != after
    assert before[0] != after[0]  # undetected violations with national means


def test_a_class_code_shows_the_same_figures_in_the_report_and_the_handout(tmp_path, cli):
    out = tmp_path / "class"
    cli("run", "--seed", "baseline@42", "--runs", "1", "--out", str(out), cwd=tmp_path, check=True)
    report = {c.name: c for c in build_report(out).charts}
    loaded = load_exercise(EXERCISES / "sequencing.yaml", SCENARIOS)
    assert loaded.exercise.class_code == "baseline@42"
    pack = build_handout(compute(loaded, runs=2))
    assert [c.name for c in pack.charts] == ["run0-timeline", "run0-trust", "run0-violations"]
    for chart in pack.charts:
        mine = chart.data.reset_index(drop=True)
        theirs = report[chart.name].data.reset_index(drop=True)
        pd.testing.assert_frame_equal(mine.astype(str), theirs.astype(str))


def test_malformed_predictions_are_reported_by_line(tmp_path, cli):
    bets = tmp_path / "predictions.txt"
    bets.write_text(
        "# a class\n"
        "Table 1 | full_phased | 40\n"
        "Table 2 full_phased 10\n"
        "Table 3 | full_phased | forty\n"
        "Table 4 | nope | 3\n"
        "Table 5 | ending_phased | stalemate\n"
        "Table 6 | full_phased | 140\n"
        "Table 7 | result | nosuch@3\n"
    )
    proc = cli("exercise", "debrief", "sequencing", str(bets), "--runs", "5", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [int(re.match(r".*predictions\.txt:(\d+)", x)[1]) for x in lines] == [3, 4, 5, 6, 7, 8]
    assert "three fields" in lines[0] and "not a number" in lines[1] and "unknown question" in lines[2]
    assert "not an outcome" in lines[3] and "0 to 100" in lines[4] and "nosuch" in lines[5]
    assert not (tmp_path / "debrief.html").exists()


def test_a_debrief_places_bets_and_table_runs(tmp_path, cli):
    bets = tmp_path / "predictions.txt"
    bets.write_text(
        "Table 1 | full_phased | 40\nTable 1 | ending_phased | no truce\n"
        "Table 1 | result | baseline@43\nTable 2 | result | partial truce\n"
    )
    proc = cli("exercise", "debrief", "sequencing", str(bets), "--runs", "20", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "debrief.html").read_text()
    status, _ = chromium_render_status(tmp_path / "debrief.html", tmp_path)
    assert status == {"figures": 3, "rendered": 3, "errors": []}  # two bets' charts, one of the table runs
    assert "the model&#x27;s 95% interval" in html or "the model's 95% interval" in html
    assert "baseline@43" in html and "of the 20 runs" in html
    again = cli("exercise", "debrief", "sequencing", str(bets), "--runs", "2", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    assert (tmp_path / "debrief.html").read_text() == html


def test_the_docs_example_predictions_file_reads(tmp_path):
    """The block in docs/exercises.md, with its end-of-line comments, saved with a BOM and CRLF."""
    docs = (ROOT / "docs" / "exercises.md").read_text()
    block = docs.split("# WHO | QUESTION | ANSWER", 1)[1].split("```", 1)[0]
    bets = tmp_path / "predictions.txt"
    bets.write_bytes(("\ufeff# WHO | QUESTION | ANSWER" + block).replace("\n", "\r\n").encode("utf-8"))
    loaded = load_exercise(EXERCISES / "sequencing.yaml", SCENARIOS)
    entries = read_predictions(bets, loaded)
    assert [(e.who, e.question) for e in entries][:2] == [
        ("Table 1", "full_phased"),
        ("Table 1", "ending_phased"),
    ]
    assert entries[0].value == 0.4 and entries[1].value == "partial_truce"
    assert str(entries[2].value) == "baseline@43" and entries[3].value == "no_truce"


def test_markup_like_names_are_printed_as_text(tmp_path, cli):
    """Rich markup in a name ('[/]') is text in the terminal, not a crash."""
    bets = tmp_path / "p.txt"
    bets.write_text("[/] [bold]Table | full_phased | 40\n")
    proc = cli("exercise", "debrief", "sequencing", str(bets), "--runs", "3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[/] [bold]Table" in proc.stdout


def test_handout_command_writes_the_class_pack_and_keeps_what_exists(tmp_path, cli):
    run = ["exercise", "handout", "linkage", "--runs", "4"]
    proc = cli(*run, "--out", "pack", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    pack = tmp_path / "pack"
    assert {p.name for p in pack.iterdir()} == {"student", "instructor", "roles"}
    assert {p.name for p in (pack / "student").iterdir()} == {"handout.html", "predictions.txt"}
    assert {p.name for p in (pack / "instructor").iterdir()} == {"guide.html", "ensemble.json"}
    assert {p.name for p in (pack / "roles").iterdir()} == {"us.html", "russia.html", "ukraine.html"}
    for page, figures in (("student/handout.html", 3), ("instructor/guide.html", 2)):
        status, dom = chromium_render_status(pack / page, tmp_path)
        assert status == {"figures": figures, "rendered": figures, "errors": []}, page
        assert "main-svg" in dom and f'data-print-figures="{figures}/{figures}"' in dom
    before = (pack / "student" / "handout.html").read_bytes()
    again = cli(*run, "--out", "pack", cwd=tmp_path)
    assert again.returncode == 2 and "not empty" in again.stderr
    assert (pack / "student" / "handout.html").read_bytes() == before
    bets = pack / "student" / "predictions.txt"
    bets.write_text("Table 1 | full_some_guarantees | 5\n")  # the class's bets
    (pack / "roles" / "mediator.html").write_text("a card of another pack")
    (pack / "instructor.html").write_text("an answer key of the single-folder layout")
    forced = cli(*run, "--out", "pack", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "kept the existing predictions.txt" in forced.stdout
    assert bets.read_text() == "Table 1 | full_some_guarantees | 5\n"
    assert not (pack / "roles" / "mediator.html").exists() and not (pack / "instructor.html").exists()
    bets.write_text("# Predictions for the exercise 'territory': ...\nT | peace_article | 3\n")
    other = cli(*run, "--out", "pack", "--force", cwd=tmp_path)
    assert other.returncode == 2 and "exercise 'territory'" in other.stderr
    old = tmp_path / "old"  # a pack of the single-folder layout holding another exercise's bets
    old.mkdir()
    (old / "handout.html").write_text("x")
    (old / "predictions.txt").write_text("# Predictions for the exercise 'territory': ...\n")
    refused = cli(*run, "--out", "old", "--force", cwd=tmp_path)
    assert refused.returncode == 2 and "exercise 'territory'" in refused.stderr

    for cmd in (["list"], ["show", "monitoring"], ["validate"]):
        proc = cli("exercise", *cmd)
        assert proc.returncode == 0, proc.stderr
    assert "monitoring" in proc.stdout or "valid" in proc.stdout


def test_an_interrupted_pack_leaves_no_empty_folder(tmp_path, monkeypatch):
    import sim.jobs.exercise as jobs

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "compute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        jobs.handout_to_folder(
            load_exercise(EXERCISES / "linkage.yaml", SCENARIOS), tmp_path / "pack", runs=2
        )
    assert not (tmp_path / "pack").exists()


def test_the_debrief_recomputes_the_handouts_own_ensemble_and_says_what_differs(tmp_path, cli):
    """Given a pack's predictions, the debrief reads instructor/ensemble.json: the same runs and
    engine, so the answer key's numbers; a different --runs or engine, a changed exercise or
    scenario, or a figure that came out otherwise is a warning on the page and in the terminal."""
    import json

    from sim.jobs.exercise import debrief_to_folder

    exercise = tmp_path / "sequencing.yaml"
    shutil.copy(EXERCISES / "sequencing.yaml", exercise)
    cli("exercise", "handout", str(exercise), "--runs", "6", "--out", "pack", cwd=tmp_path, check=True)
    bets = tmp_path / "pack" / "student" / "predictions.txt"
    bets.write_text("Table 1 | full_phased | 40\nTable 1 | result | baseline@43\n")
    record = json.loads((tmp_path / "pack" / "instructor" / "ensemble.json").read_text())
    assert record["engine"] == "batch" and {a["runs"] for a in record["arms"].values()} == {6}
    assert record["exercise"] == "sequencing" and len(record["exercise_sha256"]) == 64

    def debrief(*extra: str) -> tuple[str, str]:
        ran = cli("exercise", "debrief", str(exercise), str(bets), "--force", *extra, cwd=tmp_path)
        assert ran.returncode == 0, ran.stderr
        return ran.stderr, (tmp_path / "pack" / "instructor" / "debrief.html").read_text()

    stderr, page = debrief()
    assert "warning" not in stderr and 'id="differs"' not in page
    assert not (bets.parent / "debrief.html").exists()  # beside the guide, not in the student folder
    for answer in record["answers"].values():
        assert answer["text"] in page  # the model's answers are the answer key's
    assert "6 per ensemble, batch engine" in page and "What actually happened" in page

    stderr, page = debrief("--runs", "5", "--engine", "mesa")
    assert "warning: --runs 5" in stderr and "warning: --engine mesa" in stderr
    assert 'id="differs"' in page and "--runs 5: the answer key was computed from 6 runs" in page

    exercise.write_text(exercise.read_text().replace('title: "Sequencing:', 'title: "Sequencing, again:'))
    stderr, page = debrief()
    assert "changed since the handout was built" in stderr and "sequencing.yaml changed" in page

    record["answers"]["full_phased"]["text"] = "99% (a number the key never printed)"
    (tmp_path / "pack" / "instructor" / "ensemble.json").write_text(json.dumps(record))
    stderr, page = debrief()
    assert "the answer to 'full_phased' is now" in stderr and "the answer key printed 99%" in page

    scenarios = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, scenarios)
    baseline = scenarios / "baseline.yaml"
    baseline.write_text(baseline.read_text().replace("horizon_days: 180", "horizon_days: 170"))
    done = debrief_to_folder(load_exercise(exercise, scenarios), bets, force=True)
    assert any("scenario of ensemble 'phased' (baseline) changed" in w for w in done.warnings)
    assert done.path == tmp_path / "pack" / "instructor" / "debrief.html"


BROKEN = {
    "an arm that names no scenario": (
        "    scenario: baseline\n    seed: 42\n  comprehensive:",
        "    scenario: nosuch\n    seed: 42\n  comprehensive:",
        "no scenario named 'nosuch'",
    ),
    "a finding that names no arm": (
        "{phased.reached.full_ceasefire|ci}",
        "{phassed.reached.full_ceasefire|ci}",
        "no arm",
    ),
    "a finding that names no phase": (
        "{phased.entry.energy_truce|ci}",
        "{phased.entry.energy|ci}",
        "no phase",
    ),
    "a slider on no parameter": (
        "phases.energy_truce.duration_days=60",
        "phases.energy_truce.duration=60",
        "duration",
    ),
    "a paragraph the article lacks": ("[P1, P5, P6, P10, P12]", "[P1, P55]", "P55"),
    "a notice that gives away a bet": (
        "ends in {class.outcome}. Is that",
        "ends in {phased.outcome}. Is that",
        "answer to the bet",
    ),
    "a comparison with the one class run": (
        "{phased.outcome.no_truce vs comprehensive",
        "{class.outcome.no_truce vs comprehensive",
        "is one run",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_exercise_names_file_line_and_field(tmp_path, case):
    old, new, message = BROKEN[case]
    text = (EXERCISES / "sequencing.yaml").read_text()
    assert old in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        load_exercise(broken, SCENARIOS)
    (problem,) = err.value.problems
    assert problem.file == str(broken) and problem.line and message in problem.message
    changed = next(
        i for i, line in enumerate(broken.read_text().splitlines(), 1) if new.splitlines()[0] in line
    )
    assert abs(problem.line - changed) <= 2


def test_an_exercise_needs_a_role_every_table_seats(tmp_path):
    text = (EXERCISES / "sequencing.yaml").read_text()
    broken = tmp_path / "optional.yaml"
    optional = re.sub(
        r"\n  (us|russia|ukraine):\n    public:", r"\n  \1:\n    optional: true\n    public:", text
    )
    broken.write_text(optional)
    with pytest.raises(ScenarioError) as err:
        load_exercise(broken, SCENARIOS)
    assert "at least one role must not be optional" in str(err.value)


def test_hostile_text_in_an_exercise_is_escaped(tmp_path):
    text = (EXERCISES / "sequencing.yaml").read_text()
    hostile = tmp_path / "hostile.yaml"
    evil = "<script>alert(1)</script>"
    text = text.replace('title: "Sequencing:', f'title: "{evil} Sequencing:')
    text = text.replace("name: Press and observers", f"name: {evil} observers")
    text = text.replace("label: phased (energy truce agreed first)", f'label: "{evil} phased"')
    text = text.replace("  - Which sequence got", f"  - {evil} Which sequence got")
    hostile.write_text(text)
    findings = compute(load_exercise(hostile, SCENARIOS), runs=2)
    pack = build_handout(findings)
    for html in (pack.student, pack.instructor, *pack.roles.values()):
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    bets = tmp_path / "bets.txt"
    bets.write_text(f"{evil} | full_phased | 4\n{evil} | result | baseline@43\n")
    page, _ = debrief_page(findings, read_predictions(bets, findings.loaded), str(bets))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# -- the pure parts --------------------------------------------------------------------------------
def test_the_role_matrix_seats_every_class_size():
    core, optional = ["us", "russia", "ukraine"], ["observer"]
    for n in CLASS_SIZES:
        seating = seat(n, core, optional, ["russia", "ukraine", "us"])
        assert sum(len(t) for t in seating.tables) == n
        for table in seating.tables:
            assert set(core) <= set(table)
            assert len(table) <= len(core) + len(optional) or "observer" in table
    assert seat(5, core, optional, ["russia", "ukraine", "us"]).tables == [
        ["us", "russia", "ukraine", "observer", "russia"]
    ]
    assert seat(5, core, [], ["russia"]).tables == [["us", "russia", "ukraine", "russia", "russia"]]
    with pytest.raises(ValueError):
        seat(2, core, optional)


def test_lesson_plans_fill_their_minutes():
    ex = load_exercise(EXERCISES / "sequencing.yaml", SCENARIOS).exercise
    for minutes, steps in plans(ex).items():
        assert sum(m for m, _ in steps) == minutes


def test_a_comparison_says_higher_only_when_the_interval_excludes_zero():
    rows = lambda k, n: [{"outcome": "x", "a_entered_day": 1 if i < k else None} for i in range(n)]  # noqa: E731
    m = Measure("reached", "a")
    q = lambda k, n: measure(rows(k, n), m, [], None)  # noqa: E731
    assert direction(q(120, 200), q(60, 200)) == 1
    assert direction(q(60, 200), q(120, 200)) == -1
    assert direction(q(62, 200), q(60, 200)) == 0
    assert direction(q(6, 10), q(3, 10)) == 0  # a big gap on ten runs is not clearly different


def test_prediction_lines_parse_without_running_anything():
    loaded = load_exercise(EXERCISES / "sequencing.yaml", SCENARIOS)
    entries, problems = parse_predictions(
        "# c\n\nA | full_phased | 12.5%\nB | ending_phased | Partial  Truce\nC | result | baseline@43\n"
        "Table #4 | full_phased | 3 # a | b\n",
        "f",
        loaded,
    )
    assert not problems
    assert (entries[3].who, entries[3].value) == ("Table #4", 0.03)
    assert [e.value for e in entries[:2]] == [0.125, "partial_truce"]
    assert str(entries[2].value) == "baseline@43" and entries[2].line == 5


def test_intervals_need_enough_runs_and_cover_at_least_95_percent():
    from scipy import stats

    assert mean_interval([3.0]) == (None, None)
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) == (None, None)
    for n in range(6, 301):
        lo, hi = median_interval(list(range(n)))
        j = lo + 1  # ranks, 1-based
        assert hi == n - j  # symmetric
        coverage = 1 - 2 * stats.binom.cdf(j - 1, n, 0.5)
        assert coverage >= 0.95, n


def test_one_run_per_ensemble_gives_no_false_certainty():
    loaded = load_exercise(EXERCISES / "monitoring.yaml", SCENARIOS)
    f = compute(loaded, runs=1)
    text = f.text("{mission.mean.violations_true - national.mean.violations_true}")
    assert text.startswith("not comparable")
    assert f.text("{mission.mean.violations_true vs national.mean.violations_true}") == "not comparable with"
    assert "too few runs" in f.text("{mission.mean.violations_true|ci}")


def test_a_measure_no_run_has_says_so_and_never_bets_are_placed():
    loaded = load_exercise(EXERCISES / "territory.yaml", SCENARIOS)
    f = compute(loaded, runs=6)
    assert f.text("{article.mean.package_territorial_concessions}") == "no value (none of the 6 runs had one)"
    q = f.quantity(parse_ref("article.entry.peace_framework"))
    assert q.value is None and len(q.samples) == 6
    assert "never entered in 6 of 6 runs" in place(float("inf"), q, {})
    assert "0% of runs" in place(30.0, q, {})
    empty = Quantity("number", None, runs=6, count=0)
    assert "no run of the 6 had a value" in place(0.5, empty, {})


def test_a_literal_brace_in_a_template():
    loaded = load_exercise(EXERCISES / "sequencing.yaml", SCENARIOS)
    f = compute(loaded, runs=2)
    text = f.text("--set 'incidents=[{{day: 3}}]' ends in {class.outcome}")
    assert text.startswith("--set 'incidents=[{day: 3}]' ends in ")
    with pytest.raises(ValueError, match="literal brace"):
        placeholders("an {open brace")


def test_role_cards_state_a_derived_condition_by_the_models_rule():
    """A condition the baseline derives from the actor's own position is stated in words, with the
    numbers of ``linkage_bound``; a fixed bound (an override) as it is."""
    from sim.model.bargaining import linkage_bound
    from sim.scenario.loader import load_scenario
    from sim.teaching.roles import confidential_facts

    def conditions(sets):
        sc = load_scenario(SCENARIOS / "baseline.yaml", sets)
        return [f.text for f in confidential_facts(sc, "russia") if f.text.startswith("Your condition")]

    guarantees, relief = (
        next(t for t in conditions([]) if what in t) for what in ("security guarantees", "sanctions relief")
    )
    for text, ideal in ((guarantees, 0.0), (relief, 1.0)):
        low, high = linkage_bound(ideal=ideal, held=0.5)
        band = f"at most {high:g}" if low <= 0.0 else f"at least {low:g}"
        assert f"exactly {ideal:g} while you hold your whole demand" in text, text
        assert f"({band} halfway" in text, text
    assert "European Union" in relief  # the part of the relief only a third party can deliver
    moved = [t for t in conditions(["actors.russia.positions.security_guarantees=0.5"]) if "guarantees" in t]
    low, high = linkage_bound(ideal=0.5, held=0.5)
    assert f"between {low:g} and {high:g} halfway" in moved[0]
    bound = "at_most: {value: 0.1, assumption: an override}"
    fixed = f"phases.full_ceasefire.linkage=[{{actor: russia, issue: security_guarantees, {bound}}}]"
    (override,) = [t for t in conditions([fixed]) if "guarantees" in t]
    assert override.endswith("is at most 0.1")


def test_exercises_name_no_removed_model_parameter():
    """Model II removed the package noise, the ripeness weight and the baseline's fixed linkage bounds:
    no exercise may still ask about them."""
    removed = ("ripeness_weight", "package_noise", "acceptance score", "linkage.0.at_")
    for f in FILES:
        text = f.read_text()
        assert not [w for w in removed if w in text], f


def test_findings_run_on_the_chosen_engine(tmp_path, cli):
    loaded = load_exercise(FILES[0], SCENARIOS)
    on = {engine: compute(loaded, runs=3, engine=engine) for engine in ("mesa", "batch")}
    assert compute(loaded, runs=2).engine == "batch"  # the default
    for engine, f in on.items():
        assert f.engine == engine and all(len(a.rows) == 3 for k, a in f.arms.items() if k != "class")
    # the class run is the mesa run a student gets from `run --code`, whatever the ensembles' engine
    assert on["mesa"].class_result.days == on["batch"].class_result.days
    shown = cli("exercise", "show", FILES[0].stem, "--findings", "--runs", "2", "--engine", "mesa")
    assert shown.returncode == 0 and "mesa engine" in shown.stdout
    bad = cli("exercise", "handout", FILES[0].stem, "--engine", "gpu", "--out", str(tmp_path / "h"))
    assert bad.returncode == 2 and "--engine" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "h").exists()
