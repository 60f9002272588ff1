"""The house's structure as contracts: stages import only downward (import-linter), and the scenario
and the model type-check (mypy). Both read the code; neither runs the simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stages_import_only_downward():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_the_model_never_imports_play_or_presentation():
    """Spelled out, beside the layer contract: the model and the scenario import no presentation."""
    for folder in ("model", "scenario"):
        for path in (ROOT / "sim" / folder).glob("*.py"):
            text = path.read_text()
            for banned in ("sim.play", "sim.plots", "sim.reports", "sim.cli", "plotly", "rich", "typer"):
                assert f"import {banned}" not in text and f"from {banned}" not in text, (path, banned)


def test_scenario_and_model_type_check():
    from mypy import api

    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "sim/scenario", "sim/model"]
    )
    assert status == 0, stdout[-4000:] + stderr[-2000:]
