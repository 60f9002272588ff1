"""The two engines that run an ensemble by the same rules: mesa (the reference) and batch (arrays).

``mesa`` runs one :class:`~sim.model.ceasefire.CeasefireModel` per run: agents, every decision with
its reasons; for single runs, play, traces and the dashboard's single run. ``batch``
(:mod:`sim.model.batch`) advances a block of runs at once as numpy arrays; for sweeps, findings and
validation ensembles. Both give run ``k`` of seed ``S`` the same run however the block is cut; they
are equal in distribution (``tests/test_engines.py``), not bit for bit (docs/engines.md).

:func:`run_block` is the one entry point: a block of runs in, their rows (and, when recording, their
day and event tables) out, so callers never branch on the engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from sim.experiments.store import days_frame, events_frame
from sim.model.batch import BatchOutput
from sim.model.ceasefire import CeasefireModel
from sim.model.results import RunResult, run_row
from sim.scenario.schema import Scenario

Engine = Literal["mesa", "batch"]
ENGINES: tuple[str, ...] = ("mesa", "batch")
BLOCK = 10_000
"""Runs per batch block without recording: wide arrays (the per-day cost is shared by more runs) for
about 30 KiB a run."""
BLOCK_RECORDING = 1000
"""Runs per batch block when recording day columns (about 0.1 MiB a run): memory stays bounded."""


@dataclass
class Block:
    """Runs of one block: one row per run, and (recording) their day and event tables."""

    rows: list[dict]
    days: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    results: list[RunResult] | None = None
    """The mesa engine's full results when recording (a trace or a single run's page reads them)."""


def check_engine(engine: str) -> Engine:
    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")
    return engine  # type: ignore[return-value]


def run_block(
    engine: str,
    scenarios: Scenario | Sequence[Scenario],
    runs: Sequence[int],
    seed: int,
    horizon: int | None = None,
    record: bool = False,
) -> Block:
    """Runs ``runs`` (their indices in the ensemble) of ``scenarios`` with ``seed`` on ``engine``.

    ``scenarios``: one scenario for all runs, or one per run (a sweep's points; the batch engine
    needs them to share their structure: same actors, phases, domains and issues).
    """
    check_engine(engine)
    runs = list(runs)
    per_run = [scenarios] * len(runs) if isinstance(scenarios, Scenario) else list(scenarios)
    if len(per_run) != len(runs):
        raise ValueError(f"{len(per_run)} scenarios for {len(runs)} runs")
    if engine == "batch":
        from sim.model.batch import run_batch

        out = run_batch(per_run, runs, seed, horizon, record=record)
        if not record:
            return Block(out.rows)
        return Block(out.rows, batch_days_frame(out), batch_events_frame(out))
    results = [
        CeasefireModel(sc, seed=seed, run=k, horizon=horizon, record=record).run()
        for sc, k in zip(per_run, runs, strict=True)
    ]
    rows = [run_row(r) for r in results]
    if not record:
        return Block(rows)
    return Block(rows, days_frame(results), events_frame(results), results)


def blocks(
    engine: str,
    scenario: Scenario,
    runs: int,
    seed: int,
    horizon: int | None = None,
    record: bool = False,
    size: int | None = None,
) -> Iterator[Block]:
    """An ensemble of ``runs`` runs as consecutive blocks (memory bounded by the block, not the runs)."""
    check_engine(engine)
    size = size or ((BLOCK_RECORDING if record else BLOCK) if engine == "batch" else 50)
    for start in range(0, runs, size):
        yield run_block(engine, scenario, range(start, min(runs, start + size)), seed, horizon, record)


def batch_days_frame(out: BatchOutput) -> pd.DataFrame:
    """The batch engine's day columns in ``days.parquet``'s long form (as :func:`days_frame`)."""
    import numpy as np

    assert out.days is not None
    n_days = out.days["day"].shape[1]
    data: dict[str, object] = {
        "run": np.repeat(np.asarray(out.runs), n_days),
        "seed": np.repeat(np.asarray(out.seeds), n_days),
    }
    for col, values in out.days.items():
        data[col] = np.asarray(values).reshape(-1)
    frame = pd.DataFrame(data)
    starts = pd.to_datetime(np.repeat(np.asarray(out.start_dates, dtype="datetime64[D]"), n_days))
    frame.insert(3, "date", starts + pd.to_timedelta(frame["day"], unit="D"))
    for col in frame.columns:
        if col.endswith("_status"):
            frame[col] = frame[col].astype("category")
    return frame


def batch_events_frame(out: BatchOutput) -> pd.DataFrame:
    """The batch engine's events in ``events.parquet``'s form (as :func:`events_frame`)."""
    from sim.model.results import EVENT_FIELDS

    columns = ["run", "seed", *EVENT_FIELDS]
    if not out.events:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({k: out.events[k] for k in columns})
