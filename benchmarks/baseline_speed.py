"""How fast is the baseline scenario, where does the time go, and how does it compare to mesa?

Why this exists: the CLI's default job is a 200-run ensemble of ``scenarios/baseline.yaml``, and
any change to the model, the recording or the writers shows up in its wall time. This script times
that job stage by stage with the writers ``run`` uses (``sim.jobs``), splits the simulation into the model's
day logic and its per-day recording (``CeasefireModel._record``), and measures, in the same
process, the same 200 runs driven through mesa's own ``mesa.batch_run`` as a reference. It is a
plain script, not a test: it asserts nothing about speed, it prints numbers.

Run it from the repository root::

    .venv/bin/python benchmarks/baseline_speed.py              # about 40 s
    .venv/bin/python benchmarks/baseline_speed.py --profile    # plus the top hotspots
    .venv/bin/python benchmarks/baseline_speed.py --help       # repeats, runs, --top

The last line is always ``baseline_run_ms=<x> ensemble_s=<y> runs_per_s=<z> ratio_vs_batch_run=<r>``:

* ``baseline_run_ms``: median wall time of one 180-day run, ``CeasefireModel(...).run()``;
* ``ensemble_s``: the whole CLI pipeline (load, simulate, build the tables, write the files and
  ``report.html``);
* ``runs_per_s``: runs / seconds of ``run_ensemble`` alone (simulation with the model's own
  per-day recording, run rows and summary: results in memory, as ``batch_run`` returns them);
* ``ratio_vs_batch_run``: our runs per second / ``batch_run``'s, both timed in alternation in a
  separate section (so machine drift hits both); above 1: ours is faster. ``n/a`` if this mesa has
  no ``batch_run`` (mesa 4 removed it; the product never uses it).

Both sides simulate the very same runs (run ``k`` is ``CeasefireModel(scenario, seed, run=k)``, and
the script checks their per-day violations agree); ``batch_run`` additionally fills a mesa
DataCollector with a few reporters every day and flattens it into one dict per run-day. Timings are
wall clock on a possibly busy machine: compare numbers from the same run of the script.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib.util
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import numpy
import pandas

from sim.experiments.ensemble import Ensemble, run_ensemble
from sim.experiments.manifest import Manifest
from sim.experiments.store import days_frame, events_frame, runs_frame
from sim.jobs import run_tables, write_folder_report, write_run_folder
from sim.jobs.run import REPRODUCE
from sim.model.ceasefire import CeasefireModel
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
STAGES = ("loading", "model days", "recording", "writing", "report")


# -- helpers ------------------------------------------------------------------------------------
def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``fn``, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@dataclass
class Accumulator:
    """Total time and calls of a wrapped function."""

    seconds: float = 0.0
    calls: int = 0


@contextmanager
def timed_methods(cls: type, names: tuple[str, ...]) -> Iterator[dict[str, Accumulator]]:
    """Wrap methods of ``cls`` (in this process only) with timers; restore them on exit.

    Methods the class does not have (it is being edited by others) are skipped, not an error.
    """
    acc: dict[str, Accumulator] = {}
    originals: dict[str, Any] = {}
    for name in names:
        original = cls.__dict__.get(name)
        if original is None:
            continue
        a = acc[name] = Accumulator()

        def wrapper(*args: Any, _f: Any = original, _a: Accumulator = a, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                _a.seconds += time.perf_counter() - t0
                _a.calls += 1

        originals[name] = original
        setattr(cls, name, functools.wraps(original)(wrapper))
    try:
        yield acc
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)


# -- the CLI pipeline ---------------------------------------------------------------------------
@dataclass
class Pipeline:
    """Seconds per stage of one end-to-end ensemble, and the ensemble it made."""

    seconds: dict[str, float] = field(default_factory=dict)
    ensemble: Ensemble | None = None
    report_bytes: int = 0


def pipeline(runs: int) -> Pipeline:
    """Load, simulate, build the tables and write the run folder and its report, stage by stage.

    The same writers as ``run`` (:func:`sim.jobs.run_to_folder`): :func:`sim.jobs.write_run_folder`
    for the tables, summary and manifest, :func:`sim.jobs.write_folder_report` for report.html, into
    a temporary folder this process owns (so no folder lock, nor staging, is timed).
    """
    p = Pipeline()
    t0 = time.perf_counter()
    scenario = load_scenario(BASELINE)
    t1 = time.perf_counter()
    ensemble = run_ensemble(scenario, runs)
    t2 = time.perf_counter()
    tables = run_tables(ensemble)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as tmp:
        manifest = Manifest.of("run", scenario, BASELINE, ensemble.seed, reproduce=REPRODUCE, runs=runs)
        write_run_folder(Path(tmp), ensemble, manifest, scenario.horizon_days, tables)
        t4 = time.perf_counter()
        report = write_folder_report(Path(tmp))
        if not report.written:
            raise RuntimeError(f"report not written: {report.problem}")
        p.report_bytes = report.size
        t5 = time.perf_counter()
    p.seconds = dict(zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True))
    p.ensemble = ensemble
    return p


def median_pipeline(runs: int, repeats: int) -> tuple[dict[str, float], Ensemble, int]:
    """Per-stage medians over ``repeats`` pipelines (after one warm-up), and the last ensemble."""
    last = pipeline(runs)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        last = pipeline(runs)
        for stage, s in last.seconds.items():
            samples[stage].append(s)
    assert last.ensemble is not None
    medians = {stage: statistics.median(samples[stage]) for stage in STAGES}
    return medians, last.ensemble, last.report_bytes


def in_model_split(scenario: Scenario, runs: int) -> tuple[float, dict[str, Accumulator]]:
    """One ``run_ensemble`` with ``__init__``, ``run`` and ``_record`` timed (a separate pass).

    ``run`` covers every day (``step``, which calls ``_record``) plus building the RunResult.
    """
    with timed_methods(CeasefireModel, ("__init__", "run", "_record")) as acc:
        t0 = time.perf_counter()
        run_ensemble(scenario, runs)
        total = time.perf_counter() - t0
    return total, acc


# -- the mesa.batch_run reference -----------------------------------------------------------------
class BatchRunCeasefire(CeasefireModel):
    """CeasefireModel as ``mesa.batch_run`` wants it: keyword parameters, ``running``, a DataCollector.

    The model is unchanged (its own per-day recording still runs, so both sides simulate exactly
    the same runs); mesa's DataCollector additionally collects a few reporters every day, and
    ``running`` turns False at the horizon.
    """

    def __init__(self, scenario: Scenario, seed: int, run: int, horizon: int | None = None) -> None:
        super().__init__(scenario, seed=seed, run=run, horizon=horizon)
        reporters: dict[str, Callable[[CeasefireModel], Any]] = {
            "violations_true": lambda m: len(m.violations),
            "violations_perceived": lambda m: m.detected + m.false_accusations,
            "strikes": lambda m: m.strikes,
        }
        for track in self.tracks:
            reporters[f"{track.id}_status"] = lambda m, t=track: t.status.value
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
        if self.day >= self.horizon:
            self.running = False


def time_batch_run(scenario: Scenario, runs: int) -> tuple[float, list[dict[str, Any]]]:
    """Seconds for ``runs`` runs through ``mesa.batch_run`` in this process, and its records."""
    t0 = time.perf_counter()
    records = mesa.batch_run(
        BatchRunCeasefire,
        parameters={"scenario": [scenario], "seed": scenario.seed, "run": range(runs)},
        number_processes=1,
        iterations=1,
        data_collection_period=1,
        max_steps=scenario.horizon_days,
        display_progress=False,
    )
    return time.perf_counter() - t0, records


def versus_batch_run(
    scenario: Scenario, runs: int, repeats: int
) -> tuple[float, float, list[dict[str, Any]]] | None:
    """Median seconds of ``run_ensemble`` and of ``batch_run``, timed in alternation (drift hits both).

    None if this mesa has no ``batch_run``.
    """
    if getattr(mesa, "batch_run", None) is None:
        return None
    ours, theirs = [], []
    records: list[dict[str, Any]] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_ensemble(scenario, runs)
        ours.append(time.perf_counter() - t0)
        seconds, records = time_batch_run(scenario, runs)
        theirs.append(seconds)
    return statistics.median(ours), statistics.median(theirs), records


def same_runs(records: list[dict[str, Any]], ensemble: Ensemble) -> bool:
    """Whether batch_run's per-day true violations match run_ensemble's, run by run."""
    by_run: dict[int, list[int]] = defaultdict(list)
    for rec in sorted(records, key=lambda r: (r["run"], r["Step"])):
        by_run[rec["run"]].append(rec["violations_true"])
    return all(by_run[r.run] == list(r.days["violations_true"]) for r in ensemble.results)


# -- memory -------------------------------------------------------------------------------------
def peak_memory(scenario: Scenario, runs: int) -> tuple[float, float]:
    """tracemalloc peaks (MiB): during ``run_ensemble``, then while building its tables (it still held)."""
    tracemalloc.start()
    ensemble = run_ensemble(scenario, runs)
    _, ensemble_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    tables = (runs_frame(ensemble.rows), days_frame(ensemble.results), events_frame(ensemble.results))
    _, tables_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del tables
    return ensemble_peak / 2**20, tables_peak / 2**20


def max_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB.

    VmHWM from /proc on Linux: ru_maxrss would carry over the parent's peak across fork and exec.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


def rss_of_fresh_pipeline(runs: int) -> tuple[float, float]:
    """Max RSS (MiB) of a new process after its imports, and after one pipeline.

    A fresh process, because this one has run tracemalloc and held earlier ensembles.
    """
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


# -- profile ------------------------------------------------------------------------------------
def profile_pipeline(runs: int, top: int) -> None:
    """Profile one end-to-end pipeline; print the ``top`` functions by cumulative share."""
    this_file = str(Path(__file__).resolve())
    rows: list[tuple[float, float, str]]
    if importlib.util.find_spec("pyinstrument") is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        pipeline(runs)
        profiler.stop()
        root = profiler.last_session.root_frame()
        assert root is not None
        total = root.time
        cumulative: dict[str, float] = defaultdict(float)
        own: dict[str, float] = defaultdict(float)

        def walk(frame: Any, above: frozenset[str]) -> None:
            key = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
            if frame.file_path != this_file and not frame.is_synthetic:
                if key not in above:  # recursion counts once
                    cumulative[key] += frame.time
                own[key] += frame.total_self_time
            for child in frame.children:
                walk(child, above | {key})

        walk(root, frozenset())
        rows = [(cumulative[k], own[k], k) for k in cumulative]
        tool = f"pyinstrument (sampled every 0.5 ms, {total:.2f} s profiled)"
    else:
        prof = cProfile.Profile()
        prof.enable()
        pipeline(runs)
        prof.disable()
        stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        total = max(ct for _, _, _, ct, _ in stats.values())
        rows = [
            (ct, tt, f"{func}  {Path(file).name}:{line}")
            for (file, line, func), (_, _, tt, ct, _) in stats.items()
            if file != this_file and not func.startswith("<built-in method builtins.exec")
        ]
        tool = f"cProfile (deterministic, inflates small calls; {total:.2f} s profiled)"
    print(f"\nhotspots of one {runs}-run pipeline, by cumulative share; {tool}")
    print(f"  {'cum':>6} {'self':>6}  function")
    for cum, self_time, key in sorted(rows, reverse=True)[:top]:
        print(f"  {cum / total:6.1%} {self_time / total:6.1%}  {key}")


# -- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time the baseline scenario's 200-run ensemble.")
    ap.add_argument("--runs", type=int, default=200, help="runs in the ensemble (the CLI default)")
    ap.add_argument("--run-repeats", type=int, default=20, help="repeats of the single baseline run")
    ap.add_argument("--ensemble-repeats", type=int, default=3, help="repeats of the whole pipeline")
    ap.add_argument("--profile", action="store_true", help="also print the top hotspots")
    ap.add_argument("--top", type=int, default=12, help="hotspots to print with --profile")
    ap.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    runs = args.runs
    if args.rss_child:  # see rss_of_fresh_pipeline
        before = max_rss_mib()
        pipeline(runs)
        print(f"{before:.1f} {max_rss_mib():.1f}")
        return
    print(
        f"python {sys.version.split()[0]}, mesa {mesa.__version__}, numpy {numpy.__version__}, "
        f"pandas {pandas.__version__}; scenario {BASELINE.relative_to(ROOT)}"
    )

    # 1. loading
    t0 = time.perf_counter()
    scenario = load_scenario(BASELINE)
    cold = time.perf_counter() - t0
    warm = median_seconds(lambda: load_scenario(BASELINE), 5)
    print(f"\nloading: {cold * 1e3:.1f} ms first call, {warm * 1e3:.1f} ms median of 5 after")

    # 2. one run
    def one_run() -> object:
        return CeasefireModel(scenario, seed=scenario.seed, run=0).run()

    run_s = median_seconds(one_run, args.run_repeats)
    print(
        f"one baseline run ({scenario.horizon_days} days): {run_s * 1e3:.2f} ms median of {args.run_repeats}"
    )

    # 3. the CLI pipeline, and inside the model
    stages, ensemble, report_bytes = median_pipeline(runs, args.ensemble_repeats)
    total = sum(stages.values())
    print(
        f"\nensemble of {runs} runs, end to end as `ceasefire-sim run` (median of {args.ensemble_repeats}):"
    )
    for stage in STAGES:
        print(f"  {stage:<11} {stages[stage]:8.3f} s  {stages[stage] / total:6.1%}")
    print(f"  {'total':<11} {total:8.3f} s  {runs / total:7.1f} runs/s end to end")
    n_days = sum(len(r.days["day"]) for r in ensemble.results)
    n_events = sum(len(r.events) for r in ensemble.results)
    print(f"  tables: {len(ensemble.rows)} runs, {n_days} run-days, {n_events} events")
    print(f"  report.html: {report_bytes:,} bytes")

    split_total, acc = in_model_split(scenario, runs)
    print(f"\ninside `model days` (one timed pass, {split_total:.3f} s):")
    init = acc.get("__init__", Accumulator())
    run_ = acc.get("run", Accumulator())
    record = acc.get("_record")
    if record is None or "run" not in acc:
        print("  CeasefireModel._record or .run not found: split unavailable")
    else:
        parts = {
            "model construction": init.seconds,
            "day logic (step minus _record)": run_.seconds - record.seconds,
            f"per-day _record ({record.calls} calls)": record.seconds,
            "rest (RunResult, run rows, summary)": split_total - init.seconds - run_.seconds,
        }
        for name, s in parts.items():
            print(f"  {name:<38} {s:7.3f} s  {s / split_total:6.1%}")

    # 4. the mesa.batch_run reference
    ours_rps = runs / stages["model days"]
    ratio = "n/a"
    print(
        f"\nreference: the same {runs} runs through mesa.batch_run (number_processes=1), "
        f"alternating with run_ensemble (median of {args.ensemble_repeats} each)"
    )
    versus = versus_batch_run(scenario, runs, args.ensemble_repeats)
    if versus is None:
        print(f"  mesa {mesa.__version__} has no mesa.batch_run: baseline unavailable, skipped")
    else:
        ours_s, batch_s, records = versus
        ratio = f"{batch_s / ours_s:.2f}"  # (runs / ours_s) / (runs / batch_s)
        print(f"  run_ensemble  {ours_s:7.3f} s  {runs / ours_s:7.1f} runs/s")
        print(f"  batch_run     {batch_s:7.3f} s  {runs / batch_s:7.1f} runs/s  ({len(records)} records)")
        print(
            f"  ratio (ours / batch_run, runs per second) {ratio}; same runs: {same_runs(records, ensemble)}"
        )

    # 5. memory
    ens_mib, tables_mib = peak_memory(scenario, runs)
    imports_mib, peak_mib = rss_of_fresh_pipeline(runs)
    print(
        f"\npeak memory: tracemalloc (Python allocations) {ens_mib:.1f} MiB in run_ensemble, "
        f"{tables_mib:.1f} MiB while building the tables (ensemble held)"
    )
    print(
        f"  max RSS of a fresh process: {imports_mib:.0f} MiB after imports, {peak_mib:.0f} MiB after one "
        f"pipeline (+{peak_mib - imports_mib:.0f} MiB, incl. lazily imported writers)"
    )

    if args.profile:
        profile_pipeline(runs, args.top)

    print(
        f"\nbaseline_run_ms={run_s * 1e3:.2f} ensemble_s={total:.3f} "
        f"runs_per_s={ours_rps:.1f} ratio_vs_batch_run={ratio}"
    )


if __name__ == "__main__":
    main()
