"""Class codes: ``baseline@42`` names a scenario and a seed, so a whole class looks at the same runs.

``--seed`` takes a plain seed or a class code; run *k* of the code's ensemble is the same trajectory
on every student's machine, in the command line, the reports and (later) the handouts and dashboard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.reading import ScenarioError, read_yaml
from sim.scenario.schema import MAX_SEED

CODE = re.compile(r"^(?:(?P<name>[a-z][a-z0-9_]*)@)?(?P<seed>\d+)$")


@dataclass(frozen=True)
class ClassCode:
    scenario: str | None
    """The scenario's ``name`` (not its file), or None for a plain seed."""
    seed: int

    def __str__(self) -> str:
        return class_code(self.scenario, self.seed) if self.scenario else str(self.seed)


def parse_seed(text: str) -> ClassCode:
    """``42`` or ``baseline@42``; a ValueError that says what a class code looks like otherwise."""
    match = CODE.match(text.strip())
    if not match:
        raise ValueError(
            f"--seed: expected a seed (e.g. 42) or a class code SCENARIO@SEED (e.g. baseline@42), "
            f"got {text!r}"
        )
    seed = int(match["seed"])
    if seed > MAX_SEED:
        raise ValueError(f"--seed: {seed} is too large (at most 2**63 - 1)")
    return ClassCode(match["name"], seed)


def class_code(scenario_name: str, seed: int) -> str:
    return f"{scenario_name}@{seed}"


def find_scenario(name: str, folder: Path) -> Path:
    """The scenario file in ``folder`` (or one level below) whose ``name`` is ``name``.

    A file named after the scenario is tried first; otherwise every YAML file's top-level ``name`` is
    read. A ValueError lists the names there are if none matches.
    """
    candidates = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*/*.yaml"))
    by_stem = [p for p in candidates if p.stem == name]
    names: dict[str, Path] = {}
    for path in by_stem + candidates:
        try:
            data = read_yaml(path, echo=False).data
        except ScenarioError:  # unreadable, too large, not plain data: not a scenario to find by name
            continue
        if isinstance(data, dict) and isinstance(data.get("name"), str) and "axes" not in data:  # no sweeps
            names.setdefault(data["name"], path)
            if data["name"] == name:
                return path
    known = ", ".join(sorted(names)) or "none"
    raise ValueError(f"class code: no scenario named {name!r} in {folder} (there are: {known})")
