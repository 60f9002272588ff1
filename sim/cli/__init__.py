"""The command line: thin typer commands over the library (``ceasefire-sim --help``)."""

from sim.cli.main import app, main

__all__ = ["app", "main"]
