"""What every output records about how it was made: the one :class:`Manifest` of run, sweep, play, validate.

One record, one set of keys, so a reader (the report's caption, a notebook, a grader) finds the
scenario's hash, the seed, the ``--set`` overrides, the command and the package versions in the same
place whatever command wrote the folder. Kind-specific facts (a sweep's design, a game's players) go
in ``details`` and are written beside the common keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from sim.scenario.class_code import class_code
from sim.scenario.schema import Scenario

PACKAGES = ("mesa", "numpy", "pydantic", "pandas", "pyarrow", "SALib", "dask", "distributed", "plotly")


def package_versions() -> dict[str, str | None]:
    """Python's and each relevant package's version (None where not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return versions


def scenario_sha256(scenario: Scenario) -> str:
    """Hash of a scenario's content (as run, overrides included), independent of its file's layout."""
    content = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()


def now() -> str:
    """The time of writing, UTC, to the second (ISO 8601)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def class_code_label(code: str, overrides: Sequence[str]) -> str:
    """A class code as shown to people: with ``--set`` overrides it does not give the same runs.

    A class code names a scenario file and a seed; overrides change the scenario, so the code alone
    would hand a class other runs than the ones shown. Said where the code is shown.
    """
    n = len(overrides)
    if not n:
        return code
    return f"{code} (without the {n} --set override{'s' if n != 1 else ''}: it does not reproduce this run)"


@dataclass
class Manifest:
    """How an output was made. ``to_dict`` is what goes into manifest.json or summary.json."""

    kind: str
    """``run``, ``sweep``, ``play`` or ``validate``."""
    scenario_file: str
    scenario_sha256: str
    seed: int | None
    class_code: str | None = None
    overrides: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=lambda: list(sys.argv))
    packages: dict[str, str | None] = field(default_factory=package_versions)
    written: str = field(default_factory=now)
    reproduce: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    """Kind-specific keys, written beside the common ones (a sweep's spec, a run's number of runs)."""

    @classmethod
    def of(
        cls,
        kind: str,
        scenario: Scenario,
        scenario_file: object,
        seed: int | None,
        overrides: Sequence[str] = (),
        /,
        reproduce: str = "",
        **details: Any,
    ) -> Manifest:
        """The manifest of an output made from ``scenario`` (as run: overrides applied) and ``seed``.

        The first five are positional-only, so a detail may be called ``scenario`` (a sweep's is).
        """
        return cls(
            kind=kind,
            scenario_file=str(scenario_file),
            scenario_sha256=scenario_sha256(scenario),
            seed=seed,
            class_code=class_code(scenario.name, seed) if seed is not None else None,
            overrides=list(overrides),
            reproduce=reproduce,
            details=details,
        )

    @property
    def class_code_label(self) -> str:
        return class_code_label(self.class_code or "", self.overrides)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "command": self.command,
            "scenario_file": self.scenario_file,
            "scenario_sha256": self.scenario_sha256,
            "overrides": self.overrides,
            "seed": self.seed,
        }
        if self.class_code is not None:
            data["class_code"] = self.class_code
            data["class_code_reproduces"] = not self.overrides
        data.update(self.details)
        data.update(packages=self.packages, written=self.written, reproduce=self.reproduce)
        return data
