"""Unit tests of the bargaining rules (sim/model/bargaining.py): worked numbers by hand, limits,
and the properties each docstring claims, as hypothesis properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim.model import bargaining as bg

EPS = 1e-12
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
gain_ = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)
noise_ = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)


# -- issue_gain and package_gain ----------------------------------------------------------------------
def test_issue_gain_worked_numbers():
    assert bg.issue_gain(0.5, 0.0, 1.0, 0.2) == pytest.approx(0.1)  # halfway: half its worth
    assert bg.issue_gain(1.0, 0.0, 1.0, 0.2) == pytest.approx(0.2)  # the ideal: the whole salience
    assert bg.issue_gain(0.0, 0.0, 1.0, 0.2) == 0.0  # the status quo: nothing
    assert bg.issue_gain(0.0, 0.5, 1.0, 0.2) == pytest.approx(-0.1)  # away from the ideal: a loss
    assert bg.issue_gain(1.0, 0.0, 0.6, 0.5) == pytest.approx(0.5 * (0.6 - 0.4))  # overshooting the ideal
    assert bg.issue_gain(0.3, 0.0, 1.0, 0.0) == 0.0  # an issue it does not care about


@given(unit, unit, unit, unit)
def test_issue_gain_bounds(x, sq, ideal, salience):
    g = bg.issue_gain(x, sq, ideal, salience)
    assert g <= salience * abs(sq - ideal) + EPS  # nothing beats getting its ideal
    assert g >= -salience + -EPS  # on a unit scale, no loss beyond the salience
    assert bg.issue_gain(ideal, sq, ideal, salience) == pytest.approx(salience * abs(sq - ideal))


@given(unit, unit, unit, unit, unit)
def test_issue_gain_monotone_toward_the_ideal(x1, x2, sq, ideal, salience):
    """Of two terms on the same side of the ideal, the closer one is worth at least as much."""
    assume((x1 - ideal) * (x2 - ideal) >= 0.0)
    near, far = sorted((x1, x2), key=lambda x: abs(x - ideal))
    assert bg.issue_gain(near, sq, ideal, salience) >= bg.issue_gain(far, sq, ideal, salience) - EPS


def test_package_gain_sums_its_issues():
    package = {"a": 0.5, "b": 0.2}
    sq = {"a": 0.0, "b": 1.0, "c": 0.0}
    ideal = {"a": 1.0, "b": 0.0, "c": 1.0}
    sal = {"a": 0.2, "b": 0.4, "c": 0.4}
    # a: 0.2 x (1 - 0.5) = 0.1; b: 0.4 x (1 - 0.2) = 0.32; c is not in the package
    assert bg.package_gain(package, sq, ideal, sal) == pytest.approx(0.42)
    assert bg.package_gain({}, sq, ideal, sal) == 0.0
    assert bg.package_gain(dict(sq), sq, ideal, sal) == 0.0  # the status quo itself: nothing gained


# -- linkage_bound -----------------------------------------------------------------------------------
def test_linkage_bound_worked_numbers():
    # radius = (1 - held) x the longest way a term can lie from the ideal, max(ideal, 1 - ideal)
    assert bg.linkage_bound(0.5, 0.5) == pytest.approx((0.25, 0.75))
    assert bg.linkage_bound(0.2, 0.5) == pytest.approx((0.0, 0.6))  # clipped at 0
    assert bg.linkage_bound(0.2, 1.0) == (0.2, 0.2)  # holding all of its demand: its ideal only
    assert bg.linkage_bound(0.2, 0.0) == pytest.approx((0.0, 1.0))  # conceded fully: any term
    # P10: Russia's ideal on guarantees is 0, so its cap loosens as it concedes
    assert bg.linkage_bound(0.0, 0.7) == pytest.approx((0.0, 0.3))
    # sanctions relief: ideal 1, so the floor falls as it concedes
    assert bg.linkage_bound(1.0, 0.3) == pytest.approx((0.3, 1.0))


@given(unit)
def test_linkage_bound_is_the_ideal_at_held_one_and_everything_at_zero(ideal):
    assert bg.linkage_bound(ideal, 1.0) == pytest.approx((ideal, ideal))
    assert bg.linkage_bound(ideal, 0.0) == pytest.approx((0.0, 1.0))


@given(unit, unit, unit)
def test_linkage_bound_widens_as_the_demand_is_conceded(ideal, h1, h2):
    lo_held, hi_held = sorted((h1, h2))
    wide = bg.linkage_bound(ideal, lo_held)
    narrow = bg.linkage_bound(ideal, hi_held)
    assert 0.0 <= wide[0] <= narrow[0] + EPS <= ideal + 2 * EPS
    assert ideal - EPS <= narrow[1] <= wide[1] + EPS <= 1.0 + 2 * EPS


@given(unit, unit)
def test_linkage_bound_contains_the_ideal(ideal, held):
    low, high = bg.linkage_bound(ideal, held)
    assert 0.0 <= low <= ideal <= high <= 1.0


@given(st.floats(0.0, 0.4), st.floats(0.0, 0.2), st.floats(0.5, 1.0))
def test_linkage_bound_moves_with_the_ideal(ideal, shift, held):
    """Derived from the actor's own position: a looser ideal (further from 0) loosens a cap
    (Russia wanting some guarantees accepts more of them): the band's top never falls as the ideal
    rises on the lower half of the scale."""
    _, high = bg.linkage_bound(ideal, held)
    _, high2 = bg.linkage_bound(ideal + shift, held)
    assert high2 >= high - 1e-9


# -- single_text_step ----------------------------------------------------------------------------------
def test_single_text_step_worked_numbers():
    assert bg.single_text_step(0.2, 1.0, 0.5, 0.3) == pytest.approx(0.32)  # 0.2 + 0.3 x 0.5 x 0.8
    assert bg.single_text_step(0.8, 0.0, 1.0, 0.15) == pytest.approx(0.68)
    assert bg.single_text_step(0.4, 0.9, 1.0, 0.5) == pytest.approx(0.65)  # a counter met halfway
    assert bg.single_text_step(0.4, 0.4, 1.0, 0.5) == 0.4  # already at the ideal
    assert bg.single_text_step(0.2, 1.0, 1.0, 1.0, high=0.3) == 0.3  # held to the band given
    assert bg.single_text_step(0.5, 0.0, 1.0, 1.0, low=0.25) == 0.25


@given(unit, unit, unit, unit)
def test_single_text_step_never_overshoots_and_stays_in_range(text, ideal, weight, step):
    x = bg.single_text_step(text, ideal, weight, step)
    assert 0.0 <= x <= 1.0
    assert min(text, ideal) - EPS <= x <= max(text, ideal) + EPS  # toward the ideal, never past it
    assert abs(x - ideal) <= abs(text - ideal) + EPS


@given(unit, unit, unit, unit, unit, unit)
def test_single_text_step_respects_its_band(text, ideal, weight, step, a, b):
    low, high = sorted((a, b))
    x = bg.single_text_step(text, ideal, weight, step, low, high)
    assert low <= x <= high


@given(unit, unit, unit, unit, unit)
def test_single_text_step_moves_more_with_more_weight(text, ideal, w1, w2, step):
    lo, hi = sorted((w1, w2))
    assert (
        abs(bg.single_text_step(text, ideal, hi, step) - text)
        >= abs(bg.single_text_step(text, ideal, lo, step) - text) - EPS
    )


# -- p_accept ----------------------------------------------------------------------------------------
def test_p_accept_worked_numbers():
    assert bg.p_accept(0.1, 0.1, 0.01) == 0.5  # indifference
    assert bg.p_accept(0.0, 0.0, 0.2) == 0.5
    assert bg.p_accept(0.02, 0.05, 0.01) == pytest.approx(1.0 / (1.0 + math.e**3))  # 0.03 short
    assert bg.p_accept(0.02, 0.05, 0.01) == pytest.approx(0.0474, abs=1e-4)  # "5% of the time"
    assert bg.p_accept(0.08, 0.05, 0.01) == pytest.approx(0.9526, abs=1e-4)  # "95%"
    assert bg.p_accept(0.05, 0.04, 0.01) == pytest.approx(1.0 / (1.0 + math.exp(-1.0)))


def test_p_accept_extremes_do_not_overflow():
    assert bg.p_accept(100.0, 0.0, 0.01) == 1.0
    assert bg.p_accept(-100.0, 0.0, 0.01) == 0.0
    assert bg.p_accept(1e300, -1e300, 1e-3) == 1.0


@given(gain_, gain_, noise_)
def test_p_accept_is_a_probability_above_half_iff_gain_beats_demand(gain, demand, noise):
    p = bg.p_accept(gain, demand, noise)
    assert 0.0 <= p <= 1.0
    if gain > demand:
        assert p >= 0.5
    elif gain < demand:
        assert p <= 0.5
    else:
        assert p == 0.5


@given(gain_, gain_, gain_, noise_)
def test_p_accept_monotone_in_gain_and_demand(g1, g2, demand, noise):
    lo, hi = sorted((g1, g2))
    assert bg.p_accept(lo, demand, noise) <= bg.p_accept(hi, demand, noise)
    assert bg.p_accept(demand, lo, noise) >= bg.p_accept(demand, hi, noise)


@given(gain_, st.floats(min_value=0.0, max_value=1.0), noise_)
def test_p_accept_symmetric_about_indifference(demand, x, noise):
    assert bg.p_accept(demand + x, demand, noise) + bg.p_accept(demand - x, demand, noise) == pytest.approx(
        1.0, abs=1e-9
    )


@given(gain_, gain_, noise_, noise_)
def test_more_noise_pulls_toward_a_coin_flip(gain, demand, n1, n2):
    lo, hi = sorted((n1, n2))
    assert abs(bg.p_accept(gain, demand, hi) - 0.5) <= abs(bg.p_accept(gain, demand, lo) - 0.5) + EPS


# -- delivered_share ------------------------------------------------------------------------------------
def test_delivered_share_worked_numbers():
    assert bg.delivered_share(3.0, 10.0) == pytest.approx(0.7)
    assert bg.delivered_share(0.0, 10.0) == 1.0  # perfect quiet
    assert bg.delivered_share(10.0, 10.0) == 0.0  # violated as often as the war struck
    assert bg.delivered_share(12.0, 10.0) == 0.0  # worse than war counts as nothing, not less
    assert bg.delivered_share(5.0, 0.0) == 1.0  # nothing promised: nothing failed


@given(st.floats(min_value=0.0, max_value=1e6), st.floats(min_value=0.0, max_value=1e6))
def test_delivered_share_in_unit_interval(perceived, promised):
    assert 0.0 <= bg.delivered_share(perceived, promised) <= 1.0


@given(
    st.floats(min_value=0.0, max_value=100.0),
    st.floats(min_value=0.0, max_value=100.0),
    st.floats(min_value=0.1, max_value=100.0),
)
def test_delivered_share_falls_with_violations(v1, v2, promised):
    lo, hi = sorted((v1, v2))
    assert bg.delivered_share(lo, promised) >= bg.delivered_share(hi, promised)
