"""Shared fixtures: the project's root, the baseline scenario, and a small ensemble helper."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sim.experiments.ensemble import run_ensemble
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def ensemble_rows(overrides: list[str], runs: int, seed: int = 7, days: int | None = None) -> list[dict]:
    """Per-run rows of an ensemble of the baseline with ``overrides`` (PATH=VALUE strings)."""
    return run_ensemble(load_scenario(BASELINE, overrides), runs, seed, days).rows


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: any network fetch would fail, and show
    "--virtual-time-budget=30000",
]


def chromium_render_status(page: Path, tmp_path: Path) -> tuple[dict, str]:
    """Open a page in headless Chromium, offline; its ``data-render`` status and the rendered DOM.

    Skips without Chromium, unless CEASEFIRE_REQUIRE_CHROMIUM is set (CI), where it fails.
    """
    if CHROMIUM is None:
        if os.environ.get("CEASEFIRE_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (CEASEFIRE_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("needs Chromium (.ci/run installs Debian's chromium)")
    profile = tmp_path / f"profile-{page.stem}"
    proc = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    match = re.search(r"data-render=\"([^\"]*)\"", proc.stdout)
    assert match, f"the page never reported its render status: {proc.stderr[-2000:]}"
    return json.loads(match.group(1).replace("&quot;", '"')), proc.stdout
