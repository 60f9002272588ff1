"""A run folder: an ensemble simulated and written as tables, a summary with its manifest, and a report.

:func:`write_run_folder` is the one writer of a run folder's files; ``run`` (through
:func:`run_to_folder`), the speed benchmark and (later) ``play`` and ``validate`` call it, so the
files and their manifest are the same whoever writes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.ensemble import Ensemble, run_ensemble
from sim.experiments.folder import Mode
from sim.experiments.manifest import Manifest
from sim.experiments.store import days_frame, events_frame, runs_frame, write_csv, write_json, write_parquet
from sim.jobs.common import JobError, output, results_folder
from sim.jobs.report import ReportOutcome, write_folder_report
from sim.reports.build import REPORT_FILE
from sim.scenario.schema import Scenario

RUN_FILES = ("runs.csv", "days.parquet", "events.parquet", "scenario.json", "summary.json")
REPRODUCE = "run k is CeasefireModel(scenario, seed=seed, run=k)"


@dataclass
class RunOutcome:
    """What :func:`run_to_folder` did: the folder, the ensemble, what it wrote, the report step."""

    folder: Path
    ensemble: Ensemble
    summary: dict
    manifest: Manifest
    files: list[str]
    seconds: float
    report: ReportOutcome | None
    replaced: bool
    """--force replaced an earlier result in the folder."""


def run_tables(ensemble: Ensemble) -> dict[str, pd.DataFrame]:
    """The run folder's tables: one row per run, per run and day, per decision."""
    return {
        "runs": runs_frame(ensemble.rows),
        "days": days_frame(ensemble.results),
        "events": events_frame(ensemble.results),
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
    summary = dict(ensemble.summary)
    summary["days"] = days
    summary["start_date"] = str(sc.start_date)
    summary["manifest"] = manifest.to_dict()
    tables = tables if tables is not None else run_tables(ensemble)
    write_csv(folder / "runs.csv", tables["runs"])
    write_parquet(folder / "days.parquet", tables["days"])
    write_parquet(folder / "events.parquet", tables["events"])
    write_json(folder / "scenario.json", sc.model_dump(mode="json"))
    write_json(folder / "summary.json", summary)  # last: a folder with a summary has all its tables
    return summary


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
) -> RunOutcome:
    """Simulate ``runs`` seeded runs of ``scenario`` and write them as a run folder.

    ``out`` (default: a new folder under results/) is locked for the whole job; it must be empty, or,
    with ``force``, a folder of ours, which is then replaced as a whole once the new result is
    complete (an interrupted run leaves the old one intact). ``scenario`` is the scenario as run
    (``overrides`` applied); ``overrides`` and ``scenario_file`` are recorded in the manifest.
    :class:`JobError` (one line) for a folder that cannot be used, before anything is simulated.
    """
    started = time.perf_counter()
    if runs < 1:
        raise JobError([f"--runs: at least 1 (got {runs})"])
    fresh = out is None
    target = results_folder(scenario.name) if out is None else Path(out)
    mode: Mode = "replace" if force else "new"
    with output(target, mode, hint="choose another --out or pass --force", fresh=fresh) as folder:
        replaced = any((target / name).is_file() for name in ("summary.json", "manifest.json"))
        horizon = days or scenario.horizon_days
        ensemble = run_ensemble(scenario, runs, seed, horizon, on_run_done=on_run_done)
        manifest = Manifest.of(
            "run",
            scenario,
            scenario_file,
            ensemble.seed,
            overrides,
            reproduce=REPRODUCE,
            runs=runs,
            days=horizon,
            simulate_seconds=round(time.perf_counter() - started, 3),
        )
        stage = folder.stage()
        summary = write_run_folder(stage, ensemble, manifest, horizon)
        outcome = write_folder_report(stage, image_format) if report else None
        stale = (target / REPORT_FILE).exists()
        folder.commit()
        if outcome is not None:
            outcome.moved_to(target)
            outcome.stale_removed = stale and not outcome.written
    return RunOutcome(
        target, ensemble, summary, manifest, list(RUN_FILES), time.perf_counter() - started, outcome, replaced
    )
