"""Tidy tables (pandas) from run results, and their files: CSV, Parquet, JSON.

Writing is atomic: each file is written beside its final name and renamed into place, so a failure
never leaves a half-written file or overwrites a good one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim.results import EVENT_FIELDS, RunResult


def runs_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """One row per run; entry days are nullable integers (empty in CSV if never)."""
    df = pd.DataFrame(list(rows))
    for col in df.columns:
        if col.endswith("_entered_day"):
            df[col] = df[col].astype("Int64")
    return df


def days_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """One row per run and day, with the calendar date of each day."""
    frames = []
    for r in results:
        df = pd.DataFrame(r.days)
        df.insert(0, "seed", r.seed)
        df.insert(0, "run", r.run)
        df.insert(3, "date", [r.start_date + dt.timedelta(days=int(d)) for d in r.days["day"]])
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"])
    for col in out.columns:
        if col.endswith("_status"):
            out[col] = out[col].astype("category")
    return out


def events_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every recorded decision, with the run it belongs to and the numbers behind it."""
    frames = [
        pd.DataFrame(r.events, columns=list(EVENT_FIELDS)).assign(run=r.run, seed=r.seed) for r in results
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["run", "seed", *EVENT_FIELDS]]


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are meant to be shared
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: object) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_atomic(path, lambda p: df.to_csv(p, index=False))


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    write_atomic(path, lambda p: df.to_parquet(p, index=False))
