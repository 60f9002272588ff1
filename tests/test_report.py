"""Reports end to end: built from fresh simulations, self-contained, escaped, and rendered in Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.offline
import pytest
import yaml
from conftest import BASELINE, chromium_render_status, run_cli

from sim.reports.build import build_report
from sim.reports.html import render

HOSTILE = "<script>alert(1)</script>"
RESOURCE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", re.I)


def hostile_scenario(tmp_path: Path) -> Path:
    """The baseline with a scenario title, an actor name and a quote that try to inject HTML."""
    data = yaml.safe_load(BASELINE.read_text())
    data["title"] = HOSTILE
    data["actors"]["russia"]["name"] = '<img src=x onerror="alert(2)">'
    data["issues"]["energy_truce"]["status_quo"]["evidence"]["quote"] = "</td><script>alert(3)</script>"
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def invoke(*args: str):
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result


def without_plotly_js(page: str) -> str:
    """The page minus the embedded plotly.js bundle (whose code mentions URLs it never loads here)."""
    js = plotly.offline.get_plotlyjs()
    assert page.count(js) == 1, "plotly.js must be embedded exactly once"
    return page.replace(js, "")


def assert_self_contained_and_escaped(page: str) -> None:
    rest = without_plotly_js(page)
    assert "http://" not in rest and "https://" not in rest
    assert not RESOURCE.search(rest), RESOURCE.search(rest)
    assert "<script src" not in page.lower() and "<link" not in page.lower()
    assert HOSTILE not in page and "alert(1)</script>" not in page
    assert "<img src=x" not in page and "</td><script>alert(3)" not in page


@pytest.fixture(scope="module")
def ensemble_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("ensemble")
    out = tmp / "out"
    result = invoke("run", str(hostile_scenario(tmp)), "--runs", "30", "--days", "90", "--out", str(out))
    assert "report.html" in result.output
    return out


def test_ensemble_report_is_self_contained_escaped_and_complete(ensemble_dir):
    page = (ensemble_dir / "report.html").read_text()
    assert_self_contained_and_escaped(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    report = build_report(ensemble_dir)
    names = [c.name for c in report.charts]
    for expected in (
        "outcomes",
        "phase-occupancy",
        "phase-flow",
        "phase-entry",
        "violations-per-week",
        "trust",
        "costs",
    ):
        assert expected in names
    per_run = [n for n in names if n.startswith("run")]
    assert len(per_run) in (6, 12)  # the six figures of one or two representative runs
    assert len(re.findall(r'download="[^"]+\.csv" href="data:text/csv;base64,', page)) == len(names)
    assert len(report.provenance) > 100 and "seed-article#P" in page
    assert render(report) == render(build_report(ensemble_dir)), "same folder, same bytes"


def test_report_command_rebuilds_without_resimulating(ensemble_dir):
    before = {p.name: p.stat().st_mtime_ns for p in ensemble_dir.iterdir() if p.suffix != ".html"}
    (ensemble_dir / "report.html").unlink()
    invoke("report", str(ensemble_dir))
    assert (ensemble_dir / "report.html").is_file()
    assert {p.name: p.stat().st_mtime_ns for p in ensemble_dir.iterdir() if p.suffix != ".html"} == before


def test_single_run_report(tmp_path):
    out = tmp_path / "one"
    invoke("run", "--runs", "1", "--days", "60", "--out", str(out))
    report = build_report(out)
    assert report.kind == "run"
    assert [c.name.split("-", 1)[1] for c in report.charts] == [
        "timeline",
        "trust",
        "violations",
        "costs",
        "packages",
        "exchanges",
    ]
    assert_self_contained_and_escaped((out / "report.html").read_text())


def test_runs_shorter_than_a_week_still_get_a_report(tmp_path):
    out = tmp_path / "short"
    invoke("run", "--runs", "3", "--days", "6", "--out", str(out))
    names = [c.name for c in build_report(out).charts]
    assert "violations-per-week" not in names and "trust" in names


def test_no_report_flag_and_bad_folders(tmp_path):
    out = tmp_path / "plain"
    invoke("run", "--runs", "2", "--days", "20", "--out", str(out), "--no-report")
    assert not (out / "report.html").exists()
    for folder, message in (
        (tmp_path / "missing", "no such folder"),
        (tmp_path, "not a run or sweep folder"),
    ):
        result = run_cli("report", str(folder))
        assert result.exit_code == 2
        assert message in result.output and "Traceback" not in result.output
    (out / "days.parquet").write_text("not parquet")
    result = run_cli("report", str(out))
    assert result.exit_code == 2 and "days.parquet: unreadable" in result.output
    assert not (out / "report.html").exists(), "a failed report leaves nothing half-written"


def test_sweep_report_with_sensitivity(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": str(hostile_scenario(tmp_path)),
                "seed": 3,
                "replicates": 3,
                "design": "sobol",
                "samples": 8,
                "days": 60,
                "axes": {
                    "monitoring.strength": {"low": 0.1, "high": 0.9},
                    "actors.us.levers.normalisation.strength": {"low": 0.0, "high": 0.2},
                    "dynamics.cost_of_war": {"low": 0.5, "high": 2.0},
                },
            }
        )
    )
    out = tmp_path / "sweep"
    invoke("sweep", str(spec), "--out", str(out), "--workers", "1")
    names = [c.name for c in build_report(out).charts]
    assert names[0] == "response-curves" and "parallel-coordinates" in names and "feature-scores" in names
    assert sum(n.startswith("heatmap-") for n in names) == 3  # every pair of three axes
    assert "sensitivity" not in names
    invoke("analyze", str(out))
    report = build_report(out)
    assert "sensitivity" in [c.name for c in report.charts]
    assert any(row[1].endswith("(swept)") for row in report.provenance)
    assert_self_contained_and_escaped((out / "report.html").read_text())
    # an unfinished sweep says so (here: the manifest as a killed sweep leaves it)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running", "total_runs": 240}))
    assert "running, not finished: 120 of 240 runs stored" in build_report(out).caption


def test_ensemble_report_renders_in_headless_chromium_without_errors(ensemble_dir, tmp_path):
    status, dom = chromium_render_status(ensemble_dir / "report.html", tmp_path)
    assert status["errors"] == []
    assert status["figures"] == len(build_report(ensemble_dir).charts)
    assert status["rendered"] == status["figures"]
    assert "main-svg" in dom


def test_a_report_that_fails_after_a_run_warns_in_one_line_and_leaves_no_stale_page(tmp_path, monkeypatch):
    from sim.jobs import report as report_job

    out = tmp_path / "run"
    invoke("run", "--runs", "2", "--days", "10", "--out", str(out))
    assert (out / "report.html").is_file()

    def broken(folder):
        raise RuntimeError("a figure failed\nacross two lines")

    monkeypatch.setattr(report_job, "build_report", broken)
    assert report_job.write_folder_report(out).written is False
    assert not (out / "report.html").exists(), "an older report would describe other data"
    result = run_cli("report", str(out))
    assert result.exit_code == 2
    assert "RuntimeError: a figure failed across two lines (a bug: please report it)" in result.output
    assert "Traceback" not in result.output
