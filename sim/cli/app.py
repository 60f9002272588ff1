"""The ``app`` command: serve the dashboard (``sim/dashboard/app.py``) on this machine, offline.

Solara's version check and telemetry would reach the internet: both are turned off here, and the
page's front-end comes from the installed ``solara-assets``, so the dashboard works with no network.

The server runs in a child process (``sim.dashboard.serve``) that never outlives this one: SIGTERM,
SIGINT (Ctrl-C) or SIGHUP here stop it before ``app`` exits, and should ``app`` die without a word
(SIGKILL), the child follows it by itself. So no server is left holding the port.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.exits import fail

OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports to mixpanel
    "SOLARA_CHECK_VERSION": "False",
}
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))
GRACE = 10.0
"""Seconds the server has to shut down cleanly when asked, before it is killed."""


class _Stop(Exception):
    """A stop signal arrived: unwinds ``app`` out of waiting on its server."""


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def _stop(proc: subprocess.Popen) -> None:
    """End the server: ask, give it ``GRACE`` seconds, then kill it. Another signal kills it at once."""
    try:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=GRACE)
    except (subprocess.TimeoutExpired, _Stop):
        pass
    while proc.poll() is None:
        try:
            proc.kill()
            proc.wait()
        except _Stop:
            continue


def serve(args: list[str], env: dict[str, str]) -> int:
    """Run the server until it ends (its exit code) or a stop signal arrives (0); it never outlives us.

    Signal handlers can only be set from the main thread; elsewhere (a test's runner) the child's own
    watch on its parent still ends it with us.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, _raise_stop) for s in STOP_SIGNALS} if main else {}
    proc: subprocess.Popen | None = None
    try:
        proc = subprocess.Popen(args, env=env)
        code = proc.wait()
        return 128 - code if code < 0 else code  # killed by a signal: the shell's convention
    except _Stop:
        return 0
    finally:
        if proc is not None:
            _stop(proc)
        for s, handler in previous.items():
            signal.signal(s, handler)


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
    where = ["--host", host, "--port", str(port)]
    options = ["--no-check-version", "--production", "--open" if open_browser else "--no-open"]
    args = [sys.executable, "-m", "sim.dashboard.serve", str(os.getpid()), *where, *options]  # follows us
    env = {**os.environ, **OFFLINE_ENV}
    here = str(Path(__file__).resolve().parents[2])  # the child imports this same ``sim``, installed or not
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    print(f"dashboard: http://{host}:{port} (Ctrl-C to stop)", flush=True)
    raise typer.Exit(serve(args, env))
