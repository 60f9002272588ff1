"""Validation into a folder: the ensemble against the record, optionally calibrated first.

``validate_to_folder`` writes validation.json, patterns.csv and validation.html (and, calibrating,
calibration.csv and calibrated.yaml) into a new folder it holds locked while it works. A scenario
that cannot be validated or a folder that cannot be used ends in :class:`~sim.jobs.common.JobError`
before anything runs or is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from sim.experiments.engines import ENGINES
from sim.experiments.manifest import Manifest
from sim.experiments.store import write_atomic, write_csv, write_json
from sim.jobs.common import JobError, output, results_folder
from sim.reports.validation import render
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario, value_at
from sim.text import neutral
from sim.validation.validate import (
    CALIBRATION_GRID,
    Validation,
    ValidationError,
    calibrate,
    check_validatable,
    summary,
    validate,
)

WRITTEN = ("validation.json", "patterns.csv", "validation.html")


@dataclass
class Calibration:
    """The grid searched on the record's first 30 days, its best point, and the scenario written."""

    grid: pd.DataFrame
    """One row per grid point, best first: its values and ``share_calibration_patterns``."""
    runs: int
    seed: int
    """The seed the calibration ran (the validation's seed + 1: other runs than those validated)."""
    best: dict[str, float]
    best_share: float
    own_share: float | None
    """The share at the scenario's own values, if they are a grid point."""
    scenario: Path
    """calibrated.yaml: the scenario, extended with the best point and its evidence."""


@dataclass
class ValidationFolder:
    target: Path
    results: list[Validation]
    """The scenario's validation, then (calibrating) the calibrated scenario's."""
    calibration: Calibration | None = None


def validate_to_folder(
    path: Path,
    sc: Scenario,
    runs: int,
    seed: int,
    out: Path | None = None,
    *,
    calibrate_first: bool = False,
    engine: str = "batch",
) -> ValidationFolder:
    """Validate ``sc`` (and, with ``calibrate_first``, its calibrated version) and write the folder.

    ``out`` (default: a new folder results/validate-NAME-TIME) must be empty or not exist. The
    ensembles run on ``engine`` (``batch`` or ``mesa``), which the manifest records.
    """
    if engine not in ENGINES:
        raise JobError([f"--engine: expected {' or '.join(ENGINES)}, got {engine!r}"])
    try:
        check_validatable(sc)
    except ValidationError as exc:
        raise JobError([str(exc)]) from None
    fresh = out is None
    target = results_folder(sc.name, prefix="validate-") if out is None else Path(out)
    with output(target, "new", fresh=fresh):
        results = [validate(sc, runs, seed, engine)]
        calibration = None
        if calibrate_first:
            calibration = calibrate_into(path, sc, runs, seed + 1, target, engine)
            results.append(validate(load_scenario(calibration.scenario), runs, seed, engine))
        manifest = Manifest.of(
            "validate",
            sc,
            path,
            seed,
            reproduce=(
                "sim.validation.validate.validate(scenario, runs, seed, engine): runs 0..runs-1 of the "
                "seed on the engine"
            ),
            runs=runs,
            engine=engine,
            calibrated=calibrate_first,
        )
        document = {"validated": [summary(v) for v in results], "manifest": manifest.to_dict()}
        table = pd.concat([v.table.assign(scenario=v.scenario.name) for v in results])
        write_csv(target / "patterns.csv", table)
        html = render(results)
        write_atomic(target / "validation.html", lambda tmp: tmp.write_text(html, encoding="utf-8"))
        write_json(target / "validation.json", document)  # last: the folder's marker (it is complete)
    return ValidationFolder(target, results, calibration)


def calibrate_into(
    path: Path, sc: Scenario, runs: int, seed: int, target: Path, engine: str = "batch"
) -> Calibration:
    """Grid-search the calibration assumptions on days 0-30 with ``seed``; write calibration.csv and
    the best point as calibrated.yaml, a scenario extending ``path`` with each value's evidence."""
    grid = calibrate(path, runs, seed, engine=engine)
    write_csv(target / "calibration.csv", grid)
    best = grid.iloc[0]
    own = [value_at(sc, k) for k in CALIBRATION_GRID]
    base = grid[(grid[list(CALIBRATION_GRID)] == own).all(axis=1)]
    own_share = float(base.iloc[0]["share_calibration_patterns"]) if len(base) else None
    before = "n/a" if own_share is None else f"{own_share:.1%}"
    quote = (
        f"grid point reproducing both early patterns in {best['share_calibration_patterns']:.1%} of "
        f"{runs} runs (the scenario's own value: {before})"
    )
    nested: dict = {}
    for key in CALIBRATION_GRID:
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = {
            "value": float(best[key]),
            "evidence": {"source": "docs/validation.md#calibration", "quote": quote},
        }
    command = neutral(path).replace("\n", "\\x0a")  # a comment line stays one line
    head = (
        "# Calibrated on the first 30 days of the observed record (docs/validation.md#calibration);\n"
        f"# written by `run_sim.py validate {command} --calibrate --runs {runs}`. Not article-only.\n"
    )
    meta = {
        "extends": os.path.relpath(Path(path).resolve(), target.resolve()),
        "name": f"{sc.name}_calibrated",
        "title": f"{sc.title} (calibrated on the record's first 30 days)",
    }
    text = head + yaml.safe_dump({**meta, **nested}, sort_keys=False, width=200, allow_unicode=True)
    written = target / "calibrated.yaml"
    write_atomic(written, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Calibration(
        grid=grid,
        runs=runs,
        seed=seed,
        best={k: float(best[k]) for k in CALIBRATION_GRID},
        best_share=float(best["share_calibration_patterns"]),
        own_share=own_share,
        scenario=written,
    )
