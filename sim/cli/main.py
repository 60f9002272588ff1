"""The command line: ``run``, ``trace``, ``report``, ``sweep``, ``analyze``, ``scenario``, ``exercise``,
``play``, ``app``, ``classroom``, ``deal`` and ``validate``, each a thin command over the library.

Bad input ends in one line per problem (file:line  field.path  what is wrong) and exit code 2,
never a traceback.
"""

from __future__ import annotations

import errno
import sys

import typer

from sim.cli import app as app_cli
from sim.cli import classroom as classroom_cli
from sim.cli import deal as deal_cli
from sim.cli import play as play_cli
from sim.cli import report as report_cli
from sim.cli import sweep as sweep_cli
from sim.cli import validate as validation_cli
from sim.cli.exercise import exercise_app
from sim.cli.exits import EXIT_BAD_INPUT
from sim.cli.run import run
from sim.cli.scenario import scenario_app
from sim.cli.trace import trace_cmd
from sim.text import neutral

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate phased ceasefire negotiations (US, Russia, Ukraine, ...).",
)
app.add_typer(scenario_app, name="scenario")
app.add_typer(exercise_app, name="exercise")
app.command("run")(run)
app.command("trace")(trace_cmd)
app.command("sweep")(sweep_cli.sweep)
app.command("analyze")(sweep_cli.analyze)
app.command("report")(report_cli.report)
app.command("play")(play_cli.play_command)
app.command("app")(app_cli.app)
app.command("classroom")(classroom_cli.classroom_command)
app.command("deal")(deal_cli.deal_command)
app.command("validate")(validation_cli.validate_command)


def main() -> None:
    """Run the command line; an operating-system refusal the commands did not foresee (a path too
    long, a full disk) still ends in one line, never a traceback."""
    try:
        app()
    except OSError as exc:
        where = f"{neutral(exc.filename)}: " if exc.filename else ""
        typer.echo(f"{where}{exc.strerror or neutral(exc)}", err=True)
        bad_input = exc.errno in (errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP)
        sys.exit(EXIT_BAD_INPUT if bad_input else 1)
