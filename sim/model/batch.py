"""The batch engine: a block of runs advanced together as numpy arrays, by the rules of the mesa model.

TEMPORARY STUB while the array driver is written: it runs the mesa model per run and returns the
same shapes the array driver will return, so the callers can be wired now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.ceasefire import CeasefireModel
from sim.model.results import run_row
from sim.scenario.schema import Scenario


@dataclass
class BatchOutput:
    """A block's runs: one ``runs.csv`` row per run; recording, day columns and events.

    ``days``: column -> array of shape (runs, days) (status columns hold the status strings);
    ``events``: tuples ``(run, seed, *EVENT_FIELDS)``.
    """

    runs: list[int]
    seeds: list[int]
    start_dates: list[dt.date]
    rows: list[dict]
    days: dict[str, np.ndarray] | None = None
    events: list[tuple] | None = None


def run_batch(
    scenarios: Sequence[Scenario],
    runs: Sequence[int],
    seed: int,
    horizon: int | None = None,
    record: bool = False,
) -> BatchOutput:
    results = [
        CeasefireModel(sc, seed=seed, run=k, horizon=horizon, record=record).run()
        for sc, k in zip(scenarios, runs, strict=True)
    ]
    days = None
    events = None
    if record:
        cols = list(results[0].days)
        days = {c: np.array([r.days[c] for r in results]) for c in cols}
        events = [(r.run, r.seed, *e) for r in results for e in r.events]
    return BatchOutput(
        list(runs), [seed] * len(results), [sc.start_date for sc in scenarios],
        [run_row(r) for r in results], days, events,
    )
