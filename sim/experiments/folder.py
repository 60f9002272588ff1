"""Output folders: checked before any work, locked while a command writes them, replaced only when ours.

The rules (docs/output-folders.md):

* **One writer at a time.** A command that writes a folder (``run``, ``sweep``, ``analyze``, ``report``)
  holds an exclusive advisory lock on it (``flock`` on the folder itself, or on a ``.lock`` file in it
  where the file system cannot lock folders) for the whole command. A second writer is refused at
  once; the operating system releases the lock when the first ends, however it ends (even kill -9).
* **No stale temporaries.** Files are written into a ``.tmp-<pid>`` folder and renamed into place
  (:func:`sim.experiments.store.write_atomic`). Whoever takes the lock next removes every ``.tmp-*``
  left behind: only a lock holder writes, so any temporary found then belongs to a dead process.
* **--force replaces, and only what is ours.** A run is written into a staging folder and swapped in
  at the end (:meth:`OutputFolder.commit`): the old files stay intact until the new ones are complete,
  and every file of ours the new result does not have (an older ``report.html``, a sweep's tables) is
  removed. A non-empty folder is replaced only if it holds a ``summary.json`` or ``manifest.json`` and
  nothing but names this program writes; never the current folder, one above it, or the home folder.
* **Names from files stay inside.** A sweep's ``name`` is free text; :func:`safe_name` turns it into
  one path part (no ``/``, no ``..``, no leading dot) before it names a folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

from sim.experiments.store import PARTS, TEMP_PREFIX, temp_dir

LOCK_FILE = ".lock"
OUR_FILES = frozenset(
    {
        # run (and play): the run folder
        "summary.json",
        "runs.csv",
        "days.parquet",
        "events.parquet",
        "scenario.json",
        "report.html",
        # sweep and analyze
        "manifest.json",
        "runs.parquet",
        "points.parquet",
        "points.csv",
        "sensitivity.parquet",
        "sensitivity.csv",
        # play and validate
        "moves.txt",
        "debrief.txt",
        "validation.json",
        "patterns.csv",
        "validation.html",
        "calibrated.yaml",
        LOCK_FILE,
    }
)
"""Every file a command of this program writes into an output folder."""
OUR_FOLDERS = frozenset({"figures", PARTS})
MARKERS = ("summary.json", "manifest.json", "validation.json")
"""A folder holding one of these (as a file) was written by this program."""
Mode = Literal["new", "replace", "update"]


class FolderError(Exception):
    """An output folder that cannot be used; the message is one line naming the folder or file."""


def safe_name(text: str, limit: int = 60) -> str:
    """``text`` as one harmless path part: letters, digits, ``._-`` only, no leading dot, no ``..``."""
    part = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text))
    part = re.sub(r"\.{2,}", ".", part).strip(".-")
    return part[:limit].strip(".-") or "unnamed"


def new_results_dir(name: str, prefix: str = "", root: Path = Path("results")) -> Path:
    """A new, empty folder ``root/<prefix><name>-<time>`` (created here, so two commands never share it).

    :class:`FolderError` if it cannot be created (a read-only working folder).
    """
    base = f"{prefix}{safe_name(name)}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        for k in range(10_000):
            candidate = root / (base if k == 0 else f"{base}-{k}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
    except OSError as exc:
        raise FolderError(f"{root}: cannot create a folder there ({exc.strerror or exc})") from None
    raise FolderError(f"{root}: no free folder name for {base}")


def prepare_output_dir(target: Path, allow_existing: bool = False) -> str | None:
    """Create the output folder before any work; a one-line problem if it cannot be used.

    For commands that write a folder without :func:`open_output` (exercise handouts, play, validate).
    """
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


class OutputFolder:
    """An output folder this process holds the lock of; writes go straight in or through a stage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._staging = path / f"{TEMP_PREFIX}{os.getpid()}.new"

    def stage(self) -> Path:
        """A fresh, empty staging folder inside this one: write a whole result there, then commit it."""
        if self._staging.exists():
            shutil.rmtree(self._staging)
        self._staging.mkdir()
        return self._staging

    def commit(self) -> list[str]:
        """Move the staged entries in, then remove every entry of ours the new result does not have.

        Files are swapped by atomic renames; until the first rename the old result is intact. The
        marker files (summary.json, manifest.json) go last, so a folder that has one has the rest.
        """
        new = sorted((p.name for p in self._staging.iterdir()), key=lambda n: (n in MARKERS, n))
        old_dirs = []
        for name in new:
            src, dst = self._staging / name, self.path / name
            if dst.is_dir() and not dst.is_symlink():
                aside = self.path / f"{TEMP_PREFIX}{os.getpid()}.old-{name}"
                dst.rename(aside)
                old_dirs.append(aside)
            os.replace(src, dst)
        for entry in list(self.path.iterdir()):
            if entry.name in (OUR_FILES | OUR_FOLDERS) - {LOCK_FILE} and entry.name not in new:
                _remove(entry)
        for aside in old_dirs:
            shutil.rmtree(aside, ignore_errors=True)
        self.discard()
        return new

    def discard(self) -> None:
        """Remove the staging folder, if any (an interrupted or failed write)."""
        if self._staging.exists():
            shutil.rmtree(self._staging, ignore_errors=True)


@contextmanager
def open_output(
    target: Path, mode: Mode, *, hint: str = "choose another --out", fresh: bool = False
) -> Iterator[OutputFolder]:
    """Hold ``target`` for writing: created if needed, locked, its stale temporaries removed.

    ``new``: it must be empty (or not exist); ``replace`` (``--force``): empty, or a folder of ours
    (see :func:`check_replaceable`); ``update``: an existing folder (resume, analyze, report).
    ``hint`` completes the message for a non-empty folder. A folder this call created (or that the
    caller just created, ``fresh``) is removed again if the block fails while it is still empty.
    :class:`FolderError` (one line) if the folder cannot be used; nothing is written then.
    """
    if target.exists() and not target.is_dir():
        raise FolderError(f"{target}: is a file, not a folder")
    if mode == "update" and not target.is_dir():
        raise FolderError(f"{target}: no such folder")
    if mode == "replace":
        refuse_dangerous(target)
    created = fresh or not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"{target}: cannot create it ({exc.strerror or exc})") from None
    fd = _lock(target)
    folder = OutputFolder(target)
    succeeded = False
    try:
        clean_stale_temps(target)
        if mode == "new" and not is_empty(target):
            raise FolderError(f"{target}: folder exists and is not empty; {hint} (nothing was written)")
        if mode == "replace":
            check_replaceable(target)
        _probe_writable(target)
        yield folder
        succeeded = True
    finally:
        folder.discard()
        if not succeeded and created and is_empty(target):
            _remove(target / LOCK_FILE)
            with suppress(OSError):
                target.rmdir()
        _unlock(fd)


def is_empty(folder: Path) -> bool:
    """No entry but the lock file (temporaries are removed before this is asked)."""
    return all(p.name == LOCK_FILE for p in folder.iterdir())


def refuse_dangerous(target: Path) -> None:
    """--force never replaces the current folder, a folder above it, or the home folder."""
    where = target.resolve()
    cwd = Path.cwd().resolve()
    if where == Path.home().resolve() or cwd == where or cwd.is_relative_to(where):
        raise FolderError(
            f"{target}: --force will not replace the current folder, a folder above it, or the home "
            f"folder; choose another --out (nothing was written)"
        )


def check_replaceable(folder: Path) -> None:
    """A non-empty folder may be replaced only if it is ours: a marker file and only names of ours."""
    entries = [p for p in folder.iterdir() if p.name != LOCK_FILE]
    if not entries:
        return
    foreign = sorted(p.name for p in entries if p.name not in OUR_FILES | OUR_FOLDERS)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise FolderError(
            f"{folder}: holds files this program does not write ({shown}); --force replaces only "
            f"folders of ours: choose another --out (nothing was written)"
        )
    for p in entries:
        if p.name in OUR_FILES and (p.is_dir() or p.is_symlink()):
            raise FolderError(
                f"{p}: is a folder or a link, not a file this program wrote; --force will not "
                f"remove it (nothing was written)"
            )
        if p.name in OUR_FOLDERS and (p.is_symlink() or not p.is_dir()):
            raise FolderError(
                f"{p}: is not a folder this program wrote; --force will not remove it (nothing was written)"
            )
        if p.name in OUR_FOLDERS:
            strange = [c.name for c in p.iterdir() if not _ours_inside(p.name, c)]
            if strange:
                raise FolderError(
                    f"{p}: holds files this program does not write ({', '.join(sorted(strange)[:3])}); "
                    f"--force will not remove them: choose another --out (nothing was written)"
                )
    if not any((folder / m).is_file() for m in MARKERS):
        raise FolderError(
            f"{folder}: not a folder this program wrote (no {' or '.join(MARKERS[:2])}); --force "
            f"replaces only folders of ours: choose another --out (nothing was written)"
        )


_INSIDE = {
    PARTS: r"part-\d+-\d+\.parquet|unreadable",
    "figures": r"[\w.-]+\.(png|svg|pdf|csv)",
}
"""What this program writes inside its own sub-folders: sweep parts, exported figures and their data."""


def _ours_inside(sub: str, entry: Path) -> bool:
    if _is_temp(entry.name):
        return True
    pattern = _INSIDE.get(sub)
    if pattern is None or not re.fullmatch(pattern, entry.name) or entry.is_symlink():
        return False
    return entry.is_dir() if entry.name == "unreadable" else entry.is_file()


def clean_stale_temps(folder: Path) -> list[Path]:
    """Remove temporaries left by killed processes (call only while holding the folder's lock).

    ``.tmp-*`` entries here and in ``parts/`` and ``figures/``, and the hidden files older versions
    wrote beside their targets (``.runs.csv.x1y2``, ``.part-....parquet...``). Only in a folder of
    ours (a marker file), or one holding nothing but temporaries: a ``.tmp-x`` in someone's own
    folder is none of our business.
    """
    entries = list(folder.iterdir())
    ours = any((folder / m).is_file() for m in MARKERS)
    if not ours and not all(_is_temp(p.name) or p.name == LOCK_FILE for p in entries):
        return []
    removed = []
    for where in (folder, folder / PARTS, folder / "figures"):
        if not where.is_dir() or where.is_symlink():
            continue
        for entry in where.iterdir():
            if _is_temp(entry.name):
                _remove(entry)
                removed.append(entry)
    return removed


_MKSTEMP = r"[a-z0-9_]{8}"
"""The random suffix ``tempfile.mkstemp`` gives a name."""


def _is_temp(name: str) -> bool:
    """A name this program gives its temporaries, exactly: ``.tmp-<pid>`` (``.new``, ``.old-x``), and
    the hidden files older versions wrote (``.runs.csv.x1y2z3w4``, ``.part-...parquet.x1y2z3w4``).

    Exact patterns, not prefixes: a user's ``.tmp-notes`` or ``.summary.json.bak`` is not ours."""
    prefix = re.escape(TEMP_PREFIX)
    if re.fullmatch(prefix + r"\d+(\.new|\.old-[\w.-]+)?", name):
        return True
    if re.fullmatch(r"\.part-\d+-\d+\.parquet\." + _MKSTEMP, name):
        return True
    ours = "|".join(re.escape(n) for n in sorted(OUR_FILES - {LOCK_FILE}))
    return re.fullmatch(rf"\.({ours})\." + _MKSTEMP, name) is not None


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def _probe_writable(folder: Path) -> None:
    probe = temp_dir(folder)
    try:
        probe.mkdir(exist_ok=True)
        probe.rmdir()
    except OSError as exc:
        raise FolderError(f"{folder}: cannot write there ({exc.strerror or exc})") from None


def _locked(folder: Path) -> FolderError:
    return FolderError(
        f"{folder}: another command is writing this folder right now (it is locked); wait until it "
        f"ends, or choose another --out (nothing was written)"
    )


def _lock(folder: Path) -> int:
    """An exclusive, non-blocking lock on ``folder``; the descriptor that holds it (-1: no locking here).

    The folder itself is locked where the system allows it (nothing left behind); elsewhere (some
    network file systems) a ``.lock`` file in it. Closing the descriptor, or the process ending,
    releases the lock.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks; one writer per folder is the user's care
        return -1
    for path, flags in ((folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)), (folder / LOCK_FILE, None)):
        try:
            fd = os.open(path, flags) if flags is not None else os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise FolderError(f"{folder}: cannot lock it ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _HELD.add(fd)
            return fd
        except BlockingIOError:
            os.close(fd)
            raise _locked(folder) from None
        except OSError:  # this file system cannot lock that: try the next way
            os.close(fd)
    return -1


_HELD: set[int] = set()
"""Descriptors holding folder locks in this process."""


def _forget_in_child() -> None:
    """(In a forked child, e.g. a local sweep worker) close the inherited lock descriptors.

    The lock stays with the parent (it still holds the same open file), but a worker outliving a
    killed parent no longer keeps the folder locked. Never ``LOCK_UN`` here: that would release the
    parent's lock too.
    """
    for fd in list(_HELD):
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _unlock(fd: int) -> None:
    if fd >= 0:
        _HELD.discard(fd)
        os.close(fd)  # closing releases the flock
