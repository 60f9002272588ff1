"""What every output records about how it was made: package versions, for reproduction."""

from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("mesa", "numpy", "pydantic", "pandas", "pyarrow", "SALib", "dask", "distributed")


def package_versions() -> dict[str, str | None]:
    """Python's and each relevant package's version (None where not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return versions
