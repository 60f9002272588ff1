"""Monte Carlo ensembles: many runs of one scenario, each with its own derived random streams.

Run ``k`` of an ensemble with seed ``S`` is ``CeasefireModel(scenario, seed=S, run=k)``: the same
numbers whether it runs alone, in this loop, or on any sweep executor. With ``engine="batch"`` the runs
are advanced a block at a time as arrays (:mod:`sim.experiments.engines`): equal in distribution, not
bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sim.experiments.engines import blocks, check_engine
from sim.model.ceasefire import CeasefireModel, benchmark_compromise
from sim.model.results import AVERAGED, RunResult, run_row, summarise
from sim.scenario.schema import Scenario


def run_one(
    scenario: Scenario, seed: int, run: int, horizon: int | None = None, record: bool = True
) -> RunResult:
    """One run, start to horizon (``record=False``: the run's row only, no days or events)."""
    return CeasefireModel(scenario, seed=seed, run=run, horizon=horizon, record=record).run()


@dataclass
class Ensemble:
    """The runs of one ensemble, their rows and their aggregate.

    ``results``: the mesa engine's full runs (recording); the batch engine keeps none and gives its
    ``days`` and ``events`` tables instead (as days.parquet and events.parquet).
    """

    scenario: Scenario
    seed: int
    results: list[RunResult]
    rows: list[dict]
    summary: dict
    engine: str = "mesa"
    days: pd.DataFrame | None = None
    events: pd.DataFrame | None = None


def run_ensemble(
    scenario: Scenario,
    runs: int,
    seed: int | None = None,
    horizon: int | None = None,
    on_run_done: Callable[[int], None] | None = None,
    record: bool = True,
    engine: str = "mesa",
) -> Ensemble:
    """Run ``runs`` seeded runs in this process; ``on_run_done`` is called after each (progress).

    ``record=False`` keeps only each run's row (no day columns, no events, no results held), so
    memory stays flat in the number of runs; rows and summary are the same either way. ``engine``:
    ``mesa`` (one model per run) or ``batch`` (blocks of runs as arrays; progress after each block).
    """
    check_engine(engine)
    if runs < 1:
        raise ValueError(f"runs must be at least 1 (got {runs})")
    seed = scenario.seed if seed is None else seed
    results: list[RunResult] = []
    rows: list[dict] = []
    days: list[pd.DataFrame] = []
    events: list[pd.DataFrame] = []
    if engine == "mesa":
        for k in range(runs):
            result = run_one(scenario, seed, k, horizon, record=record)
            rows.append(run_row(result))
            if record:
                results.append(result)
            if on_run_done is not None:
                on_run_done(k)
    else:
        for block in blocks(engine, scenario, runs, seed, horizon, record):
            rows.extend(block.rows)
            if record:
                days.append(block.days)
                events.append(block.events)
            done(block.rows, on_run_done)
    ensemble = Ensemble(scenario, seed, results, rows, ensemble_summary(scenario, rows, seed), engine)
    if days:
        ensemble.days = pd.concat(days, ignore_index=True)
        ensemble.events = pd.concat(events, ignore_index=True)
    return ensemble


def done(rows: list[dict], on_run_done: Callable[[int], None] | None) -> None:
    """Report each run of a finished block to ``on_run_done`` (a progress bar counts runs)."""
    if on_run_done is not None:
        for row in rows:
            on_run_done(int(row["run"]))


def ensemble_summary(scenario: Scenario, rows: list[dict], seed: int) -> dict:
    """The ensemble's aggregate (:func:`sim.model.results.summarise`) and the benchmark compromise."""
    outcomes = [p.outcome for p in scenario.phases.values()]
    summary = summarise(rows, list(scenario.phases), outcomes, scenario.name, seed)
    summary["benchmark_compromise"] = benchmark_compromise(scenario)
    return summary


SUMMARISED = (
    "outcome",
    "signed",
    "renewed",
    "signed_against_interest",
    "renewed_against_interest",
    "signed_on_pressure",
    "renewed_on_pressure",
    *AVERAGED,
)
"""The columns of runs.csv the summary reads, besides each phase's entry day and days in force."""


def frame_summary(scenario: Scenario, runs: pd.DataFrame, seed: int) -> dict:
    """:func:`ensemble_summary` of a runs table (as runs.csv): the same numbers as from its rows.

    Only the columns the summary reads are turned back into plain values (missing entry days: None),
    so a streamed ensemble keeps one compact table instead of a dict per run.
    """
    columns = [*SUMMARISED]
    for p in scenario.phases:
        columns += [f"{p}_entered_day", f"{p}_days_in_force"]
    plain = {
        c: runs[c].astype(object).where(runs[c].notna(), None).tolist() for c in columns if c in runs.columns
    }
    rows = [dict(zip(plain, values, strict=True)) for values in zip(*plain.values(), strict=True)]
    return ensemble_summary(scenario, rows, seed)
