"""How the command line ends on bad input: one line per problem on stderr, exit code 2."""

from __future__ import annotations

import typer

from sim.text import neutral

EXIT_BAD_INPUT = 2


def fail(problems: list) -> typer.Exit:
    """Print each problem on one line to stderr; the caller raises the returned Exit(2)."""
    for p in problems:
        # one unwrapped line per problem, for people and for grep: a path or value from the user with
        # a newline or an escape sequence in it is shown, not obeyed
        typer.echo(neutral(str(p), limit=4000).replace("\n", "\\n"), err=True)
    return typer.Exit(EXIT_BAD_INPUT)
