"""One contract for every registered concession strategy, and Faratin et al.'s golden values."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

import numpy as np
import pytest

from sim.model.strategies import STRATEGIES, Boulware, Conceder, Linear

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("key", sorted(STRATEGIES))
def test_strategy_contract(key):
    strategy = STRATEGIES[key]()
    assert strategy.name and isinstance(strategy.traits, dict)
    values = [strategy.remaining(t, trust) for t in np.linspace(0, 1, 11) for trust in (0.0, 0.5, 1.0)]
    assert all(0.0 <= v <= 1.0 for v in values)
    # it never demands more as time passes
    for trust in (0.0, 0.5, 1.0):
        series = [strategy.remaining(t, trust) for t in np.linspace(0, 1, 11)]
        assert all(b <= a + 1e-12 for a, b in itertools.pairwise(series))
    assert strategy.remaining(0.0, 0.5) == 1.0
    assert strategy.remaining(2.0, 0.5) == strategy.remaining(1.0, 0.5)  # t capped at 1
    clone = pickle.loads(pickle.dumps(strategy))
    assert clone.remaining(0.4, 0.3) == strategy.remaining(0.4, 0.3)


@pytest.mark.parametrize("key", sorted(STRATEGIES))
def test_strategy_is_documented(key):
    odd = (DOCS / "ODD.md").read_text()
    assert STRATEGIES[key].name in odd or key in odd


def test_faratin_oracles():
    # a(t) = 1 - t**e at t = 0.5 (MODEL.md): Boulware 0.9375, linear 0.5, conceder ~0.159
    assert Boulware().remaining(0.5, 0.0) == pytest.approx(0.9375)
    assert Linear().remaining(0.5, 0.0) == pytest.approx(0.5)
    assert Conceder().remaining(0.5, 0.0) == pytest.approx(0.159, abs=1e-3)


def test_reciprocal_concedes_only_as_far_as_it_trusts():
    r = STRATEGIES["reciprocal"]()
    assert r.remaining(1.0, 0.0) == 1.0
    assert r.remaining(1.0, 1.0) == 0.0
    assert r.remaining(0.5, 0.2) > r.remaining(0.5, 0.8)


def test_the_schema_knows_exactly_the_registered_strategies():
    from sim.scenario.schema import STRATEGY_NAMES

    assert sorted(STRATEGY_NAMES) == sorted(STRATEGIES)
