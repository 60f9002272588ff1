"""Shared fixtures: the project's root, the baseline scenario, a small ensemble helper, and ``cli``:
the command line run in this process (a subprocess pays ~2.5 s of imports per call)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

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


@dataclass(frozen=True)
class Ran:
    """What a command did, shaped like ``subprocess.CompletedProcess`` (and click's ``Result``)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr interleaved, as a terminal shows them
    exception: BaseException | None  # None, or the SystemExit of a non-zero exit

    @property
    def exit_code(self) -> int:
        return self.returncode


def run_cli(*args: str | Path, cwd: Path | None = None, input: str | None = None, check: bool = False) -> Ran:
    """Run ``run_sim.py ARGS`` in this process, in ``cwd`` if given (else this process's folder);
    ``check`` requires exit code 0, as ``subprocess.run(check=True)`` does.

    An exception the command does not turn into an exit code is raised here, with its traceback and
    the command's output: in a subprocess it would be a traceback on stderr, which no test accepts.
    """
    from sim.cli import app

    argv = [str(a) for a in args]
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        for console in _module_consoles():
            # built at import: on a terminal (pytest -s) they would colour; through a pipe they never do
            stack.callback(setattr, console, "_color_system", console._color_system)
            console._color_system = None
        result = CliRunner().invoke(app, argv, input=input)
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        exc.add_note(f"raised by `run_sim.py {' '.join(argv)}`")
        exc.add_note(f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        raise exc
    if check and result.exit_code != 0:
        pytest.fail(f"`run_sim.py {' '.join(argv)}` exited {result.exit_code}:\n{result.output}")
    return Ran(argv, result.exit_code, result.stdout, result.stderr, result.output, exc)


def _module_consoles() -> list[Console]:
    """The rich consoles the command modules create at import (they find sys.stdout at each write)."""
    found = {
        id(value): value
        for name, module in list(sys.modules.items())
        if name.startswith("sim.") and module is not None
        for value in vars(module).values()
        if isinstance(value, Console)
    }
    return list(found.values())


@pytest.fixture
def cli():
    """``cli("run", "--runs", "2", cwd=tmp_path)``: the command line in-process (see ``run_cli``)."""
    return run_cli


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


def free_port() -> int:
    """A port nothing listens on now, for a test's own server (the browser tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], every: float = 0.25, timeout: float = 120.0) -> None:
    """Poll ``check`` until it holds, for up to a generous ``timeout`` (never asserted on); then assert it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not check():
        time.sleep(every)
    assert check()
