"""Sweeps: run a design x replicates on an executor, streaming results to a resumable Parquet store.

Every run is keyed by ``(point, replicate)``. Replicate ``r`` of every point uses the same seeds,
``CeasefireModel(scenario_at_point, seed=spec.seed, run=r)``: common random numbers, so differences
between points are the parameters' doing, not seed noise. Seeds are fixed by the plan before dispatch,
so the tables are identical, row for row, on every executor and worker count.

Results are written as they complete, one Parquet part per finished chunk, atomically; a killed
sweep keeps every finished part, and ``resume`` runs only the missing keys.
"""

from __future__ import annotations

import copy
import math
import multiprocessing
import multiprocessing.context
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.experiments.designs import Design, build_design
from sim.experiments.ensemble import run_one
from sim.experiments.store import PARTS, write_part
from sim.experiments.sweep_spec import LoadedSweep
from sim.model.results import run_row
from sim.scenario.loader import apply_override
from sim.scenario.schema import Scenario
from sim.stats import wilson


@dataclass(frozen=True)
class Chunk:
    """A unit of work: some runs (point, overrides, replicates), dispatched together."""

    runs: tuple[tuple[int, tuple[tuple[str, object], ...], tuple[int, ...]], ...]

    @property
    def size(self) -> int:
        return sum(len(reps) for _, _, reps in self.runs)

    @property
    def first_key(self) -> tuple[int, int]:
        point, _, reps = self.runs[0]
        return point, reps[0]


@dataclass
class Plan:
    """What a sweep will do: its design, its runs, and how they are cut into chunks."""

    sweep: LoadedSweep
    design: Design
    replicates: int
    todo: list[tuple[int, int]]
    chunk_size: int
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def total_runs(self) -> int:
        return len(self.design.points) * self.replicates


def make_plan(sweep: LoadedSweep, done: set[tuple[int, int]] | None = None, chunk_size: int = 25) -> Plan:
    """The design, the (point, replicate) keys still to run, and chunks of about ``chunk_size`` runs."""
    design = build_design(sweep.spec, sweep.integer_axes)
    reps = sweep.spec.replicates
    done = done or set()
    todo = [(p, r) for p in range(len(design.points)) for r in range(reps) if (p, r) not in done]
    plan = Plan(sweep, design, reps, todo, chunk_size)
    plan.chunks = list(_chunks(design, todo, chunk_size))
    return plan


def _chunks(design: Design, todo: list[tuple[int, int]], size: int) -> Iterator[Chunk]:
    batch: list[tuple[int, tuple, tuple[int, ...]]] = []
    count = 0
    by_point: dict[int, list[int]] = {}
    for p, r in todo:
        by_point.setdefault(p, []).append(r)
    for p, reps in by_point.items():
        overrides = tuple(design.points[p].items())
        for i in range(0, len(reps), size):
            part = tuple(reps[i : i + size])
            if count + len(part) > size and batch:
                yield Chunk(tuple(batch))
                batch, count = [], 0
            batch.append((p, overrides, part))
            count += len(part)
    if batch:
        yield Chunk(tuple(batch))


def invalid_points(sweep: LoadedSweep, design: Design) -> list[tuple[int, str]]:
    """Design points whose combination of values the schema refuses (each value alone was valid).

    Checked in the parent before anything runs, so a sweep never stops on a point it cannot run.
    """
    from pydantic import ValidationError

    bad: list[tuple[int, str]] = []
    checked: dict[tuple, str | None] = {}
    for i, point in enumerate(design.points):
        key = tuple(sorted(point.items(), key=lambda kv: kv[0]))
        if key not in checked:
            try:
                scenario_at(sweep.scenario_data, tuple(point.items()))
                checked[key] = None
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                loc = ".".join(str(k) for k in err["loc"])
                checked[key] = f"{loc}: {err['msg'].removeprefix('Value error, ')}"
        if checked[key] is not None:
            bad.append((i, checked[key]))
    return bad


def run_chunk(scenario_data: dict, chunk: Chunk, seed: int, days: int | None) -> list[dict]:
    """Run one chunk (in any process): build each point's scenario, run its replicates, return rows."""
    rows = []
    for point, overrides, reps in chunk.runs:
        scenario = scenario_at(scenario_data, overrides)
        for r in reps:
            row = {"point": point, "replicate": r}
            row.update({f"axis:{k}": v for k, v in overrides})
            row.update(run_row(run_one(scenario, seed, r, days, record=False)))
            rows.append(row)
    return rows


def scenario_at(scenario_data: dict, overrides: Sequence[tuple[str, object]]) -> Scenario:
    """The scenario with a design point's values applied (validated by the schema)."""
    data = copy.deepcopy(scenario_data)
    for path, value in overrides:
        apply_override(data, path, value, origin="sweep axis")
    return Scenario.model_validate(data)


# -- executors ---------------------------------------------------------------------------------


class Executor:
    """``with Executor(kind, workers) as ex: ex.submit(chunk)`` on in-process, processes or dask."""

    def __init__(
        self,
        kind: str,
        workers: int,
        scenario_data: dict,
        seed: int,
        days: int | None,
        scheduler: str | None = None,
    ) -> None:
        self.kind, self.workers, self.scheduler = kind, workers, scheduler
        self.args = (scenario_data, seed, days)
        self._pool = None
        self._client = None
        self._cluster = None
        self.slots = workers  # tasks that can run at once (a cluster says how many it has)

    def __enter__(self) -> Executor:
        if self.kind == "dask":
            from dask.distributed import Client, LocalCluster

            if self.scheduler:
                self._client = Client(self.scheduler)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,
                )
                self._client = Client(self._cluster)
            data = self.args[0]
            self._data_future = self._client.scatter(data, broadcast=True)
            self.slots = sum(self._client.nthreads().values()) or self.workers
        elif self.kind == "local" and self.workers > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=pool_context(), initializer=_die_with_parent
            )
        return self

    def submit(self, chunk: Chunk) -> Future:
        data, seed, days = self.args
        if self._client is not None:
            return self._client.submit(run_chunk, self._data_future, chunk, seed, days, pure=False)
        if self._pool is not None:
            return self._pool.submit(run_chunk, data, chunk, seed, days)
        future: Future = Future()
        try:
            future.set_result(run_chunk(data, chunk, seed, days))
        except Exception as exc:  # a failing run is counted, not fatal to the sweep
            future.set_exception(exc)
        return future

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _die_with_parent() -> None:
    """(In a local worker) end this worker if the sweep's process dies, even by kill -9 (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # no glibc (e.g. musl): workers then end when their queue closes
        return


def pool_context() -> multiprocessing.context.BaseContext:
    """How to start local workers: fork on Linux when this process runs no other thread.

    A forked worker starts in milliseconds with the simulator already imported; a spawned one
    re-imports numpy, pandas and mesa (about a second here), which ate most of the gain of a second
    worker. Forking a process that runs threads can deadlock a child, so we fork only without them;
    the context is explicit, whatever start method an imported library set globally (mesa 3.3's
    batchrunner forces spawn at import). Native threads (OpenBLAS, Arrow) register fork handlers;
    Python 3.12 still warns about them. ``CEASEFIRE_START_METHOD=spawn`` (or ``forkserver``)
    overrides the choice.
    """
    chosen = os.environ.get("CEASEFIRE_START_METHOD", "").strip()
    if chosen:
        return multiprocessing.get_context(chosen)
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def wait_any(futures: set, kind: str) -> tuple[set, set]:
    """Wait for at least one future; dask futures need dask's own wait."""
    if kind == "dask":
        from dask.distributed import wait as dask_wait

        done, pending = dask_wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)
    return wait(futures, return_when=FIRST_COMPLETED)


@dataclass
class Progress:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def execute(
    plan: Plan,
    out: Path,
    kind: str,
    workers: int,
    scheduler: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Run the plan's chunks, writing each finished chunk as a part; returns counts and errors."""
    sweep = plan.sweep
    progress = Progress()
    if not plan.chunks:
        return progress
    (out / PARTS).mkdir(parents=True, exist_ok=True)
    for tmp in (out / PARTS).glob(".part-*"):
        tmp.unlink(missing_ok=True)  # left by a killed sweep: never renamed, never counted
    queue = list(plan.chunks)
    with Executor(kind, workers, sweep.scenario_data, sweep.spec.seed, sweep.spec.days, scheduler) as ex:
        in_flight_limit = 2 * max(ex.slots, 1)
        pending: dict = {}
        while queue or pending:
            while queue and len(pending) < in_flight_limit:
                chunk = queue.pop(0)
                pending[ex.submit(chunk)] = chunk
            done, _ = wait_any(set(pending), kind)
            for fut in done:
                chunk = pending.pop(fut)
                try:
                    rows = fut.result()
                except Exception as exc:  # count it, say which runs, go on with the rest
                    progress.failed += chunk.size
                    progress.errors.append(
                        f"runs {chunk.first_key} (+{chunk.size - 1}): {type(exc).__name__}: {exc}\n"
                        + "".join(traceback.format_exception(exc)[-3:])
                    )
                else:
                    write_part(out, rows)
                    progress.done += len(rows)
                if on_progress is not None:
                    on_progress(progress)
    return progress


MAX_WORKERS = 256
"""The largest ``--workers`` accepted at all."""


def default_workers() -> int:
    return os.cpu_count() or 1


def cap_workers(requested: int, tasks: int) -> int:
    """Local workers actually started: at most twice the cores, and no more than there are tasks.

    Each worker is a process holding the simulator; more of them than cores only adds memory and
    start-up time, and a worker with no task to run is pure cost.
    """
    return max(1, min(requested, MAX_WORKERS, 2 * default_workers(), max(tasks, 1)))


def estimate_seconds(sweep: LoadedSweep, total_runs: int, workers: int, probe_runs: int = 2) -> float:
    """Time a couple of runs of the base scenario here and scale to the plan (a rough guide)."""
    started = time.perf_counter()
    for r in range(probe_runs):
        try:
            run_one(sweep.scenario, sweep.spec.seed, r, sweep.spec.days, record=False)
        except Exception:  # an estimate is a guide: a failing probe must not stop the sweep
            return math.nan
    per_run = (time.perf_counter() - started) / probe_runs
    return per_run * total_runs / max(1, workers) * (1.0 if workers == 1 else 1.1)


def points_table(
    runs: pd.DataFrame, design: Design, outcomes: Sequence[str], phases: Sequence[str]
) -> pd.DataFrame:
    """Per design point: its axis values, and each outcome's share with a 95% Wilson interval."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        row: dict = {"point": point, "runs": len(group)}
        row.update({f"axis:{k}": v for k, v in design.points[int(point)].items()})
        n = len(group)
        for o in outcomes:
            k = int((group["outcome"] == o).sum())
            low, high = wilson(k, n)
            row[f"share_{o}"], row[f"share_{o}_low"], row[f"share_{o}_high"] = k / n, low, high
        for p in phases:
            k = int(group[f"{p}_entered_day"].notna().sum())
            low, high = wilson(k, n)
            row[f"reached_{p}"], row[f"reached_{p}_low"], row[f"reached_{p}_high"] = k / n, low, high
            row[f"mean_{p}_days_in_force"] = float(group[f"{p}_days_in_force"].mean())
        row["mean_violations_true"] = float(group["violations_true"].mean())
        row["mean_violations_undetected"] = float(group["violations_undetected"].mean())
        rows.append(row)
    return pd.DataFrame(rows)
