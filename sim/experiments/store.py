"""Tidy tables (pandas) from run results, and their files: CSV, Parquet, JSON.

Writing is atomic: each file is written beside its final name and renamed into place, so a failure
never leaves a half-written file or overwrites a good one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim.model.results import EVENT_FIELDS, RunResult


def runs_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """One row per run; entry days are nullable integers (empty in CSV if never)."""
    df = pd.DataFrame(list(rows))
    for col in df.columns:
        if col.endswith("_entered_day"):
            df[col] = df[col].astype("Int64")
    return df


def days_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """One row per run and day, with the calendar date of each day.

    Columns are joined across runs first and framed once: 200 small frames cost three times more.
    """
    if not results:
        return pd.DataFrame()
    lengths = [len(r.days["day"]) for r in results]
    data: dict[str, list] = {
        "run": [r.run for r, n in zip(results, lengths, strict=True) for _ in range(n)],
        "seed": [r.seed for r, n in zip(results, lengths, strict=True) for _ in range(n)],
    }
    for col in results[0].days:
        data[col] = [v for r in results for v in r.days[col]]
    out = pd.DataFrame(data)
    starts = pd.to_datetime([r.start_date for r, n in zip(results, lengths, strict=True) for _ in range(n)])
    out.insert(3, "date", starts + pd.to_timedelta(out["day"], unit="D"))
    for col in out.columns:
        if col.endswith("_status"):
            out[col] = out[col].astype("category")
    return out


def events_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Every recorded decision, with the run it belongs to and the numbers behind it."""
    rows = [(r.run, r.seed, *e) for r in results for e in r.events]
    return pd.DataFrame(rows, columns=["run", "seed", *EVENT_FIELDS])


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


KEY = ["point", "replicate"]
"""A sweep's run key: design point and replicate."""
PARTS = "parts"


def done_keys(out: Path, warn: Callable[[str], None] | None = None) -> set[tuple[int, int]]:
    """Keys of every run already stored in finished parts (half-written temporary files ignored).

    A part that cannot be read (a disk failure after the rename) is moved to ``parts/unreadable/``
    and its runs are run again.
    """
    keys: set[tuple[int, int]] = set()
    parts = out / PARTS
    if parts.is_dir():
        for f in sorted(parts.glob("part-*.parquet")):
            try:
                df = pd.read_parquet(f, columns=KEY)
            except Exception as exc:  # any damage: set it aside, rerun its keys
                (parts / "unreadable").mkdir(exist_ok=True)
                f.rename(parts / "unreadable" / f.name)
                if warn is not None:
                    warn(f"{f}: unreadable ({type(exc).__name__}); set aside, its runs will run again")
                continue
            keys.update(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
    if (out / "runs.parquet").is_file():
        df = pd.read_parquet(out / "runs.parquet", columns=KEY)
        keys.update(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
    return keys


def write_part(out: Path, rows: list[dict]) -> None:
    first = rows[0]
    name = f"part-{first['point']:07d}-{first['replicate']:06d}.parquet"
    write_parquet(out / PARTS / name, pd.DataFrame(rows))


def collect_runs(out: Path) -> pd.DataFrame:
    """All stored runs, one row per key, sorted by (point, replicate)."""
    frames = [pd.read_parquet(f) for f in sorted((out / PARTS).glob("part-*.parquet"))]
    if (out / "runs.parquet").is_file():
        frames.insert(0, pd.read_parquet(out / "runs.parquet"))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KEY)
    df = df.drop_duplicates(KEY, keep="first").sort_values(KEY, kind="stable")
    for col in df.columns:
        if col.endswith("_entered_day"):
            df[col] = df[col].astype("Int64")
    return df.reset_index(drop=True)
