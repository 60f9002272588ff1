"""A run folder: an ensemble simulated and written as tables, a summary with its manifest, and a report.

``run`` (:func:`run_to_folder`) streams: each block of runs (:func:`sim.experiments.engines.blocks`)
is appended to days.parquet and events.parquet as it finishes, so memory does not grow with the runs.
:func:`write_run_folder` writes a run folder from an ensemble held whole (``play``, the API's
``save``, the speed benchmark). Both write the same files, the same way (:func:`write_folder_files`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.engines import blocks, check_engine
from sim.experiments.ensemble import Ensemble, done, frame_summary
from sim.experiments.folder import Mode
from sim.experiments.manifest import Manifest
from sim.experiments.store import (
    EVENT_DTYPES,
    ParquetStream,
    days_frame,
    events_frame,
    runs_frame,
    typed_events,
    write_csv,
    write_json,
    write_parquet,
)
from sim.jobs.common import JobError, output, results_folder
from sim.jobs.report import ReportOutcome, write_folder_report
from sim.reports.build import REPORT_FILE
from sim.scenario.schema import Scenario

RUN_FILES = ("runs.csv", "days.parquet", "events.parquet", "scenario.json", "summary.json")
REPRODUCE = "run k is CeasefireModel(scenario, seed=seed, run=k)"
REPRODUCE_BATCH = "run k is sim.experiments.engines.run_block('batch', scenario, [k], seed)"


def reproduce(engine: str) -> str:
    """How to get run k again, for the manifest (the engines draw their random numbers differently)."""
    return REPRODUCE_BATCH if engine == "batch" else REPRODUCE


@dataclass
class RunOutcome:
    """What :func:`run_to_folder` did: the folder, the runs table, what it wrote, the report step."""

    folder: Path
    scenario: Scenario
    runs: pd.DataFrame
    """runs.csv's table (the days and events were streamed to their files, not kept)."""
    summary: dict
    manifest: Manifest
    files: list[str]
    seconds: float
    report: ReportOutcome | None
    replaced: bool
    """--force replaced an earlier result in the folder."""
    engine: str = "mesa"


def run_tables(ensemble: Ensemble) -> dict[str, pd.DataFrame]:
    """The run folder's tables: one row per run, per run and day, per decision."""
    return {
        "runs": runs_frame(ensemble.rows),
        "days": ensemble.days if ensemble.days is not None else days_frame(ensemble.results),
        "events": ensemble.events if ensemble.events is not None else events_frame(ensemble.results),
    }


def write_run_folder(
    folder: Path,
    ensemble: Ensemble,
    manifest: Manifest,
    horizon: int | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> dict:
    """Write a run folder's files (atomically each) into ``folder``; returns the summary written.

    The caller holds the folder (:func:`sim.experiments.folder.open_output`) or owns it outright (a
    temporary folder). ``tables``: from :func:`run_tables` if already built (the benchmark times it).
    """
    sc = ensemble.scenario
    days = horizon or max((len(r.days.get("day", ())) for r in ensemble.results), default=sc.horizon_days)
    tables = tables if tables is not None else run_tables(ensemble)
    write_parquet(folder / "days.parquet", tables["days"])
    write_parquet(folder / "events.parquet", tables["events"])
    return write_folder_files(folder, sc, tables["runs"], ensemble.summary, manifest, days)


def write_folder_files(
    folder: Path, scenario: Scenario, runs: pd.DataFrame, summary: dict, manifest: Manifest, days: int
) -> dict:
    """runs.csv, scenario.json and, last, summary.json (a folder with a summary has all its tables)."""
    summary = dict(summary)
    summary["days"] = days
    summary["start_date"] = str(scenario.start_date)
    summary["manifest"] = manifest.to_dict()
    write_csv(folder / "runs.csv", runs)
    write_json(folder / "scenario.json", scenario.model_dump(mode="json"))
    write_json(folder / "summary.json", summary)
    return summary


def stream_run_tables(
    folder: Path,
    scenario: Scenario,
    runs: int,
    seed: int,
    horizon: int,
    engine: str,
    on_run_done: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Simulate the ensemble block by block into ``folder``'s days.parquet and events.parquet.

    Each block is one row group of each file, written as it finishes: memory holds one block's days
    and events, and the runs table. Returns the runs table (runs.csv, not yet written).
    """
    parts = []
    with (
        ParquetStream(folder / "days.parquet") as days,
        ParquetStream(folder / "events.parquet", _arrow(EVENT_DTYPES)) as events,
    ):
        for block in blocks(engine, scenario, runs, seed, horizon, record=True):
            parts.append(runs_frame(block.rows))
            assert block.days is not None and block.events is not None
            days.write(block.days)
            events.write(typed_events(block.events))
            done(block.rows, on_run_done)
            del block  # else it is held while the next block runs: two blocks' worth of memory
            gc.collect()  # a block's runs leave cycles (agents and their model): free them now, not
            # whenever a full collection comes round (in a large process, many blocks later)
    return runs_frame_of(parts)


def runs_frame_of(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The blocks' runs tables as one, with runs.csv's types (as :func:`runs_frame` of all rows)."""
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for col in frame.columns:
        if col.endswith("_entered_day"):
            frame[col] = frame[col].astype("Int64")
    return frame


def _arrow(dtypes: dict[str, str]) -> dict[str, object]:
    """Arrow types for columns that may be empty in a block (text: large_string, as pandas writes)."""
    import pyarrow as pa

    return {c: pa.large_string() if t == "str" else pa.from_numpy_dtype(t) for c, t in dtypes.items()}


def run_to_folder(
    scenario: Scenario,
    runs: int,
    *,
    scenario_file: Path | str,
    seed: int | None = None,
    days: int | None = None,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    report: bool = True,
    image_format: str | None = None,
    on_run_done: Callable[[int], None] | None = None,
    engine: str = "mesa",
) -> RunOutcome:
    """Simulate ``runs`` seeded runs of ``scenario`` on ``engine`` and write them as a run folder.

    ``out`` (default: a new folder under results/) is locked for the whole job; it must be empty, or,
    with ``force``, a folder of ours, which is then replaced as a whole once the new result is
    complete (an interrupted run leaves the old one intact). ``scenario`` is the scenario as run
    (``overrides`` applied); ``overrides`` and ``scenario_file`` are recorded in the manifest.
    :class:`JobError` (one line) for a folder that cannot be used, before anything is simulated.
    """
    started = time.perf_counter()
    if runs < 1:
        raise JobError([f"--runs: at least 1 (got {runs})"])
    try:
        check_engine(engine)
    except ValueError as exc:
        raise JobError([f"--{exc}"]) from None
    fresh = out is None
    target = results_folder(scenario.name) if out is None else Path(out)
    mode: Mode = "replace" if force else "new"
    with output(target, mode, hint="choose another --out or pass --force", fresh=fresh) as folder:
        replaced = any((target / name).is_file() for name in ("summary.json", "manifest.json"))
        horizon = days or scenario.horizon_days
        seed = scenario.seed if seed is None else seed
        stage = folder.stage()
        table = stream_run_tables(stage, scenario, runs, seed, horizon, engine, on_run_done)
        manifest = Manifest.of(
            "run",
            scenario,
            scenario_file,
            seed,
            overrides,
            reproduce=reproduce(engine),
            runs=runs,
            days=horizon,
            engine=engine,
            simulate_seconds=round(time.perf_counter() - started, 3),
        )
        summary = write_folder_files(
            stage, scenario, table, frame_summary(scenario, table, seed), manifest, horizon
        )
        outcome = write_folder_report(stage, image_format) if report else None
        stale = (target / REPORT_FILE).exists()
        folder.commit()
        if outcome is not None:
            outcome.moved_to(target)
            outcome.stale_removed = stale and not outcome.written
    return RunOutcome(
        target,
        scenario,
        table,
        summary,
        manifest,
        list(RUN_FILES),
        time.perf_counter() - started,
        outcome,
        replaced,
        engine,
    )
