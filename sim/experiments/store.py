"""Tidy tables (pandas) from run results, and their files: CSV, Parquet, JSON.

Writing is atomic: each file is written into a ``.tmp-<pid>`` folder beside its final name and renamed
into place, so a failure never leaves a half-written file or overwrites a good one. A process killed
mid-write leaves its temporary in that folder, where the next command that locks the output folder
removes it (:func:`sim.experiments.folder.clean_stale_temps`): temporaries never pass for results.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from types import TracebackType

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


EVENT_TEXT = ("actor", "phase", "event", "detail")
EVENT_DTYPES: dict[str, str] = {
    "run": "int64",
    "seed": "int64",
    "day": "int64",
    **{f: ("str" if f in EVENT_TEXT else "float64") for f in EVENT_FIELDS if f != "day"},
}
"""events.parquet's column types, fixed: a block whose ``p`` (say) is empty must not make it another type."""


def typed_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events with :data:`EVENT_DTYPES` (a block of a streamed ensemble; empty blocks included)."""
    return events.astype({c: t for c, t in EVENT_DTYPES.items() if c in events.columns})


TEMP_PREFIX = ".tmp-"
"""Names starting with this in an output folder are temporaries: never results, removed when stale."""


class StoreError(Exception):
    """A stored table cannot be read; the message names the file (one line)."""


def temp_dir(folder: Path) -> Path:
    """This process's folder for temporaries inside ``folder`` (same file system: rename is atomic)."""
    return folder / f"{TEMP_PREFIX}{os.getpid()}"


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file in ``temp_dir(path.parent)``, then rename it into place."""
    tmp_dir = temp_dir(path.parent)
    for attempt in range(3):  # another thread may remove the emptied folder between mkdir and mkstemp
        tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.", dir=tmp_dir)
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
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
    finally:
        with suppress(OSError):
            tmp_dir.rmdir()  # empty once its file is renamed; kept while another write uses it


def write_json(path: Path, data: object) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_atomic(path, lambda p: df.to_csv(p, index=False))


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    write_atomic(path, lambda p: df.to_parquet(p, index=False))


class ParquetStream:
    """A Parquet file written a block at a time (one row group each), renamed into place on close.

    An ensemble's days and events need not be held whole: each block is appended as it finishes. The
    file's schema is the first block's (a column empty there takes ``types[column]``, else float64);
    every later block is cast to it, so category columns and columns empty in one block keep one type.
    Used as a context manager: on an exception the temporary is removed and nothing is renamed.
    """

    def __init__(self, path: Path, types: Mapping[str, object] | None = None) -> None:
        self.path = path
        self.types = dict(types or {})
        self.rows = 0
        self._tmp: Path | None = None
        self._writer = None
        self._schema = None

    def write(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        if self._writer is None:
            fixed = [
                f.with_type(self.types.get(f.name, pa.float64())) if pa.types.is_null(f.type) else f
                for f in table.schema
            ]
            self._schema = pa.schema(fixed, metadata=table.schema.metadata)
            tmp_dir = temp_dir(self.path.parent)
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"{self.path.name}.", dir=tmp_dir)
            os.close(fd)
            self._tmp = Path(name)
            self._writer = pq.ParquetWriter(self._tmp, self._schema)
        if list(table.column_names) != self._schema.names:
            raise ValueError(
                f"{self.path.name}: a block has columns {table.column_names}, not {self._schema.names}"
            )
        self._writer.write_table(table.cast(self._schema))
        self.rows += len(df)

    def close(self) -> None:
        """Finish the file and rename it into place (an empty file if no block was written)."""
        if self._writer is None:
            write_parquet(self.path, pd.DataFrame())
            return
        self._writer.close()
        self._writer = None
        assert self._tmp is not None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self._tmp, 0o666 & ~umask)
        os.replace(self._tmp, self.path)
        self._tmp = None
        with suppress(OSError):
            temp_dir(self.path.parent).rmdir()

    def abort(self) -> None:
        if self._writer is not None:
            with suppress(Exception):
                self._writer.close()
            self._writer = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
            with suppress(OSError):
                temp_dir(self.path.parent).rmdir()

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


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
        df = read_table(out / "runs.parquet", columns=KEY)
        keys.update(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
    return keys


def read_table(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet table, or :class:`StoreError` naming the file if it cannot be read (never a traceback)."""
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception as exc:  # pyarrow, pandas and OS errors all mean: this file is damaged
        text = " ".join(str(exc).split())[:200]
        raise StoreError(f"{path}: unreadable ({type(exc).__name__}: {text})") from None


def write_part(out: Path, rows: list[dict]) -> None:
    first = rows[0]
    name = f"part-{first['point']:07d}-{first['replicate']:06d}.parquet"
    write_parquet(out / PARTS / name, pd.DataFrame(rows))


def collect_runs(out: Path) -> pd.DataFrame:
    """All stored runs, one row per key, sorted by (point, replicate)."""
    frames = [read_table(f) for f in sorted((out / PARTS).glob("part-*.parquet"))]
    if (out / "runs.parquet").is_file():
        frames.insert(0, read_table(out / "runs.parquet"))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KEY)
    df = df.drop_duplicates(KEY, keep="first").sort_values(KEY, kind="stable")
    for col in df.columns:
        if col.endswith("_entered_day"):
            df[col] = df[col].astype("Int64")
    return df.reset_index(drop=True)
