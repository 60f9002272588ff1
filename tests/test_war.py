"""Unit tests of the war's rules (sim/model/war.py): worked numbers by hand, limits, and the
monotonicity and symmetry each docstring claims, as hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model import war

EPS = 1e-12
effort = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=10.0, allow_nan=False)
k_ = st.floats(min_value=0.25, max_value=4.0, allow_nan=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
open_unit = st.floats(min_value=0.01, max_value=0.99, allow_nan=False)
small = st.floats(min_value=0.0, max_value=5.0, allow_nan=False)


# -- contest_odds ----------------------------------------------------------------------------------
def test_contest_odds_worked_numbers():
    assert war.contest_odds(3.0, 1.0) == pytest.approx(0.75)
    assert war.contest_odds(1.0, 3.0) == pytest.approx(0.25)
    assert war.contest_odds(3.0, 1.0, 2.0) == pytest.approx(9.0 / 10.0)
    assert war.contest_odds(0.6, 0.4) == pytest.approx(0.6)
    assert war.contest_odds(2.0, 2.0, 3.0) == 0.5


def test_contest_odds_limits():
    assert war.contest_odds(0.0, 0.0) == 0.5  # nobody fights: even odds, no division by zero
    assert war.contest_odds(2.0, 0.0) == 1.0
    assert war.contest_odds(0.0, 2.0) == 0.0
    assert war.contest_odds(3.0, 1.0, 0.0) == 0.5  # k = 0: effort decides nothing (a lottery)
    assert war.contest_odds(1.1, 1.0, 200.0) > 0.9999  # k large: the slightest edge decides


@given(effort, effort, k_)
def test_contest_odds_symmetric(a, b, k):
    p = war.contest_odds(a, b, k)
    assert 0.0 <= p <= 1.0
    assert p + war.contest_odds(b, a, k) == pytest.approx(1.0, abs=EPS)


@given(effort, effort, effort, k_)
def test_contest_odds_monotone_in_each_effort(a1, a2, b, k):
    lo, hi = sorted((a1, a2))
    assert war.contest_odds(lo, b, k) <= war.contest_odds(hi, b, k) + EPS  # more own effort: better
    assert war.contest_odds(b, lo, k) >= war.contest_odds(b, hi, k) - EPS  # more enemy effort: worse


@given(positive, positive, k_, k_)
def test_contest_odds_decisiveness_sharpens_an_edge(a, b, k1, k2):
    """k > 1 makes a small edge decide more: the leader's odds rise with k, the laggard's fall."""
    lo, hi = sorted((k1, k2))
    p_lo, p_hi = war.contest_odds(a, b, lo), war.contest_odds(a, b, hi)
    if a > b:
        assert p_hi >= p_lo - EPS
    elif a < b:
        assert p_hi <= p_lo + EPS
    else:
        assert p_lo == p_hi == 0.5


# -- attrition ---------------------------------------------------------------------------------------
def test_attrition_worked_numbers():
    assert war.attrition(1.0, 0.5, 0.005) == pytest.approx(0.0025)
    assert war.attrition(0.4, 0.8, 0.01) == pytest.approx(0.008)
    assert war.attrition(0.001, 1.0, 0.005) == 0.001  # never more than it has
    assert war.attrition(0.0, 1.0, 0.005) == 0.0
    assert war.attrition(1.0, 0.0, 0.005) == 0.0  # an enemy that brings nothing kills nothing


@given(small, small, small, unit)
def test_attrition_bounded_and_monotone(strength, e1, e2, rate):
    loss = war.attrition(strength, e1, rate)
    assert 0.0 <= loss <= strength
    assert strength - loss >= 0.0  # the stock is never driven negative
    lo, hi = sorted((e1, e2))
    assert war.attrition(strength, lo, rate) <= war.attrition(strength, hi, rate)


# -- intensity ---------------------------------------------------------------------------------------
def test_intensity_worked_numbers():
    assert war.intensity(0.4, 0.5) == pytest.approx(0.4)  # even odds: the base rate
    assert war.intensity(0.4, 0.7) == pytest.approx(0.48)
    assert war.intensity(0.4, 0.2) == pytest.approx(0.28)
    assert war.intensity(0.8, 0.9) == 1.0  # 1.12, capped
    assert war.intensity(0.0, 0.9) == 0.0


@given(unit, unit, unit)
def test_intensity_in_range_and_monotone_in_odds(base, p1, p2):
    lo, hi = sorted((p1, p2))
    x_lo, x_hi = war.intensity(base, lo), war.intensity(base, hi)
    assert 0.0 <= x_lo <= x_hi <= 1.0


@given(unit, unit, unit)
def test_intensity_monotone_in_base(b1, b2, p):
    lo, hi = sorted((b1, b2))
    assert war.intensity(lo, p) <= war.intensity(hi, p)


# -- belief_update and believed --------------------------------------------------------------------
def test_belief_update_worked_numbers():
    assert war.belief_update(42.0, 18.0, 1.0, 0.0, 0.99) == pytest.approx((42.58, 17.82))
    assert war.belief_update(42.0, 18.0, 0.0, 1.0, 1.0) == (42.0, 19.0)  # no forgetting: plain Beta counts
    assert war.believed(42.0, 18.0) == pytest.approx(0.7)
    assert war.believed(1.0, 3.0) == 0.25


def test_a_win_raises_the_belief_a_loss_lowers_it():
    w, l_ = 30.0, 30.0
    assert war.believed(*war.belief_update(w, l_, 1.0, 0.0, 0.99)) > 0.5
    assert war.believed(*war.belief_update(w, l_, 0.0, 1.0, 0.99)) < 0.5


def test_belief_after_a_streak_is_exact():
    """n wins in a row from (w0, l0): w = m^n w0 + (1 - m^n)/(1 - m), l = m^n l0."""
    m, n, w0, l0 = 0.99, 50, 42.0, 18.0
    w, l_ = w0, l0
    for _ in range(n):
        w, l_ = war.belief_update(w, l_, 1.0, 0.0, m)
    assert w == pytest.approx(m**n * w0 + (1 - m**n) / (1 - m))
    assert l_ == pytest.approx(m**n * l0)


@pytest.mark.parametrize("q", [0.2, 0.5, 0.8])
def test_belief_converges_to_the_true_win_rate(q):
    """Without forgetting the Beta mean converges to the true rate; with memory 0.99 it follows it
    (its long-run average is the true rate), from a prior far away."""
    rng = np.random.default_rng(12345)
    draws = rng.random(20_000) < q
    w, l_ = 0.95 * 60, 0.05 * 60  # a prior of 0.95, worth 60 days
    for won in draws:
        w, l_ = war.belief_update(w, l_, float(won), float(not won), 1.0)
    assert war.believed(w, l_) == pytest.approx(q, abs=0.02)
    w, l_ = 0.95 * 60, 0.05 * 60
    path = []
    for won in draws:
        w, l_ = war.belief_update(w, l_, float(won), float(not won), 0.99)
        path.append(war.believed(w, l_))
    assert float(np.mean(path[2000:])) == pytest.approx(q, abs=0.02)
    assert all(0.0 < p < 1.0 for p in path)


@given(
    st.floats(min_value=0.1, max_value=1000.0),
    st.floats(min_value=0.1, max_value=1000.0),
    st.booleans(),
    st.floats(min_value=0.5, max_value=1.0),
)
def test_belief_stays_a_probability_and_moves_the_right_way(w, l_, won, memory):
    before = war.believed(w, l_)
    w2, l2 = war.belief_update(w, l_, float(won), float(not won), memory)
    after = war.believed(w2, l2)
    assert 0.0 < after < 1.0
    if won:
        assert after >= before - EPS
    else:
        assert after <= before + EPS


def test_belief_rules_take_arrays():
    w, l_ = war.belief_update(np.array([42.0, 10.0]), np.array([18.0, 30.0]), 1.0, 0.0, 0.99)
    np.testing.assert_allclose(w, [42.58, 10.9])
    np.testing.assert_allclose(war.believed(w, l_), [42.58 / 60.4, 10.9 / 40.6])


# -- war_value_per_day --------------------------------------------------------------------------------
def test_war_value_worked_numbers():
    # 1 x (2 x 0.7 - 1) x 0.001 x 2 = 0.0008 of territory, + 0.01 coercion, - 0.003 costs
    assert war.war_value_per_day(0.7, 1.0, 0.001, 2.0, 0.01, 0.003) == pytest.approx(0.0078)
    assert war.war_value_per_day(0.5, 1.0, 0.001, 2.0, 0.0, 0.0) == 0.0  # even odds: no expected ground
    assert war.war_value_per_day(0.3, 0.5, 0.01, 1.0, 0.0, 0.0) == pytest.approx(-0.002)
    assert war.war_value_per_day(0.9, 0.0, 0.01, 1.0, 0.0, 0.004) == pytest.approx(-0.004)  # no fighting


@given(unit, unit, unit, small, small, small, small)
def test_war_value_monotone(p1, p2, front, stake, coercion, c1, c2):
    step = 0.001
    lo, hi = sorted((p1, p2))
    assert (
        war.war_value_per_day(lo, front, step, stake, coercion, c1)
        <= war.war_value_per_day(hi, front, step, stake, coercion, c1) + EPS
    )
    clo, chi = sorted((c1, c2))
    assert (
        war.war_value_per_day(p1, front, step, stake, coercion, clo)
        >= war.war_value_per_day(p1, front, step, stake, coercion, chi) - EPS
    )
    base = war.war_value_per_day(p1, front, step, stake, 0.0, 0.0)
    assert war.war_value_per_day(p1, front, step, stake, coercion, 0.0) == pytest.approx(base + coercion)
    # the territorial term has the sign of (2p - 1)
    assert base * (2 * p1 - 1) >= 0.0


def test_war_value_takes_arrays():
    out = war.war_value_per_day(np.array([0.3, 0.5, 0.7]), 1.0, 0.001, 2.0, 0.0, 0.0)
    np.testing.assert_allclose(out, [-0.0008, 0.0, 0.0008], atol=1e-15)


# -- power_shift_value ----------------------------------------------------------------------------------
def test_power_shift_worked_numbers():
    # (0.6 - 0.65) x 2 x 1 x 0.001 x 2 x 90 = -0.018
    assert war.power_shift_value(0.6, 0.65, 1.0, 0.001, 2.0, 90.0) == pytest.approx(-0.018)
    assert war.power_shift_value(0.7, 0.6, 0.5, 0.001, 2.0, 90.0) == pytest.approx(0.018)
    assert war.power_shift_value(0.6, 0.6, 1.0, 0.001, 2.0, 90.0) == 0.0


@given(unit, unit, st.floats(min_value=0.01, max_value=1.0), small, st.floats(min_value=0.1, max_value=5.0))
def test_power_shift_sign_and_antisymmetry(truce, fight, front, stake, days):
    v = war.power_shift_value(truce, fight, front, 0.001, stake, days)
    if stake > 0.0 and truce != fight:
        # a truce that leaves it weaker than war would costs it; one that leaves it stronger is worth it
        assert math.copysign(1.0, v) == math.copysign(1.0, truce - fight) or v == 0.0
    assert v == pytest.approx(-war.power_shift_value(fight, truce, front, 0.001, stake, days), abs=1e-15)


def test_power_shift_takes_arrays():
    out = war.power_shift_value(np.array([0.5, 0.7]), 0.6, 1.0, 0.001, 2.0, 90.0)
    np.testing.assert_allclose(out, [-0.036, 0.036])


# -- learned_position ---------------------------------------------------------------------------------
def test_learned_position_worked_numbers():
    # odds fell 0.5 -> 0.4: a tenth of the way toward the enemy's ideal 1
    assert war.learned_position(0.0, 1.0, 0.5, 0.4, 1.0) == pytest.approx(0.1)
    # Russia at 1, enemy ideal 0, odds fell 0.7 -> 0.6
    assert war.learned_position(1.0, 0.0, 0.7, 0.6, 1.0) == pytest.approx(0.9)
    assert war.learned_position(0.2, 1.0, 0.5, 0.3, 0.5) == pytest.approx(0.2 + 0.5 * 0.2 * 0.8)
    assert war.learned_position(0.3, 1.0, 0.5, 0.5, 1.0) == 0.3  # nothing learned: nothing moves
    assert war.learned_position(0.3, 1.0, 0.5, 0.2, 0.0) == 0.3  # no learning at rate 0


def test_learned_position_never_passes_its_own_ideal():
    # odds rose: it would move away from the enemy, past its own starting ideal: held there
    assert war.learned_position(0.0, 1.0, 0.5, 0.6, 1.0) == 0.0
    assert war.learned_position(1.0, 0.0, 0.7, 0.9, 1.0) == 1.0
    assert war.learned_position(0.0, 1.0, 0.9, 0.0, 5.0) == 1.0  # and never past the enemy's


@given(unit, unit, unit, unit, st.floats(min_value=0.0, max_value=10.0))
def test_learned_position_stays_between_the_ideals(initial, enemy, prior, odds, rate):
    x = war.learned_position(initial, enemy, prior, odds, rate)
    assert min(initial, enemy) <= x <= max(initial, enemy)


@given(unit, unit, unit, unit, unit, st.floats(min_value=0.0, max_value=10.0))
def test_learned_position_moves_toward_the_enemy_as_odds_fall(initial, enemy, prior, o1, o2, rate):
    lo, hi = sorted((o1, o2))
    dist_lo = abs(war.learned_position(initial, enemy, prior, lo, rate) - enemy)
    dist_hi = abs(war.learned_position(initial, enemy, prior, hi, rate) - enemy)
    assert dist_lo <= dist_hi + EPS  # worse odds: at least as close to the enemy's ideal


# -- ripeness ----------------------------------------------------------------------------------------
def test_ripeness_worked_numbers():
    assert war.ripeness(1.0, 1.0) == 0.5
    assert war.ripeness(0.3, 0.1) == pytest.approx(0.75)
    assert war.ripeness(0.2, 0.0) == 1.0  # fighting on gains nothing: fully ripe
    assert war.ripeness(0.2, -5.0) == 1.0  # a losing war counts as gaining nothing, not as negative gain
    assert war.ripeness(0.0, 1.0) == 0.0  # no costs
    assert war.ripeness(0.0, 0.0) == 0.0  # nothing at all: not ripe (no division by zero)


@given(small, small, small, st.floats(min_value=-5.0, max_value=5.0))
def test_ripeness_in_range_and_monotone(c1, c2, g1, g2):
    lo, hi = sorted((c1, c2))
    r_lo, r_hi = war.ripeness(lo, g1), war.ripeness(hi, g1)
    assert 0.0 <= r_lo <= r_hi + EPS <= 1.0 + EPS  # more hurt: riper
    glo, ghi = sorted((g1, g2))
    assert war.ripeness(c1, glo) >= war.ripeness(c1, ghi) - EPS  # more to gain by fighting: less ripe
