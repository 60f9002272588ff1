"""Monte Carlo ensembles: many runs of one scenario, each with its own derived random streams.

Run ``k`` of an ensemble with seed ``S`` is ``CeasefireModel(scenario, seed=S, run=k)``: the same
numbers whether it runs alone, in this loop, or on any sweep executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.model.ceasefire import CeasefireModel, benchmark_compromise
from sim.model.results import RunResult, run_row, summarise
from sim.scenario.schema import Scenario


def run_one(
    scenario: Scenario, seed: int, run: int, horizon: int | None = None, record: bool = True
) -> RunResult:
    """One run, start to horizon (``record=False``: the run's row only, no days or events)."""
    return CeasefireModel(scenario, seed=seed, run=run, horizon=horizon, record=record).run()


@dataclass
class Ensemble:
    """The runs of one ensemble, their rows and their aggregate."""

    scenario: Scenario
    seed: int
    results: list[RunResult]
    rows: list[dict]
    summary: dict


def run_ensemble(
    scenario: Scenario,
    runs: int,
    seed: int | None = None,
    horizon: int | None = None,
    on_run_done: Callable[[int], None] | None = None,
    record: bool = True,
) -> Ensemble:
    """Run ``runs`` seeded runs in this process; ``on_run_done`` is called after each (progress).

    ``record=False`` keeps only each run's row (no day columns, no events, no results held), so
    memory stays flat in the number of runs; rows and summary are the same either way.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1 (got {runs})")
    seed = scenario.seed if seed is None else seed
    results = []
    rows = []
    for k in range(runs):
        result = run_one(scenario, seed, k, horizon, record=record)
        rows.append(run_row(result))
        if record:
            results.append(result)
        if on_run_done is not None:
            on_run_done(k)
    outcomes = [p.outcome for p in scenario.phases.values()]
    summary = summarise(rows, list(scenario.phases), outcomes, scenario.name, seed)
    summary["benchmark_compromise"] = benchmark_compromise(scenario)
    return Ensemble(scenario, seed, results, rows, summary)
