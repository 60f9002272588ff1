"""Sweeps as jobs: plan, run or resume a sweep into a locked folder, and analyse a finished one.

:func:`perform_sweep` is the whole ``sweep`` command without its printing: a notebook calls
``perform_sweep("spec.yaml", SweepOptions(out=Path("results/s"), workers=2))`` and gets the tables;
the command line passes callbacks that print the plan and draw a progress bar. Everything that can
be refused (the spec, the design's size, ``--max-runs``, invalid design points, the folder) is
refused before a run starts and, except what resuming must read, before the folder is touched.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.experiments.designs import Design, build_design, expected_size, size_problem
from sim.experiments.engines import ENGINES
from sim.experiments.folder import safe_name
from sim.experiments.manifest import Manifest, now
from sim.experiments.sensitivity import analyze as salib_analyze
from sim.experiments.sensitivity import outcome_matrix
from sim.experiments.store import (
    PARTS,
    collect_runs,
    done_keys,
    read_table,
    write_csv,
    write_json,
    write_parquet,
)
from sim.experiments.sweep import (
    Plan,
    Progress,
    cap_workers,
    chunk_size,
    default_workers,
    estimate_seconds,
    execute,
    invalid_points,
    make_plan,
    points_table,
)
from sim.experiments.sweep_spec import LoadedSweep, SweepSpec, SweepSpecError, load_sweep
from sim.jobs.common import JobError, output, results_folder
from sim.jobs.report import ReportOutcome, write_folder_report
from sim.scenario.reading import MAX_JSON_BYTES, ScenarioError, read_text
from sim.text import neutral

EXECUTORS = ("local", "dask")
SEED_RULE = (
    "replicate r of every point is run r of spec_seed on the sweep's engine (the scenario at the point): "
    "common random numbers across points"
)
DEFAULT_ENGINE = "batch"
"""Sweeps run on the batch engine unless told otherwise (docs/sweeps.md#engines)."""


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep (the ``sweep`` command's flags)."""

    out: Path | None = None
    """Output folder; default: a new folder under results/."""
    workers: int | None = None
    """Parallel workers; default: the number of cores; capped (:func:`cap_workers`)."""
    executor: str = "local"
    scheduler: str | None = None
    resume: bool = False
    max_runs: int | None = None
    chunk_size: int | None = None
    """Runs per task; default by engine (:data:`~sim.experiments.sweep.CHUNK_SIZE`)."""
    engine: str | None = None
    """``batch`` (default) or ``mesa``; resuming, the engine the sweep started with."""
    csv: bool = False
    report: bool = True
    dry_run: bool = False


@dataclass
class SweepPlan:
    """What a sweep will do, decided before it starts; :meth:`lines` says it in plain text."""

    sweep: LoadedSweep
    plan: Plan
    target: Path
    workers: int
    workers_asked: int
    mode: str
    done: int
    resume: bool
    estimate: float
    engine: str = DEFAULT_ENGINE

    def lines(self) -> list[str]:
        d, sw, plan = self.plan.design, self.sweep, self.plan
        size = (f"{sw.spec.samples} samples -> " if d.kind != "grid" else "") + f"{len(d.points)} points"
        first = (
            f"sweep {neutral(sw.name)}: {d.kind} design over {len(d.axes)} axes, {size} x "
            f"{plan.replicates} replicates = {plan.total_runs} runs"
        )
        if self.resume:
            first += f" ({self.done} already done, {len(plan.todo)} to run)"
        shown = [
            first,
            f"  scenario {neutral(sw.scenario_path)}; seed {sw.spec.seed}; replicate r of every point uses "
            f"run seed ({sw.spec.seed}, r): common random numbers",
            f"  engine {self.engine}; workers {self.workers} ({self.mode}); {len(plan.chunks)} tasks of up "
            f"to {plan.chunk_size} runs; estimated {duration(self.estimate)}; output {neutral(self.target)}/",
        ]
        if self.workers < self.workers_asked and self.mode != "in-process":
            shown.append(
                f"  --workers {self.workers_asked}: {self.workers} used (at most twice the "
                f"{default_workers()} cores, and no more than the {len(plan.chunks)} tasks)"
            )
        return shown


@dataclass
class SweepOutcome:
    """What :func:`perform_sweep` did (with ``dry_run``: only the plan)."""

    plan: SweepPlan
    runs: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    report: ReportOutcome | None = None

    @property
    def outcomes(self) -> list[str]:
        return outcome_labels(self.plan.sweep.scenario.model_dump(mode="json"))


def duration(seconds: float) -> str:
    """``1h02m03s``, ``4m05s`` or ``6s``; ``unknown`` for NaN (no estimate)."""
    if seconds != seconds:
        return "unknown"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def outcome_labels(scenario: dict) -> list[str]:
    """A scenario's outcome labels in phase order, then ``no_truce`` (from its stored JSON)."""
    labels = [p["outcome"] for p in scenario["phases"].values()]
    return list(dict.fromkeys([*labels, "no_truce"]))


def perform_sweep(
    spec: Path | str | LoadedSweep,
    options: SweepOptions = SweepOptions(),
    *,
    on_plan: Callable[[SweepPlan], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Plan a sweep and (unless ``dry_run``) run it into its folder, or resume it there.

    ``on_plan`` sees the plan before any run starts; ``on_progress`` each finished chunk;
    ``on_warning`` a stored part set aside as unreadable. :class:`JobError`: code 2 for anything
    refused before running, 1 for failed runs or a failed executor (finished runs are kept: resume),
    130 when interrupted.
    """
    _check_options(options)
    sw = spec if isinstance(spec, LoadedSweep) else _load(Path(spec))
    problem = size_problem(sw.spec)
    if problem:
        raise JobError([f"{sw.spec_path}: {problem}"])
    if options.dry_run:
        target = options.out or Path("results") / f"sweep-{safe_name(sw.name)}-<time>"
        engine = _engine(options, _resumable(target, sw) if options.resume else None)
        info = _plan(sw, set(), target, options, engine)
        if on_plan is not None:
            on_plan(info)
        return SweepOutcome(info)
    if options.resume:
        if options.out is None:
            raise JobError(["--resume: needs --out, the folder of the sweep to continue"])
        target = options.out
        old = _resumable(target, sw)
        engine = _engine(options, old)
        with output(target, "update") as _:
            done = done_keys(target, warn=on_warning)
            info = _plan(sw, done, target, options, engine)
            if on_plan is not None:
                on_plan(info)
            return _run(info, options, old, on_progress)
    info = _plan(sw, set(), options.out or Path("results"), options, _engine(options, None))
    fresh = options.out is None
    target = results_folder(sw.name, prefix="sweep-") if options.out is None else options.out
    info.target = target
    hint = "pass --resume to continue a sweep there, or choose another --out"
    with output(target, "new", hint=hint, fresh=fresh) as _:
        if on_plan is not None:
            on_plan(info)
        return _run(info, options, None, on_progress)


def _check_options(options: SweepOptions) -> None:
    if options.executor not in EXECUTORS:
        raise JobError([f"--executor: expected 'local' or 'dask', got {options.executor!r}"])
    if options.scheduler and options.executor != "dask":
        raise JobError(["--scheduler: only with --executor dask"])
    if (options.chunk_size is not None and options.chunk_size < 1) or (
        options.workers is not None and options.workers < 1
    ):
        raise JobError(["--workers and --chunk-size: at least 1"])
    if options.engine is not None and options.engine not in ENGINES:
        raise JobError([f"--engine: expected {' or '.join(ENGINES)}, got {options.engine!r}"])


def _engine(options: SweepOptions, old: dict | None) -> str:
    """The engine to run on: a resumed sweep's own (another is refused: engines are equal in
    distribution, not run for run, so a sweep mixing them would not compare like with like)."""
    if old is None:
        return options.engine or DEFAULT_ENGINE
    started = old.get("engine", "mesa")  # sweeps from before the batch engine ran on mesa
    if started not in ENGINES:
        raise JobError([f"{options.out}/manifest.json: unknown engine {started!r}; cannot resume it"])
    if options.engine is not None and options.engine != started:
        raise JobError(
            [
                f"--engine {options.engine}: this sweep started on the {started} engine, and one sweep's "
                f"runs must come from one engine (they are equal in distribution, not run for run); "
                f"resume without --engine or with --engine {started}, or start a new sweep in another --out"
            ]
        )
    return started


def _load(path: Path) -> LoadedSweep:
    try:
        return load_sweep(path)
    except SweepSpecError as exc:
        raise JobError(exc.problems) from None


def _resumable(target: Path, sw: LoadedSweep) -> dict:
    """The manifest of the sweep in ``target``, if this spec may resume it; else a one-line JobError."""
    path = target / "manifest.json"
    if not path.is_file():
        raise JobError([f"{target}: nothing to resume (no manifest.json); run without --resume"])
    old = read_manifest(path, "cannot resume this folder")
    if old.get("fingerprint") != sw.fingerprint():
        raise JobError(
            [
                f"{target}: the spec or its scenario changed since this sweep started "
                f"(fingerprint differs); resume needs the same spec, or choose another --out"
            ]
        )
    return old


def read_manifest(path: Path, consequence: str) -> dict:
    """A sweep's manifest.json as a dict, or a one-line JobError naming the file."""
    try:
        data = json.loads(read_text(path, max_bytes=MAX_JSON_BYTES))
    except ScenarioError as exc:
        raise JobError([f"{exc.problems[0]}; {consequence}"]) from None
    except ValueError as exc:
        text = " ".join(str(exc).split())[:200]
        raise JobError([f"{path}: unreadable ({type(exc).__name__}: {text}); {consequence}"]) from None
    if not isinstance(data, dict):
        raise JobError([f"{path}: not a sweep manifest (a JSON {type(data).__name__}); {consequence}"])
    return data


def _plan(sw: LoadedSweep, done: set, target: Path, options: SweepOptions, engine: str) -> SweepPlan:
    asked = options.workers or default_workers()
    todo = max(0, expected_size(sw.spec) * sw.spec.replicates - len(done))
    size = options.chunk_size or chunk_size(engine, todo, min(asked, default_workers()))
    plan = make_plan(sw, done, size)
    todo = len(plan.todo)
    if options.max_runs is not None and todo > options.max_runs:
        raise JobError(
            [
                f"plan has {todo} runs to do, more than --max-runs {options.max_runs}: refused "
                f"(nothing was run)"
            ]
        )
    if options.executor == "dask":
        mode = "dask " + (options.scheduler or "LocalCluster")
        workers = cap_workers(asked, len(plan.chunks)) if not options.scheduler else asked
    else:
        workers = cap_workers(asked, len(plan.chunks))
        mode = "in-process" if workers == 1 else "local processes"
    checkers = 1 if options.workers == 1 else min(asked, default_workers())  # here, whatever the executor
    bad = invalid_points(sw, plan.design, checkers)
    if bad:
        raise JobError(_invalid_lines(sw, plan.design, bad))
    estimate = estimate_seconds(sw, todo, workers, engine, plan.chunk_size) if todo else 0.0
    return SweepPlan(sw, plan, target, workers, asked, mode, len(done), options.resume, estimate, engine)


def _invalid_lines(sw: LoadedSweep, design: Design, bad: list[tuple[int, str]]) -> list[str]:
    lines = [f"{sw.spec_path}  axes  design point {i} {design.points[i]}: {msg}" for i, msg in bad[:10]]
    if len(bad) > 10:
        lines.append(f"... and {len(bad) - 10} more invalid design points")
    lines.append(
        f"{len(bad)} of {len(design.points)} design points combine values the scenario's rules "
        f"refuse; narrow the axes (nothing was run)"
    )
    return lines


def _manifest(info: SweepPlan, old: dict | None) -> Manifest:
    sw, plan = info.sweep, info.plan
    started = old.get("started", now()) if old else now()
    details: dict = {
        "status": "running",
        "spec_file": sw.spec_path,
        "spec": sw.spec.model_dump(mode="json"),
        "integer_axes": sorted(sw.integer_axes),
        "scenario": sw.scenario.model_dump(mode="json"),
        "fingerprint": sw.fingerprint(),
        "design": {"kind": plan.design.kind, "points": len(plan.design.points), "axes": plan.design.axes},
        "replicates": plan.replicates,
        "total_runs": plan.total_runs,
        "seeds": {"spec_seed": sw.spec.seed, "rule": SEED_RULE},
        "engine": info.engine,
        "executor": info.mode,
        "workers": info.workers,
        "started": started,
        "output": str(info.target),
    }
    if old:
        details["resumed"] = old.get("resumed", 0) + 1 if isinstance(old.get("resumed", 0), int) else 1
    manifest = Manifest.of("sweep", sw.scenario, sw.scenario_path, sw.spec.seed, **details)
    manifest.class_code = None  # a class code names one scenario's runs; a sweep's vary by point
    return manifest


def _run(info: SweepPlan, options: SweepOptions, old: dict | None, on_progress) -> SweepOutcome:
    target, plan, sw = info.target, info.plan, info.sweep
    manifest = _manifest(info, old)
    write_json(target / "manifest.json", manifest.to_dict())
    resume_hint = f"continue with --resume --out {neutral(target)}"
    kind = "dask" if options.executor == "dask" else "local"
    started = time.perf_counter()
    try:
        progress = execute(plan, target, kind, info.workers, options.scheduler, on_progress, info.engine)
    except KeyboardInterrupt:
        raise JobError(
            [f"interrupted: finished runs are stored in {neutral(target)}/{PARTS}/; {resume_hint}"], 130
        ) from None
    except (OSError, BrokenProcessPool) as exc:  # a worker killed, a cluster unreachable
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise JobError(
            [
                f"the executor failed ({text}); finished runs are stored in {neutral(target)}/{PARTS}/; "
                f"{resume_hint}"
            ],
            1,
        ) from None
    elapsed = time.perf_counter() - started
    remaining = len(plan.todo)
    if progress.failed:
        raise JobError(
            [
                *progress.errors[:5],
                f"{progress.failed} of {remaining} runs failed; the {progress.done} that finished are "
                f"stored. Fix the cause and {resume_hint}",
            ],
            1,
        )
    runs = collect_runs(target)
    if len(runs) != plan.total_runs:
        raise JobError([f"stored {len(runs)} runs but the plan has {plan.total_runs}: {resume_hint}"], 1)
    points = points_table(
        runs, plan.design, outcome_labels(manifest.details["scenario"]), list(sw.scenario.phases)
    )
    write_parquet(target / "runs.parquet", runs)
    write_parquet(target / "points.parquet", points)
    files = ["runs.parquet", "points.parquet", "manifest.json"]
    if options.csv:
        write_csv(target / "runs.csv", runs)
        write_csv(target / "points.csv", points)
        files += ["runs.csv", "points.csv"]
    shutil.rmtree(target / PARTS, ignore_errors=True)
    manifest.details.update(
        status="complete",
        finished=now(),
        seconds=round(elapsed, 2),
        rows={"runs": len(runs), "points": len(points)},
        runs_per_second=round(remaining / elapsed, 1) if elapsed > 0 and remaining else None,
    )
    manifest.written = now()
    write_json(target / "manifest.json", manifest.to_dict())
    report = write_folder_report(target) if options.report else None
    return SweepOutcome(info, runs, points, files, elapsed, report)


# -- analyze ---------------------------------------------------------------------------------------
@dataclass
class AnalysisOutcome:
    """Sensitivity indices of a finished sweep: per analysed output, per axis."""

    folder: Path
    spec: SweepSpec
    design: Design
    means: pd.DataFrame
    indices: pd.DataFrame
    report: ReportOutcome | None


def analyze_folder(folder: Path, report: bool = True) -> AnalysisOutcome:
    """Sobol (first/total order; lhs: first order from the given sample) or Morris (mu*, sigma) indices
    of a finished sweep's folder.

    Writes sensitivity.parquet and .csv and rebuilds the report, holding the folder's lock. Any damaged
    or missing file ends in a one-line :class:`JobError` naming it.
    """
    folder = Path(folder)
    manifest_path, runs_path = folder / "manifest.json", folder / "runs.parquet"
    if not manifest_path.is_file() or not runs_path.is_file():
        raise JobError(
            [
                f"{folder}: not a finished sweep folder (needs manifest.json and runs.parquet; "
                f"resume it if interrupted)"
            ]
        )
    with output(folder, "update"):
        manifest = read_manifest(manifest_path, "cannot analyse this folder")
        spec, integer_axes, labels, phases = _sweep_facts(manifest, manifest_path)
        if spec.design not in ("sobol", "lhs", "morris"):
            raise JobError(
                [
                    f"{folder}: a {spec.design} design has no sensitivity indices; use design: sobol, "
                    f"lhs or morris"
                ]
            )
        problem = size_problem(spec)
        if problem:
            raise JobError([f"{manifest_path}: {problem}"])
        design = build_design(spec, integer_axes)
        runs = read_table(runs_path)
        try:
            means = outcome_matrix(runs, len(design.points), labels, phases)
        except (ValueError, KeyError) as exc:
            text = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            raise JobError([f"{runs_path}: does not match its manifest ({text})"]) from None
        indices = salib_analyze(design, means, spec.seed)
        write_parquet(folder / "sensitivity.parquet", indices)
        write_csv(folder / "sensitivity.csv", indices)
        outcome = write_folder_report(folder) if report else None
    return AnalysisOutcome(folder, spec, design, means, indices, outcome)


def _sweep_facts(manifest: dict, path: Path) -> tuple[SweepSpec, frozenset[str], list[str], list[str]]:
    """The spec, integer axes, outcome labels and phases a sweep manifest records (JobError if not)."""
    try:
        spec = SweepSpec.model_validate(manifest["spec"])
        integer_axes = frozenset(str(a) for a in manifest.get("integer_axes", []))
        scenario = manifest["scenario"]
        return spec, integer_axes, outcome_labels(scenario), [str(p) for p in scenario["phases"]]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        text = " ".join(str(exc).split())[:200]
        raise JobError(
            [f"{path}: not a sweep manifest ({type(exc).__name__}: {text}); cannot analyse this folder"]
        ) from None
