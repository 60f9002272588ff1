"""Output folders: checked and created before any work, so a bad --out costs nothing."""

from __future__ import annotations

from pathlib import Path


def prepare_output_dir(target: Path, allow_existing: bool = False) -> str | None:
    """Create the output folder before any work; a one-line problem if it cannot be used."""
    if target.exists() and not target.is_dir():
        return f"{target}: is a file, not a folder"
    if target.is_dir() and any(target.iterdir()) and not allow_existing:
        return f"{target}: folder exists and is not empty"
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = target / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        return f"{target}: cannot write there ({exc.strerror or exc})"
    return None
