"""Reading scenario files: YAML with line numbers, ``extends`` for variants, ``--set`` overrides.

Every problem becomes a :class:`Problem` naming the file, the line, the field path and what is
wrong, so the command line can print one line per problem and no traceback. Files are read through
:mod:`sim.scenario.reading` (regular files, bounded, plain-data YAML); parameter paths are
:mod:`sim.scenario.paths`' (``apply_override`` and ``parse_assignment`` are re-exported here).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sim.scenario.paths import apply_override, parse_assignment
from sim.scenario.reading import Path_, Problem, ScenarioError, Source, read_yaml
from sim.scenario.reading import dotted as _dotted
from sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "ScenarioError",
    "Source",
    "apply_override",
    "load_scenario",
    "load_source",
    "merge",
    "parse_assignment",
    "problems_from",
    "read_yaml",
    "validate",
]

MAX_EXTENDS = 16
"""Files in one ``extends`` chain at most (a variant of a variant of ... the baseline)."""
SCENARIO_SUFFIXES = (".yaml", ".yml")
SCENARIO_KEYS = frozenset(Scenario.model_fields) | {"extends"}
"""The top-level keys a file another file names as its scenario may have."""


def load_source(path: Path | str, *, referenced: bool = False, _chain: tuple[Path, ...] = ()) -> Source:
    """Read a scenario file, resolving ``extends: base.yaml`` by a deep merge onto the base.

    In a merge, mappings merge key by key; a mapping with a ``value`` key (a seeded value)
    replaces the base's whole, so an overridden number must bring its own evidence or assumption.

    A base is a scenario file (``.yaml``/``.yml``, a mapping of scenario fields), at most
    :data:`MAX_EXTENDS` files deep, never one already in the chain. A base is another file the
    scenario names (``referenced``, like a sweep spec's scenario): it must be a scenario file, and
    its problems name it and the line but never echo what it holds.
    """
    path = Path(path)
    chain = (*_chain, Path(os.path.realpath(path)))
    referenced = referenced or bool(_chain)
    src = read_yaml(path, echo=not referenced, fields=SCENARIO_KEYS if referenced else None)
    base_ref = src.data.pop("extends", None)
    if base_ref is None:
        return src
    line = src.lines.get(("extends",), (str(path), None))[1]

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), line, "extends", message)])

    if not isinstance(base_ref, str) or not base_ref.strip():
        raise refuse("expected a file name")
    base_path = path.parent / base_ref
    if base_path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise refuse(f"{base_path}: not a scenario file (a scenario is a .yaml or .yml file)")
    if not os.path.lexists(base_path):
        raise refuse(f"no such file: {base_path}")
    resolved = Path(os.path.realpath(base_path))
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise refuse(f"extends itself: {cycle}")
    if len(chain) >= MAX_EXTENDS:
        raise refuse(f"{base_path}: the extends chain is longer than {MAX_EXTENDS} files")
    base = load_source(base_path, _chain=chain)
    lines = dict(base.lines)
    lines.update({k: v for k, v in src.lines.items() if k != ("extends",)})
    return Source(merge(base.data, src.data), lines)


def merge(base: Any, overlay: Any) -> Any:
    """Deep-merge ``overlay`` onto ``base`` (see :func:`load_source`); inputs are not changed."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)) or "value" in overlay:
        return copy.deepcopy(overlay)
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        out[key] = merge(out[key], value) if key in out else copy.deepcopy(value)
    return out


def load_scenario(path: Path | str, overrides: Iterable[str | tuple[str, Any]] = ()) -> Scenario:
    """Load, merge, override and validate a scenario; :class:`ScenarioError` lists what is wrong."""
    src = load_source(path)
    problems: list[Problem] = []
    for item in overrides:
        try:
            p, v = parse_assignment(item) if isinstance(item, str) else item
            apply_override(src.data, p, v)
            overridden = tuple(p.removesuffix(".value").split("."))
            for key in [k for k in src.lines if k[: len(overridden)] == overridden]:
                del src.lines[key]  # errors there are the override's, not the file's
            src.lines[overridden] = ("--set", 0)
        except (KeyError, ValueError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            problems.append(Problem("--set", None, str(item).partition("=")[0], msg))
    if problems:
        raise ScenarioError(problems)
    return validate(src, str(path))


def validate(src: Source, name: str) -> Scenario:
    """Validate parsed data against the schema, mapping each error to its file and line."""
    try:
        return Scenario.model_validate(src.data)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, src, name)) from None


def problems_from(exc: ValidationError, src: Source, name: str, tags: Iterable[str] = ()) -> list[Problem]:
    """One :class:`Problem` per validation error, at the file and line its field came from.

    A cross-field rule reports its problems one per line as ``relative.path: message``, relative
    to the model that checked them, so each lands on the field it is about. ``tags``: names of a
    tagged union's members, which pydantic puts in an error's location but no file has.
    """
    problems = []
    tags = set(tags)
    for err in exc.errors(include_url=False):
        loc = tuple(k for k in err["loc"] if k not in tags)
        message = _message(err)
        if err["type"] != "value_error":
            problem = _at(src, name, loc, message)
            if problem.file not in (name, "--set"):  # a base another file names: what, not its content
                problem = Problem(problem.file, problem.line, problem.path, _message(err, echo=False))
            problems.append(problem)
            continue
        for line in message.splitlines():
            dotted, sep, msg = line.partition(": ")
            if sep and _FIELD_PATH.match(dotted):
                problems.append(_at(src, name, (*loc, *dotted.split(".")), msg))
            else:
                problems.append(_at(src, name, loc, line))
    return problems


_FIELD_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$")


def _message(err: ErrorDetails, echo: bool = True) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return "missing required field"
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see `scenario show` of the baseline)"
    if err["type"].startswith(
        ("greater_than", "less_than", "float_", "int_", "bool_", "string_", "finite_number", "date_")
    ):
        return f"{msg} (got {_shown(err.get('input'))})" if echo else msg
    return msg


def _shown(value: Any, limit: int = 80) -> str:
    """A value as a message quotes it: its repr, cut short (a 2 MB string is not a message)."""
    text = str(value) if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _at(src: Source, name: str, loc: Path_, message: str) -> Problem:
    """A problem at the deepest node of ``loc`` the source knows the line of."""
    for depth in range(len(loc), -1, -1):
        key = tuple(int(k) if isinstance(k, str) and k.isdigit() else k for k in loc[:depth])
        if key in src.lines:
            file, line = src.lines[key]
            return Problem(file, line or None, _dotted(loc), message)
    return Problem(name, None, _dotted(loc), message)
