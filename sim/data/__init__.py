"""The data the program ships with: scenarios, exercises, the observed record and the seed article.

Found through ``importlib.resources``, so an installed wheel finds them as a clone does. In a clone
the top-level ``scenarios/`` and ``exercises/`` are links to these folders.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DATA = Path(str(files(__name__)))
SCENARIOS = DATA / "scenarios"
EXERCISES = DATA / "exercises"
RECORD = SCENARIOS / "observed" / "2025.yaml"
ARTICLE = DATA / "seed-article.md"
BASELINE = SCENARIOS / "baseline.yaml"


def shown(path: Path) -> str:
    """A shipped file's path as the project names it (``scenarios/baseline.yaml``); others as given."""
    try:
        return str(path.resolve().relative_to(DATA.resolve()))
    except ValueError:
        return str(path)
