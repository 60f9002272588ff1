"""Scored deals: points are the model's own utilities, the sheet adds up, text is escaped, the CLI."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
import typer
from conftest import CHROMIUM
from typer.testing import CliRunner

from sim.cli.deal import deal_command
from sim.data import BASELINE
from sim.model.ceasefire import CeasefireModel, benchmark_compromise
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from sim.teaching.points import (
    LEVELS,
    LEVER_COST,
    LEVER_COST_ASSUMPTION,
    POINTS,
    full_package,
    headline_phase,
    package_problems,
    points_sheet,
    score_deal,
    sheet_html,
    sheet_lines,
)


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return load_scenario(BASELINE, [])


def packages(sc: Scenario, phase: str) -> list[dict[str, float]]:
    """The extremes, the opening text (no terms given) and a few seeded random deals."""
    terms = sc.phases[phase].terms
    rng = np.random.default_rng(15)
    out = [{}, dict.fromkeys(terms, 0.0), dict.fromkeys(terms, 1.0)]
    out += [{t: float(rng.random()) for t in terms} for _ in range(3)]
    return out


def test_scores_are_the_models_utilities_exactly(sc):
    for phase in sc.phases:
        for terms in packages(sc, phase):
            scores = score_deal(sc, phase, terms)
            assert set(scores) == set(sc.actors)  # every role is scored
            model = CeasefireModel(sc, seed=sc.seed)
            track = model.by_id[phase]
            full = full_package(sc, phase, terms)
            for b in sc.belligerents:
                assert scores[b] == POINTS * model.actors[b].value(track, full)[0], (phase, terms, b)


def test_the_full_package_is_what_the_model_tables(sc):
    model = CeasefireModel(sc, seed=sc.seed)
    for phase, spec in sc.phases.items():
        track = model.by_id[phase]
        tabled = model.package(track)  # the opening text, before any refusal
        written = {k: track.text.get(k, v) for k, v in tabled.items()}  # not capped by an outsider
        assert full_package(sc, phase, {}) == pytest.approx(written)
        if spec.core_issue:
            assert full_package(sc, phase, {})[spec.core_issue] == 1.0
    opening = benchmark_compromise(sc)
    assert full_package(sc, "full_ceasefire", {"military_aid": 0.2}) == {
        "full_ceasefire": 1.0,
        "security_guarantees": opening["security_guarantees"],
        "military_aid": 0.2,
    }


def test_a_given_model_is_scored_in_its_state_and_its_future_is_unchanged(sc):
    scored, untouched = CeasefireModel(sc, seed=sc.seed), CeasefireModel(sc, seed=sc.seed)
    for _ in range(40):
        scores = score_deal(sc, "full_ceasefire", {"security_guarantees": 0.1}, model=scored)
        track = scored.by_id["full_ceasefire"]
        full = full_package(sc, "full_ceasefire", {"security_guarantees": 0.1})
        for b in sc.belligerents:
            assert scores[b] == POINTS * scored.actors[b].value(track, full)[0]
        points_sheet(sc, "russia", "maritime_truce", model=scored)
        scored.step()
        untouched.step()
    a, b = scored.result(), untouched.result()
    assert a.events == b.events
    assert a.days.keys() == b.days.keys()
    for k in a.days:
        assert a.days[k] == b.days[k], k


def test_the_sheet_adds_up_to_the_score(sc):
    for phase, spec in sc.phases.items():
        for actor in sc.actors:
            sheet = points_sheet(sc, actor, phase)
            assert sheet.additive
            assert [r.issue for r in sheet.rows] == spec.terms
            at_status_quo = {i: sc.issues[i].status_quo.value for i in spec.terms}
            assert sheet.truce_points == pytest.approx(score_deal(sc, phase, at_status_quo)[actor], abs=1e-9)
            assert sheet.opening_points == pytest.approx(score_deal(sc, phase, {})[actor], abs=1e-9)
            grid = list(itertools.product(range(len(LEVELS)), repeat=len(spec.terms)))
            for picks in [*grid[:: max(1, len(grid) // 12)], grid[-1]]:
                terms = {i: LEVELS[k] for i, k in zip(spec.terms, picks, strict=True)}
                added = sheet.truce_points + sum(r.points[k] for r, k in zip(sheet.rows, picks, strict=True))
                assert added == pytest.approx(score_deal(sc, phase, terms)[actor], abs=1e-9), (phase, actor)
            if not sheet.mediator:
                parts = sheet.core_points + sheet.war_points + sheet.risk_points
                assert parts == pytest.approx(sheet.truce_points)
                assert sheet.risk_points <= 0.0


def test_reservation_and_no_deal(sc):
    russia = points_sheet(sc, "russia")
    assert russia.phase == headline_phase(sc) == "full_ceasefire"
    assert russia.demand_start == pytest.approx(POINTS * sc.actors["russia"].concession.opening_demand.value)
    assert russia.demand_end == pytest.approx(POINTS * sc.actors["russia"].concession.floor_demand.value)
    text = "\n".join(sheet_lines(russia))
    assert "No deal is worth 0 points" in text and "+4.0" in text
    assert "security guarantees" in text.lower()  # its linkage condition is on its card
    assert points_sheet(sc, "us").demand_start is None


def test_the_mediators_lever_costs_are_on_its_sheet(sc):
    sheet = points_sheet(sc, "us")
    levers = sc.actors["us"].levers
    assert {r.lever for r in sheet.levers} == set(levers)
    for r in sheet.levers:
        assert r.points == pytest.approx(-POINTS * LEVER_COST * levers[r.lever].strength.value)
    assert LEVER_COST_ASSUMPTION in "\n".join(sheet_lines(sheet))
    assert "costs you 0.2 points a use" in sheet_html(sheet)
    pressed = points_sheet(sc, "ukraine").levers  # the target sees what a use adds to its valuation
    assert [(r.lever, r.points) for r in pressed] == [("concession_pressure", pytest.approx(2.0))]


def test_hostile_names_are_escaped(sc):
    data = sc.model_dump(mode="json")
    data["actors"]["russia"]["name"] = "<script>alert('r')</script>"
    data["issues"]["military_aid"]["zero"] = "<img src=x onerror=alert(1)>"
    data["phases"]["full_ceasefire"]["title"] = "30 days & <b>nights</b>"
    hostile = Scenario.model_validate(data)
    page = sheet_html(points_sheet(hostile, "russia"))
    assert "<script>" not in page and "<img" not in page and "<b>nights" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page and "30 days &amp; &lt;b&gt;" in page


def test_bad_deals_are_refused(sc):
    assert package_problems(sc, "full_ceasefire", {"military_aid": 0.5}) == []
    assert "no such phase" in package_problems(sc, "nope", {})[0]
    assert "not a term" in package_problems(sc, "full_ceasefire", {"sanctions_relief": 0.5})[0]
    assert "always 1" in package_problems(sc, "full_ceasefire", {"full_ceasefire": 0.5})[0]
    assert "between 0 and 1" in package_problems(sc, "full_ceasefire", {"military_aid": 1.5})[0]
    with pytest.raises(ValueError, match="between 0 and 1"):
        score_deal(sc, "full_ceasefire", {"military_aid": -0.1})


def _deal(*args: str):
    app = typer.Typer()
    app.command("deal")(deal_command)
    app.command("other")(lambda: None)  # two commands: typer keeps "deal" as a subcommand
    return CliRunner().invoke(app, ["deal", *args])


def test_deal_command_scores_and_runs_the_deal(sc):
    result = _deal("baseline", "security_guarantees=0", "military_aid=1")
    assert result.exit_code == 0, result.output
    scores = score_deal(sc, "full_ceasefire", {"security_guarantees": 0.0, "military_aid": 1.0})
    for actor, points in scores.items():
        assert f"{sc.actors[actor].name}: {points:+.1f}" in result.output
    assert "First round of the talks (day 1" in result.output
    assert "would reject" in result.output and "would accept" in result.output
    assert "The class run (180 days" in result.output and "tabling these terms every round" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["baseline", "foo=0.5"], "TERMS foo=0.5"),
        (["baseline", "military_aid=2"], "TERMS military_aid=2"),
        (["baseline", "military_aid=x"], "TERMS military_aid=x"),
        (["baseline", "military_aid"], "TERMS military_aid"),
        (["baseline", "--phase", "nope"], "--phase nope"),
    ],
)
def test_deal_command_bad_input_is_one_line_and_exit_2(args, named):
    result = _deal(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(named), result.output
    assert "Traceback" not in result.output


def _rendered_mm(fragment: str) -> float:
    playwright = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        if os.environ.get("CEASEFIRE_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (CEASEFIRE_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("needs Chromium (.ci/run installs Debian's chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content(f'<html><body style="margin:0;width:180mm">{fragment}</body></html>')
        px = page.evaluate("document.body.firstElementChild.getBoundingClientRect().height")
        browser.close()
    return px * 25.4 / 96


def test_the_longest_sheet_fits_in_half_an_a4_page(sc):
    longest = max(
        (sheet_html(points_sheet(sc, a, p)) for a in sc.actors for p in sc.phases),
        key=len,
    )
    assert _rendered_mm(longest) < 148.5 / 1.5  # well under half the page's 297 mm
