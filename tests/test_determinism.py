"""Same scenario and seed give identical results: in one process and across processes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from conftest import BASELINE, ROOT

from sim.experiments.ensemble import run_ensemble, run_one
from sim.experiments.store import runs_frame
from sim.scenario.loader import load_scenario

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from sim.experiments.ensemble import run_ensemble
from sim.scenario.loader import load_scenario
from sim.experiments.store import runs_frame
e = run_ensemble(load_scenario({str(BASELINE)!r}), 12, 99)
sys.stdout.write(runs_frame(e.rows).to_csv(index=False))
"""


def _csv(runs: int, seed: int) -> str:
    return runs_frame(run_ensemble(load_scenario(BASELINE), runs, seed).rows).to_csv(index=False)


def test_same_seed_same_runs_csv_in_one_process():
    assert _csv(12, 99) == _csv(12, 99)


def test_same_seed_same_runs_csv_across_processes():
    outputs = [
        subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert outputs[0] == outputs[1] == _csv(12, 99)


def test_a_run_does_not_depend_on_its_neighbours(baseline):
    alone = run_one(baseline, 99, 5)
    in_ensemble = run_ensemble(baseline, 6, 99).results[5]
    assert alone.days == in_ensemble.days and alone.events == in_ensemble.events


def test_different_seeds_differ(baseline):
    assert _csv(12, 99) != _csv(12, 100)


def test_no_global_random_state_is_used(baseline):
    np.random.seed(1)
    a = run_one(baseline, 3, 0).days
    np.random.seed(2)
    import random

    random.seed(5)
    b = run_one(baseline, 3, 0).days
    assert a == b


def test_a_run_without_recording_has_the_same_row(baseline):
    from sim.model.results import run_row

    for run in range(5):
        full = run_one(baseline, 99, run)
        lean = run_one(baseline, 99, run, record=False)
        assert lean.events == [] and lean.days["day"] == []
        assert run_row(lean) == run_row(full)
