"""The Battlefield (sim/model/battlefield.py) on the baseline: its starting state, flows of production
and lagged aid, the daily contest, attrition, beliefs and projections. Numbers are read from the
scenario, never copied from it, so a retuned baseline keeps these tests meaningful."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.data import BASELINE
from sim.model import war
from sim.model.battlefield import Battlefield
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario


class Fixed:
    """A stand-in random generator whose every draw is the same number (0: side a wins; ~1: b wins)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


A_WINS, B_WINS = Fixed(0.0), Fixed(1.0 - 1e-12)


def pairs(sc: Scenario) -> list[tuple[str, str]]:
    """The enemy pairs, as the model forms them (scenario order, each pair once)."""
    bs = sc.belligerents
    return [(a, b) for i, a in enumerate(bs) for b in bs[i + 1 :] if b in sc.enemies(a)]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def aid_line(scenario):
    """(donor, recipient, issue, flow, lag) of the baseline's one aid line."""
    lines = [
        (donor, line.to, line.issue, line.flow.value, line.lag_days.value)
        for donor, actor in scenario.actors.items()
        for line in actor.aid.values()
    ]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def bf(scenario) -> Battlefield:
    return Battlefield(scenario, pairs(scenario))


def levels_of(sc: Scenario, **changes: float) -> dict[str, float]:
    levels = {k: i.status_quo.value for k, i in sc.issues.items()}
    levels.update(changes)
    return levels


def test_the_baseline_has_one_front_between_russia_and_ukraine(scenario):
    assert pairs(scenario) == [("russia", "ukraine")]
    assert [d for d, dom in scenario.domains.items() if dom.front] == ["ground"]


def test_starting_state(scenario, bf):
    assert bf.front_domain == "ground"
    bfs = scenario.battlefield
    for b in scenario.belligerents:
        spec = scenario.actors[b]
        assert bf.strength[b] == spec.capability.value
        assert bf.production[b] == spec.forces.production.value
    front = bf.fronts[("russia", "ukraine")]
    assert front.held_by("russia") == bfs.territory["russia"].value
    assert front.held_by("ukraine") == pytest.approx(1.0 - bfs.territory["russia"].value)
    for (side, enemy), counts in bf.counts.items():
        forces = scenario.actors[side].forces
        n, p = forces.belief_days.value, forces.believed_odds.value
        assert counts == pytest.approx([p * n, (1 - p) * n])
        assert bf.believed(side, enemy) == pytest.approx(p)
    s = bf.strength
    k = bfs.decisiveness.value
    assert bf.true_odds("russia", "ukraine") == pytest.approx(war.contest_odds(s["russia"], s["ukraine"], k))
    assert bf.true_odds("russia", "ukraine") + bf.true_odds("ukraine", "russia") == pytest.approx(1.0)


def test_the_pipeline_starts_full_of_the_status_quo(scenario, bf, aid_line):
    _donor, _to, issue, _flow, lag = aid_line
    (line,) = bf.aid
    assert len(line.pipeline) == lag
    assert list(line.pipeline) == [scenario.issues[issue].status_quo.value] * lag


# -- flows -------------------------------------------------------------------------------------------
def test_flows_add_production_and_aid(scenario, bf, aid_line):
    _donor, to, issue, flow, _lag = aid_line
    before = dict(bf.strength)
    levels = levels_of(scenario)
    bf.flows(levels)
    sq = scenario.issues[issue].status_quo.value
    for b in scenario.belligerents:
        aid = flow * sq if b == to else 0.0
        assert bf.strength[b] == pytest.approx(before[b] + bf.production[b] + aid)
        assert bf.delivered_today[b] == pytest.approx(aid)
    assert bf.aid_rate(to, levels) == pytest.approx(flow * levels[issue])
    assert bf.aid_rate(to, levels_of(scenario, **{issue: 0.5})) == pytest.approx(0.5 * flow)
    assert all(bf.aid_rate(b, levels) == 0.0 for b in scenario.belligerents if b != to)


def test_aid_resumed_on_day_one_reaches_the_front_only_after_the_lag(aid_line):
    """Aid halted before day 0 (status quo 0), resumed from day 1: nothing arrives for lag days,
    then the full flow every day."""
    sc = load_scenario(BASELINE, ["issues.military_aid.status_quo=0"])
    _donor, to, issue, flow, lag = aid_line
    bf = Battlefield(sc, pairs(sc))
    assert list(bf.aid[0].pipeline) == [0.0] * lag
    delivered = []
    for _day in range(1, lag + 11):
        before = bf.strength[to]
        bf.flows(levels_of(sc, **{issue: 1.0}))
        delivered.append(bf.delivered_today[to])
        assert bf.strength[to] == pytest.approx(before + bf.production[to] + delivered[-1])
    assert delivered[:lag] == [0.0] * lag
    assert delivered[lag:] == pytest.approx([flow] * 10)


def test_aid_halted_on_day_one_keeps_arriving_until_the_lag_runs_out(scenario, aid_line):
    """The other side of the lever: aid flowing before day 0, halted from day 1."""
    _donor, to, issue, flow, lag = aid_line
    assert scenario.issues[issue].status_quo.value == 1.0
    bf = Battlefield(scenario, pairs(scenario))
    delivered = []
    for _day in range(1, lag + 11):
        bf.flows(levels_of(scenario, **{issue: 0.0}))
        delivered.append(bf.delivered_today[to])
    assert delivered[:lag] == pytest.approx([flow] * lag)
    assert delivered[lag:] == [0.0] * 10


def test_a_partial_level_arrives_as_that_share_of_the_flow(scenario, aid_line):
    _donor, to, issue, flow, lag = aid_line
    bf = Battlefield(scenario, pairs(scenario))
    for _day in range(lag + 1):
        bf.flows(levels_of(scenario, **{issue: 0.25}))
    assert bf.delivered_today[to] == pytest.approx(0.25 * flow)


# -- contest ------------------------------------------------------------------------------------------
def test_contest_moves_the_front_exactly_one_step(scenario, bf):
    step = scenario.battlefield.front_step.value
    front = bf.fronts[("russia", "ukraine")]
    start = front.held_by_a
    assert bf.contest("russia", "ukraine", True, True, A_WINS) == "russia"
    assert front.held_by_a == pytest.approx(start + step, abs=1e-15)
    assert bf.contest("russia", "ukraine", True, True, B_WINS) == "ukraine"
    assert bf.contest("russia", "ukraine", True, True, B_WINS) == "ukraine"
    assert front.held_by_a == pytest.approx(start - step, abs=1e-15)


def test_contest_keeps_the_front_in_unit_interval(bf):
    front = bf.fronts[("russia", "ukraine")]
    front.held_by_a = 1.0 - bf.step / 2
    bf.contest("russia", "ukraine", True, True, A_WINS)
    assert front.held_by_a == 1.0
    bf.contest("russia", "ukraine", True, True, A_WINS)
    assert front.held_by_a == 1.0
    front.held_by_a = bf.step / 2
    bf.contest("russia", "ukraine", True, True, B_WINS)
    assert front.held_by_a == 0.0
    bf.contest("russia", "ukraine", True, True, B_WINS)
    assert front.held_by_a == 0.0


def test_contest_draws_from_the_contest_success_function(scenario):
    """Over many contests a side wins at the rate the CSF of the efforts gives (a defender brings half)."""
    rng = np.random.default_rng(7)
    wins = 0
    n = 4000
    for _ in range(n):
        bf = Battlefield(scenario, pairs(scenario))
        wins += bf.contest("russia", "ukraine", True, False, rng) == "russia"
    # each contest on a fresh battlefield: every one uses the starting strengths
    sr, su = scenario.actors["russia"].capability.value, scenario.actors["ukraine"].capability.value
    p = war.contest_odds(sr, 0.5 * su, bf.k)
    assert wins / n == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


@pytest.mark.parametrize(("fought_a", "fought_b"), [(True, True), (True, False), (False, True)])
def test_contest_attrition_in_proportion_to_the_enemy_effort(bf, fought_a, fought_b):
    sa, sb = bf.strength["russia"], bf.strength["ukraine"]
    effort_a = sa * (1.0 if fought_a else 0.5)
    effort_b = sb * (1.0 if fought_b else 0.5)
    bf.contest("russia", "ukraine", fought_a, fought_b, A_WINS)
    assert bf.strength["russia"] == pytest.approx(sa - bf.rate * effort_b)
    assert bf.strength["ukraine"] == pytest.approx(sb - bf.rate * effort_a)


def test_attrition_never_makes_strength_negative(bf):
    bf.rate = 10.0  # losses far beyond what a side has
    bf.strength["ukraine"] = 1e-4
    bf.contest("russia", "ukraine", True, True, A_WINS)
    assert bf.strength["ukraine"] == 0.0
    bf.contest("russia", "ukraine", True, True, A_WINS)  # a side with nothing left
    assert bf.strength["ukraine"] == 0.0
    assert bf.strength["russia"] >= 0.0


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.floats(min_value=0.0, max_value=0.5),
    st.floats(min_value=0.0, max_value=0.01),
)
def test_strengths_and_front_stay_in_range_over_long_wars(scenario, seed, rate, production):
    rng = np.random.default_rng(seed)
    bf = Battlefield(scenario, pairs(scenario))
    bf.rate = rate
    for b in bf.production:
        bf.production[b] = production
    levels = levels_of(scenario)
    front = bf.fronts[("russia", "ukraine")]
    for _ in range(300):
        bf.flows(levels)
        fa, fb = rng.random(2) < 0.8
        if fa or fb:
            bf.contest("russia", "ukraine", bool(fa), bool(fb), rng)
        bf.end_day()
        assert 0.0 <= front.held_by_a <= 1.0
        assert all(s >= 0.0 and math.isfinite(s) for s in bf.strength.values())
        assert all(0.0 < p < 1.0 for p in bf.odds.values())


# -- beliefs ----------------------------------------------------------------------------------------
def test_the_winner_grows_more_confident_the_loser_less(scenario, bf):
    memory = scenario.battlefield.belief_memory.value
    counts_r, counts_u = list(bf.counts[("russia", "ukraine")]), list(bf.counts[("ukraine", "russia")])
    before_r, before_u = bf.believed("russia", "ukraine"), bf.believed("ukraine", "russia")
    bf.contest("russia", "ukraine", True, True, A_WINS)
    assert bf.counts[("russia", "ukraine")] == pytest.approx([memory * counts_r[0] + 1, memory * counts_r[1]])
    assert bf.counts[("ukraine", "russia")] == pytest.approx([memory * counts_u[0], memory * counts_u[1] + 1])
    assert bf.believed("russia", "ukraine") > before_r
    assert bf.believed("ukraine", "russia") < before_u
    assert bf.believed("russia", "ukraine") == pytest.approx(war.believed(*bf.counts[("russia", "ukraine")]))


def test_beliefs_learn_the_true_odds_of_a_long_war(scenario):
    """Strengths held fixed (no flows, no attrition), each side's belief follows the true odds."""
    rng = np.random.default_rng(11)
    bf = Battlefield(scenario, pairs(scenario))
    bf.rate = 0.0
    p_true = bf.true_odds("russia", "ukraine")
    path = []
    for _ in range(3000):
        bf.contest("russia", "ukraine", True, True, rng)
        path.append(bf.believed("russia", "ukraine"))
    assert float(np.mean(path[1000:])) == pytest.approx(p_true, abs=0.03)
    assert all(0.0 < p < 1.0 for p in path)


def test_mutual_optimism_is_forgotten_at_the_rate_of_memory(scenario):
    """Both sides learn from the same days: with equal belief_days n, the sum of their beliefs is
    ((p_r + p_u) n m^t + S_t) / (n m^t + S_t), S_t = (1 - m^t) / (1 - m), whoever wins: it tends to 1."""
    r, u = scenario.actors["russia"].forces, scenario.actors["ukraine"].forces
    if r.belief_days.value != u.belief_days.value:
        pytest.skip("the closed form needs equal belief_days")
    n, m = r.belief_days.value, scenario.battlefield.belief_memory.value
    rng = np.random.default_rng(3)
    bf = Battlefield(scenario, pairs(scenario))
    for t in range(1, 301):
        bf.contest("russia", "ukraine", True, True, rng)
        s_t = (1 - m**t) / (1 - m)
        expected = ((r.believed_odds.value + u.believed_odds.value) * n * m**t + s_t) / (n * m**t + s_t)
        total = bf.believed("russia", "ukraine") + bf.believed("ukraine", "russia")
        assert total == pytest.approx(expected, rel=1e-9)


# -- projections --------------------------------------------------------------------------------------
def expected_projection(bf: Battlefield, side: str, enemy: str, days: float, truce: bool, levels) -> float:
    g_side = bf.production[side] + bf.aid_rate(side, levels)
    g_enemy = bf.production[enemy] + bf.aid_rate(enemy, levels)
    if not truce:
        g_side -= bf.rate * bf.strength[enemy]
        g_enemy -= bf.rate * bf.strength[side]
    after_side = max(1e-9, bf.strength[side] + days * g_side)
    after_enemy = max(1e-9, bf.strength[enemy] + days * g_enemy)
    p = bf.believed(side, enemy) + war.contest_odds(after_side, after_enemy, bf.k) - bf.true_odds(side, enemy)
    return min(0.99, max(0.01, p))


@pytest.mark.parametrize("truce", [True, False])
@pytest.mark.parametrize("side", ["russia", "ukraine"])
def test_project_worked_by_hand(scenario, bf, truce, side):
    enemy = "ukraine" if side == "russia" else "russia"
    levels = levels_of(scenario)
    got = bf.project(side, enemy, 30, truce, levels)
    assert got == pytest.approx(expected_projection(bf, side, enemy, 30, truce, levels))


def test_a_truce_projection_has_no_attrition(scenario, bf):
    """With truce=True the projection is that of a war without attrition: attrition plays no part."""
    levels = levels_of(scenario)
    truce = bf.project("russia", "ukraine", 90, True, levels)
    bf.rate = 0.0
    assert bf.project("russia", "ukraine", 90, False, levels) == pytest.approx(truce)
    bf.rate = 1.0  # whatever the attrition rate
    assert bf.project("russia", "ukraine", 90, True, levels) == pytest.approx(truce)


def test_a_zero_day_projection_is_the_belief_now(bf, scenario):
    levels = levels_of(scenario)
    for truce in (True, False):
        assert bf.project("russia", "ukraine", 0, truce, levels) == pytest.approx(
            bf.believed("russia", "ukraine")
        )


def test_aid_to_the_enemy_during_a_truce_lowers_the_projected_odds(scenario, bf, aid_line):
    """Powell's shifting power: the more aid flows to Ukraine in a pause, the worse Russia's odds after it."""
    _donor, _to, issue, _flow, _lag = aid_line
    with_aid = bf.project("russia", "ukraine", 90, True, levels_of(scenario, **{issue: 1.0}))
    without = bf.project("russia", "ukraine", 90, True, levels_of(scenario, **{issue: 0.0}))
    assert with_aid < without
    assert bf.project("ukraine", "russia", 90, True, levels_of(scenario, **{issue: 1.0})) > bf.project(
        "ukraine", "russia", 90, True, levels_of(scenario, **{issue: 0.0})
    )


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=10_000.0),
    st.booleans(),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=2.0),
    st.floats(min_value=0.0, max_value=2.0),
)
def test_projected_odds_stay_in_open_unit_interval(scenario, days, truce, aid, s_r, s_u):
    bf = Battlefield(scenario, pairs(scenario))
    bf.strength["russia"], bf.strength["ukraine"] = s_r, s_u
    for side, enemy in (("russia", "ukraine"), ("ukraine", "russia")):
        p = bf.project(side, enemy, days, truce, levels_of(scenario, military_aid=aid))
        assert 0.0 < p < 1.0


# -- the front's recent course -----------------------------------------------------------------------
def test_a_front_is_flat_only_after_two_weeks_of_little_movement(bf):
    front = bf.fronts[("russia", "ukraine")]
    for _ in range(14):
        bf.end_day()
        assert not front.flat(bf.step)  # too soon to say
    bf.end_day()
    assert front.flat(bf.step)  # fifteen days without movement
    for _ in range(3):
        bf.contest("russia", "ukraine", True, True, A_WINS)
        bf.end_day()
    assert not front.flat(bf.step)  # three steps in two weeks: moving


def test_a_net_move_of_two_steps_is_still_flat(bf):
    """The docstring: "at most two days' worth of ground" is flat; two steps exactly must count."""
    front = bf.fronts[("russia", "ukraine")]
    for _ in range(13):
        bf.end_day()
    for _ in range(2):
        bf.contest("russia", "ukraine", True, True, A_WINS)
        bf.end_day()
    assert len(front.recent) == front.recent.maxlen
    assert front.flat(bf.step), (front.recent[-1] - front.recent[0], 2 * bf.step)
