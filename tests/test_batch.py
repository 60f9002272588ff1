"""The batch engine's own contracts: the rules it shares with mesa, its blocks, its phases.

Statistical equality with the mesa engine is tested in tests/test_engines.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.data import BASELINE, SCENARIOS
from sim.experiments.store import runs_frame
from sim.model import bargaining, rules, war
from sim.model.batch import run_batch, structure
from sim.model.phases import IllegalTransition
from sim.model.strategies import STRATEGIES
from sim.scenario.loader import load_scenario

RNG = np.random.default_rng(20250318)


def _u(n: int = 200) -> np.ndarray:
    return RNG.random(n)


def _same(fn, *arrays: np.ndarray) -> None:
    """The rule on arrays equals the rule applied to each element as floats (one set of rules)."""
    together = np.asarray(fn(*arrays), dtype=float)
    one_by_one = np.asarray([fn(*(float(a[i]) for a in arrays)) for i in range(len(arrays[0]))], dtype=float)
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "fn, arity",
    [
        (war.contest_odds, 2),
        (lambda a, b: war.contest_odds(a, b, 2.5), 2),
        (lambda s, e: war.attrition(s, e, 0.3), 2),
        (war.intensity, 2),
        (lambda p, q: war.believed(p + 0.1, q + 0.1), 2),
        (lambda p, f: war.war_value_per_day(p, f, 0.001, 3.0, 0.01, 0.02), 2),
        (lambda a, b: war.power_shift_value(a, b, 0.9, 0.001, 3.0, 90), 2),
        (lambda x, p: war.learned_position(x, 1.0 - x, 0.6, p, 1.0), 2),
        (lambda c, g: war.ripeness(c, g - 0.5), 2),
        (lambda x, s: bargaining.issue_gain(x, 0.2, s, 0.3), 2),
        (lambda i, h: bargaining.linkage_bound(i, h)[0], 2),
        (lambda i, h: bargaining.linkage_bound(i, h)[1], 2),
        (lambda t, i: bargaining.single_text_step(t, i, 0.7, 0.2), 2),
        (lambda g, d: bargaining.p_accept(g - 0.5, d - 0.5, 0.01), 2),
        (lambda p, q: bargaining.delivered_share(p * 10, q * 10 - 2), 2),
        (lambda z, _: rules.logistic(40 * (z - 0.5)), 2),
        (lambda x, _: rules.clamp(3 * x - 1), 2),
        (lambda t, g: rules.p_violate(t, 0.5, g, 2 * t, 0.3, 0.01, 0.01, 4, 3, 1, 2, 10), 2),
        (lambda t, c: rules.trust_update(t, 0.3, 0, c > 0.5, 0.01, 0.2, 0.01), 2),
        (lambda t, b: rules.p_exchange(t, 0.04, b), 2),
        (lambda a, b: rules.strike_damage(0.8, a, b), 2),
    ],
)
def test_each_rule_gives_the_same_numbers_on_arrays_as_on_floats(fn, arity) -> None:
    _same(fn, *(_u() for _ in range(arity)))


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_each_concession_strategy_gives_the_same_share_on_arrays(strategy) -> None:
    s = STRATEGIES[strategy]()
    _same(lambda t, trust: s.remaining(2 * t - 0.5, trust), _u(), _u())


def test_trust_update_with_counts_matches_the_scalar_rule() -> None:
    t, seen = _u(), RNG.integers(0, 4, 200)
    calm = RNG.random(200) < 0.5
    together = rules.trust_update(t, 0.3, seen, calm & (seen == 0), 0.02, 0.2, 0.01)
    one = [
        rules.trust_update(float(t[i]), 0.3, int(seen[i]), bool(calm[i] and seen[i] == 0), 0.02, 0.2, 0.01)
        for i in range(200)
    ]
    np.testing.assert_allclose(together, one, rtol=1e-12)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def test_run_k_is_the_same_run_however_the_block_is_cut(baseline) -> None:
    whole = runs_frame(run_batch([baseline] * 24, range(24), 9).rows)
    tail = runs_frame(run_batch([baseline] * 7, range(17, 24), 9).rows)
    pd.testing.assert_frame_equal(whole.iloc[17:].reset_index(drop=True), tail)
    other_seed = runs_frame(run_batch([baseline] * 7, range(17, 24), 10).rows)
    assert not other_seed.drop(columns="seed").equals(tail.drop(columns="seed"))


def test_a_block_of_different_scenarios_runs_each_as_alone(baseline) -> None:
    """A sweep's block: every run with its own values, the same numbers as in a block of its own."""
    variants = {p.stem: p for p in SCENARIOS.glob("variants/*.yaml")}
    monitored = load_scenario(variants["third_party_monitoring"])
    assert structure(monitored) == structure(baseline)  # one array block, values per run
    mixed = [baseline if k % 2 else monitored for k in range(20)]
    rows = runs_frame(run_batch(mixed, range(20), 3).rows)
    alone = runs_frame(run_batch([monitored] * 10, range(0, 20, 2), 3).rows)
    pd.testing.assert_frame_equal(rows.iloc[0::2].reset_index(drop=True), alone)
    assert rows.iloc[0::2]["violations_detected"].sum() != rows.iloc[1::2]["violations_detected"].sum()


def test_runs_of_different_structure_come_back_in_the_order_asked(baseline) -> None:
    variants = {p.stem: load_scenario(p) for p in SCENARIOS.glob("variants/*.yaml")}
    eu = variants["eu_actor"]
    assert structure(eu) != structure(baseline)
    mixed = [eu, baseline, eu, baseline]
    out = run_batch(mixed, [4, 5, 6, 7], 2)
    assert [r["run"] for r in out.rows] == [4, 5, 6, 7]
    alone = runs_frame(run_batch([eu, eu], [4, 6], 2).rows)
    pd.testing.assert_frame_equal(runs_frame(out.rows).iloc[[0, 2]].reset_index(drop=True), alone)


def test_day_columns_and_events_have_the_mesa_engines_shape(baseline) -> None:
    out = run_batch([baseline] * 3, range(3), 1, record=True)
    assert out.days is not None and out.events is not None
    assert all(v.shape == (3, baseline.horizon_days) for v in out.days.values())
    assert set(np.unique(out.days["energy_truce_status"])) <= {
        "not_started",
        "negotiating",
        "in_force",
        "renewed",
        "expired",
        "collapsed",
        "rejected",
    }
    kinds = set(out.events["event"])
    assert {"open", "enter_force", "accept", "reject"} <= kinds
    # the row agrees with the day columns it summarises
    for k, row in enumerate(out.rows):
        assert row["strikes"] == out.days["strikes"][k].sum()
        assert row["prisoners_exchanged"] == out.days["prisoners_exchanged"][k, -1]


def test_an_illegal_phase_move_raises_naming_phase_and_day(baseline) -> None:
    from sim.model.batch import Block
    from sim.model.phases import PhaseEvent

    block = Block([baseline] * 2, [0, 1], 1, 5, False)
    block.day = 3
    with pytest.raises(IllegalTransition, match=r"energy_truce.*day 3"):
        block.move(block.ph[0], np.array([0]), PhaseEvent.RENEW)


def test_a_scheduled_incident_is_a_violation_under_a_truce(baseline) -> None:
    """An inject on day 2 against the energy truce (in force from day 1) counts as a true violation."""
    data = baseline.model_dump(mode="json")
    data["incidents"] = [
        {
            "day": 2,
            "attacker": "russia",
            "domain": "energy",
            "target": "ukraine",
            "evidence": None,
            "assumption": "test inject",
        }
    ]
    from sim.scenario.schema import Scenario

    try:
        sc = Scenario.model_validate(data)
    except Exception:
        pytest.skip("incident could not be added to the dumped scenario")
    with_inject = run_batch([sc] * 30, range(30), 4, horizon=3, record=True)
    without = run_batch([baseline] * 30, range(30), 4, horizon=3, record=True)
    extra = with_inject.days["violations_true"][:, 1] - without.days["violations_true"][:, 1]
    assert (extra == 1).all()
