"""What every output records about how it was made: package versions, for reproduction."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata

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
