"""The block's scenarios as numbers over runs, and the structure the runs of one block share."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np

from sim.scenario.schema import Scenario


def structure(scenario: Scenario, horizon: int | None = None) -> str:
    """What runs of one block must share: ids, parties, links and which optional values are set."""
    s = scenario
    key = {
        "horizon": horizon or s.horizon_days,
        "actors": [
            (a, x.role.value, s.enemies(a), sorted(x.levers), [(k, v.to, v.issue) for k, v in x.aid.items()])
            for a, x in s.actors.items()
        ],
        "levers": [[(k, v.target) for k, v in x.levers.items()] for x in s.actors.values()],
        "issues": [(i, x.third_party is None) for i, x in s.issues.items()],
        "domains": [(d, x.front) for d, x in s.domains.items()],
        "phases": [
            (
                p,
                x.outcome,
                x.core_issue,
                x.terms,
                x.domains,
                x.parties,
                x.prerequisites,
                x.terminal,
                x.renewable,
                x.duration_days is None,
                x.agreed_on_day is None,
                x.talks_abandoned_after_days is None,
                x.reopens_after_days is None,
                [(k.actor, k.issue, k.at_most is None, k.at_least is None) for k in x.linkage],
            )
            for p, x in s.phases.items()
        ],
        "outcomes": s.outcome_rank(),
        "stake": s.battlefield.stake_issue,
        "territory": sorted(s.battlefield.territory),
        "incidents": [(i.day, i.attacker, i.domain, i.target) for i in s.incidents],
        "scheduled": [(e.day, e.wounded_from) for e in s.humanitarian.scheduled],
        "held": sorted(s.humanitarian.prisoners_held),
        "brokered": s.humanitarian.brokered is None,
        "strategies": [x.concession.strategy for x in s.actors.values() if x.concession],
        "trust": [sorted(x.trust) for x in s.actors.values()],
        "dynamics": [k for k, _ in s.dynamics],
    }
    return json.dumps(key, sort_keys=True, default=str)


class Params:
    """Every number of the block's scenarios as an array over runs (a scalar when all runs share it)."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        uniques: dict[int, int] = {}
        self.uniques: list[Scenario] = []
        idx = []
        for sc in scenarios:
            if id(sc) not in uniques:
                uniques[id(sc)] = len(self.uniques)
                self.uniques.append(sc)
            idx.append(uniques[id(sc)])
        self.idx = np.asarray(idx)

    def col(self, fn: Callable[..., float], dtype: type = float) -> np.ndarray:
        """Shape (runs,), or a 0-d array when every run shares the value."""
        values: np.ndarray = np.asarray([fn(s) for s in self.uniques], dtype=dtype)
        if len(values) == 1 or np.all(values == values[0]):
            return values[0]
        return values[self.idx]

    def rows(self, fn: Callable[..., list[float]], dtype: type = float) -> np.ndarray:
        """Like :meth:`cols`, from one call per scenario returning all its values at once."""
        values: np.ndarray = np.asarray([fn(s) for s in self.uniques], dtype=dtype)
        if len(values) == 1 or np.all(values == values[0]):
            return values[0]
        return values[self.idx]

    def cols(self, fn: Callable[..., float], keys: Sequence, dtype: type = float) -> np.ndarray:
        """Shape (runs, len(keys)), or (len(keys),) when every run shares the values."""
        values: np.ndarray = np.asarray([[fn(s, k) for k in keys] for s in self.uniques], dtype=dtype)
        if len(values) == 1 or np.all(values == values[0]):
            return values[0]
        return values[self.idx]
