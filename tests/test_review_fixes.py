"""Hostile cases an independent review found after House II, each kept as a regression test."""

from __future__ import annotations

import copy
import subprocess
import sys

import yaml
from conftest import BASELINE, ROOT, run_cli

from sim.scenario.loader import load_scenario


def test_a_users_dot_files_are_never_taken_for_our_temporaries(tmp_path):
    out = tmp_path / "u"
    (out / ".tmp-mywork").mkdir(parents=True)
    (out / ".tmp-mywork" / "notes.txt").write_text("precious")
    (out / ".part-download").write_text("x")
    (out / ".summary.json.bak").write_text("x")
    ran = run_cli("run", "--runs", "2", "--days", "5", "--no-report", "--out", out)
    assert ran.returncode == 2, ran.stderr  # not empty, not ours: refused
    assert (out / ".tmp-mywork" / "notes.txt").read_text() == "precious"
    assert (out / ".part-download").is_file() and (out / ".summary.json.bak").is_file()
    ran = run_cli("report", out)
    assert ran.returncode == 2 and (out / ".tmp-mywork" / "notes.txt").is_file()


def test_force_leaves_a_figures_folder_holding_someone_elses_files(tmp_path):
    out = tmp_path / "ours"
    run_cli("run", "--runs", "2", "--days", "5", "--no-report", "--out", out, check=True)
    (out / "figures").mkdir()
    (out / "figures" / "my notes.txt").write_text("mine")
    ran = run_cli("run", "--runs", "2", "--days", "5", "--no-report", "--out", out, "--force")
    assert ran.returncode == 2 and "does not write" in ran.stderr
    assert (out / "figures" / "my notes.txt").read_text() == "mine"


def test_handout_force_rewrites_only_class_packs(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("mine")
    ran = run_cli("exercise", "handout", "leverage", "--runs", "3", "--out", site, "--force")
    assert ran.returncode == 2 and "not a class pack" in ran.stderr
    assert (site / "index.html").read_text() == "mine"
    ran = run_cli("exercise", "handout", "leverage", "--runs", "3", "--out", ".", "--force", cwd=site)
    assert ran.returncode == 2 and (site / "index.html").read_text() == "mine"


def _short(node):
    """The same phase with one-word provenance: 1,200 of them stay within the file size cap."""
    if isinstance(node, dict):
        if "evidence" in node or "assumption" in node:
            node = {k: v for k, v in node.items() if k not in ("evidence", "assumption")} | {
                "assumption": "aaa"
            }
        return {k: _short(v) for k, v in node.items()}
    return node


def test_a_long_prerequisite_chain_is_checked_without_recursion(tmp_path):
    data = yaml.safe_load(BASELINE.read_text())
    base = _short(data["phases"]["energy_truce"])
    # fewer values: within the YAML limits (and no agreed_on_day: 1,200 truces agreed on day 1)
    for optional in ("duration_days", "reopens_after_days", "agreed_on_day"):
        base.pop(optional)
    phases = {}
    for k in range(1200):
        phase = {**copy.deepcopy(base), "title": f"phase {k}"}
        if k + 1 < 1200:
            phase["prerequisites"] = [f"p{k + 1}"]
        phases[f"p{k}"] = phase
    data["phases"] = phases
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(data, default_flow_style=True, width=10**6))
    sc = load_scenario(path)  # valid: a chain, no cycle
    assert len(sc.phases) == 1200
    phases["p1199"]["prerequisites"] = ["p0"]  # now a cycle of 1200
    path.write_text(yaml.safe_dump(data, default_flow_style=True, width=10**6))
    ran = run_cli("scenario", "validate", path)
    assert ran.returncode == 2 and "prerequisites form a cycle" in ran.stderr


def test_a_path_too_long_is_one_line_in_a_process():
    long = "a" * 300
    for args in (["run", "--runs", "1", "--out", long], ["scenario", "show", long], ["report", long]):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "run_sim.py"), *args], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_unicode_digits_are_not_indices(tmp_path):
    ran = run_cli(
        "run",
        "--runs",
        "1",
        "--days",
        "3",
        "--no-report",
        "--out",
        tmp_path / "o",
        "--set",
        "humanitarian.scheduled.\u00b2.day=2",
    )
    assert ran.returncode == 2 and len(ran.stderr.strip().splitlines()) == 1, ran.stderr


def test_control_characters_in_an_out_path_are_shown_not_obeyed(tmp_path):
    out = tmp_path / "bad\nname\x1b[31mRED"
    out.mkdir()
    (out / "f").write_text("x")
    ran = run_cli("run", "--runs", "2", "--out", out)
    assert ran.returncode == 2
    assert "\x1b" not in ran.stderr and len(ran.stderr.strip().splitlines()) == 1, ran.stderr
