"""The ``app`` command: serve the dashboard (``sim/app.py``) on this machine, offline.

Solara's version check and telemetry would reach the internet: both are turned off here, and the
page's front-end comes from the installed ``solara-assets``, so the dashboard works with no network.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.exits import fail

APP = Path(__file__).resolve().parent / "app.py"
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports to mixpanel
    "SOLARA_CHECK_VERSION": "False",
}


def app(
    host: Annotated[str, typer.Option(help="address to listen on (a projector: this machine)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free port)")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="open it in the browser")] = False,
) -> None:
    """Start the dashboard: pick a scenario, move sliders, step the run and watch its plots."""
    missing = [
        m for m in ("solara", "mesa.visualization") if importlib.util.find_spec(m.split(".")[0]) is None
    ]
    if missing:
        raise fail([f"the dashboard needs {', '.join(missing)}: pip install -e . (see the README)"])
    args = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port)]
    args += ["--no-check-version", "--production", "--open" if open_browser else "--no-open"]
    env = {**os.environ, **OFFLINE_ENV}
    print(f"dashboard: http://{host}:{port} (Ctrl-C to stop)", flush=True)
    try:
        raise typer.Exit(subprocess.call(args, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
