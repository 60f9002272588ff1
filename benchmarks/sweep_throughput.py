"""How fast is our sweep runner, next to mesa's own ``mesa.batch_run`` on the same design?

Why this exists (issue 3): the sweep runner plans a design x replicates, cuts it into chunks, runs them
in-process or on a process pool and streams every finished chunk to a Parquet part. That machinery
costs something over a plain loop of runs, and the question is whether it pays for itself. This
script runs one grid design over ``scenarios/baseline.yaml`` (monitoring strength x US normalisation
lever strength, 3 x 3 points, 50 replicates each: 450 runs of 180 days) through

* our runner, end to end as ``run_sim.py sweep`` does it (``load_sweep``, ``make_plan``,
  ``execute`` writing the parts, ``collect_runs``), with 1 worker (in-process) and 2 workers (a
  process pool), and
* ``mesa.batch_run`` with ``number_processes`` 1 and 2, through a small adapter model that takes the
  two axis values and the replicate as keyword parameters and reports each run's row (the columns
  our runner stores) once, at the end,

timed in alternation in this one process (machine drift hits both sides), and checks that both
sides produce the very same runs (all 36 columns of every run row). It then splits one in-process
sweep of ours into its stages, times the process pool's start-up, and times the 2-worker sweep again
with the ``fork`` start method in a fresh process. Last, it measures the peak resident memory of our
runner (parent plus worker processes) at the design's size and at 4 times as many runs, each in a
fresh process, to show it stays flat. It is a plain script, not a test: it prints numbers and
asserts nothing about speed.

Run it from the repository root::

    .venv/bin/python benchmarks/sweep_throughput.py            # about 1.5 minutes on 2 cores
    .venv/bin/python benchmarks/sweep_throughput.py --quick    # 90 runs, one round: about 20 s
    .venv/bin/python benchmarks/sweep_throughput.py --help     # replicates, repeats

The last line is always ``ratio_vs_batch_run=<x> speedup_2_workers=<y> peak_mib=<z>``:

* ``ratio_vs_batch_run``: our runs per second (the faster of 1 and 2 workers) over ``batch_run``'s
  (the faster of 1 and 2 processes); above 1: ours is faster. ``n/a`` if this mesa has no
  ``batch_run`` (mesa 4 removed it);
* ``speedup_2_workers``: our runs per second with 2 workers over 1 worker;
* ``peak_mib``: peak RSS (MiB) of parent plus workers of our 2-worker sweep at the larger size.

Importing mesa 3.3 sets multiprocessing's start method to ``spawn`` for the whole process
(``mesa/batchrunner.py``), so both sides' worker processes are spawned and import the simulator
afresh (the ``fork`` line shows what that costs). Timings are wall clock on a possibly busy
machine: compare numbers from one run of the script.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
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


# -- our runner -----------------------------------------------------------------------------------
def our_sweep(spec_path: Path, workers: int) -> tuple[float, pd.DataFrame]:
    """Seconds for the whole sweep (load, plan, run, write the parts, collect), and its runs."""
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        out = Path(tmp) / "sweep"
        t0 = time.perf_counter()
        sweep = load_sweep(spec_path)
        plan = make_plan(sweep, set(), chunk_size=CHUNK_SIZE)
        progress = execute(plan, out, "local", workers)
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


def where_time_goes(spec_path: Path) -> tuple[float, dict[str, float], dict[str, Timer]]:
    """One instrumented in-process sweep: total seconds, seconds of its outer stages, and timers."""
    names = ("scenario_at", "run_one", "run_row", "write_part")
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        out = Path(tmp) / "sweep"
        with timed_functions(sim.experiments.sweep, names) as timers:
            t0 = time.perf_counter()
            sweep = load_sweep(spec_path)
            t1 = time.perf_counter()
            plan = make_plan(sweep, set(), chunk_size=CHUNK_SIZE)
            t2 = time.perf_counter()
            execute(plan, out, "local", 1)
            t3 = time.perf_counter()
            collect_runs(out)
            t4 = time.perf_counter()
    stages = {"load_sweep (spec + axis checks)": t1 - t0, "make_plan": t2 - t1, "collect_runs": t4 - t3}
    return t4 - t0, stages, timers


def _worker_ready(_: int) -> int:
    return os.getpid()


def pool_startup_seconds(workers: int) -> float:
    """Wall time for a fresh process pool to answer one trivial task per worker.

    With ``spawn`` every worker starts a new interpreter and imports this script's module (and so
    the simulator, pandas, pydantic and mesa) before it can run anything.
    """
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_worker_ready, range(workers)))
    return time.perf_counter() - t0


def ours_child(workers: int, replicates: int) -> None:
    """(In a fresh process, as the command line runs it) our sweep's seconds with ``workers``.

    Timed in a child because a process that has run ``mesa.batch_run`` keeps tqdm's monitor thread
    alive, and with a thread running the sweep runner (rightly) refuses to fork its workers.
    """
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        print(our_sweep(spec, workers)[0])


def fresh_ours_seconds(workers: int, replicates: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--ours-child", str(workers), str(replicates)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def fork_child(replicates: int) -> None:
    """(In a fresh process) our 2-worker sweep with the ``fork`` start method; prints the best of 2."""
    multiprocessing.set_start_method("fork", force=True)  # undo mesa's global ``spawn``, here only
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        print(min(our_sweep(spec, 2)[0] for _ in range(2)))


def fresh_fork_seconds(replicates: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--fork-child", str(replicates)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.split()[-1])


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

    Replicate ``r`` is ``CeasefireModel(scenario_at_point, seed=spec_seed, run=r)``, exactly as in
    the sweep runner. mesa 3.3's ``batch_run`` reads ``model_vars[name][model.steps - 1]`` (it assumes
    one collection per step); the adapter collects only at the end and left-pads the lists so that
    index is that collection: the cheapest collection ``batch_run`` accepts, which is fair to it.
    The model is released at the end, as ``CeasefireModel.run`` does (mesa 3.3 would keep it).
    """

    def __init__(self, spec_path: str, monitoring: float, normalisation: float, replicate: int) -> None:
        scenario, seed = scenario_for(spec_path, monitoring, normalisation)
        super().__init__(scenario, seed=seed, run=replicate)

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


class TreeRss:
    """Samples the summed VmRSS of this process and its descendants every ``interval`` s in a thread.

    (Not the sum of each process's VmHWM: a spawned child sampled between fork and exec reports the
    parent's pages as its own peak, which would count the parent twice.)
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.peak_kib = 0
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        pids = _tree(os.getpid())
        self.pids.update(pids)
        total = sum(_status_kib(p, "VmRSS") for p in pids)
        self.peak_kib = max(self.peak_kib, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def memory_child(replicates: int, workers: int) -> None:
    """(In a fresh process) one sweep of ours, under the sampler; prints a JSON line."""
    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        before = _status_kib(os.getpid(), "VmRSS")
        with TreeRss() as rss:
            seconds, runs = our_sweep(spec, workers)
    print(
        json.dumps(
            {
                "runs": len(runs),
                "seconds": seconds,
                "before_mib": before / 1024,
                "peak_mib": rss.peak_kib / 1024,
                "processes": len(rss.pids),
            }
        )
    )


def fresh_memory(replicates: int, workers: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(replicates), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- main ----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Our sweep runner vs mesa.batch_run on one grid design.")
    ap.add_argument("--quick", action="store_true", help="10 replicates (90 runs), one round")
    ap.add_argument("--replicates", type=int, default=None, help="replicates per point (default 50)")
    ap.add_argument("--repeats", type=int, default=None, help="alternating rounds (default 3)")
    ap.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--fork-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--ours-child", type=int, nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    if args.fork_child:
        fork_child(args.fork_child)
        return
    if args.ours_child:
        ours_child(*args.ours_child)
        return
    replicates = args.replicates or (10 if args.quick else 50)
    repeats = args.repeats or (1 if args.quick else 3)
    n = design_runs(replicates)
    has_batch_run = getattr(mesa, "batch_run", None) is not None
    print(
        f"python {sys.version.split()[0]}, mesa {mesa.__version__}, pandas {pd.__version__}; "
        f"{os.cpu_count()} CPUs; start method {multiprocessing.get_start_method()}"
    )
    print(
        f"design: grid {' x '.join(f'{k} {v}' for k, v in AXES.items())} over "
        f"{BASELINE.relative_to(ROOT)}; {replicates} replicates, seed {SEED}: {n} runs of 180 days"
    )

    with tempfile.TemporaryDirectory(prefix="ceasefire-sweep-bench-") as tmp:
        spec = write_spec(Path(tmp), replicates)
        _, ours_runs = our_sweep(spec, 1)  # warm-up, and the runs to compare with batch_run's

        # 1. throughput, in alternation
        ours: dict[int, list[float]] = {1: [], 2: []}
        theirs: dict[int, list[float]] = {1: [], 2: []}
        records: list[dict] = []
        for _ in range(repeats):
            for workers in (1, 2):
                ours[workers].append(fresh_ours_seconds(workers, replicates))
                if has_batch_run:
                    seconds, records = batch_run_sweep(spec, replicates, workers)
                    theirs[workers].append(seconds)
        print(f"\nthroughput, {n} runs, median of {repeats} alternating rounds (wall time incl. start-up):")
        rps = {w: n / statistics.median(s) for w, s in ours.items()}
        for w in (1, 2):
            mode = "in-process" if w == 1 else "process pool"
            mode += ", timed in a fresh process as the CLI runs it"
            print(
                f"  ours      workers={w}            {statistics.median(ours[w]):7.2f} s "
                f"{rps[w]:7.1f} runs/s  ({mode}, {len(ours_runs)} rows collected)"
            )
        speedup = rps[2] / rps[1]
        ratio = "n/a"
        if has_batch_run:
            brps = {w: n / statistics.median(s) for w, s in theirs.items()}
            for w in (1, 2):
                print(
                    f"  batch_run number_processes={w} {statistics.median(theirs[w]):7.2f} s "
                    f"{brps[w]:7.1f} runs/s  ({len(records)} records)"
                )
            best_ours, best_theirs = max(rps.values()), max(brps.values())
            ratio = f"{best_ours / best_theirs:.2f}"
            print(
                f"  ratio ours/batch_run (best of each) {ratio}; at 1 worker {rps[1] / brps[1]:.2f}, "
                f"at 2 {rps[2] / brps[2]:.2f}"
            )
            same, detail = same_runs(ours_runs, records)
            print(f"  same runs: {same} ({detail})")
        else:
            print(f"  mesa {mesa.__version__} has no mesa.batch_run: baseline unavailable, ratio n/a")
        print(f"  speedup with 2 workers: {speedup:.2f}x (ideal 2.00x on {os.cpu_count()} CPUs)")

        # 2. where our runner's time goes
        total, stages, timers = where_time_goes(spec)
        print(f"\nwhere ours spends it, workers=1 (one instrumented pass, {total:.2f} s):")
        sims = timers.get("run_one", Timer())
        for name, label in (
            ("run_one", "simulation (CeasefireModel.run)"),
            ("run_row", "run rows"),
            ("scenario_at", "scenario_at (copy + validate)"),
            ("write_part", "write_part (Parquet parts)"),
        ):
            t = timers.get(name)
            if t is None:
                print(f"  {label:<32} not found in sim.experiments.sweep")
                continue
            per = t.seconds / max(t.calls, 1) * 1e3
            share = t.seconds / total
            print(f"  {label:<32} {t.seconds:6.3f} s {share:6.1%}  {t.calls:4d} calls, {per:.2f} ms each")
        for label, seconds in stages.items():
            print(f"  {label:<32} {seconds:6.3f} s {seconds / total:6.1%}")
        rest = total - sum(t.seconds for t in timers.values()) - sum(stages.values())
        print(f"  {'rest (executor loop, futures)':<32} {rest:6.3f} s {rest / total:6.1%}")
        startup = pool_startup_seconds(2)
        per_run = sims.seconds / max(sims.calls, 1)
        one, two = statistics.median(ours[1]), statistics.median(ours[2])
        print(
            f"  process pool start-up (2 spawned workers importing the simulator): {startup:.2f} s; "
            f"2-worker sweep {two:.2f} s vs half the 1-worker time {one / 2:.2f} s "
            f"(+{two - one / 2:.2f} s); one run {per_run * 1e3:.2f} ms"
        )
        if "fork" in multiprocessing.get_all_start_methods():
            fork_s = fresh_fork_seconds(replicates)
            print(
                f"  the same 2-worker sweep with the 'fork' start method (fresh process, best of 2): "
                f"{fork_s:.2f} s, speedup {one / fork_s:.2f}x: spawning costs {two - fork_s:.2f} s here"
            )

    # 3. memory, in fresh processes
    big = 4 * replicates
    print("\npeak RSS of our sweep, parent + workers (sampled every 10 ms), each in a fresh process:")
    mem: dict[tuple[int, int], dict[str, Any]] = {}
    for workers in (1, 2):
        for reps in (replicates, big):
            m = mem[(reps, workers)] = fresh_memory(reps, workers)
            print(
                f"  workers={workers} {m['runs']:5d} runs: peak {m['peak_mib']:6.0f} MiB "
                f"(parent before the sweep {m['before_mib']:.0f} MiB; processes seen: {m['processes']}; "
                f"{m['seconds']:.1f} s)"
            )
    small2, big2 = mem[(replicates, 2)]["peak_mib"], mem[(big, 2)]["peak_mib"]
    print(
        f"  flat in runs? 2 workers: {design_runs(replicates)} -> {design_runs(big)} runs "
        f"changes the peak by {big2 - small2:+.0f} MiB ({big2 / small2 - 1:+.1%})"
    )

    print(f"\nratio_vs_batch_run={ratio} speedup_2_workers={speedup:.2f} peak_mib={round(big2)}")


if __name__ == "__main__":
    main()
