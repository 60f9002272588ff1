"""The ``classroom`` command: serve a live class session (``sim/classroom/app.py``) with Solara, offline.

The options are checked here, before anything starts: an unknown exercise, a malformed class code or a
number of tables or days out of range ends in one line and exit 2. The session itself (its tables,
its agents and its codes) lives in the server process (:mod:`sim.classroom.serve`), which builds it
from these options and prints the facilitator's, the projector's and every seat's code from there:
the codes never pass through a command line or an environment variable, where other users of the
machine could read them (``/proc``). The server follows this process as the dashboard's does
(:func:`sim.cli.app.serve`): Ctrl-C, SIGTERM or this process dying stops it and frees the port.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import OFFLINE_ENV, serve
from sim.cli.exits import fail
from sim.data import EXERCISES, SCENARIOS
from sim.scenario.class_code import find_scenario, parse_seed
from sim.teaching.exercise import find_exercise

MAX_TABLES = 12
MAX_ROUND_DAYS = 365
MAX_RUNS = 5000


def problems(
    exercise: str, class_code: str | None, tables: int, round_days: int, runs: int, port: int
) -> list:
    """What is wrong with the options, one line each (empty: the server may start)."""
    found = []
    try:
        find_exercise(exercise, EXERCISES)
    except ValueError as exc:
        found.append(f"EXERCISE: {exc}")
    if class_code is not None:
        try:
            code = parse_seed(class_code)
            if code.scenario:
                find_scenario(code.scenario, SCENARIOS)
        except ValueError as exc:
            found.append(f"--class-code {class_code!r}: " + str(exc).removeprefix("--seed: "))
    if not 1 <= tables <= MAX_TABLES:
        found.append(f"--tables: expected 1 to {MAX_TABLES} tables, got {tables}")
    if not 1 <= round_days <= MAX_ROUND_DAYS:
        found.append(f"--round-days: expected 1 to {MAX_ROUND_DAYS} simulated days a round, got {round_days}")
    if not 1 <= runs <= MAX_RUNS:
        found.append(f"--runs: expected 1 to {MAX_RUNS} runs for the ensemble, got {runs}")
    if not 1 <= port <= 65535:  # not 0 (any free port): the codes' address must name the port
        found.append(f"--port: expected 1 to 65535, got {port}")
    return found[:1]  # one line: the first thing to fix


def classroom_command(
    exercise: Annotated[
        str, typer.Argument(help="the exercise the class plays (a name or a file)")
    ] = "leverage",
    class_code: Annotated[
        str | None, typer.Option(help="SCENARIO@SEED, e.g. baseline@11 (default: the exercise's)")
    ] = None,
    tables: Annotated[int, typer.Option(help=f"tables in the class (1 to {MAX_TABLES})")] = 3,
    round_days: Annotated[int, typer.Option(help="simulated days a round lasts")] = 7,
    runs: Annotated[
        int, typer.Option(help="agent-only runs of the ensemble the projector places tables in")
    ] = 200,
    host: Annotated[
        str, typer.Option(help="address to listen on (default: this machine only; 0.0.0.0: the LAN)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8766,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="folder Save writes to (default: new under results/)"),
    ] = None,
) -> None:
    """Run a live class: a seat per table and actor, a facilitator console and a projector view."""
    if importlib.util.find_spec("solara") is None:
        raise fail(["the classroom needs solara: pip install -e . (see the README)"])
    wrong = problems(exercise, class_code, tables, round_days, runs, port)
    if wrong:
        raise fail(wrong)
    session = ["--exercise", exercise, "--tables", str(tables), "--round-days", str(round_days)]
    session += ["--runs", str(runs), "--host", host, "--port", str(port)]
    if class_code is not None:
        session += ["--class-code", class_code]
    if out_dir is not None:
        session += ["--out", str(out_dir)]
    solara = ["--host", host, "--port", str(port), "--no-check-version", "--production", "--no-open"]
    args = [sys.executable, "-m", "sim.classroom.serve", str(os.getpid()), *session, "--", *solara]
    env = {**os.environ, **OFFLINE_ENV}
    here = str(Path(__file__).resolve().parents[2])  # the child imports this same ``sim``, installed or not
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    raise typer.Exit(serve(args, env))
