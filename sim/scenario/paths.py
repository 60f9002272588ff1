"""Dotted parameter paths (``actors.russia.capability``): the one place they are read and written.

A path names a value of a scenario as ``--set``, sweep axes, exercise sliders, the dashboard and
calibration name it: mapping keys and list indices joined by dots; a seeded value (a mapping with a
``value``) is named by its own path, ``x`` or ``x.value`` alike. Reading (:func:`lookup`,
:func:`number_at`, :func:`value_at`) and writing (:func:`apply_override`) walk a path the same way,
so a path one accepts the other finds, with the same message when it names nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.scenario.reading import parse_value

if TYPE_CHECKING:
    from pydantic import BaseModel


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` into the path and a YAML-typed value (0.1 is a float, [1, 2] a list).

    The value is read as plain YAML data within the limits of any input file (no tags, no alias
    bombs, bounded length and depth); a ValueError says what is wrong.
    """
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"expected PATH=VALUE, got {text!r}")
    try:
        value = parse_value(raw) if raw.strip() else None
    except ValueError as exc:
        shown = raw if len(raw) <= 80 else raw[:80] + "..."
        raise ValueError(f"{path}: value {shown!r} is not valid ({exc})") from None
    if value is None:
        raise ValueError(f"{path}: give a value after '='")
    return path, value


def _step(node: Any, key: str, keys: list[str], depth: int, path: str) -> tuple[Any, str | int]:
    """The child of ``node`` at ``key`` (a list index as an int); a KeyError says what exists."""
    here = ".".join(keys[:depth]) or "(top level)"
    if isinstance(node, dict):
        if key not in node:
            known = ", ".join(map(str, node)) or "nothing"
            raise KeyError(f"unknown parameter path {path!r}: {here} has no {key!r} (it has: {known})")
        return node[key], key
    if isinstance(node, list):
        if not (key.isascii() and key.isdigit() and int(key) < len(node)):
            raise KeyError(
                f"unknown parameter path {path!r}: {here} is a list of {len(node)} "
                f"(index 0 to {len(node) - 1}), not {key!r}"
            )
        return node[int(key)], int(key)
    raise KeyError(f"unknown parameter path {path!r}: {here} is a value, not a mapping or list")


def lookup(data: Any, path: str) -> Any:
    """The node at a dotted path of plain data (mappings and lists); KeyError if it names nothing."""
    keys = path.split(".")
    node = data
    for depth, key in enumerate(keys):
        node, _ = _step(node, key, keys, depth, path)
    return node


def number_at(data: Any, path: str) -> Any:
    """The value at a parameter path of plain scenario data: a seeded value's ``value``."""
    node = lookup(data, path)
    return node["value"] if isinstance(node, dict) and "value" in node else node


def value_at(scenario: BaseModel, path: str) -> float:
    """The number at a dotted parameter path (as ``--set`` names it) of a scenario."""
    return float(number_at(scenario.model_dump(mode="json"), path))


def apply_override(data: dict, path: str, value: Any, origin: str = "--set") -> None:
    """Set the value at a dotted parameter path, in place.

    A seeded value keeps its place in the provenance table: its number changes and its provenance
    becomes an assumption that says it was overridden, from what.
    """
    from sim.scenario.schema import Scenario  # the schema re-exports value_at from here

    keys = path.split(".")
    if len(keys) == 1 and keys[0] not in data and keys[0] in Scenario.model_fields:
        data[keys[0]] = value  # a top-level field the file leaves at its default (incidents)
        return
    nodes: list[Any] = [data]
    steps: list[str | int] = []
    for depth, key in enumerate(keys[:-1]):
        child, step = _step(nodes[-1], key, keys, depth, path)
        nodes.append(child)
        steps.append(step)
    if len(keys) > 1 and keys[-1] == "value" and isinstance(nodes[-1], dict) and "value" in nodes[-1]:
        node, last, path = nodes[-2], steps[-1], ".".join(keys[:-1])  # `x.value=...` overrides `x`
    else:
        node, (_, last) = nodes[-1], _step(nodes[-1], keys[-1], keys, len(keys) - 1, path)
    old = node[last]
    if isinstance(old, dict) and "value" in old and not isinstance(value, dict):
        node[last] = {
            "value": value,
            "assumption": f"{origin} {path}={value!r} (scenario value: {old.get('value')!r})",
        }
    else:
        node[last] = value
