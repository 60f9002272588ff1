"""The data the program ships with: scenarios, exercises, the observed record and the seed article.

Found through ``importlib.resources``, so an installed wheel finds them as a clone does. In a clone
the top-level ``scenarios/`` and ``exercises/`` are links to these folders.

A scenario or sweep spec argument is resolved here, once, for the command line and the Python API:
a file path as given, else the shipped file of that relative path (``scenarios/variants/eu_actor.yaml``
from any folder), else a shipped scenario's ``name`` (``baseline``, ``us_aid_halted``).
"""

from __future__ import annotations

import os
import stat
from importlib.resources import files
from pathlib import Path

DATA = Path(str(files(__name__)))
SCENARIOS = DATA / "scenarios"
EXERCISES = DATA / "exercises"
RECORD = SCENARIOS / "observed" / "2025.yaml"
ARTICLE = DATA / "seed-article.md"
BASELINE = SCENARIOS / "baseline.yaml"
SWEEPS = SCENARIOS / "sweeps"
_NOT_SCENARIOS = ("observed", "sweeps")
"""Folders of scenarios/ that hold other YAML: the observed record and sweep specs."""


class UnknownScenario(ValueError):
    """A scenario or sweep argument is neither a file nor a shipped one; the message lists those."""


def shown(path: Path) -> str:
    """A shipped file's path as the project names it (``scenarios/baseline.yaml``); others as given."""
    try:
        return str(path.resolve().relative_to(DATA.resolve()))
    except ValueError:
        return str(path)


_PEEK_BYTES = 1 << 20
"""A file larger than this is no scenario of ours: not read to find a name (its loader says why)."""


def _top_level(path: Path) -> dict:
    """A YAML file's top-level mapping, or {} if it cannot be read (its loader reports why later).

    Only a regular file under the size cap is read (in a clone ``scenarios/`` is a folder users can
    write to: a FIFO or a huge file there must not block or exhaust a lookup by name); only plain
    data is parsed, and any failure means "no name here".
    """
    import yaml  # here, not at the top: importing sim.data stays cheap

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _PEEK_BYTES:
            return {}
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def scenario_files() -> dict[str, Path]:
    """Every shipped scenario by its ``name``: the top level first, then the folders (variants, ...)."""
    paths = sorted(SCENARIOS.glob("*.yaml")) + sorted(
        p for p in SCENARIOS.glob("*/*.yaml") if p.parent.name not in _NOT_SCENARIOS
    )
    found: dict[str, Path] = {}
    for path in paths:
        name = _top_level(path).get("name")
        if isinstance(name, str):
            found.setdefault(name, path)
    return found


def sweep_files() -> dict[str, Path]:
    """Every shipped sweep spec by its name (its ``name`` field, else the file's stem)."""
    found: dict[str, Path] = {}
    for path in sorted(SWEEPS.glob("*.yaml")):
        name = _top_level(path).get("name")
        found.setdefault(name if isinstance(name, str) else path.stem, path)
    return found


def _shipped(arg: Path) -> Path | None:
    """The shipped file a relative path names: ``scenarios/x.yaml``, ``variants/x.yaml``, ``sim/data/...``.

    Only files inside the shipped data count: ``../`` cannot lead out of it.
    """
    if arg.is_absolute():
        return None
    if arg.parts[:2] == ("sim", "data"):
        arg = Path(*arg.parts[2:]) if len(arg.parts) > 2 else Path()
    root = DATA.resolve()
    for base in (DATA, SCENARIOS):
        candidate = base / arg
        if candidate.is_file() and candidate.resolve().is_relative_to(root):
            return candidate
    return None


def _is_name(text: str) -> bool:
    return "/" not in text and "\\" not in text and not text.endswith((".yaml", ".yml"))


def _unknown(text: str, what: str, known: dict[str, Path]) -> str:
    names = ", ".join(sorted(known)) or "none"
    if _is_name(text):
        return f"{text}: no such file, and no shipped {what} of that name (shipped: {names})"
    return f"{text}: no such file, here or among the shipped {what}s (shipped: {names})"


def resolve_scenario(arg: str | Path) -> Path:
    """The scenario file ``arg`` means: a path as given, a shipped relative path, or a shipped name.

    A path that exists wins, so a local file shadows a shipped one of the same name. Raises
    :class:`UnknownScenario` (a ValueError) with one line that lists the shipped scenarios.
    """
    path = Path(arg).expanduser()
    if os.path.lexists(path):  # anything there (a FIFO, a folder, a broken link): its reader says what
        return path
    shipped = _shipped(path)
    if shipped is not None:
        return shipped
    text = str(arg)
    known = scenario_files()
    if _is_name(text) and text in known:
        return known[text]
    if _is_name(text):
        stems = {p.stem: p for p in known.values()}
        if text in stems:
            return stems[text]
    raise UnknownScenario(_unknown(text, "scenario", known))


def resolve_sweep(arg: str | Path) -> Path:
    """The sweep spec ``arg`` means: a path as given, a shipped relative path, or a shipped spec's name.

    ``scenarios/sweeps/minimal.yaml`` and ``minimal`` both find the shipped spec from any folder.
    Raises :class:`UnknownScenario` (a ValueError) with one line that lists the shipped specs.
    """
    path = Path(arg).expanduser()
    if os.path.lexists(path):  # anything there (a FIFO, a folder, a broken link): its reader says what
        return path
    shipped = _shipped(path) or _shipped(Path("sweeps") / path)
    if shipped is not None:
        return shipped
    text = str(arg)
    known = sweep_files()
    if _is_name(text):
        if text in known:
            return known[text]
        stems = {p.stem: p for p in known.values()}
        if text in stems:
            return stems[text]
    raise UnknownScenario(_unknown(text, "sweep spec", known))
