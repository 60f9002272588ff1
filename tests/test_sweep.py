"""Sweeps: designs, executors that agree row for row, resume after kill -9, sensitivity, bad specs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, run_cli

from sim.experiments.designs import build_design, expected_size
from sim.experiments.sweep_spec import SweepSpec, SweepSpecError, load_sweep

BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


def write_spec(tmp_path: Path, name: str = "spec.yaml", **fields) -> Path:
    spec = {
        "scenario": BASELINE,
        "seed": 3,
        "replicates": 3,
        "design": "grid",
        "days": 40,
        "axes": {
            "monitoring.strength": [0.2, 0.8],
            "phases.full_ceasefire.duration_days": {"low": 15, "high": 45, "steps": 2},
        },
    }
    spec.update(fields)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec))
    return path


def sweep(*args: str) -> None:
    result = run_cli("sweep", *args)
    assert result.exit_code == 0, result.output


def test_the_shipped_specs_are_valid():
    assert len(SWEEPS) >= 3
    for path in SWEEPS:
        load_sweep(path)


def test_the_assumptions_specs_are_up_to_date():
    sys.path.insert(0, str(ROOT / "scenarios" / "sweeps"))
    import make_assumptions_sobol

    assert make_assumptions_sobol.TARGET.read_text() == make_assumptions_sobol.build("sobol")
    assert make_assumptions_sobol.TARGET_LHS.read_text() == make_assumptions_sobol.build("lhs")


def test_the_assumption_ranges_keep_each_value_meaningful():
    from sim.experiments.sensitivity import axis_group
    from sim.scenario.schema import seeded_values

    sw = load_sweep(ROOT / "scenarios" / "sweeps" / "assumptions_sobol.yaml")
    axes = sw.spec.axes
    for path, seeded in seeded_values(sw.scenario):
        if path in axes:
            rng = axes[path]
            assert rng.low <= seeded.value <= rng.high, path  # around the baseline's value
            assert axis_group(path) != "other", path  # every axis has a kind to read it by
        elif seeded.assumption is not None and ".salience." not in path:
            # held only at a bound of its scale (a capability of 1, a zero rate) or a single day
            assert seeded.value in (0, 1), path
    for path in sw.integer_axes:
        assert axes[path].low >= 1 and float(axes[path].low).is_integer(), path
    odds = [p for p in axes if p.endswith(".believed_odds")]
    assert odds and all(0 < axes[p].low < axes[p].high < 1 for p in odds)
    small = axes["battlefield.front_step"]  # a small rate varies in proportion, not by +/- 0.1
    assert small.low > 0 and small.high <= 3 * small.low
    for actor in sw.scenario.belligerents:  # no design point has a floor above its opening demand
        floor = axes.get(f"actors.{actor}.concession.floor_demand")
        opening = axes.get(f"actors.{actor}.concession.opening_demand")
        if floor is not None and opening is not None:
            assert floor.high <= opening.low, actor


def test_grid_covers_the_product():
    spec = SweepSpec(scenario="x", axes={"a": [1, 2, 3], "b": {"low": 0.0, "high": 1.0, "steps": 3}})
    d = build_design(spec)
    assert len(d.points) == 9 == expected_size(spec)
    assert {(p["a"], p["b"]) for p in d.points} == {(a, b) for a in (1, 2, 3) for b in (0.0, 0.5, 1.0)}


@pytest.mark.parametrize("design,size", [("lhs", 16), ("sobol", 16 * 4), ("morris", 16 * 3)])
def test_sampled_designs_have_the_specified_size_and_bounds(design, size):
    spec = SweepSpec(
        scenario="x",
        design=design,
        samples=16,
        seed=1,
        axes={"a": {"low": 0.2, "high": 0.4}, "b": ["x", "y", "z"]},
    )
    d = build_design(spec)
    assert len(d.points) == size == expected_size(spec)
    assert all(0.2 <= p["a"] <= 0.4 for p in d.points)
    assert {p["b"] for p in d.points} <= {"x", "y", "z"}
    assert len({p["b"] for p in d.points}) == 3  # every level is visited
    assert build_design(spec).points == d.points  # seeded: the same every time


def test_integer_axes_take_integers(tmp_path):
    sw = load_sweep(
        write_spec(
            tmp_path,
            design="lhs",
            samples=8,
            axes={"phases.full_ceasefire.duration_days": {"low": 10, "high": 50}},
        )
    )
    points = build_design(sw.spec, sw.integer_axes).points
    assert all(isinstance(p["phases.full_ceasefire.duration_days"], int) for p in points)


@pytest.mark.parametrize("engine", ["batch", "mesa"])
def test_executors_give_identical_tables(tmp_path, engine):
    spec = write_spec(tmp_path)
    outs = {}
    for name, args in {
        "inproc": ["--workers", "1"],
        "local": ["--workers", "2"],
        "dask": ["--workers", "2", "--executor", "dask"],
        "one_block": ["--workers", "1", "--chunk-size", "1000"],
    }.items():
        outs[name] = tmp_path / name
        chunk = [] if "--chunk-size" in args else ["--chunk-size", "4"]
        sweep(str(spec), "--out", str(outs[name]), "--engine", engine, *chunk, *args)
    runs = {k: pd.read_parquet(v / "runs.parquet") for k, v in outs.items()}
    points = {k: pd.read_parquet(v / "points.parquet") for k, v in outs.items()}
    assert len(runs["inproc"]) == 4 * 3
    for k in ("local", "dask", "one_block"):
        pd.testing.assert_frame_equal(runs["inproc"], runs[k])
        pd.testing.assert_frame_equal(points["inproc"], points[k])
    assert list(runs["inproc"][["point", "replicate"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(4) for r in range(3)
    ]
    manifest = json.loads((outs["inproc"] / "manifest.json").read_text())
    assert manifest["engine"] == engine


def test_engine_option_default_record_and_refusals(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    result = run_cli("sweep", str(spec), "--out", str(out), "--workers", "1", "--dry-run")
    assert result.exit_code == 0 and "engine batch" in result.output
    bad = run_cli("sweep", str(spec), "--out", str(out), "--engine", "numpy")
    assert bad.exit_code == 2 and "--engine" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not out.exists()
    sweep(str(spec), "--out", str(out), "--workers", "1", "--engine", "mesa", "--max-runs", "100")
    assert json.loads((out / "manifest.json").read_text())["engine"] == "mesa"
    # a resumed sweep keeps its engine: mixing engines in one sweep is refused, nothing touched
    before = (out / "manifest.json").read_text()
    mixed = run_cli("sweep", str(spec), "--out", str(out), "--resume", "--engine", "batch")
    assert mixed.exit_code == 2 and "started on the mesa engine" in " ".join(mixed.stderr.split())
    assert (out / "manifest.json").read_text() == before
    kept = run_cli("sweep", str(spec), "--out", str(out), "--resume", "--workers", "1")
    assert kept.exit_code == 0, kept.output
    assert json.loads((out / "manifest.json").read_text())["engine"] == "mesa"


@pytest.mark.parametrize("name", [p.stem for p in SWEEPS])
def test_point_scenarios_equal_the_schemas_own(name):
    """The fast builder gives, for every kind of axis, the scenario the schema validates from data."""
    from sim.experiments.sweep import PointScenarios, scenario_at

    sw = load_sweep(ROOT / "scenarios" / "sweeps" / f"{name}.yaml")
    design = build_design(sw.spec.model_copy(update={"samples": 8}), sw.integer_axes)
    build = PointScenarios(sw.scenario_data, sw.scenario, design.axes)
    assert build.root is not None  # every shipped axis takes the fast way
    for point in design.points[:40]:
        overrides = tuple(point.items())
        slow = scenario_at(sw.scenario_data, overrides)
        for check in (True, False):
            fast = build(overrides, check=check)
            assert fast == slow
            assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


def test_common_random_numbers_across_points(tmp_path):
    out = tmp_path / "o"
    sweep(str(write_spec(tmp_path)), "--out", str(out), "--workers", "1")
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs.groupby("replicate")["seed"].nunique() == 1).all()
    # points that differ only in a parameter the days before any truce ignore start identically
    assert set(runs["run"]) == {0, 1, 2}


def test_killed_sweep_resumes_to_the_uninterrupted_tables(tmp_path):
    spec = write_spec(
        tmp_path, replicates=6, days=180, axes={"monitoring.strength": {"low": 0.1, "high": 0.9, "steps": 10}}
    )
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    sweep(str(spec), "--out", str(whole), "--workers", "1")
    cmd = [
        sys.executable,
        str(ROOT / "run_sim.py"),
        "sweep",
        str(spec),
        "--out",
        str(killed),
        "--workers",
        "1",
        "--chunk-size",
        "3",
    ]
    # a subprocess on purpose: it is killed mid-sweep (its stderr kept, should it die by itself)
    log = tmp_path / "killed-stderr.txt"
    with log.open("w") as stderr:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    parts = killed / "parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("part-*.parquet"))) < 3 and proc.poll() is None:
        time.sleep(0.02)
    proc.kill()  # SIGKILL
    proc.wait()
    stored = len(list(parts.glob("part-*.parquet")))
    assert 3 <= stored < 20, (
        f"expected an interrupted sweep, found {stored} of 20 parts: {log.read_text()[-2000:]}"
    )
    assert not (killed / "runs.parquet").exists()
    result = run_cli("sweep", str(spec), "--out", str(killed), "--resume", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert f"{stored * 3} already done" in result.output.replace("\n", " ")
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "runs.parquet"), pd.read_parquet(killed / "runs.parquet")
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "points.parquet"), pd.read_parquet(killed / "points.parquet")
    )


def test_resume_refuses_a_changed_spec(tmp_path):
    out = tmp_path / "o"
    sweep(str(write_spec(tmp_path)), "--out", str(out), "--workers", "1")
    changed = write_spec(tmp_path, "changed.yaml", seed=4)
    result = run_cli("sweep", str(changed), "--out", str(out), "--resume")
    assert result.exit_code == 2 and "changed" in result.stderr


def swept_and_analyzed(spec: Path, out: Path, workers: int) -> tuple[pd.DataFrame, str]:
    """Run the sweep, then ``analyze`` it (which must succeed); its sensitivity table and printout."""
    sweep(str(spec), "--out", str(out), "--workers", str(workers))
    result = run_cli("analyze", str(out))
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out / "sensitivity.parquet"), " ".join(result.output.split())


def test_sensitivity_ranks_the_axis_that_matters_and_zeroes_the_ignored_one(tmp_path):
    from sim.experiments.sensitivity import outcome_label

    # monitoring strength drives undetected violations; the mediator's resolve is read by no rule
    spec = write_spec(
        tmp_path,
        design="sobol",
        samples=64,
        replicates=4,
        days=90,
        axes={
            "monitoring.strength": {"low": 0.0, "high": 1.0},
            "actors.us.resolve": {"low": 10.0, "high": 200.0},
            "dynamics.trust_drift": {"low": 0.0, "high": 0.05},
        },
    )
    s, printed = swept_and_analyzed(spec, tmp_path / "o", workers=2)
    # the headline outputs are analysed: "full ceasefire ever in force", "no truce at the horizon"
    for outcome in ("reached_full_ceasefire", "share_no_truce"):
        rows = s[s["outcome"] == outcome]
        assert len(rows) == 3
        constant = rows.get("constant_output", pd.Series(False, index=rows.index)).astype(bool)
        assert (constant | rows[["S1", "S1_conf", "ST", "ST_conf"]].notna().all(axis=1)).all()
        assert outcome_label(outcome) in printed
    undetected = s[s["outcome"] == "violations_undetected"].set_index("axis")
    assert undetected["ST"].idxmax() == "monitoring.strength"
    assert undetected.loc["monitoring.strength", "ST"] > 0.5
    ignored = undetected.loc["actors.us.resolve"]
    assert abs(ignored["ST"]) <= ignored["ST_conf"] + 1e-12  # its interval contains 0
    assert abs(ignored["S1"]) <= ignored["S1_conf"] + 1e-12


def test_random_balance_equals_salibs_rbd_fast():
    import numpy as np
    from SALib.analyze import rbd_fast
    from SALib.sample import latin

    from sim.experiments.sensitivity import random_balance

    problem = {"num_vars": 4, "names": list("abcd"), "bounds": [[0.0, 1.0]] * 4}
    x = latin.sample(problem, 512, seed=1)
    y = (np.random.default_rng(0).random(512) < 0.2 + 0.6 * x[:, 0]).astype(float)
    ours = random_balance(x, {"y": y, "z": 2.0 * y}, seed=5, resamples=40)
    theirs = rbd_fast.analyze(problem, x, y, num_resamples=40, seed=5)
    assert np.allclose(ours["y"]["S1"], theirs["S1"], atol=1e-12)
    assert np.allclose(ours["z"]["S1"], ours["y"]["S1"])  # a scaled output, the same indices
    assert np.argmax(ours["y"]["S1"]) == 0 and ours["y"]["S1"][0] > ours["y"]["S1_conf"][0]  # CI above 0
    ratio = ours["y"]["S1_conf"] / np.asarray(theirs["S1_conf"])
    assert ((ratio > 0.5) & (ratio < 2.0)).all()  # the same bootstrap, other draws


def test_lhs_analysis_gives_first_order_indices_from_the_given_sample(tmp_path):
    spec = write_spec(
        tmp_path,
        design="lhs",
        samples=64,
        replicates=1,
        days=60,
        axes={
            "monitoring.strength": {"low": 0.0, "high": 1.0},
            "actors.us.resolve": {"low": 10.0, "high": 200.0},
        },
    )
    s, printed = swept_and_analyzed(spec, tmp_path / "o", workers=1)
    u = s[s["outcome"] == "violations_undetected"].set_index("axis")
    assert u.loc["monitoring.strength", "S1"] > 0.3
    assert u.loc["monitoring.strength", "S1"] > u.loc["actors.us.resolve", "S1"] + 0.2
    assert u["ST"].isna().all()  # no total order from a given sample
    assert "violations undetected" in printed


def test_morris_analysis_runs(tmp_path):
    spec = write_spec(
        tmp_path,
        design="morris",
        samples=8,
        replicates=2,
        days=60,
        axes={
            "monitoring.strength": {"low": 0.0, "high": 1.0},
            "actors.us.resolve": {"low": 10.0, "high": 200.0},
        },
    )
    s, _ = swept_and_analyzed(spec, tmp_path / "o", workers=1)
    m = s[s["outcome"] == "violations_undetected"].set_index("axis")
    assert m.loc["monitoring.strength", "mu_star"] > 0
    assert m.loc["actors.us.resolve", "mu_star"] == 0


BAD_SPECS = {
    "unknown_path": ({"axes": {"actors.russia.positions.nonsense": [0.1]}}, "unknown parameter path"),
    "empty_axis": ({"axes": {"monitoring.strength": []}}, "at least 1 item"),
    "range_reversed": ({"axes": {"monitoring.strength": {"low": 0.9, "high": 0.1}}}, "range reversed"),
    "unknown_design": ({"design": "factorial"}, "grid"),
    "out_of_range_value": ({"axes": {"monitoring.strength": [0.5, 1.5]}}, "value 1.5"),
    "unknown_field": ({"colour": "red"}, "unknown field"),
    "missing_scenario_file": ({"scenario": "nowhere.yaml"}, "no such file"),
    "sobol_not_power_of_two": ({"design": "sobol", "samples": 48}, "power of 2"),
    "same_parameter_twice": (
        {"axes": {"monitoring.strength": [0.1], "monitoring.strength.value": [0.5]}},
        "names the same parameter",
    ),
    "not_a_number_axis": ({"axes": {"name": ["a", "b"]}}, "not a number in the scenario"),
    "bool_in_number_axis": ({"axes": {"phases.full_ceasefire.duration_days": [30, True]}}, "is not a number"),
    "seed_too_large": ({"seed": 2**70}, "less than or equal to"),
}


@pytest.mark.parametrize("kind", sorted(BAD_SPECS))
def test_bad_specs_exit_2_with_clear_errors(tmp_path, kind):
    fields, message = BAD_SPECS[kind]
    spec = write_spec(tmp_path, **fields)
    result = run_cli("sweep", str(spec), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert str(spec) in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_bad_spec_error_names_the_line(tmp_path):
    spec = write_spec(tmp_path, axes={"monitoring.strength": [0.5], "actors.nobody.capability": [0.5]})
    with pytest.raises(SweepSpecError) as info:
        load_sweep(spec)
    (problem,) = info.value.problems
    lines = spec.read_text().splitlines()
    assert "actors.nobody.capability" in lines[problem.line - 1]


def test_dry_run_and_max_runs_write_nothing(tmp_path):
    spec = write_spec(tmp_path)
    result = run_cli("sweep", str(spec), "--out", str(tmp_path / "o"), "--dry-run")
    assert result.exit_code == 0 and "4 points x 3 replicates = 12 runs" in result.output
    assert not (tmp_path / "o").exists()
    result = run_cli("sweep", str(spec), "--out", str(tmp_path / "o"), "--max-runs", "5")
    assert result.exit_code == 2 and "--max-runs" in result.stderr
    assert not (tmp_path / "o").exists()


def test_manifest_and_csv(tmp_path):
    out = tmp_path / "o"
    sweep(str(write_spec(tmp_path)), "--out", str(out), "--workers", "1", "--csv")

    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["rows"] == {"runs": 12, "points": 4}
    assert m["scenario_sha256"] and m["packages"]["mesa"] and m["spec"]["seed"] == 3
    assert (out / "runs.csv").is_file() and (out / "points.csv").is_file()
    points = pd.read_parquet(out / "points.parquet")
    assert (points["share_no_truce_low"] <= points["share_no_truce"]).all()
    assert (points["share_no_truce"] <= points["share_no_truce_high"]).all()


def test_invalid_combinations_are_refused_before_running(tmp_path):
    # each value is valid alone (with the baseline's other values), but the higher floor above the
    # lower opening demand is not; read from the baseline, which may be retuned
    opening = yaml.safe_load(Path(BASELINE).read_text())["actors"]["russia"]["concession"]["opening_demand"]
    o = opening["value"]
    assert o > 0, "the test needs a positive opening demand in the baseline"
    spec = write_spec(
        tmp_path,
        replicates=2,
        axes={
            "actors.russia.concession.floor_demand": [0.0, round(0.9 * o, 6)],
            "actors.russia.concession.opening_demand": [round(0.5 * o, 6), o],
        },
    )
    out = tmp_path / "o"
    result = run_cli("sweep", str(spec), "--out", str(out), "--workers", "1")
    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert "1 of 4 design points" in text and "floor_demand" in text
    assert not out.exists()


def test_failing_runs_are_counted_stored_work_kept_and_exit_1(tmp_path, monkeypatch):
    import sim.experiments.sweep

    real = sim.experiments.sweep.run_block

    def flaky(engine, scenarios, runs, seed, horizon=None, record=False):
        if 1 in runs and not isinstance(scenarios, sim.experiments.sweep.Scenario):  # not the probe
            raise RuntimeError("a run that breaks")
        return real(engine, scenarios, runs, seed, horizon, record)

    monkeypatch.setattr(sim.experiments.sweep, "run_block", flaky)
    out = tmp_path / "o"
    result = run_cli(
        "sweep", str(write_spec(tmp_path)), "--out", str(out), "--workers", "1", "--chunk-size", "1"
    )
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert "4 of 12 runs failed" in text and "a run that breaks" in text and "--resume" in text
    assert len(list((out / "parts").glob("part-*.parquet"))) == 8  # the good runs are kept
    assert not (out / "runs.parquet").exists()
    monkeypatch.setattr(sim.experiments.sweep, "run_block", real)
    sweep(str(write_spec(tmp_path)), "--out", str(out), "--resume", "--workers", "1")
    whole = tmp_path / "whole"
    sweep(str(write_spec(tmp_path)), "--out", str(whole), "--workers", "1")
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "runs.parquet"), pd.read_parquet(whole / "runs.parquet")
    )


def test_unreadable_part_is_set_aside_and_rerun(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    run_cli("sweep", str(spec), "--out", str(out), "--workers", "1", "--chunk-size", "3", "--max-runs", "100")
    whole = pd.read_parquet(out / "runs.parquet")
    # make it an interrupted sweep with one damaged part
    (out / "runs.parquet").unlink()
    (out / "parts").mkdir()
    whole.iloc[:6].to_parquet(out / "parts" / "part-0000000-000000.parquet")
    (out / "parts" / "part-0000002-000000.parquet").write_bytes(b"PAR1 truncated")
    (out / "parts" / ".part-0000003-000000.parquet.tmp").write_bytes(b"half")
    dry = run_cli("sweep", str(spec), "--out", str(out), "--resume", "--dry-run")
    assert dry.exit_code == 0 and (out / "parts" / ".part-0000003-000000.parquet.tmp").exists()
    result = run_cli("sweep", str(spec), "--out", str(out), "--resume", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "unreadable" in result.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), whole)


def test_dask_executor_connects_to_an_existing_scheduler(tmp_path):
    from dask.distributed import LocalCluster

    spec = write_spec(tmp_path)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        sweep(
            str(spec),
            "--out",
            str(tmp_path / "remote"),
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
    sweep(str(spec), "--out", str(tmp_path / "here"), "--workers", "1")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "remote" / "runs.parquet"),
        pd.read_parquet(tmp_path / "here" / "runs.parquet"),
    )


def test_the_point_check_refuses_exactly_what_the_schema_refuses(tmp_path, monkeypatch):
    """The fast check (serial and on processes) against validating every point's data in full."""
    from pydantic import ValidationError

    import sim.experiments.sweep as sweep_module

    russia = yaml.safe_load(Path(BASELINE).read_text())["actors"]["russia"]
    o = russia["concession"]["opening_demand"]["value"]
    axes = {
        "actors.russia.concession.floor_demand": {"low": 0.0, "high": round(0.9 * o, 6)},
        "actors.russia.concession.opening_demand": {"low": round(0.5 * o, 6), "high": o},
        "monitoring.strength": {"low": 0.1, "high": 0.9},
    }
    sw = load_sweep(write_spec(tmp_path, design="lhs", samples=60, axes=axes))
    design = build_design(sw.spec, sw.integer_axes)
    refused = []
    for i, point in enumerate(design.points):
        try:
            sweep_module.scenario_at(sw.scenario_data, tuple(point.items()))
        except ValidationError:
            refused.append(i)
    assert 0 < len(refused) < len(design.points)
    serial = sweep_module.invalid_points(sw, design, workers=1)
    monkeypatch.setattr(sweep_module, "PARALLEL_CHECK", 10)
    assert sweep_module.invalid_points(sw, design, workers=2) == serial
    assert [i for i, _ in serial] == refused and all("floor_demand" in m for _, m in serial)
