"""The classroom's server process: builds the class session, prints its codes, then serves the pages.

``python -m sim.classroom.serve PARENT_PID SESSION_OPTIONS -- SOLARA_OPTIONS`` is what the
``classroom`` command starts. It follows its parent as the dashboard's server does
(:func:`sim.dashboard.serve.die_with`), then opens the session here, in the process that serves it:
every browser's page reads and changes this one object. The codes are made here too and printed once
to the terminal (one line per seat), never handed over on a command line or in the environment.

Solara runs ``sim.classroom.app`` by its module name, so it finds the module this process already
imported, with the session installed (a script path would be executed afresh, without it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.dashboard.serve import die_with
from sim.text import neutral

APP = "sim.classroom.app"
EXIT_BAD_INPUT = 2


def _options(argv: list[str]) -> tuple[int, argparse.Namespace, list[str]]:
    parent, rest = int(argv[0]), argv[1:]
    cut = rest.index("--") if "--" in rest else len(rest)
    parser = argparse.ArgumentParser(prog="sim.classroom.serve")
    parser.add_argument("--exercise", default="leverage")
    parser.add_argument("--class-code", default=None)
    parser.add_argument("--tables", type=int, default=3)
    parser.add_argument("--round-days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--out", type=Path, default=None)
    return parent, parser.parse_args(rest[:cut]), rest[cut + 1 :]


def _say(line: str) -> None:
    print(neutral(line), flush=True)


def announce(session, host: str, port: int) -> None:
    """The codes to hand out, one line each: the facilitator's first, then each table's seats."""
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    title = session.loaded.exercise.title
    _say(f"classroom: {title} · class code {session.class_code} · {len(session.tables)} tables")
    _say(f"open http://{shown}:{port}/ and enter a code (Ctrl-C to stop)")
    _say(f"facilitator: {session.facilitator_code}")
    _say(f"projector:   {session.projector_code}")
    for table in session.tables:
        for seat in table.seats.values():
            _say(f"table {table.number} {seat.name}: {seat.code}")


def main(argv: list[str]) -> None:
    """Follow the parent, open the session (a bad option: one line, exit 2), then run Solara."""
    parent, opts, solara_options = _options(argv)
    die_with(parent)
    from sim.classroom.session import SessionError, open_session

    try:
        session = open_session(
            exercise=opts.exercise,
            class_code=opts.class_code,
            tables=opts.tables,
            round_days=opts.round_days,
            ensemble_runs=opts.runs,
        )
    except SessionError as exc:
        print(neutral(str(exc)).replace("\n", "\\n"), file=sys.stderr, flush=True)
        sys.exit(EXIT_BAD_INPUT)
    from sim.classroom import app  # after the session: importing Solara takes seconds

    app.install(session, opts.out)
    announce(session, opts.host, opts.port)
    from solara.__main__ import cli

    cli(["run", APP, *solara_options], prog_name="solara")


if __name__ == "__main__":
    main(sys.argv[1:])
