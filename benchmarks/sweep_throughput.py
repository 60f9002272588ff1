"""How fast is our sweep runner, next to mesa's own ``mesa.batch_run`` on the same design?

Why this exists (issues 3 and 14): the sweep runner plans a design x replicates, cuts it into chunks,
runs them in-process or on a process pool and streams every finished chunk to a Parquet part. That
machinery costs something over a plain loop of runs, and the question is whether it pays for itself.
This script runs one grid design over ``scenarios/baseline.yaml`` (monitoring strength x US
normalisation lever strength, 3 x 3 points, 50 replicates each: 450 runs of 180 days) through

* our runner on the mesa engine, end to end as ``run_sim.py sweep --engine mesa`` does it
  (``load_sweep``, ``make_plan``, ``execute`` writing the parts, ``collect_runs``), with 1 worker
  (in-process) and 2 workers (a process pool),
* ``mesa.batch_run`` (the external baseline) with ``number_processes`` 1 and 2, through a small
  adapter model that takes the two axis values and the replicate as keyword parameters and reports
  each run's row (the columns our runner stores) once, at the end, and
* our runner on the batch engine (``--engine batch``, the sweep's default), 1 and 2 workers.

Like with like: every side records nothing but the run rows (the adapter's model runs with
``record=False``, as our runner's do); every timing runs in a fresh process (the sweep alone is timed,
not the interpreter's start-up), and the process pools of both ours and ``batch_run`` are started
the same way, once with ``fork`` and once with ``spawn`` (ours through ``CEASEFIRE_START_METHOD``;
``batch_run`` by resetting the start method mesa 3.3 forces to ``spawn`` at import). The three
sides alternate in every round. It checks that ours on mesa and ``batch_run`` produce the very same
runs (every column of every run row), and that the batch engine's runs are equal in distribution to
them (``sim.experiments.equality``). It then splits one in-process sweep of ours into its stages and
times the process pool's start-up for each start method. Last, it measures the peak resident memory
of our runner (parent plus worker processes) at the design's size and at 4 times as many runs, each
in a fresh process sampled from outside (a sampler thread inside would make our runner spawn
rather than fork), to show it stays flat.

Load check: the 1-minute load average around every timing. Above the number of cores, other work
was competing for the cores: the ratios are printed as indicative only, and a 2-worker "speedup"
below 1 is never called one. It is a plain script, not a test: it asserts nothing about speed.

Run it from the repository root::

    .venv/bin/python benchmarks/sweep_throughput.py            # a few minutes on 2 cores
    .venv/bin/python benchmarks/sweep_throughput.py --quick    # 90 runs, one round: minutes when busy
    .venv/bin/python benchmarks/sweep_throughput.py --help     # replicates, repeats

The last line is always ``ratio_vs_batch_run=<x> speedup_2_workers=<y> peak_mib=<z>
batch_engine_vs_batch_run=<w>``, with the ``fork`` start method where the platform has it (else
``spawn``):

* ``ratio_vs_batch_run``: our runs per second on the mesa engine (the faster of 1 and 2 workers)
  over ``batch_run``'s (the faster of 1 and 2 processes); above 1: ours is faster. ``n/a`` if this
  mesa has no ``batch_run`` (mesa 4 removed it);
* ``speedup_2_workers``: ours (mesa engine) with 2 workers over 1 worker; ``n/a`` on a busy machine;
* ``peak_mib``: peak RSS (MiB) of parent plus workers of our 2-worker sweep (mesa engine) at the
  larger size;
* ``batch_engine_vs_batch_run``: as the first, for our runner on the batch engine.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import pandas as pd

import sim.experiments.sweep
from sim.experiments.store import collect_runs
from sim.experiments.sweep import execute, make_plan, scenario_at
from sim.experiments.sweep_spec import LoadedSweep, load_sweep
from sim.model.ceasefire import CeasefireModel
from sim.model.results import run_row
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SEED = 7
MONITORING = "monitoring.strength"
NORMALISATION = "actors.us.levers.normalisation.strength"
AXES: dict[str, list[float]] = {MONITORING: [0.2, 0.5, 0.8], NORMALISATION: [0.0, 0.1, 0.2]}
CHUNK_SIZE = 25
HAS_ENGINES = "engine" in inspect.signature(execute).parameters
"""Whether the sweep runner takes ``engine`` (issue 14); before it, the runner was the mesa engine."""


def write_spec(folder: Path, replicates: int) -> Path:
    """A grid sweep spec over the baseline scenario (JSON is YAML), in ``folder``."""
    spec = {
        "name": "throughput",
        "scenario": str(BASELINE),
        "seed": SEED,
        "replicates": replicates,
        "design": "grid",
        "axes": AXES,
    }
    path = folder / f"throughput-{replicates}.yaml"
    path.write_text(json.dumps(spec, indent=2))
    return path


def design_runs(replicates: int) -> int:
    return math.prod(len(v) for v in AXES.values()) * replicates


def start_methods() -> list[str]:
    """The pool start methods compared: fork (where the platform has it) and spawn."""
    return [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]


def load() -> float:
    return os.getloadavg()[0]


# -- our runner -----------------------------------------------------------------------------------
def chunk_size(engine: str, runs: int, workers: int) -> int:
    """The runner's chunk for the engine (a batch block is wide), cut so every worker gets work."""
    size = getattr(sim.experiments.sweep, "CHUNK_SIZE", {}).get(engine, CHUNK_SIZE)
    return max(1, min(size, math.ceil(runs / workers)))


def our_sweep(spec_path: Path, workers: int, engine: str = "mesa") -> tuple[float, pd.DataFrame]:
    """Seconds for the whole sweep (load, plan, run, write the parts, collect), and its runs."""
    extra = {"engine": engine} if HAS_ENGINES else {}
    if engine != "mesa" and not HAS_ENGINES:
        raise RuntimeError("this sweep runner has no engine choice")
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        out = Path(tmp) / "sweep"
        t0 = time.perf_counter()
        sweep = load_sweep(spec_path)
        size = chunk_size(engine, sweep.spec.replicates * 9, workers)
        plan = make_plan(sweep, set(), chunk_size=size)
        progress = execute(plan, out, "local", workers, **extra)
        runs = collect_runs(out)
        seconds = time.perf_counter() - t0
    if progress.failed:
        raise RuntimeError(f"{progress.failed} runs failed: {progress.errors[:1]}")
    return seconds, runs


@dataclass
class Timer:
    seconds: float = 0.0
    calls: int = 0


@contextmanager
def timed_functions(module: Any, names: tuple[str, ...]) -> Iterator[dict[str, Timer]]:
    """Wrap module-level functions (looked up at call time, in this process) with timers."""
    timers: dict[str, Timer] = {}
    originals: dict[str, Callable[..., Any]] = {}
    for name in names:
        original = getattr(module, name, None)
        if original is None:  # being edited by others: skip, not an error
            continue
        t = timers[name] = Timer()

        def wrapper(*args: Any, _f: Callable[..., Any] = original, _t: Timer = t, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                _t.seconds += time.perf_counter() - t0
                _t.calls += 1

        originals[name] = original
        setattr(module, name, wrapper)
    try:
        yield timers
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


STAGES = (
    ("run_block", "simulation (engines.run_block)"),
    ("run_one", "simulation (CeasefireModel.run)"),
    ("run_row", "run rows"),
    ("scenario_at", "scenario_at (copy + validate)"),
    ("write_part", "write_part (Parquet parts)"),
)


def where_time_goes(spec_path: Path) -> tuple[float, dict[str, float], dict[str, Timer]]:
    """One instrumented in-process sweep (mesa engine): total seconds, its outer stages, and timers."""
    names = tuple(name for name, _ in STAGES)
    extra = {"engine": "mesa"} if HAS_ENGINES else {}
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        out = Path(tmp) / "sweep"
        with timed_functions(sim.experiments.sweep, names) as timers:
            t0 = time.perf_counter()
            sweep = load_sweep(spec_path)
            t1 = time.perf_counter()
            plan = make_plan(sweep, set(), chunk_size=CHUNK_SIZE)
            t2 = time.perf_counter()
            execute(plan, out, "local", 1, **extra)
            t3 = time.perf_counter()
            collect_runs(out)
            t4 = time.perf_counter()
    stages = {"load_sweep (spec + axis checks)": t1 - t0, "make_plan": t2 - t1, "collect_runs": t4 - t3}
    return t4 - t0, stages, timers


def _worker_ready(_: int) -> int:
    return os.getpid()


def pool_startup_seconds(workers: int, method: str) -> float:
    """Wall time for a fresh process pool to answer one trivial task per worker.

    With ``spawn`` every worker starts a new interpreter and imports this script's module (and so
    the simulator, pandas, pydantic and mesa) before it can run anything; with ``fork`` it has them.
    """
    t0 = time.perf_counter()
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        list(pool.map(_worker_ready, range(workers)))
    return time.perf_counter() - t0


def ours_child(workers: int, replicates: int, engine: str) -> None:
    """(In a fresh process, as the command line runs it) our sweep's seconds with ``workers``.

    The start method comes from ``CEASEFIRE_START_METHOD``, set by the parent.
    """
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        print(our_sweep(spec, workers, engine)[0])


def _child(args: list[str], method: str) -> float:
    env = {**os.environ, "CEASEFIRE_START_METHOD": method}
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, env=env
    )
    return float(out.stdout.strip().splitlines()[-1])


def fresh_ours_seconds(workers: int, replicates: int, engine: str, method: str) -> float:
    return _child(["--ours-child", str(workers), str(replicates), engine], method)


def batch_run_child(processes: int, replicates: int, method: str) -> None:
    """(In a fresh process) ``batch_run``'s seconds, its pool started with ``method``."""
    multiprocessing.set_start_method(method, force=True)  # mesa 3.3 forced spawn at import
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        print(batch_run_sweep(spec, replicates, processes)[0])


def fresh_batch_run_seconds(processes: int, replicates: int, method: str) -> float:
    return _child(["--batch-run-child", str(processes), str(replicates), method], method)


# -- the mesa.batch_run reference ------------------------------------------------------------------
_SWEEPS: dict[str, LoadedSweep] = {}
_SCENARIOS: dict[tuple[str, float, float], Scenario] = {}


def scenario_for(spec_path: str, monitoring: float, normalisation: float) -> tuple[Scenario, int]:
    """The design point's scenario (built once per process and point, as ours builds once per chunk)."""
    sweep = _SWEEPS.get(spec_path)
    if sweep is None:
        sweep = _SWEEPS[spec_path] = load_sweep(spec_path)
    key = (spec_path, monitoring, normalisation)
    scenario = _SCENARIOS.get(key)
    if scenario is None:
        overrides = ((MONITORING, monitoring), (NORMALISATION, normalisation))
        scenario = _SCENARIOS[key] = scenario_at(sweep.scenario_data, overrides)
    return scenario, sweep.spec.seed


class BatchRunSweepPoint(CeasefireModel):
    """One run of a design point, as ``mesa.batch_run`` wants it: keyword parameters, ``running``,
    and a ``datacollector`` holding the run's row (``sim.model.results.run_row``, the columns our runner
    stores) collected once, at the horizon.

    Replicate ``r`` is ``CeasefireModel(scenario_at_point, seed=spec_seed, run=r, record=False)``,
    exactly as in the sweep runner on the mesa engine: no day columns, no decision events (recording
    them would charge ``batch_run`` for work ours does not do). mesa 3.3's ``batch_run`` reads
    ``model_vars[name][model.steps - 1]`` (it assumes one collection per step); the adapter collects
    only at the end and left-pads the lists so that index is that collection: the cheapest collection
    ``batch_run`` accepts, which is fair to it. The model is released at the end, as
    ``CeasefireModel.run`` does (mesa 3.3 would keep it).
    """

    def __init__(self, spec_path: str, monitoring: float, normalisation: float, replicate: int) -> None:
        scenario, seed = scenario_for(spec_path, monitoring, normalisation)
        super().__init__(scenario, seed=seed, run=replicate, record=False)

    def step(self) -> None:
        super().step()
        if self.day >= self.horizon:
            row = run_row(self.result())
            self.datacollector = mesa.DataCollector(
                model_reporters={k: (lambda m, v=v: v) for k, v in row.items()}
            )
            self.datacollector.collect(self)
            for values in self.datacollector.model_vars.values():
                values[:0] = [None] * (self.steps - 1)
            self.running = False
            self.release()


def batch_run_sweep(spec_path: Path, replicates: int, processes: int) -> tuple[float, list[dict]]:
    """Seconds for the design's runs through ``mesa.batch_run``, and its records (one per run)."""
    _SWEEPS.clear()  # each call pays for loading the spec and building the points, as ours does
    _SCENARIOS.clear()
    parameters = {
        "spec_path": str(spec_path),
        "monitoring": AXES[MONITORING],
        "normalisation": AXES[NORMALISATION],
        "replicate": range(replicates),
    }
    t0 = time.perf_counter()
    records = mesa.batch_run(
        BatchRunSweepPoint,
        parameters=parameters,
        number_processes=processes,
        iterations=1,
        data_collection_period=-1,
        max_steps=100_000,  # the model stops itself at its horizon
        display_progress=False,
    )
    return time.perf_counter() - t0, records


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def same_runs(ours: pd.DataFrame, records: list[dict]) -> tuple[bool, str]:
    """Whether every (point, replicate) has the same run row on both sides (NaN/NA/None alike)."""
    grid = [(m, n) for m in AXES[MONITORING] for n in AXES[NORMALISATION]]  # sim.experiments.designs' order
    point_of = {p: i for i, p in enumerate(grid)}
    theirs = {(point_of[(r["monitoring"], r["normalisation"])], r["replicate"]): r for r in records}
    mine = {(int(row["point"]), int(row["replicate"])): row for row in ours.to_dict("records")}
    if set(mine) != set(theirs):
        return False, f"keys differ: {len(mine)} ours, {len(theirs)} batch_run"
    columns = [c for c in ours.columns if c not in ("point", "replicate") and not c.startswith("axis:")]
    for key, row in mine.items():
        other = theirs[key]
        for c in columns:
            a, b = row[c], other.get(c)
            if not ((_missing(a) and _missing(b)) or (not _missing(a) and not _missing(b) and a == b)):
                return False, f"run {key} column {c}: ours {a!r}, batch_run {b!r}"
    return True, f"{len(mine)} runs x {len(columns)} columns compared"


# -- memory --------------------------------------------------------------------------------------
def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split())
        except (OSError, ValueError):
            pass
    return out


def memory_child(replicates: int, workers: int, engine: str) -> None:
    """(In a fresh process, sampled from outside: no thread here) one sweep of ours; a JSON line."""
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        before = _status_kib(os.getpid(), "VmRSS")
        seconds, runs = our_sweep(spec, workers, engine)
    method = sim.experiments.sweep.pool_context().get_start_method() if workers > 1 else "none"
    print(json.dumps({"runs": len(runs), "seconds": seconds, "before_mib": before / 1024, "method": method}))


def fresh_memory(replicates: int, workers: int, engine: str, method: str) -> dict[str, Any]:
    """The child's summed VmRSS with its descendants, sampled every 10 ms by this process.

    (Not the sum of each process's VmHWM: a spawned child sampled between fork and exec reports the
    parent's pages as its own peak, which would count the parent twice.)
    """
    env = {**os.environ, "CEASEFIRE_START_METHOD": method}
    args = ["--memory-child", str(replicates), str(workers), engine]
    proc = subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak, pids = 0, set()
    while proc.poll() is None:
        tree = _tree(proc.pid)
        pids.update(tree)
        peak = max(peak, sum(_status_kib(p, "VmRSS") for p in tree))
        time.sleep(0.01)
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"memory child failed: {err.strip().splitlines()[-1:]}")
    return {**json.loads(out.strip().splitlines()[-1]), "peak_mib": peak / 1024, "processes": len(pids)}


# -- main ----------------------------------------------------------------------------------------
SIDES = ("ours/mesa", "batch_run", "ours/batch")


def timed_round(replicates: int, method: str, workers: int, sides: tuple[str, ...]) -> dict[str, tuple]:
    """One timing of each side (alternating), each in a fresh process: seconds and the load around it."""
    out = {}
    for side in sides:
        before = load()
        if side == "batch_run":
            seconds = fresh_batch_run_seconds(workers, replicates, method)
        else:
            seconds = fresh_ours_seconds(workers, replicates, side.split("/")[1], method)
        out[side] = (seconds, max(before, load()))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Our sweep runner vs mesa.batch_run on one grid design.")
    ap.add_argument("--quick", action="store_true", help="10 replicates (90 runs), one round")
    ap.add_argument("--replicates", type=int, default=None, help="replicates per point (default 50)")
    ap.add_argument("--repeats", type=int, default=None, help="alternating rounds (default 3)")
    ap.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--batch-run-child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--ours-child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        reps, workers, engine = args.memory_child
        memory_child(int(reps), int(workers), engine)
        return
    if args.batch_run_child:
        processes, reps, method = args.batch_run_child
        batch_run_child(int(processes), int(reps), method)
        return
    if args.ours_child:
        workers, reps, engine = args.ours_child
        ours_child(int(workers), int(reps), engine)
        return
    replicates = args.replicates or (10 if args.quick else 50)
    repeats = args.repeats or (1 if args.quick else 3)
    n = design_runs(replicates)
    cores = os.cpu_count() or 1
    has_batch_run = getattr(mesa, "batch_run", None) is not None
    methods = start_methods()
    sides = tuple(
        s for s in SIDES if (s != "batch_run" or has_batch_run) and (s != "ours/batch" or HAS_ENGINES)
    )
    print(
        f"python {sys.version.split()[0]}, mesa {mesa.__version__}, pandas {pd.__version__}; "
        f"{cores} CPUs; pool start methods compared: {', '.join(methods)} (the same for every side)"
    )
    print(
        f"design: grid {' x '.join(f'{k} {v}' for k, v in AXES.items())} over "
        f"{BASELINE.relative_to(ROOT)}; {replicates} replicates, seed {SEED}: {n} runs of 180 days; "
        f"recording off on every side"
    )

    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        _, ours_runs = our_sweep(spec, 1, "mesa")  # warm-up, and the runs to compare with batch_run's
        batch_runs = our_sweep(spec, 1, "batch")[1] if HAS_ENGINES else None

        # 1. throughput, in alternation, each timing in a fresh process
        # (workers, method) -> side -> [(seconds, load)]; 1 worker runs in-process: no start method
        configs = [(1, "none")] + [(2, m) for m in methods]
        timings: dict[tuple[int, str], dict[str, list[tuple[float, float]]]] = {
            c: {s: [] for s in sides} for c in configs
        }
        for _ in range(repeats):
            for workers, method in configs:
                got = timed_round(replicates, method if method != "none" else methods[0], workers, sides)
                for side, t in got.items():
                    timings[(workers, method)][side].append(t)
        peak_load = max(t[1] for c in timings.values() for ts in c.values() for t in ts)
        busy = peak_load > cores
        print(
            f"\nthroughput, {n} runs, median of {repeats} alternating rounds (wall time of the sweep, "
            f"in a fresh process; pool start-up included):"
        )
        rps: dict[tuple[str, int, str], float] = {}
        for (workers, method), by_side in timings.items():
            for side, ts in by_side.items():
                seconds = statistics.median(t[0] for t in ts)
                rps[(side, workers, method)] = n / seconds
                how = "in-process" if workers == 1 else f"2 processes, {method}"
                print(f"  {side:<10} workers={workers} {how:<22} {seconds:7.2f} s {n / seconds:8.1f} runs/s")
        print(
            f"  load (1 min) up to {peak_load:.1f} on {cores} cores"
            + (": BUSY, ratios indicative only" if busy else "")
        )

        headline = methods[0]

        def best(side: str, method: str) -> float:
            return max(rps[(side, 1, "none")], rps[(side, 2, method)])

        ratio = batch_ratio = "n/a"
        for method in methods:
            parts = []
            if has_batch_run:
                r = best("ours/mesa", method) / best("batch_run", method)
                r2 = rps[("ours/mesa", 2, method)] / rps[("batch_run", 2, method)]
                parts.append(f"ours/mesa vs batch_run {r:.2f} (at 2 workers {r2:.2f})")
                if method == headline:
                    ratio = f"{r:.2f}"
                if HAS_ENGINES:
                    rb = best("ours/batch", method) / best("batch_run", method)
                    parts.append(f"ours/batch vs batch_run {rb:.2f}")
                    if method == headline:
                        batch_ratio = f"{rb:.2f}"
            if HAS_ENGINES:
                parts.append(
                    f"ours/batch vs ours/mesa {best('ours/batch', method) / best('ours/mesa', method):.2f}"
                )
            print(f"  best of 1 and 2 workers, pools by {method}: " + "; ".join(parts))
        if has_batch_run:
            _, records = batch_run_sweep(spec, replicates, 1)
            same, detail = same_runs(ours_runs, records)
            print(f"  ours/mesa and batch_run give the same runs: {same} ({detail})")
        else:
            print(f"  mesa {mesa.__version__} has no mesa.batch_run: baseline unavailable, ratio n/a")
        if batch_runs is not None:
            from sim.experiments.equality import compare_runs

            cols = ["point", "replicate"]
            eq = compare_runs(ours_runs.sort_values(cols), batch_runs.sort_values(cols))
            print(
                f"  ours/batch vs ours/mesa, equal in distribution (pooled over the points): {eq.summary()}"
            )
        for method in methods:
            s = rps[("ours/mesa", 2, method)] / rps[("ours/mesa", 1, "none")]
            if busy:
                print(
                    f"  2 workers ({method}) vs 1: {s:.2f}x, not reported as a speedup: the machine was busy"
                )
            elif s < 1:
                print(
                    f"  2 workers ({method}) vs 1: {s:.2f}x: slower, no speedup (start-up outweighs the gain)"
                )
            else:
                print(f"  speedup with 2 workers ({method}): {s:.2f}x (ideal 2.00x on {cores} CPUs)")
        s2 = rps[("ours/mesa", 2, headline)] / rps[("ours/mesa", 1, "none")]
        speedup = "n/a" if busy or s2 < 1 else f"{s2:.2f}"

        # 2. where our runner's time goes
        total, stages, timers = where_time_goes(spec)
        print(f"\nwhere ours (mesa engine) spends it, workers=1 (one instrumented pass, {total:.2f} s):")
        for name, label in STAGES:
            t = timers.get(name)
            if t is None:
                continue  # not in this version of sim.experiments.sweep
            per = t.seconds / max(t.calls, 1) * 1e3
            share = t.seconds / total
            print(f"  {label:<32} {t.seconds:6.3f} s {share:6.1%}  {t.calls:4d} calls, {per:.2f} ms each")
        for label, seconds in stages.items():
            print(f"  {label:<32} {seconds:6.3f} s {seconds / total:6.1%}")
        rest = total - sum(t.seconds for t in timers.values()) - sum(stages.values())
        print(f"  {'rest (executor loop, futures)':<32} {rest:6.3f} s {rest / total:6.1%}")
        for method in methods:
            print(f"  process pool start-up, 2 workers by {method}: {pool_startup_seconds(2, method):.2f} s")

    # 3. memory, in fresh processes, sampled from this one
    big = 4 * replicates
    print(
        f"\npeak RSS of our sweep, parent + workers (sampled every 10 ms from outside), pools by {headline}:"
    )
    mem: dict[tuple[str, int], dict[str, Any]] = {}
    for engine in ("mesa", "batch") if HAS_ENGINES else ("mesa",):
        for reps in (replicates, big):
            m = mem[(engine, reps)] = fresh_memory(reps, 2, engine, headline)
            print(
                f"  {engine:<5} workers=2 {m['runs']:5d} runs: peak {m['peak_mib']:6.0f} MiB "
                f"(parent before the sweep {m['before_mib']:.0f} MiB; processes seen: {m['processes']}; "
                f"started by {m['method']}; {m['seconds']:.1f} s)"
            )
        small2, big2 = mem[(engine, replicates)]["peak_mib"], mem[(engine, big)]["peak_mib"]
        print(
            f"  flat in runs? {engine}, 2 workers: {design_runs(replicates)} -> {design_runs(big)} runs "
            f"changes the peak by {big2 - small2:+.0f} MiB ({big2 / small2 - 1:+.1%})"
        )
    peak = mem[("mesa", big)]["peak_mib"]
    print(
        f"\nratio_vs_batch_run={ratio} speedup_2_workers={speedup} peak_mib={round(peak)} "
        f"batch_engine_vs_batch_run={batch_ratio}"
    )


if __name__ == "__main__":
    main()
