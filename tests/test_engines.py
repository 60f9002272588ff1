"""The two engines: equal in distribution (family-wise), and each one's run k fixed by (seed, k) alone.

The equality test (``sim.experiments.equality``) is tested first on samples whose answer is known,
so that a pass of the engines' comparison means something: identical samples pass, a shifted
distribution or a changed share fails, Holm's correction gives the textbook numbers, and two
scenarios that really differ fail on real runs. The engines' comparison itself runs at a size CI
affords (600 baseline runs and 400 of a variant on each engine, about 10 s of mesa runs on a CI
core); ``scripts/engine_equality.py`` runs it at 1000+ runs for every shipped scenario.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, ROOT

from sim.data import scenario_files
from sim.experiments.engines import ENGINES, run_block
from sim.experiments.equality import FAIL, PASS, compare_runs, holm
from sim.experiments.store import runs_frame
from sim.scenario.loader import load_scenario

SEED = 7
BASELINE_RUNS = 600
VARIANT_RUNS = 400
VARIANT = "third_party_monitoring"
"""A variant with the baseline's structure (same columns), whose runs clearly differ from it."""


# -- the test itself, on samples with a known answer ------------------------------------------------
def _sample(rng: np.random.Generator, n: int, shift: float = 0.0, share: float = 0.5) -> pd.DataFrame:
    never = rng.random(n) < 0.3
    return pd.DataFrame(
        {
            "run": np.arange(n),
            "seed": 1,
            "outcome": np.where(rng.random(n) < share, "full_ceasefire", "no_truce"),
            "status": rng.choice(["in_force", "collapsed", "negotiating", "renewed"], n),
            "strikes": rng.poisson(500 + shift * 22, n),
            "final_cost": rng.normal(shift, 1.0, n),
            "entered_day": pd.array(np.where(never, pd.NA, rng.integers(1, 180, n)), dtype="Int64"),
            "days": 180,
        }
    )


def test_identical_samples_pass() -> None:
    a = _sample(np.random.default_rng(1), 500)
    result = compare_runs(a, a.copy())
    assert result.passed
    assert (result.table["verdict"] != FAIL).all()
    assert result.table.loc[result.table["column"] == "days", "test"].tolist() == ["constant"]


def test_two_draws_of_one_distribution_pass() -> None:
    a = _sample(np.random.default_rng(1), 1000)
    b = _sample(np.random.default_rng(2), 1000)
    b["run"] += 1000  # identifiers differ, and are not compared
    result = compare_runs(a, b)
    assert result.passed, result.failures
    assert set(result.table["column"]) == {
        "outcome",
        "status",
        "strikes",
        "final_cost",
        "entered_day",
        "days",
    }


def test_a_shifted_distribution_fails() -> None:
    a = _sample(np.random.default_rng(1), 1000)
    b = _sample(np.random.default_rng(2), 1000, shift=0.3)
    failed = set(compare_runs(a, b).failures["column"])
    assert {"final_cost", "strikes"} <= failed
    assert "outcome" not in failed


def test_a_changed_share_fails() -> None:
    a = _sample(np.random.default_rng(1), 1000)
    b = _sample(np.random.default_rng(2), 1000, share=0.4)
    result = compare_runs(a, b)
    assert not result.passed
    assert set(result.failures["column"]) == {"outcome"}


def test_a_changed_share_missing_fails() -> None:
    a = _sample(np.random.default_rng(1), 1000)
    b = _sample(np.random.default_rng(2), 1000)
    b.loc[b.index[:200], "entered_day"] = pd.NA
    failures = compare_runs(a, b).failures
    assert ("entered_day", "share missing (Fisher exact)") in set(
        zip(failures["column"], failures["test"], strict=True)
    )


def test_a_column_only_one_side_has_fails() -> None:
    a = _sample(np.random.default_rng(1), 200)
    result = compare_runs(a, a.drop(columns=["strikes"]))
    assert result.failures["column"].tolist() == ["strikes"]


def test_rare_categories_are_pooled_not_dropped() -> None:
    a = _sample(np.random.default_rng(1), 400)
    b = _sample(np.random.default_rng(2), 400)
    b.loc[b.index[:3], "outcome"] = "peace_framework"  # expects 1.5 a side: pooled into one category
    result = compare_runs(a, b)
    row = result.table[result.table["column"] == "outcome"].iloc[0]
    assert row["n_a"] == row["n_b"] == 400
    assert row["verdict"] == PASS


def test_holm_on_a_known_example() -> None:
    # m = 4: sorted 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 -> max(0.06, 0.04)
    adjusted = holm([0.01, 0.04, 0.03, 0.005, float("nan")])
    np.testing.assert_allclose(adjusted[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjusted[4])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_verdicts_read_the_holm_adjusted_p_values() -> None:
    # 0.004 alone would fail at 0.01; among 3 tests its Holm p is 0.012: it passes
    np.testing.assert_allclose(holm([0.004, 0.5, 0.6]), [0.012, 1.0, 1.0])
    a = _sample(np.random.default_rng(1), 1000)
    table = compare_runs(a, _sample(np.random.default_rng(2), 1000, shift=0.1), alpha=0.05).table
    np.testing.assert_allclose(table["p_adjusted"], holm(table["p"]))
    tested = table[table["p"].notna()]
    assert ((tested["verdict"] == FAIL) == (tested["p_adjusted"] <= 0.05)).all()


# -- the engines ------------------------------------------------------------------------------------
def _frame(engine: str, scenario_name: str, runs: int) -> pd.DataFrame:
    scenario = load_scenario(scenario_files()[scenario_name])
    return runs_frame(run_block(engine, scenario, range(runs), SEED).rows)


@pytest.fixture(scope="module")
def baseline_runs() -> dict[str, pd.DataFrame]:
    return {engine: _frame(engine, "baseline", BASELINE_RUNS) for engine in ENGINES}


@pytest.fixture(scope="module")
def variant_runs() -> dict[str, pd.DataFrame]:
    return {engine: _frame(engine, VARIANT, VARIANT_RUNS) for engine in ENGINES}


@pytest.mark.slow
def test_engines_equal_in_distribution_on_the_baseline(baseline_runs: dict[str, pd.DataFrame]) -> None:
    result = compare_runs(baseline_runs["mesa"], baseline_runs["batch"])
    assert result.passed, f"{result.summary()}\n{result.failures.to_string()}"


@pytest.mark.slow
def test_engines_equal_in_distribution_on_a_variant(variant_runs: dict[str, pd.DataFrame]) -> None:
    result = compare_runs(variant_runs["mesa"], variant_runs["batch"])
    assert result.passed, f"{result.summary()}\n{result.failures.to_string()}"


@pytest.mark.slow
def test_the_comparison_tells_two_scenarios_apart(
    baseline_runs: dict[str, pd.DataFrame], variant_runs: dict[str, pd.DataFrame]
) -> None:
    """On real runs at this size, the test has the power to see a real difference (each engine)."""
    for engine in ENGINES:
        result = compare_runs(baseline_runs[engine], variant_runs[engine])
        assert not result.passed
        assert {"violations_detected", "false_accusations"} <= set(result.failures["column"])


def _csv(rows: list[dict]) -> str:
    return runs_frame(rows).to_csv(index=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_run_k_is_the_same_however_the_block_is_cut(engine: str) -> None:
    scenario = load_scenario(BASELINE)
    whole = run_block(engine, scenario, range(0, 10), SEED).rows
    tail = run_block(engine, scenario, range(5, 10), SEED).rows
    odd = run_block(engine, scenario, [9, 7, 5], SEED).rows
    assert [r["run"] for r in tail] == [5, 6, 7, 8, 9]
    assert _csv(whole[5:]) == _csv(tail)
    assert _csv([whole[9], whole[7], whole[5]]) == _csv(odd)


CHILD = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from sim.experiments.engines import run_block
from sim.experiments.store import runs_frame
from sim.scenario.loader import load_scenario
rows = run_block("batch", load_scenario({str(BASELINE)!r}), range(3, 9), {SEED}).rows
sys.stdout.write(json.dumps(runs_frame(rows).to_csv(index=False)))
"""


def test_batch_engine_is_deterministic_across_processes() -> None:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, cwd=ROOT)
    here = run_block("batch", load_scenario(BASELINE), range(3, 9), SEED).rows
    assert json.loads(out.stdout) == _csv(here)
