"""End to end: the README's run command, in a subprocess, writes the files with their columns.

The other commands run in-process (the ``cli`` fixture): the same command line, without ~2.5 s of imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from conftest import ROOT

RUNS_COLUMNS = [
    "run",
    "seed",
    "outcome",
    "furthest_phase",
    "violations_true",
    "violations_perceived",
    "false_accusations",
    "prisoners_exchanged",
]
PHASES = ["energy_truce", "maritime_truce", "full_ceasefire", "peace_framework"]
OUTCOMES = {"peace_framework", "full_ceasefire", "partial_truce", "no_truce"}


def test_run_writes_summary_runs_and_days(tmp_path, cli):
    out = tmp_path / "out"
    proc = cli("run", "--runs", "8", "--days", "60", "--out", str(out), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "Outcome on the last day" in proc.stdout and "prisoners exchanged" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "runs", "seed", "outcome_shares", "phase_reached_share", "median_entered_day"):
        assert key in summary
    assert summary["runs"] == 8 and summary["scenario"] == "baseline"
    assert set(summary["phase_reached_share"]) == set(PHASES)
    assert abs(sum(summary["outcome_shares"].values()) - 1) < 1e-9
    assert set(summary["outcome_shares"]) >= OUTCOMES
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 8
    for col in RUNS_COLUMNS + [f"{p}_entered_day" for p in PHASES] + [f"{p}_days_in_force" for p in PHASES]:
        assert col in runs.columns, col
    assert set(runs["outcome"]) <= OUTCOMES
    days = pd.read_parquet(out / "days.parquet")
    assert len(days) == 8 * 60
    assert {"run", "seed", "day", "date", "violations_true"} <= set(days.columns)
    assert str(days["date"].iloc[0].date()) == "2025-03-19"
    events = pd.read_parquet(out / "events.parquet")
    assert {"accept", "reject", "comply"} & set(events["event"])
    assert {"utility", "reservation", "trust", "ripeness", "pressure"} <= set(events.columns)


def test_set_and_seed_flags_and_refusal_to_overwrite(tmp_path, cli):
    out = tmp_path / "o"
    args = [
        "run",
        "--runs",
        "1",
        "--days",
        "5",
        "--seed",
        "4",
        "--set",
        "phases.full_ceasefire.duration_days=60",
        "--out",
        str(out),
    ]
    first = cli(*args, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4
    assert summary["manifest"]["overrides"] == ["phases.full_ceasefire.duration_days=60"]
    before = (out / "runs.csv").read_bytes()
    again = cli(*args, cwd=ROOT)
    assert again.returncode == 2 and "not empty" in again.stderr
    assert (out / "runs.csv").read_bytes() == before
    bad = cli(
        "run",
        "--runs",
        "1",
        "--set",
        "actors.russia.positions.military_aid=2",
        "--out",
        str(tmp_path / "b"),
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "actors.russia.positions.military_aid" in bad.stderr


def test_the_readme_run_command_as_written(tmp_path):
    # the README's first command, minus the install: `.venv/bin/ceasefire-sim run`, from a folder
    readme = (ROOT / "README.md").read_text()
    first = readme.split("```bash\n", 1)[1].split("\n", 1)[0]
    assert first.endswith("&& .venv/bin/ceasefire-sim run"), first
    command = Path(sys.executable).with_name("ceasefire-sim")
    assert command.is_file(), f"{command}: the installed command is missing (pip install -e .)"
    proc = subprocess.run(
        [str(command), "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (out,) = list((tmp_path / "results").iterdir())
    assert out.name.startswith("baseline-")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 200 and summary["seed"] == 20250318 and summary["days"] == 180
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 200 and list(runs["run"]) == list(range(200))
    assert len(pd.read_parquet(out / "days.parquet", columns=["run"])) == 200 * 180
    for share in summary["phase_reached_share"].values():
        assert 0.0 <= share <= 1.0


def test_a_class_code_names_the_scenario_and_the_seed(tmp_path, cli):
    """`--seed baseline@42` gives the same runs as the baseline file with --seed 42, from any folder."""
    by_code, by_parts = tmp_path / "code", tmp_path / "parts"
    base = ["run", "--runs", "5", "--days", "40", "--no-report"]
    cli(*base, "--seed", "baseline@42", "--out", str(by_code), cwd=tmp_path, check=True)
    cli(
        *base,
        str(ROOT / "scenarios" / "baseline.yaml"),
        "--seed",
        "42",
        "--out",
        str(by_parts),
        cwd=tmp_path,
        check=True,
    )
    assert (by_code / "runs.csv").read_bytes() == (by_parts / "runs.csv").read_bytes()
    manifest = json.loads((by_code / "summary.json").read_text())["manifest"]
    assert manifest["class_code"] == "baseline@42"
    for args, message in (
        (["--seed", "nope@1"], "no scenario named 'nope'"),
        (["--seed", "baseline@x"], "class code SCENARIO@SEED"),
        ([str(ROOT / "scenarios" / "variants" / "eu_actor.yaml"), "--seed", "baseline@1"], "is 'eu_actor'"),
    ):
        bad = cli(*base, *args, cwd=tmp_path)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr


def test_format_without_a_report_is_refused(tmp_path, cli):
    bad = cli("run", "--no-report", "--format", "png", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "cannot go with --no-report" in bad.stderr
    assert not (tmp_path / "x").exists(), "refused before anything is written"
