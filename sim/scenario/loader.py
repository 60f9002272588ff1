"""Reading scenario files: YAML with line numbers, ``extends`` for variants, ``--set`` overrides.

Every problem becomes a :class:`Problem` naming the file, the line, the field path and what is
wrong, so the command line can print one line per problem and no traceback.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.schema import Scenario

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, line, field path) and what."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}  {self.path or '(top-level)'}  {self.message}"


class ScenarioError(Exception):
    """A scenario (or an override) is invalid; ``problems`` says every way it is."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = list(problems)


@dataclass
class Source:
    """A parsed YAML document and where each of its nodes came from."""

    data: Any
    lines: dict[Path_, tuple[str, int]]


def read_yaml(path: Path, what: str = "scenario") -> Source:
    """Parse a YAML file into plain data and a map from node path to (file, line).

    ``what`` names the kind of file in messages (a scenario, an exercise).
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(name, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, None, "", f"cannot read the file: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = f"not valid YAML: {exc.problem or exc.context}"
        raise ScenarioError([Problem(name, line, "", msg)]) from None
    if node is None:
        raise ScenarioError([Problem(name, 1, "", f"the file is empty (expected a {what} mapping)")])
    lines: dict[Path_, tuple[str, int]] = {}
    problems: list[Problem] = []
    _index(node, (), name, lines, problems, set())
    if problems:
        raise ScenarioError(problems)
    try:
        data = yaml.SafeLoader(text).get_single_data()
    except yaml.MarkedYAMLError as exc:  # e.g. a tag this loader refuses (!!python/...)
        mark = exc.problem_mark or exc.context_mark
        msg = f"not valid YAML: {exc.problem or exc.context}"
        raise ScenarioError([Problem(name, mark.line + 1 if mark else None, "", msg)]) from None
    except (ValueError, TypeError, yaml.YAMLError) as exc:  # e.g. a date 2025-02-30
        line = _line_of_bad_scalar(node, str(exc))
        raise ScenarioError([Problem(name, line, "", f"a value YAML cannot read: {exc}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(name, 1, "", f"expected a mapping of fields, got a {type(data).__name__}")]
        )
    return Source(data, lines)


def _index(node: yaml.Node, path: Path_, name: str, lines: dict, problems: list, active: set) -> None:
    lines[path] = (name, node.start_mark.line + 1)
    if id(node) in active:
        problems.append(
            Problem(
                name,
                node.start_mark.line + 1,
                _dotted(path),
                "a YAML alias refers to itself (recursive structure)",
            )
        )
        return
    active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                problems.append(
                    Problem(
                        name,
                        key.start_mark.line + 1,
                        _dotted(path),
                        "a key must be a plain name, not a list or mapping",
                    )
                )
                continue
            k = key.value
            if k in seen:
                problems.append(
                    Problem(
                        name,
                        key.start_mark.line + 1,
                        _dotted((*path, k)),
                        "duplicate key (YAML would silently keep the last one)",
                    )
                )
            seen.add(k)
            _index(value, (*path, k), name, lines, problems, active)
            lines[(*path, k)] = (name, key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), name, lines, problems, active)


def _line_of_bad_scalar(node: yaml.Node, message: str) -> int | None:
    """The line of the first scalar a plain YAML load would choke on (a date like 2025-02-30)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(n, deep=True)
            except Exception:
                return n.start_mark.line + 1
        elif isinstance(n, yaml.MappingNode):
            stack.extend(v for pair in reversed(n.value) for v in reversed(pair))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
    return None


def load_source(path: Path | str, _chain: tuple[Path, ...] = ()) -> Source:
    """Read a scenario file, resolving ``extends: base.yaml`` by a deep merge onto the base.

    In a merge, mappings merge key by key; a mapping with a ``value`` key (a seeded value)
    replaces the base's whole, so an overridden number must bring its own evidence or assumption.
    """
    path = Path(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, resolved))
        raise ScenarioError([Problem(str(path), None, "extends", f"extends itself: {cycle}")])
    src = read_yaml(path)
    base_ref = src.data.pop("extends", None)
    if base_ref is None:
        return src
    line = src.lines.get(("extends",), (str(path), None))[1]
    if not isinstance(base_ref, str):
        raise ScenarioError([Problem(str(path), line, "extends", "expected a file name")])
    base_path = path.parent / base_ref
    if not base_path.is_file():
        raise ScenarioError([Problem(str(path), line, "extends", f"no such file: {base_path}")])
    base = load_source(base_path, (*_chain, resolved))
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


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` into the path and a YAML-typed value (0.1 is a float, [1, 2] a list)."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"expected PATH=VALUE, got {text!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: value {raw!r} is not valid YAML ({exc})") from None
    if value is None:
        raise ValueError(f"{path}: give a value after '='")
    return path, value


def apply_override(data: dict, path: str, value: Any, origin: str = "--set") -> None:
    """Set the value at a dotted parameter path, in place.

    A seeded value keeps its place in the provenance table: its number changes and its provenance
    becomes an assumption that says it was overridden, from what.
    """
    keys = path.split(".")
    node: Any = data
    for depth, key in enumerate(list(keys)):
        here = ".".join(keys[:depth]) or "(top level)"
        if isinstance(node, dict):
            if key not in node and depth == 0 and len(keys) == 1 and key in Scenario.model_fields:
                node[key] = value  # a top-level field the file leaves at its default (incidents)
                return
            if key not in node:
                known = ", ".join(map(str, node)) or "nothing"
                raise KeyError(f"unknown parameter path {path!r}: {here} has no {key!r} (it has: {known})")
        elif isinstance(node, list):
            if not (key.isdigit() and int(key) < len(node)):
                raise KeyError(
                    f"unknown parameter path {path!r}: {here} is a list of {len(node)} "
                    f"(index 0 to {len(node) - 1}), not {key!r}"
                )
            key = int(key)
        else:
            raise KeyError(f"unknown parameter path {path!r}: {here} is a value, not a mapping or list")
        if (
            depth == len(keys) - 2
            and keys[-1] == "value"
            and isinstance(node[key], dict)
            and ("value" in node[key])
        ):
            keys, path = keys[:-1], ".".join(keys[:-1])  # `x.value=...` is an override of `x`
        if depth == len(keys) - 1:
            old = node[key]
            if isinstance(old, dict) and "value" in old and not isinstance(value, dict):
                was = old.get("value")
                node[key] = {
                    "value": value,
                    "assumption": f"{origin} {path}={value!r} (scenario value: {was!r})",
                }
            else:
                node[key] = value
            return
        node = node[key]


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


def problems_from(exc: ValidationError, src: Source, name: str) -> list[Problem]:
    """One :class:`Problem` per validation error, at the file and line its field came from.

    A cross-field rule reports its problems one per line as ``relative.path: message``, relative
    to the model that checked them, so each lands on the field it is about.
    """
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        message = _message(err)
        if err["type"] != "value_error":
            problems.append(_at(src, name, loc, message))
            continue
        for line in message.splitlines():
            dotted, sep, msg = line.partition(": ")
            if sep and _FIELD_PATH.match(dotted):
                problems.append(_at(src, name, (*loc, *dotted.split(".")), msg))
            else:
                problems.append(_at(src, name, loc, line))
    return problems


_FIELD_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$")


def _message(err: dict) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return "missing required field"
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see `scenario show` of the baseline)"
    if err["type"].startswith(("greater_than", "less_than", "float_", "int_", "bool_", "string_")):
        return f"{msg} (got {err.get('input')!r})"
    return msg


def _at(src: Source, name: str, loc: Path_, message: str) -> Problem:
    """A problem at the deepest node of ``loc`` the source knows the line of."""
    for depth in range(len(loc), -1, -1):
        key = tuple(int(k) if isinstance(k, str) and k.isdigit() else k for k in loc[:depth])
        if key in src.lines:
            file, line = src.lines[key]
            return Problem(file, line or None, _dotted(loc), message)
    return Problem(name, None, _dotted(loc), message)


def _dotted(loc: Path_) -> str:
    return ".".join(str(k) for k in loc)
