"""The batch engine: a block of runs advanced together as numpy arrays, by the mesa model's rules.

The mesa model (:mod:`sim.model.ceasefire`) is the reference driver: one run, agents, every decision
with its reasons. This driver keeps the state of many runs as arrays (runs x actors x ...), phase
status as codes moved through the same transition table, and applies the same pure rules
(``sim.model.war``, ``bargaining``, ``rules``, ``strategies``: they take arrays as well as floats)
in the same order of the day. Negotiation, renewal and withdrawal are evaluated only on the runs
whose round or term it is. A sweep's runs may carry different parameter values (one scenario per
run): every number is an array over the runs; what must be shared is the structure (actors, phases,
domains, issues, levers, aid lines, incidents), and :func:`run_batch` groups runs by it.

Random numbers: run ``k`` of seed ``S`` draws from its own counter-based generator (numpy's Philox,
keyed by ``SeedSequence(S, spawn_key=(k, "batch"))``), in fixed slots per day (one per possible
draw: a domain's strike, a violation's detection, a party's answer...), so run ``k`` is the same
run however the block is cut, in any process. The draws differ from the mesa engine's (its streams
are drawn in the order decisions happen): the engines are equal in distribution, not bit for bit.

Recording keeps the per-day columns of ``days.parquet`` and a sparse set of events (phase moves,
answers, renewals, withdrawals, levers and exchanges, not each day's strike-or-comply decisions),
as arrays formatted at write time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.batch.block import Block
from sim.model.batch.common import BatchOutput
from sim.model.batch.params import Params, structure
from sim.scenario.schema import Scenario


def run_batch(
    scenarios: Sequence[Scenario],
    runs: Sequence[int],
    seed: int,
    horizon: int | None = None,
    record: bool = False,
) -> BatchOutput:
    """Runs ``runs`` (one scenario each) to the horizon; runs of different structure go in groups."""
    runs = list(runs)
    if len(scenarios) != len(runs):
        raise ValueError(f"{len(scenarios)} scenarios for {len(runs)} runs")
    if not runs:
        return BatchOutput([], [], [], [], {} if record else None, {} if record else None)
    keys: dict[int, str] = {}
    groups: dict[str, list[int]] = {}
    for i, sc in enumerate(scenarios):
        k = keys.get(id(sc))
        if k is None:
            k = keys[id(sc)] = structure(sc, horizon)
        groups.setdefault(k, []).append(i)
    parts = [
        (idx, Block([scenarios[i] for i in idx], [runs[i] for i in idx], seed, horizon, record).run())
        for idx in groups.values()
    ]
    if len(parts) == 1:
        return parts[0][1]
    order = np.argsort(np.concatenate([np.asarray(idx) for idx, _ in parts]), kind="stable")
    rows = [r for _, out in parts for r in out.rows]
    days = events = None
    if record:
        cols = list(parts[0][1].days or {})
        if any(list(out.days or {}) != cols for _, out in parts):
            raise ValueError("runs of different structure cannot share one days table; run them apart")
        days = {c: np.concatenate([out.days[c] for _, out in parts])[order] for c in cols}  # type: ignore[index]
        fields = list(parts[0][1].events or {})
        events = {k: np.concatenate([out.events[k] for _, out in parts]) for k in fields}  # type: ignore[index]
        by_run = np.lexsort((events["day"], events["run"]))
        events = {k: v[by_run] for k, v in events.items()}
    return BatchOutput(
        [runs[i] for i in range(len(runs))],
        [seed] * len(runs),
        [sc.start_date for sc in scenarios],
        [rows[j] for j in order],
        days,
        events,
    )


__all__ = ["BatchOutput", "Block", "Params", "run_batch", "structure"]
