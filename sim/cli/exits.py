"""How the command line ends on bad input: one line per problem on stderr, exit code 2."""

from __future__ import annotations

import typer

EXIT_BAD_INPUT = 2


def fail(problems: list) -> typer.Exit:
    """Print each problem on one line to stderr; the caller raises the returned Exit(2)."""
    for p in problems:
        typer.echo(str(p), err=True)  # one unwrapped line per problem, for people and for grep
    return typer.Exit(EXIT_BAD_INPUT)
