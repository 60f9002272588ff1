"""Comparative statics over many seeds, each with a statistical margin (not one lucky seed).

Each test runs two ensembles of the baseline that differ in one lever and asserts that the mean of
an outcome moves in the direction MODEL.md expects by more than ``SIGMAS`` standard errors of the
difference (Welch). With 200 runs per arm a chance result of that size has p < 0.002.
"""

from __future__ import annotations

import math
import statistics

import pytest
from conftest import ensemble_rows

RUNS = 200
SIGMAS = 3.0
HORIZON = 180
LEVERS = ("normalisation", "aid_continues", "concession_pressure")

pytestmark = pytest.mark.slow


def assert_greater(high: list[float], low: list[float], what: str) -> None:
    """Mean of ``high`` exceeds mean of ``low`` by more than SIGMAS standard errors."""
    diff = statistics.fmean(high) - statistics.fmean(low)
    se = math.sqrt(statistics.variance(high) / len(high) + statistics.variance(low) / len(low))
    assert se > 0 or diff > 0, f"{what}: no variation and no difference"
    assert diff > SIGMAS * se, f"{what}: difference {diff:.4g} is not > {SIGMAS} x SE {se:.4g}"


def _days_in_force(rows: list[dict], phases=("energy_truce", "maritime_truce", "full_ceasefire")):
    return [sum(r[f"{p}_days_in_force"] for p in phases) for r in rows]


def _reached(rows: list[dict], phase: str) -> list[float]:
    return [float(r[f"{phase}_entered_day"] is not None) for r in rows]


def _time_to(rows: list[dict], phase: str) -> list[float]:
    """Day the phase first entered into force; never is counted as the day after the horizon."""
    return [r[f"{phase}_entered_day"] if r[f"{phase}_entered_day"] is not None else HORIZON + 1 for r in rows]


def test_stronger_monitoring_fewer_undetected_violations_longer_truces():
    weak = ensemble_rows(["monitoring.strength=0.1"], RUNS)
    strong = ensemble_rows(["monitoring.strength=0.8"], RUNS)
    assert_greater(
        [r["violations_undetected"] for r in weak],
        [r["violations_undetected"] for r in strong],
        "undetected violations",
    )
    assert_greater(_days_in_force(strong), _days_in_force(weak), "days truces held")


def test_more_mediator_leverage_more_full_ceasefires():
    none = ensemble_rows([f"actors.us.levers.{k}.strength=0.0" for k in LEVERS], RUNS)
    strong = ensemble_rows([f"actors.us.levers.{k}.strength=0.2" for k in LEVERS], RUNS)
    assert_greater(
        _reached(strong, "full_ceasefire"),
        _reached(none, "full_ceasefire"),
        "share of runs with a full ceasefire",
    )


def test_harder_linkage_demand_fewer_linked_phases_in_force():
    soft = ensemble_rows(["phases.full_ceasefire.linkage.0.at_most=0.3"], RUNS)
    hard = ensemble_rows(["phases.full_ceasefire.linkage.0.at_most=0.1"], RUNS)
    assert_greater(
        _reached(soft, "full_ceasefire"),
        _reached(hard, "full_ceasefire"),
        "share of runs with the linked full ceasefire",
    )
    assert_greater(
        _days_in_force(soft, ("full_ceasefire",)),
        _days_in_force(hard, ("full_ceasefire",)),
        "days the full ceasefire held",
    )


def test_higher_costs_of_war_earlier_agreement():
    cheap = ensemble_rows(["dynamics.cost_of_war=0.5"], RUNS)
    costly = ensemble_rows(["dynamics.cost_of_war=3.0"], RUNS)
    for phase in ("maritime_truce", "full_ceasefire"):
        assert_greater(_time_to(cheap, phase), _time_to(costly, phase), f"days to {phase}")
