"""The Python API (``import sim``): the same runs as the command line, DataFrames of the documented
shape, a self-contained report, clear errors, a cheap ``import sim``, and the example notebook runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import plotly
import pytest

import sim
from sim.data import scenario_files
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
SET = {"monitoring.strength": 0.8}


@pytest.fixture(scope="module")
def ens() -> sim.Ensemble:
    return sim.run("baseline", runs=6, seed=42, days=60, set=SET)


# -- the same runs as the command line -------------------------------------------------------------
def test_same_files_as_run_sim_run(cli, tmp_path, ens):
    """``sim.run(...).save(folder)`` and ``run_sim.py run`` with the same scenario, seed, days and
    override write the same tables, scenario and summary (the manifest aside: how it was called)."""
    cli_out = tmp_path / "cli"
    cli(
        "run", "--runs", "6", "--seed", "42", "--days", "60", "--set", "monitoring.strength=0.8",
        "--no-report", "--out", cli_out, check=True,
    )  # fmt: skip
    api_out = ens.save(tmp_path / "api")
    assert (api_out / "runs.csv").read_bytes() == (cli_out / "runs.csv").read_bytes()
    for name in ("days.parquet", "events.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(api_out / name), pd.read_parquet(cli_out / name))
    assert json.loads((api_out / "scenario.json").read_text()) == json.loads(
        (cli_out / "scenario.json").read_text()
    )
    api_summary, cli_summary = (json.loads((d / "summary.json").read_text()) for d in (api_out, cli_out))
    api_manifest, cli_manifest = api_summary.pop("manifest"), cli_summary.pop("manifest")
    assert api_summary == cli_summary
    for key in ("scenario_sha256", "seed", "class_code", "overrides", "runs", "days", "kind"):
        assert api_manifest[key] == cli_manifest[key], key
    assert api_manifest["overrides"] == ["monitoring.strength=0.8"]


def test_runs_frame_equals_the_cli_csv(cli, tmp_path):
    """The DataFrame itself (not only the saved file), for a variant given by its shipped path."""
    cli("run", "scenarios/variants/us_aid_halted.yaml", "--runs", "4", "--seed", "7", "--days", "40",
        "--no-report", "--out", tmp_path / "cli", check=True)  # fmt: skip
    ens = sim.run("scenarios/variants/us_aid_halted.yaml", runs=4, seed=7, days=40)
    expected = pd.read_csv(tmp_path / "cli" / "runs.csv")
    pd.testing.assert_frame_equal(ens.runs, expected, check_dtype=False)
    assert ens.scenario.name == "us_aid_halted"


def test_a_loaded_scenario_with_set_equals_loading_with_set():
    """``set=`` on an already loaded scenario gives the scenario ``--set`` gives on its file."""
    loaded = sim.load_scenario("baseline")
    a = sim.run(loaded, runs=3, seed=5, days=30, set=SET)
    b = sim.run("baseline", runs=3, seed=5, days=30, set=["monitoring.strength=0.8"])
    assert a.scenario == b.scenario == sim.load_scenario("baseline", set=SET)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert loaded.monitoring.strength.value != 0.8  # the caller's scenario is not changed


def test_seed_defaults_to_the_scenarios_and_takes_a_class_code():
    sc = sim.load_scenario("baseline")
    by_default = sim.run(sc, runs=2, days=20)
    assert by_default.seed == sc.seed and by_default.class_code == f"baseline@{sc.seed}"
    pd.testing.assert_frame_equal(sim.run(sc, runs=2, days=20, seed="baseline@9").runs,
                                  sim.run(sc, runs=2, days=20, seed=9).runs)  # fmt: skip
    with pytest.raises(ValueError, match="class code is for scenario 'eu_actor'"):
        sim.run(sc, runs=1, seed="eu_actor@9")


# -- the frames ------------------------------------------------------------------------------------
def test_frames_have_the_documented_columns_and_lengths(ens):
    phases = list(ens.scenario.phases)
    assert len(ens.runs) == 6 and list(ens.runs["run"]) == list(range(6))
    assert {"run", "seed", "outcome", "furthest_phase", "violations_true"} <= set(ens.runs.columns)
    assert {f"{p}_entered_day" for p in phases} <= set(ens.runs.columns)
    assert str(ens.runs[f"{phases[0]}_entered_day"].dtype) == "Int64"
    assert len(ens.days) == 6 * 60 and set(ens.days["day"]) == set(range(1, 61))
    assert {"run", "seed", "day", "date", "trust_russia_ukraine"} <= set(ens.days.columns)
    assert {"run", "seed", "day", "actor", "event", "p"} <= set(ens.events.columns) and len(ens.events) > 0
    assert ens.runs is ens.runs  # built once
    shares = ens.outcome_shares()
    assert shares["runs"].sum() == 6 and abs(shares["share"].sum() - 1) < 1e-9
    assert ens.summary["runs"] == 6 and ens.summary["days"] == 60 and ens.summary["seed"] == 42
    assert "baseline@42" in repr(ens)


def test_record_false_keeps_the_rows_only():
    full = sim.run("baseline", runs=3, seed=1, days=30)
    rows = sim.run("baseline", runs=3, seed=1, days=30, record=False)
    pd.testing.assert_frame_equal(full.runs, rows.runs)
    assert rows.summary == full.summary
    with pytest.raises(ValueError, match="record=False"):
        rows.days  # noqa: B018
    with pytest.raises(ValueError, match="record=False"):
        rows.save("never")
    assert not Path("never").exists()


def test_progress_callback_sees_every_run():
    seen: list[int] = []
    sim.run("baseline", runs=4, seed=1, days=10, progress=seen.append)
    assert seen == [0, 1, 2, 3]


# -- the report and saving -------------------------------------------------------------------------
def test_report_is_written_and_self_contained(ens, tmp_path):
    path = ens.report(tmp_path / "rep")
    assert path == tmp_path / "rep" / "report.html"
    page = path.read_text(encoding="utf-8")
    js = plotly.offline.get_plotlyjs()
    assert page.count(js) == 1  # plotly.js embedded, not fetched
    rest = page.replace(js, "")
    assert "<script src" not in rest.lower() and "<link" not in rest.lower()
    assert "http://" not in rest and "https://" not in rest
    assert "baseline@42" in rest and "monitoring.strength" in rest
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "days.parquet", "events.parquet", "report.html", "runs.csv", "scenario.json", "summary.json",
    ]  # fmt: skip
    again = ens.report()  # the folder it was saved to, not a new one
    assert again == path


def test_report_without_a_folder_goes_to_a_new_temporary_one(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    path = sim.run("baseline", runs=2, seed=3, days=20).report()
    assert path.name == "report.html" and path.parent.parent == tmp_path and path.stat().st_size > 0


def test_save_refuses_a_folder_with_other_files(ens, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(sim.JobError, match="not empty") as info:
        ens.save(target)
    assert "\n" not in str(info.value)
    with pytest.raises(sim.JobError, match="does not write"):
        ens.save(target, force=True)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


# -- errors ----------------------------------------------------------------------------------------
def test_an_unknown_scenario_name_lists_the_shipped_ones():
    with pytest.raises(ValueError) as info:
        sim.load_scenario("baseline_typo")
    message = str(info.value)
    assert message.startswith("baseline_typo: ") and "\n" not in message
    for name in scenario_files():
        assert name in message
    assert isinstance(info.value, sim.UnknownScenario)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(ValueError, match="no such file") as info:
        sim.run(tmp_path / "nowhere.yaml", runs=1)
    assert "baseline" in str(info.value)


def test_scenarios_by_name_shipped_path_and_file_agree(tmp_path):
    by_name = sim.load_scenario("eu_actor")
    assert sim.load_scenario("scenarios/variants/eu_actor.yaml") == by_name
    assert sim.load_scenario(scenario_files()["eu_actor"]) == by_name
    assert isinstance(by_name, Scenario) and by_name.name == "eu_actor"


def test_a_bad_override_is_a_scenario_error():
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario("baseline", set={"monitoring.strenght": 0.8})
    assert "unknown parameter path 'monitoring.strenght'" in str(info.value)
    with pytest.raises(sim.ScenarioError, match=r"monitoring\.strength"):
        sim.run(sim.load_scenario("baseline"), runs=1, set={"monitoring.strength": 7})
    with pytest.raises(TypeError):
        sim.load_scenario("baseline", set="monitoring.strength=0.8")


@pytest.mark.parametrize("runs", [0, -1, 1.5, True])
def test_bad_runs_are_refused(runs):
    with pytest.raises(ValueError, match="runs must be"):
        sim.run("baseline", runs=runs)


# -- sweeps and validation -------------------------------------------------------------------------
def test_sweep_by_name_gives_the_cli_tables(cli, tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        f"scenario: {ROOT / 'scenarios' / 'baseline.yaml'}\nseed: 3\nreplicates: 2\ndays: 30\n"
        "axes:\n  monitoring.strength: [0.2, 0.8]\n"
    )
    cli("sweep", spec, "--workers", "1", "--out", tmp_path / "cli", check=True)
    result = sim.sweep(spec, out=tmp_path / "api")
    assert len(result.runs) == 4 and len(result.points) == 2
    pd.testing.assert_frame_equal(result.runs, pd.read_parquet(tmp_path / "cli" / "runs.parquet"))
    assert result.manifest["kind"] == "sweep"
    with pytest.raises(sim.JobError, match="no sensitivity indices"):
        result.analyze()
    assert result.report().is_file()
    reopened = sim.SweepResult(tmp_path / "api")
    pd.testing.assert_frame_equal(reopened.points, result.points)


def test_an_unknown_sweep_lists_the_shipped_ones():
    with pytest.raises(ValueError, match="minimal"):
        sim.sweep("no_such_sweep")


def test_validate_returns_the_pattern_shares():
    v = sim.validate("baseline", runs=3, seed=1)
    assert v.runs == 3 and len(v.table) == 3 and v.shares


# -- a cheap import --------------------------------------------------------------------------------
def test_import_sim_is_lazy():
    """``import sim.scenario.schema`` (and ``import sim``) does not import plotly, pandas or mesa."""
    code = (
        "import sys, sim.scenario.schema, sim\n"
        "heavy = [m for m in ('plotly', 'pandas', 'mesa', 'sim.api') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert 'run' in dir(sim) and set(sim.__all__) <= set(dir(sim))\n"
        "sim.run\n"
        "assert 'sim.api' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_an_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'rnu'"):
        sim.rnu  # noqa: B018


# -- the example notebook --------------------------------------------------------------------------
def test_the_example_notebook_runs(tmp_path):
    """examples/quickstart.ipynb executes top to bottom without an error (nbclient, its own kernel)."""
    import nbclient  # the `test` extra: a missing one fails here, it does not skip
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit it without outputs"
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env={**os.environ, "TMPDIR": str(tmp_path)})  # the kernel runs this Python
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "<Ensemble baseline@42: 50 runs" in text and "report.html" in text
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)


# -- the command line resolves scenario arguments the same way --------------------------------------
def test_cli_takes_names_and_shipped_paths_from_any_folder(cli, tmp_path):
    cli("run", "us_aid_halted", "--runs", "1", "--days", "10", "--no-report", "--out", "a", cwd=tmp_path,
        check=True)  # fmt: skip
    assert json.loads((tmp_path / "a" / "scenario.json").read_text())["name"] == "us_aid_halted"
    shown = cli("scenario", "show", "scenarios/variants/eu_actor.yaml", cwd=tmp_path, check=True)
    assert "eu_actor" in shown.stdout
    (tmp_path / "baseline.yaml").write_text("not: a scenario\n")  # a local file wins over a shipped name
    assert cli("scenario", "show", "baseline.yaml", cwd=tmp_path).exit_code == 2


def test_cli_unknown_scenario_is_one_line_listing_the_names(cli, tmp_path):
    ran = cli("run", "baseline_typo", "--runs", "1", "--out", "x", cwd=tmp_path)
    assert ran.exit_code == 2 and "Traceback" not in ran.output
    (line,) = [ln for ln in ran.output.splitlines() if "baseline_typo" in ln]
    assert "us_aid_halted" in line and "eu_actor" in line
    assert not (tmp_path / "x").exists()
