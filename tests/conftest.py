"""Shared fixtures: the project's root, the baseline scenario, and a small ensemble helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.ensemble import run_ensemble
from sim.loader import load_scenario
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def ensemble_rows(overrides: list[str], runs: int, seed: int = 7, days: int | None = None) -> list[dict]:
    """Per-run rows of an ensemble of the baseline with ``overrides`` (PATH=VALUE strings)."""
    return run_ensemble(load_scenario(BASELINE, overrides), runs, seed, days).rows
