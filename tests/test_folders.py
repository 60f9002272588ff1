"""Output folders cannot be mixed or lost: one writer at a time, --force replaces only what is ours and
all of it, no temporary outlives a kill, damaged files end in one line, names stay inside results/.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BASELINE, ROOT, run_cli

from sim.experiments.folder import FolderError, open_output, safe_name
from sim.experiments.store import write_atomic, write_json
from sim.experiments.sweep import cap_workers, default_workers

RUN_SIM = [sys.executable, "run_sim.py"]


def write_spec(folder: Path, file: str = "spec.yaml", **fields) -> Path:
    spec = {
        "scenario": str(BASELINE),
        "seed": 3,
        "replicates": 4,
        "design": "grid",
        "days": 30,
        "axes": {"monitoring.strength": [0.2, 0.5, 0.8]},
    }
    spec.update(fields)
    path = folder / file
    path.write_text(yaml.safe_dump(spec))
    return path


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {text!r}"
    assert "Traceback" not in text
    return lines[0]


def start_together(*commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Start every command at once (subprocesses, from the repository root); wait for all."""
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for cmd in commands
    ]
    done = []
    for cmd, p in zip(commands, procs, strict=True):
        stdout, stderr = p.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr))
    return done


def all_names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# -- one writer at a time ------------------------------------------------------------------------
def test_two_runs_into_one_folder_one_wins_the_other_is_refused(tmp_path):
    out = tmp_path / "shared"
    args = ["run", "--runs", "150", "--days", "60", "--no-report", "--out", str(out)]
    first, second = start_together([*RUN_SIM, *args, "--seed", "11"], [*RUN_SIM, *args, "--seed", "22"])
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 2], (first.stderr, second.stderr)
    loser = first if first.returncode == 2 else second
    assert "wrote" not in loser.stdout
    assert "locked" in one_line(loser.stderr) or "not empty" in loser.stderr
    summary = json.loads((out / "summary.json").read_text())
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == summary["runs"] == summary["manifest"]["runs"] == 150
    assert set(runs["seed"]) == {summary["seed"]} == {summary["manifest"]["seed"]}
    assert set(pd.read_parquet(out / "days.parquet", columns=["seed"])["seed"]) == {summary["seed"]}


def test_two_sweeps_into_one_folder_one_wins_the_other_is_refused(tmp_path):
    out = tmp_path / "shared"
    one = write_spec(tmp_path, "one.yaml", seed=1, replicates=20)
    two = write_spec(tmp_path, "two.yaml", seed=2, replicates=30, axes={"monitoring.strength": [0.3, 0.6]})
    args = ["--out", str(out), "--workers", "1"]
    first, second = start_together([*RUN_SIM, "sweep", str(one), *args], [*RUN_SIM, "sweep", str(two), *args])
    assert sorted([first.returncode, second.returncode]) == [0, 2], (first.stderr, second.stderr)
    loser = first if first.returncode == 2 else second
    assert "locked" in one_line(loser.stderr) or "not empty" in loser.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    runs = pd.read_parquet(out / "runs.parquet")
    assert manifest["status"] == "complete" and len(runs) == manifest["total_runs"]
    assert set(runs["seed"]) == {manifest["spec"]["seed"]}
    assert not (out / "parts").exists()


def test_a_locked_folder_is_refused_by_every_writer(tmp_path):
    out = tmp_path / "run"
    run_cli("run", "--runs", "2", "--days", "10", "--no-report", "--out", out, check=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with open_output(out, "update"):  # as another command holding it would
        for args in (
            ("report", out),
            ("run", "--runs", "2", "--days", "10", "--out", out, "--force"),
        ):
            ran = run_cli(*args)
            assert ran.exit_code == 2 and "locked" in one_line(ran.stderr)
        with pytest.raises(FolderError, match="locked"), open_output(out, "update"):
            pass
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    run_cli("report", out, check=True)  # released with the block


# -- --force -------------------------------------------------------------------------------------
def test_force_replaces_the_whole_folder_and_leaves_no_stale_report(tmp_path):
    out = tmp_path / "run"
    run_cli("run", "--runs", "2", "--days", "10", "--out", out, check=True)
    assert (out / "report.html").is_file()
    ran = run_cli("run", "--runs", "3", "--days", "12", "--seed", "5", "--out", out, "--force", "--no-report")
    assert ran.exit_code == 0, ran.output
    assert not (out / "report.html").exists(), "a report of the older data would describe other runs"
    assert sorted(p.name for p in out.iterdir()) == [
        "days.parquet",
        "events.parquet",
        "runs.csv",
        "scenario.json",
        "summary.json",
    ]
    assert json.loads((out / "summary.json").read_text())["seed"] == 5
    assert set(pd.read_csv(out / "runs.csv")["seed"]) == {5}
    # a sweep's folder is ours too: --force leaves none of its tables behind
    sweep = tmp_path / "sweep"
    run_cli("sweep", write_spec(tmp_path, replicates=2), "--out", sweep, "--workers", "1", check=True)
    run_cli("run", "--runs", "2", "--days", "10", "--no-report", "--out", sweep, "--force", check=True)
    assert not {"manifest.json", "runs.parquet", "points.parquet", "report.html"} & set(os.listdir(sweep))


def test_force_refuses_folders_that_are_not_ours(tmp_path, monkeypatch):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("a year of work")
    ran = run_cli("run", "--runs", "2", "--days", "10", "--out", mine, "--force")
    assert ran.exit_code == 2 and "thesis.txt" in one_line(ran.stderr)
    assert os.listdir(mine) == ["thesis.txt"]
    monkeypatch.chdir(mine)
    for here in (".", str(tmp_path)):
        ran = run_cli("run", "--runs", "2", "--days", "10", "--out", here, "--force")
        assert ran.exit_code == 2 and "current folder" in one_line(ran.stderr)
    assert os.listdir(mine) == ["thesis.txt"]


def test_force_on_a_summary_that_is_a_folder_fails_before_writing_tables(tmp_path):
    out = tmp_path / "run"
    run_cli("run", "--runs", "2", "--days", "10", "--no-report", "--out", out, check=True)
    for name in ("runs.csv", "days.parquet", "events.parquet", "summary.json"):
        (out / name).unlink()
    (out / "summary.json").mkdir()
    (out / "summary.json" / "inside.txt").write_text("kept")
    ran = run_cli("run", "--runs", "2", "--days", "10", "--out", out, "--force")
    assert ran.exit_code == 2 and "summary.json" in one_line(ran.stderr)
    assert sorted(os.listdir(out)) == ["scenario.json", "summary.json"], "no table was written"
    assert (out / "summary.json" / "inside.txt").read_text() == "kept"


# -- temporaries ---------------------------------------------------------------------------------
def test_write_atomic_leaves_no_temporary_even_when_the_write_fails(tmp_path):
    write_json(tmp_path / "a.json", {"x": 1})
    assert os.listdir(tmp_path) == ["a.json"]

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "a.json", broken)
    assert os.listdir(tmp_path) == ["a.json"] and json.loads((tmp_path / "a.json").read_text()) == {"x": 1}


def test_a_killed_run_leaves_no_temporary_after_the_next_command(tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [*RUN_SIM, "run", "--runs", "5000", "--days", "60", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)  # well into the 5000 runs
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert out.is_dir() and not (out / "summary.json").exists(), "the run was meant to be cut short"
    # what a kill during the writing leaves (a stage, an atomic write's temporary, an old-style one)
    (out / ".tmp-999999.new").mkdir()
    (out / ".tmp-999999.new" / "runs.csv").write_text("half")
    (out / ".tmp-999998").mkdir()
    (out / ".tmp-999998" / "summary.json.x1y2").write_text("")
    (out / ".runs.csv.abc1_2yz").write_text("")  # mkstemp's 8-character suffix
    run_cli("run", "--runs", "2", "--days", "5", "--no-report", "--out", out, check=True)
    assert all_names(out) == ["days.parquet", "events.parquet", "runs.csv", "scenario.json", "summary.json"]


# -- damaged files -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("sobol")
    spec = write_spec(
        tmp,
        design="sobol",
        samples=8,
        replicates=1,
        days=20,
        axes={
            "monitoring.strength": {"low": 0.1, "high": 0.9},
            "dynamics.cost_of_war": {"low": 0.5, "high": 2},
        },
    )
    out = tmp / "sweep"
    run_cli("sweep", spec, "--out", out, "--workers", "1", check=True)
    return spec, out


def test_a_sweep_folder_being_written_is_refused_to_resume_analyze_and_report(sobol_folder, tmp_path):
    spec, whole = sobol_folder
    out = tmp_path / "copy"
    shutil.copytree(whole, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with open_output(out, "update"):  # as a running sweep holds it
        for args in (
            ("sweep", spec, "--out", out, "--resume", "--workers", "1"),
            ("analyze", out),
            ("report", out),
        ):
            ran = run_cli(*args)
            assert ran.exit_code == 2 and "locked" in one_line(ran.stderr), ran.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("damaged", "content"),
    [
        ("runs.parquet", b"PAR1 not really"),
        ("manifest.json", b"{half a manifest"),
        ("manifest.json", b"[1, 2, 3]"),
    ],
)
def test_damaged_sweep_files_end_analyze_and_resume_in_one_line(sobol_folder, tmp_path, damaged, content):
    spec, whole = sobol_folder
    out = tmp_path / "copy"
    shutil.copytree(whole, out)
    (out / damaged).write_bytes(content)
    for args in (("analyze", out), ("sweep", spec, "--out", out, "--resume", "--workers", "1")):
        ran = run_cli(*args)
        assert ran.exit_code == 2, ran.output
        line = one_line(ran.stderr)
        assert f"{damaged}: " in line and str(out) in line, line
    assert (out / damaged).read_bytes() == content


def test_a_manifest_without_a_spec_ends_analyze_in_one_line(sobol_folder, tmp_path):
    _, whole = sobol_folder
    out = tmp_path / "copy"
    shutil.copytree(whole, out)
    (out / "manifest.json").write_text(json.dumps({"kind": "sweep", "scenario": 3}))
    ran = run_cli("analyze", out)
    assert ran.exit_code == 2 and "manifest.json: not a sweep manifest" in one_line(ran.stderr)


# -- sizes ---------------------------------------------------------------------------------------
def test_workers_are_capped_and_the_plan_says_so(tmp_path):
    spec = write_spec(tmp_path, replicates=2)  # 3 points x 2 = 6 runs in 3 tasks of 2
    ran = run_cli("sweep", spec, "--dry-run", "--workers", "999", "--chunk-size", "2")
    assert ran.exit_code == 0, ran.output
    used = min(3, 2 * default_workers())
    assert f"workers {used} " in ran.stdout and f"--workers 999: {used} used" in ran.stdout
    assert cap_workers(999, 40) == min(40, 2 * default_workers())
    assert cap_workers(4, 1) == 1 and cap_workers(1, 100) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {
            "axes": {
                "monitoring.strength": {"low": 0.1, "high": 0.9, "steps": 1000},
                "dynamics.cost_of_war": {"low": 0.5, "high": 2.0, "steps": 1000},
            }
        },
        {"replicates": 100_000, "axes": {"monitoring.strength": {"low": 0.1, "high": 0.9, "steps": 20}}},
    ],
)
def test_a_too_large_design_is_refused_before_it_is_planned(tmp_path, monkeypatch, fields):
    import sim.experiments.sweep as sweep_module

    def never(*args, **kwargs):
        raise AssertionError("the design was built")

    monkeypatch.setattr(sweep_module, "build_design", never)
    spec = write_spec(tmp_path, **fields)
    tracemalloc.start()
    try:
        ran = run_cli("sweep", spec, "--dry-run")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ran.exit_code == 2 and "refused before planning" in one_line(ran.stderr)
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB allocated to refuse it"


# -- names ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["..", ".", "../../etc", "a/../../b", "", "/abs", ".hidden", "[bold]x[/]"])
def test_safe_name_is_one_harmless_path_part(name):
    part = safe_name(name)
    assert part and "/" not in part and "\\" not in part and not part.startswith(".")
    assert part not in (".", "..") and ".." not in part


def test_a_sweep_name_stays_inside_results_and_is_printed_as_text(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    name = "../../escaped [bold red]x[/] [link=http://example.org]y"
    spec = write_spec(tmp_path, name=name, replicates=2)
    monkeypatch.chdir(work)
    dry = run_cli("sweep", spec, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"sweep {name}:" in dry.stdout and "results/sweep-escaped-bold-red-x-" in dry.stdout
    run_cli("sweep", spec, "--workers", "1", check=True)
    (made,) = (work / "results").iterdir()
    assert made.name.startswith("sweep-escaped-") and (made / "runs.parquet").is_file()
    assert sorted(os.listdir(tmp_path)) == ["spec.yaml", "work"], "nothing written outside results/"


# -- what was run is what is shown ---------------------------------------------------------------
def test_overrides_lead_the_summary_and_the_report(tmp_path):
    out = tmp_path / "run"
    sets = ["monitoring.strength=0.9", "phases.full_ceasefire.duration_days=60"]
    ran = run_cli(
        "run",
        "--runs",
        "3",
        "--days",
        "20",
        "--seed",
        "baseline@42",
        "--out",
        out,
        *[f"--set={s}" for s in sets],
    )
    assert ran.exit_code == 0, ran.output
    first = [line for line in ran.stdout.splitlines() if line.strip()][:2]
    assert (
        "class code baseline@42 (without the 2 --set overrides: it does not reproduce this run)" in first[0]
    )
    assert all(f"--set {s}" in first[1] for s in sets)
    manifest = json.loads((out / "summary.json").read_text())["manifest"]
    assert manifest["overrides"] == sets and manifest["class_code_reproduces"] is False
    page = (out / "report.html").read_text()
    title = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    caption = page.split('<p class="caption">', 1)[1].split("</p>", 1)[0]
    assert all(s in title for s in sets) and all(f"--set {s}" in caption for s in sets)
    assert "does not reproduce this run" in caption


def test_a_run_without_overrides_keeps_its_class_code_plain(tmp_path):
    out = tmp_path / "run"
    ran = run_cli("run", "--runs", "2", "--days", "10", "--seed", "baseline@42", "--out", out, check=True)
    assert "class code baseline@42," in ran.stdout and "--set" not in ran.stdout
    assert json.loads((out / "summary.json").read_text())["manifest"]["class_code_reproduces"] is True


def test_the_same_runs_under_two_hash_seeds(tmp_path):
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [*RUN_SIM, "run", "--runs", "6", "--days", "60", "--no-report", "--out", str(out)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        outs.append(out)
    assert (outs[0] / "runs.csv").read_bytes() == (outs[1] / "runs.csv").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(outs[0] / "events.parquet"), pd.read_parquet(outs[1] / "events.parquet")
    )


# -- reports that used to be skipped as "a bug" --------------------------------------------------
def test_many_phases_and_a_sweep_without_axes_get_their_reports(tmp_path):
    data = yaml.safe_load(BASELINE.read_text())
    for i in range(18):
        data["phases"][f"extra_{i}"] = {
            **copy.deepcopy(data["phases"]["energy_truce"]),
            "title": f"Phase {i}",
        }
    many = tmp_path / "many.yaml"
    many.write_text(yaml.safe_dump(data, sort_keys=False))
    ran = run_cli("run", many, "--runs", "3", "--days", "20", "--out", tmp_path / "many")
    assert ran.exit_code == 0 and "report not written" not in ran.output, ran.output
    assert (tmp_path / "many" / "report.html").is_file()
    spec = write_spec(tmp_path, replicates=12, days=120, axes={})
    ran = run_cli("sweep", spec, "--out", tmp_path / "flat", "--workers", "1")
    assert ran.exit_code == 0 and "report not written" not in ran.output, ran.output
    assert "varies no input" in (tmp_path / "flat" / "report.html").read_text()
