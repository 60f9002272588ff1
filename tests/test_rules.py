"""The rules alone: exact values from their sources, limits, monotonicity and ranges."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from conftest import BASELINE
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import bargaining, rules, war
from sim.model.ceasefire import CeasefireModel
from sim.scenario.loader import load_scenario

unit = st.floats(0.0, 1.0)


def test_contest_odds_match_ktab_oracle():
    # KTAB SMP: a 2:1 strength ratio prevails with 2/3, 4/5, 16/17 for k = 1, 2, 4 (MODEL.md).
    # Model II moved the contest success function to sim.model.war (the battlefield uses it daily).
    assert war.contest_odds(2, 1, 1) == pytest.approx(2 / 3)
    assert war.contest_odds(2, 1, 2) == pytest.approx(4 / 5)
    assert war.contest_odds(2, 1, 4) == pytest.approx(16 / 17)
    assert war.contest_odds(0, 0) == 0.5


def test_strike_damage_equals_domain_damage_between_equals():
    assert rules.strike_damage(0.8, 0.5, 0.5) == pytest.approx(0.8)
    assert rules.strike_damage(1.0, 0.6, 0.4) > rules.strike_damage(1.0, 0.4, 0.6)
    # twice the attacker's contest odds (today's strengths): 2:1 gives 4/3 of the domain's damage
    assert rules.strike_damage(0.9, 2.0, 1.0) == pytest.approx(0.9 * 2 * war.contest_odds(2.0, 1.0))


def test_weighted_compromise_is_the_naive_benchmark():
    # capability x salience weights: 1*0.5 at 0, 1*0.25 at 1 -> 1/3
    assert rules.weighted_compromise([0.0, 1.0], [1.0, 1.0], [0.5, 0.25]) == pytest.approx(1 / 3)
    assert rules.weighted_compromise([0.2, 0.8], [0.0, 0.0], [1.0, 1.0]) == pytest.approx(0.5)


def test_demand_moves_from_opening_to_floor():
    assert rules.demand(0.3, -0.1, 1.0) == pytest.approx(0.3)
    assert rules.demand(0.3, -0.1, 0.0) == pytest.approx(-0.1)
    assert rules.demand(0.3, -0.1, 0.5) == pytest.approx(0.1)


def test_logistic_limits_and_symmetry():
    assert rules.logistic(0.0) == 0.5
    assert rules.logistic(-1000) == 0.0 and rules.logistic(1000) == 1.0  # no overflow either way
    assert rules.logistic(2.0) + rules.logistic(-2.0) == pytest.approx(1.0)


def test_logit_choice_limits():
    # Model II: the choice is "gain at least the demand", blurred by a small logit noise
    # (sim.model.bargaining.p_accept(gain, demand, noise); its full tests are in test_bargaining.py)
    assert bargaining.p_accept(0.2, 0.2, 0.1) == 0.5
    assert bargaining.p_accept(1.0, 0.0, 0.01) > 0.999
    assert bargaining.p_accept(-1.0, 0.0, 0.01) < 0.001


def _p_violate(**kw):
    args = dict(
        temptation=0.5,
        compliance=0.5,
        trust=0.3,
        grievance=0.0,
        detection=0.3,
        pressure=0.0,
        spoiler_rate=0.02,
        temptation_weight=4,
        compliance_weight=8,
        retaliation_weight=0.8,
        deterrence_weight=4,
        pressure_weight=3,
    )
    args.update(kw)
    return rules.p_violate(**args)


def test_violation_probability_moves_the_right_way():
    p = _p_violate()
    assert _p_violate(detection=0.9) < p  # deterrence by monitoring
    assert _p_violate(grievance=3.0) > p  # retaliation
    assert _p_violate(trust=0.9) < p  # reciprocity
    assert _p_violate(pressure=0.5) < p
    assert _p_violate(temptation=0.9) > p
    assert _p_violate(compliance=1.0, trust=1.0, detection=1.0, temptation=0.0) >= 0.02  # spoilers


@given(unit, unit, st.integers(0, 20), st.booleans(), unit, unit, unit)
def test_trust_stays_in_unit_interval(trust, baseline, seen, calm, gain, loss, drift):
    t = rules.trust_update(trust, baseline, seen, calm, gain, loss, drift)
    assert 0.0 <= t <= 1.0


def test_trust_rises_when_calm_and_falls_on_violations():
    assert rules.trust_update(0.3, 0.3, 0, True, 0.05, 0.1, 0.0) > 0.3
    assert rules.trust_update(0.3, 0.3, 2, False, 0.05, 0.1, 0.0) == pytest.approx(0.3 * 0.81)
    assert rules.trust_update(0.3, 0.5, 0, False, 0.05, 0.1, 0.1) == pytest.approx(0.32)


def test_grievance_and_exchange_rules():
    assert rules.grievance_update(2.0, 1, 0.5) == pytest.approx(2.0)
    assert rules.p_exchange(0.5, 0.04) == pytest.approx(0.02)
    assert rules.exchange_size(175, 100, 500) == 100
    assert rules.exchange_size(175, -3, 500) == 0


def test_monitoring_rules():
    assert rules.p_detect(1.0) == 1.0
    assert rules.p_false_alarm(0.2, 1.0) == 0.0
    assert rules.p_false_alarm(0.2, 0.0) == pytest.approx(0.2)
    assert not math.isnan(rules.p_false_alarm(0.2, 0.5))


# -- Model II moved these rules into the agents and the mediator's text: checked through one model ---
# (acceptance is "gain at least the demand", the gain assembled by Belligerent.value; a linked term is
# moved by the mediators' single text, CeasefireModel._revise_text, not by a rule of its own)


@functools.cache
def _model_at(day: int, overrides: tuple[str, ...] = ()) -> CeasefireModel:
    """The baseline's run 0 after ``day`` days (built once per argument; tests restore what they change)."""
    model = CeasefireModel(load_scenario(BASELINE, list(overrides)), run=0, horizon=day)
    for _ in range(day):
        model.step()
    return model


def _gain(model: CeasefireModel, trust: float, pressure: float) -> float:
    """Russia's gain from the full ceasefire's text, at this trust in Ukraine and mediator pressure."""
    track = model.by_id["full_ceasefire"]
    russia = model.actors["russia"]
    saved = dict(russia.trust), russia.pressure, dict(russia.pressure_on)
    try:
        russia.trust["ukraine"] = trust
        russia.pressure, russia.pressure_on = pressure, {track.id: pressure}  # pressure on these talks
        return russia.value(track, model.package(track))[0]
    finally:
        russia.trust, russia.pressure, russia.pressure_on = saved


@settings(max_examples=50, deadline=None)
@given(unit, st.floats(0.0, 0.5))
def test_a_package_is_worth_more_with_trust_pressure_and_a_costlier_war(trust, pressure):
    """What was acceptance_score's monotonicity: more trust (less commitment risk), more mediator
    pressure and costlier fighting (more costs a truce avoids: what ripeness stood for) each raise
    the gain an actor sets against its demand, so its chance of accepting never falls."""
    m = _model_at(0)
    base = _gain(m, trust, pressure)
    assert _gain(m, min(1.0, trust + 0.1), pressure) >= base
    assert _gain(m, trust, pressure + 0.1) > base
    assert _gain(_model_at(0, ("dynamics.cost_of_war=3.0",)), trust, pressure) > base
    noise = m.dyn.acceptance_noise
    assert bargaining.p_accept(_gain(m, trust, pressure + 0.1), 0.0, noise) >= bargaining.p_accept(
        base, 0.0, noise
    )


@pytest.mark.parametrize("refuses", [True, False])
@pytest.mark.parametrize("start", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])
def test_the_text_moves_a_linked_term_at_most_the_flexibility(start, refuses):
    """What meet_linkage checked: after a round, the mediators move a linked term into its party's
    condition by at most their flexibility, all the way when it is closer than that; a term already
    inside the condition of a party that did not refuse stays where it is."""
    m = _model_at(60)
    track = m.by_id["full_ceasefire"]
    m.package(track)  # the text exists
    (link,) = track.spec.linkage
    agent = m.actors[link.actor]
    low, high = agent.condition(track, link, agent.held(track, agent.trust_in(["ukraine"])))
    assert low < high  # 60 days into the talks the condition has widened from the ideal alone
    flex = m.dyn.mediator_flexibility
    saved = dict(track.text)
    try:
        track.text[link.issue] = start
        m._revise_text(track, [link.actor] if refuses else ["ukraine"])
        new = track.text[link.issue]
    finally:
        track.text = saved
    assert abs(new - start) <= flex + 1e-12

    def outside(x: float) -> float:
        return max(low - x, x - high, 0.0)

    if outside(start) > 0.0:
        assert outside(new) == pytest.approx(max(0.0, outside(start) - flex))
    elif not refuses:
        assert new == start


def test_a_truce_violation_never_exceeds_the_wartime_rate_nor_the_unrestrained_share():
    """Both sides of each input: more wartime intensity or less restraint, more violations; never
    above either, capped at the intensity 1; the same numbers on arrays as on floats."""
    truce_violation = rules.truce_violation
    wartime = [0.0, 0.2, 0.55, 0.95, 1.0, 1.4]
    unrestrained = [0.0, 0.1, 0.5, 0.9, 1.0]
    for w in wartime:
        values = [truce_violation(w, u) for u in unrestrained]
        assert values == sorted(values)  # rises with the share the truce fails to restrain
        for u, p in zip(unrestrained, values, strict=True):
            assert 0.0 <= p <= min(1.0, w) + 1e-12 and p <= u + 1e-12
    for u in unrestrained:
        values = [truce_violation(w, u) for w in wartime]
        assert values == sorted(values)  # rises with the wartime intensity, flat beyond 1
    assert truce_violation(1.4, 0.5) == truce_violation(1.0, 0.5) == 0.5
    w, u = np.meshgrid(wartime, unrestrained)
    arr = truce_violation(w, u)
    assert np.array_equal(arr, [[truce_violation(a, b) for a in wartime] for b in unrestrained])
