"""Sweeps: run a design x replicates on an executor, streaming results to a resumable Parquet store.

Every run is keyed by ``(point, replicate)``. Replicate ``r`` of every point is run ``r`` of the
spec's seed on the sweep's engine (:mod:`sim.experiments.engines`): common random numbers, so
differences between points are the parameters' doing, not seed noise. Seeds are fixed by the plan
before dispatch and a run is the same however blocks are cut, so the tables are identical, row for
row, on every executor, worker count and chunk size. The batch engine gets chunks of many points,
advanced together as one block; the mesa engine small ones, for a steady progress bar.

Results are written as they complete, one Parquet part per finished chunk, atomically; a killed
sweep keeps every finished part, and ``resume`` runs only the missing keys.
"""

from __future__ import annotations

import copy
import functools
import gc
import inspect
import itertools
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from sim.experiments.designs import Design, build_design
from sim.experiments.engines import check_engine, run_block
from sim.experiments.store import PARTS, write_part
from sim.experiments.sweep_spec import LoadedSweep
from sim.scenario.loader import apply_override
from sim.scenario.paths import lookup
from sim.scenario.schema import Scenario


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


CHUNK_SIZE = {"mesa": 25, "batch": 5000}
"""The most runs per chunk by engine: a few seconds of mesa runs; a batch block as wide as memory
allows (its day loop costs the same for 10 runs as for 5,000, so wider blocks cost less a run)."""


def chunk_size(engine: str, runs: int, workers: int) -> int:
    """Runs per chunk: mesa's fixed size; on batch, the runs shared evenly between the workers, at
    most :data:`CHUNK_SIZE` (several chunks a worker keep a progress bar moving and a kill cheap)."""
    if engine == "mesa":
        return CHUNK_SIZE["mesa"]
    return max(1, min(CHUNK_SIZE["batch"], math.ceil(runs / max(1, workers))))


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


PARALLEL_CHECK = 4000
"""Design points from which :func:`invalid_points` checks them on several processes."""


def invalid_points(sweep: LoadedSweep, design: Design, workers: int = 1) -> list[tuple[int, str]]:
    """Design points whose combination of values the schema refuses (each value alone was valid).

    Checked in the parent before anything runs, so a sweep never stops on a point it cannot run.
    Each distinct point is checked once, by :class:`PointScenarios` (only the models its values
    touch); a refused one is built again the slow way, for the schema's own message. A large design
    is checked in ``workers`` forked local processes, a contiguous share each (neighbours share models).
    """
    points = design.points
    context = pool_context()
    if workers <= 1 or len(points) < PARALLEL_CHECK or context.get_start_method() != "fork":
        # a spawned process re-imports the simulator first: seconds, more than it would save
        return refused_points(sweep.scenario_data, design.axes, points, 0, sweep.scenario)
    bounds = [len(points) * i // workers for i in range(workers + 1)]
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_die_with_parent) as pool:
        parts = [
            pool.submit(refused_points, sweep.scenario_data, design.axes, points[a:b], a)
            for a, b in itertools.pairwise(bounds)
        ]
        return [bad for part in parts for bad in part.result()]


def refused_points(
    scenario_data: dict,
    axes: Sequence[str],
    points: Sequence[dict],
    first: int = 0,
    base: Scenario | None = None,
) -> list[tuple[int, str]]:
    """(index, the schema's message) of each refused point of ``points`` (numbered from ``first``).

    Takes the scenario as data, not as models: a process receives it pickled, and pydantic's
    parametrised models (``Seeded[...]``) do not pickle.
    """
    from pydantic import ValidationError

    base = Scenario.model_validate(scenario_data) if base is None else base
    build = PointScenarios(scenario_data, base, axes)
    bad: list[tuple[int, str]] = []
    checked: dict[tuple, str | None] = {}
    with paused_gc():
        for i, point in enumerate(points, first):
            key = tuple(point.values())  # a design's points name the same axes in the same order
            if key not in checked:
                checked[key] = None
                try:
                    build(tuple(point.items()), check=True)
                except ValueError:  # a pydantic ValidationError too
                    try:
                        scenario_at(scenario_data, tuple(point.items()))
                    except ValidationError as exc:
                        err = exc.errors(include_url=False)[0]
                        loc = ".".join(str(k) for k in err["loc"])
                        checked[key] = f"{loc}: {err['msg'].removeprefix('Value error, ')}"
            if checked[key] is not None:
                bad.append((i, checked[key]))
    return bad


def run_chunk(
    scenario_data: dict, chunk: Chunk, seed: int, days: int | None, engine: str = "batch"
) -> list[dict]:
    """Run one chunk (in any process): build each point's scenario, run its replicates in one block.

    Replicate ``r`` of every point is run ``r`` of the seed (common random numbers); the block may
    span many points (the batch engine advances them together).
    """
    if not chunk.runs:
        return []
    axes = [k for k, _ in chunk.runs[0][1]]
    build = PointScenarios(scenario_data, Scenario.model_validate(scenario_data), axes)
    scenarios: list[Scenario] = []
    keys: list[tuple[int, int, tuple]] = []
    with paused_gc():
        for point, overrides, reps in chunk.runs:
            scenario = build(overrides)
            for r in reps:
                scenarios.append(scenario)
                keys.append((point, r, overrides))
    block = run_block(engine, scenarios, [r for _, r, _ in keys], seed, days, record=False)
    rows = []
    for (point, r, overrides), run in zip(keys, block.rows, strict=True):
        row = {"point": point, "replicate": r}
        row.update({f"axis:{k}": v for k, v in overrides})
        row.update(run)
        rows.append(row)
    return rows


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while thousands of scenario models are made (none form cycles):
    the collector's passes over them took half the time of building them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scenario_at(scenario_data: dict, overrides: Sequence[tuple[str, object]]) -> Scenario:
    """The scenario with a design point's values applied (validated by the schema).

    The reference for :class:`PointScenarios`, which builds the same scenario faster.
    """
    data = copy.deepcopy(scenario_data)
    for path, value in overrides:
        apply_override(data, path, value, origin="sweep axis")
    return Scenario.model_validate(data)


@dataclass(frozen=True)
class _Route:
    """Where an axis's value goes: the steps from the scenario down to the replaced node."""

    steps: tuple[str | int, ...]
    path: str
    """The path as ``apply_override`` names it in the provenance (``x`` for ``x.value``)."""
    seeded: bool
    old: object
    """The scenario's value there (its ``value`` if seeded), for the provenance text."""


class PointScenarios:
    """Builds design points' scenarios from the validated base, replacing only what the axes name.

    ``build(overrides)`` equals :func:`scenario_at` (tested) at a fraction of its cost: the models no
    axis reaches are shared with the base (they are frozen), a seeded value becomes a new ``Seeded``
    with the provenance ``apply_override`` writes, and the models above it are copied with their new
    children. ``check=True`` (the parent, once per distinct point, before anything runs) validates
    each model above a changed value with its own rules, a model met with the same values before
    only once; a value alone was checked when the spec was loaded. Without ``check`` (the workers,
    for points the parent checked) the copies are not validated again. Paths it cannot follow (a
    top-level field the file leaves at its default) fall back to :func:`scenario_at`.
    """

    CACHE = 4096
    """Sub-models remembered by their axis values (a Saltelli design's neighbours share most)."""

    def __init__(self, scenario_data: dict, base: Scenario, axes: Sequence[str]) -> None:
        self.data, self.base, self.axes = scenario_data, base, list(axes)
        routes = [_route(scenario_data, base, a) for a in self.axes]
        known = [r for r in routes if r is not None]
        self.routes: list[_Route] | None = known if len(known) == len(routes) else None
        trie: dict = {}
        for i, route in enumerate(self.routes or []):
            if not _place(trie, route.steps, i):  # two axes on one node (x and x.value)
                self.routes = None
                break
        self.root = _compile(trie, base) if self.routes is not None else None
        self.cache: dict = {}
        self.leaves: dict = {}

    def __call__(self, overrides: Sequence[tuple[str, object]], check: bool = False) -> Scenario:
        values = dict(overrides)
        if self.root is None or list(values) != self.axes:
            return scenario_at(self.data, overrides)
        raw = [values[a] for a in self.axes]
        if len(self.cache) + len(self.leaves) > self.CACHE:
            self.cache.clear()
            self.leaves.clear()
        return self._build(self.root, raw, check)  # type: ignore[return-value]

    def _build(self, node: _Node, raw: list, check: bool) -> object:
        key = (id(node), check, *[raw[i] for i in node.under])
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        updates = {}
        for step, child, old in node.children:
            if isinstance(child, int):
                leaf = self.leaves.get((child, raw[child]))
                if leaf is None:
                    leaf = self.leaves[child, raw[child]] = self._leaf(old, child, raw[child])
                updates[step] = leaf
            else:
                updates[step] = self._build(child, raw, check)
        model = node.base
        if isinstance(model, BaseModel):
            built: object = _replaced(model, updates)
            if check:
                built = _checked(built)  # type: ignore[arg-type]
        elif isinstance(model, dict):
            built = {**model, **updates}
        else:
            built = list(model)  # type: ignore[call-overload]
            for i, v in updates.items():
                built[i] = v  # type: ignore[index]
        self.cache[key] = built
        return built

    def _leaf(self, old: object, i: int, value: object) -> object:
        route = self.routes[i]  # type: ignore[index]
        if not route.seeded:
            return _coerced(value, old)
        cls = type(old)
        leaf = cls.__new__(cls)
        text = f"sweep axis {route.path}={value!r} (scenario value: {route.old!r})"  # as apply_override
        fields = {**old.__dict__, "value": _coerced(value, old.value), "evidence": None, "assumption": text}  # type: ignore[attr-defined]
        object.__setattr__(leaf, "__dict__", fields)
        object.__setattr__(leaf, "__pydantic_fields_set__", {"value", "assumption"})
        object.__setattr__(leaf, "__pydantic_extra__", None)
        object.__setattr__(leaf, "__pydantic_private__", None)
        return leaf


@dataclass(frozen=True)
class _Node:
    """A model (or mapping, or list) of the base above some axes' values, with what lies below."""

    base: object
    children: tuple[tuple[str | int, _Node | int, object], ...]
    """(step, the node below or the axis whose value goes there, the base's value there)."""
    under: tuple[int, ...]
    """The axes below: a node is built once for each combination of their values (cached)."""


def _compile(trie: dict, base: object) -> _Node:
    children = []
    under: list[int] = []
    for step, child in trie.items():
        old = _child(base, step)
        if isinstance(child, int):
            children.append((step, child, old))
            under.append(child)
        else:
            node = _compile(child, old)
            children.append((step, node, old))
            under += node.under
    return _Node(base, tuple(children), tuple(under))


_MISSING = object()


def _place(trie: dict, steps: tuple[str | int, ...], axis: int) -> bool:
    """Put an axis's route into the trie; False if it meets another axis's node."""
    node = trie
    for step in steps[:-1]:
        node = node.setdefault(step, {})
        if not isinstance(node, dict):
            return False
    if steps[-1] in node:
        return False
    node[steps[-1]] = axis
    return True


def _child(model: object, step: str | int) -> object:
    if isinstance(model, BaseModel):
        known = isinstance(step, str) and step in type(model).model_fields
        return getattr(model, step) if known else _MISSING  # type: ignore[arg-type]
    if isinstance(model, dict):
        return model.get(step, _MISSING)
    if isinstance(model, list) and isinstance(step, int) and step < len(model):
        return model[step]
    return _MISSING


def _route(data: dict, base: Scenario, path: str) -> _Route | None:
    """How ``apply_override`` would walk ``path`` in the data, if the validated base can follow it."""
    keys = path.split(".")
    node: object = data
    steps: list[str | int] = []
    for key in keys:
        if isinstance(node, dict) and key in node:
            steps.append(key)
            node = node[key]
        elif isinstance(node, list) and key.isascii() and key.isdigit() and int(key) < len(node):
            steps.append(int(key))
            node = node[int(key)]
        else:
            return None
    shown = path
    if len(keys) > 1 and keys[-1] == "value":
        parent = lookup(data, ".".join(keys[:-1]))
        if isinstance(parent, dict) and "value" in parent:
            steps, node, shown = steps[:-1], parent, ".".join(keys[:-1])
    seeded = isinstance(node, dict) and "value" in node
    model: object = base
    for step in steps:
        model = _child(model, step)
        if model is _MISSING:
            return None
    fields = set(type(model).model_fields) if isinstance(model, BaseModel) else set()
    if seeded and not {"value", "assumption", "evidence"} <= fields:
        return None
    if not seeded and isinstance(model, BaseModel | dict | list):
        return None
    old = node["value"] if seeded else node  # type: ignore[index]
    return _Route(tuple(steps), shown, seeded, old)


def _checked(model: BaseModel) -> BaseModel:
    """The model, if its own rules accept it (its fields are valid already); a ValueError if not.

    Runs the model's after-validators on it: the schema's cross-field rules (a floor below the opening
    demand, references that resolve). A model with any other kind of validator is validated whole.
    """
    names = _after_validators(type(model))
    if names is None:
        data = {k: getattr(model, k) for k in model.model_fields_set}
        return type(model).model_validate(data)
    for name in names:
        getattr(model, name)()
    return model


@functools.cache
def _after_validators(cls: type[BaseModel]) -> tuple[str, ...] | None:
    """The names of a model class's after-validators taking only the model; None if it has others."""
    found = cls.__pydantic_decorators__
    if found.field_validators or found.validators or found.root_validators:
        return None
    names = []
    for name, decorator in found.model_validators.items():
        if decorator.info.mode != "after" or len(inspect.signature(decorator.func).parameters) != 1:
            return None
        names.append(name)
    return tuple(names)


def _replaced(model: BaseModel, updates: dict, fields_set: set[str] | None = None) -> BaseModel:
    """A copy of a frozen model with some fields replaced, not validated again (as ``model_copy``,
    without its generality: a design point's scenario copies thousands of models)."""
    cls = type(model)
    new = cls.__new__(cls)
    values = model.__dict__.copy()
    values.update(updates)
    object.__setattr__(new, "__dict__", values)
    fields = model.__pydantic_fields_set__ | updates.keys() if fields_set is None else fields_set
    object.__setattr__(new, "__pydantic_fields_set__", fields)
    object.__setattr__(new, "__pydantic_extra__", model.__pydantic_extra__)
    object.__setattr__(new, "__pydantic_private__", model.__pydantic_private__)
    return new


def _coerced(value: object, like: object) -> object:
    """A value as validation stores it in the field ``like`` came from (an int in a float field: float)."""
    if isinstance(like, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


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
        engine: str = "batch",
    ) -> None:
        self.kind, self.workers, self.scheduler = kind, workers, scheduler
        self.args = (scenario_data, seed, days, check_engine(engine))
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
        data, seed, days, engine = self.args
        if self._client is not None:
            return self._client.submit(run_chunk, self._data_future, chunk, seed, days, engine, pure=False)
        if self._pool is not None:
            return self._pool.submit(run_chunk, data, chunk, seed, days, engine)
        future: Future = Future()
        try:
            future.set_result(run_chunk(data, chunk, seed, days, engine))
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
    engine: str = "batch",
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
    args = (sweep.scenario_data, sweep.spec.seed, sweep.spec.days, scheduler, engine)
    with Executor(kind, workers, *args) as ex:
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


def estimate_seconds(
    sweep: LoadedSweep, total_runs: int, workers: int, engine: str = "batch", chunk_size: int = 25
) -> float:
    """Time a few runs of the base scenario here and scale to the plan (a rough guide).

    A mesa run costs the same alone or in a chunk: two runs are timed. A batch block costs a fixed
    part (the day loop over arrays) plus a little per run: blocks of 2 and 34 runs give both.
    """
    try:
        if engine == "mesa" or total_runs <= 34:
            probe = min(2 if engine == "mesa" else 34, max(total_runs, 1))
            per_run = _timed(engine, sweep, probe) / probe
            return per_run * total_runs / max(1, workers) * (1.0 if workers == 1 else 1.1)
        small, large = _timed(engine, sweep, 2), _timed(engine, sweep, 34)
    except Exception:  # an estimate is a guide: a failing probe must not stop the sweep
        return math.nan
    per_run = max(large - small, 0.0) / 32
    fixed = max(small - 2 * per_run, 0.0)
    chunks = math.ceil(total_runs / chunk_size)
    return (fixed * chunks + per_run * total_runs) / max(1, min(workers, chunks))


def _timed(engine: str, sweep: LoadedSweep, runs: int) -> float:
    started = time.perf_counter()
    run_block(engine, sweep.scenario, range(runs), sweep.spec.seed, sweep.spec.days)
    return time.perf_counter() - started


def points_table(
    runs: pd.DataFrame, design: Design, outcomes: Sequence[str], phases: Sequence[str]
) -> pd.DataFrame:
    """Per design point: its axis values, and each outcome's share with a 95% Wilson interval.

    Column-wise over all points at once (20,000 points in a fraction of a second).
    """
    point = runs["point"]
    n = point.groupby(point, sort=True).size()
    table: dict[str, object] = {"point": n.index.to_numpy(), "runs": n.to_numpy()}
    index = [int(p) for p in n.index]
    for axis in design.axes:
        table[f"axis:{axis}"] = [design.points[i][axis] for i in index]
    counts = n.to_numpy(dtype=float)

    def shares(name: str, hits: pd.Series) -> None:
        k = hits.groupby(point, sort=True).sum().to_numpy(dtype=float)
        low, high = _wilson(k, counts)
        table[name], table[f"{name}_low"], table[f"{name}_high"] = k / counts, low, high

    for o in outcomes:
        shares(f"share_{o}", runs["outcome"] == o)
    for p in phases:
        shares(f"reached_{p}", runs[f"{p}_entered_day"].notna())
        table[f"mean_{p}_days_in_force"] = _means(runs[f"{p}_days_in_force"], point)
    table["mean_violations_true"] = _means(runs["violations_true"], point)
    table["mean_violations_undetected"] = _means(runs["violations_undetected"], point)
    return pd.DataFrame(table)


def _means(values: pd.Series, point: pd.Series) -> np.ndarray:
    return values.astype(float).groupby(point, sort=True).mean().to_numpy(dtype=float)


def _wilson(k: np.ndarray, n: np.ndarray, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sim.stats.wilson` for arrays of counts, by the same arithmetic (points have n >= 1)."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)
