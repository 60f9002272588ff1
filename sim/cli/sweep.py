"""The ``sweep`` and ``analyze`` commands: plan, run, resume and analyse parameter sweeps."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.cli.exits import fail
from sim.cli.report import write_folder_report
from sim.experiments.designs import build_design, expected_size
from sim.experiments.folder import prepare_output_dir
from sim.experiments.manifest import package_versions, scenario_sha256
from sim.experiments.sensitivity import INDICES, outcome_matrix, ranking
from sim.experiments.sensitivity import analyze as salib_analyze
from sim.experiments.store import PARTS, collect_runs, done_keys, write_csv, write_json, write_parquet
from sim.experiments.sweep import (
    default_workers,
    estimate_seconds,
    execute,
    invalid_points,
    make_plan,
    points_table,
)
from sim.experiments.sweep_spec import LoadedSweep, SweepSpec, SweepSpecError, load_sweep
from sim.scenario.loader import Problem

out = Console(soft_wrap=True)  # plain lines are not hard-wrapped: they stay greppable
err = Console(stderr=True)


def _outcomes(sweep: LoadedSweep) -> list[str]:
    labels = [p.outcome for p in sweep.scenario.phases.values()]
    return list(dict.fromkeys([*labels, "no_truce"]))


def _duration(seconds: float) -> str:
    if seconds != seconds:  # NaN: no estimate
        return "unknown"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec YAML file")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: new under results/)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="parallel workers (default: all cores; 1 = in-process)")
    ] = None,
    executor: Annotated[str, typer.Option(help="local (processes) or dask")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="dask scheduler address (default: a LocalCluster)")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="continue an interrupted sweep in --out: run only what is missing")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the plan and stop")] = False,
    max_runs: Annotated[
        int | None, typer.Option("--max-runs", min=1, help="refuse a plan with more runs")
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="also write CSV copies of the tables")] = False,
    chunk_size: Annotated[int, typer.Option(min=1, help="runs per task sent to a worker")] = 25,
) -> None:
    """Run a parameter sweep: a design x replicates, in parallel, resumable, into Parquet tables."""
    if executor not in ("local", "dask"):
        raise fail([f"--executor: expected 'local' or 'dask', got {executor!r}"])
    if scheduler and executor != "dask":
        raise fail(["--scheduler: only with --executor dask"])
    try:
        sw = load_sweep(spec)
    except SweepSpecError as exc:
        raise fail(exc.problems) from None
    workers = workers or default_workers()
    target = out_dir or _new_dir(sw.name)
    manifest_path = target / "manifest.json"
    done: set = set()
    if resume:
        if not manifest_path.is_file():
            raise fail([f"{target}: nothing to resume (no manifest.json); run without --resume"])
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise fail([f"{manifest_path}: unreadable ({exc}); cannot resume this folder"]) from None
        if old.get("fingerprint") != sw.fingerprint():
            raise fail(
                [
                    f"{target}: the spec or its scenario changed since this sweep started "
                    f"(fingerprint differs); resume needs the same spec, or choose another --out"
                ]
            )
        if dry_run:
            done = set()  # a dry run reads nothing and changes nothing in the folder
        else:
            done = done_keys(target, warn=lambda m: err.print(m, markup=False, highlight=False))
    elif target.exists() and (not target.is_dir() or any(target.iterdir())):
        what = "is a file, not a folder" if not target.is_dir() else "folder exists and is not empty"
        raise fail(
            [
                f"{target}: {what}; pass --resume to continue a sweep there, or choose "
                f"another --out (nothing was written)"
            ]
        )
    total = expected_size(sw.spec) * sw.spec.replicates
    if max_runs is not None and total - len(done) > max_runs:
        raise fail(
            [
                f"plan has {total - len(done)} runs to do, more than --max-runs {max_runs}: refused "
                f"(nothing was run)"
            ]
        )
    plan = make_plan(sw, done, chunk_size)
    bad = invalid_points(sw, plan.design)
    if bad:
        lines = [
            f"{sw.spec_path}  axes  design point {i} {plan.design.points[i]}: {msg}" for i, msg in bad[:10]
        ]
        more = [f"... and {len(bad) - 10} more invalid design points"] if len(bad) > 10 else []
        raise fail(
            [
                *lines,
                *more,
                f"{len(bad)} of {len(plan.design.points)} design points combine "
                f"values the scenario's rules refuse; narrow the axes (nothing was run)",
            ]
        )
    kind = "dask" if executor == "dask" else "local"
    mode = (
        ("dask " + (scheduler or "LocalCluster"))
        if kind == "dask"
        else ("in-process" if workers == 1 else "local processes")
    )
    remaining = len(plan.todo)
    estimate = estimate_seconds(sw, remaining, workers) if remaining else 0.0
    d = plan.design
    size = (f"{sw.spec.samples} samples -> " if d.kind != "grid" else "") + f"{len(d.points)} points"
    out.print(
        f"[bold]sweep {sw.name}[/]: {d.kind} design over {len(d.axes)} axes, {size} x "
        f"{plan.replicates} replicates = {plan.total_runs} runs"
        + (f" ({len(done)} already done, {remaining} to run)" if resume else ""),
        highlight=False,
    )
    out.print(
        f"  scenario {sw.scenario_path}; seed {sw.spec.seed}; replicate r of every point uses "
        f"run seed ({sw.spec.seed}, r): common random numbers",
        highlight=False,
    )
    out.print(
        f"  workers {workers} ({mode}); {len(plan.chunks)} tasks of up to {chunk_size} runs; "
        f"estimated {_duration(estimate)}; output {target}/",
        highlight=False,
    )
    if dry_run:
        return
    problem = prepare_output_dir(target, allow_existing=True)
    if problem:
        raise fail([problem])
    manifest = _manifest(sw, plan, workers, mode, target)
    if resume:
        manifest["started"] = old.get("started", manifest["started"])
        manifest["resumed"] = old.get("resumed", 0) + 1
    write_json(manifest_path, manifest)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} runs/s"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[failed]}"),
        console=err,
        auto_refresh=False,  # no refresh thread: local workers can then be forked safely (fast)
    ) as bar:
        task = bar.add_task("runs", total=remaining, rate="-", failed="")

        last_line = [started]

        def show(p) -> None:
            now = time.perf_counter()
            rate = p.done / max(now - started, 1e-9)
            bar.update(
                task,
                completed=p.done + p.failed,
                rate=f"{rate:.0f}",
                failed=f"[red]{p.failed} failed[/]" if p.failed else "",
            )
            bar.refresh()
            if not err.is_terminal and now - last_line[0] >= 10:  # logs of batch jobs see progress
                last_line[0] = now
                left = (remaining - p.done - p.failed) / rate if rate > 0 else float("nan")
                err.print(
                    f"progress: {p.done + p.failed}/{remaining} runs, {rate:.0f} runs/s, "
                    f"{_duration(left)} left, {p.failed} failed",
                    highlight=False,
                )

        try:
            progress = execute(plan, target, kind, workers, scheduler, show)
        except KeyboardInterrupt:
            err.print(
                f"\ninterrupted: finished runs are stored in {target}/{PARTS}/; "
                f"continue with --resume --out {target}"
            )
            raise typer.Exit(130) from None
        except (OSError, BrokenProcessPool) as exc:  # a worker killed, a cluster unreachable
            err.print(
                f"\nthe executor failed ({type(exc).__name__}: {exc}); finished runs are stored in "
                f"{target}/{PARTS}/; continue with --resume --out {target}",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    if progress.failed:
        for e in progress.errors[:5]:
            err.print(e, markup=False, highlight=False)
        err.print(
            f"{progress.failed} of {remaining} runs failed; the {progress.done} that finished are "
            f"stored. Fix the cause and continue with --resume --out {target}"
        )
        raise typer.Exit(1)
    runs = collect_runs(target)
    if len(runs) != plan.total_runs:
        err.print(f"stored {len(runs)} runs but the plan has {plan.total_runs}: run again with --resume")
        raise typer.Exit(1)
    points = points_table(runs, plan.design, _outcomes(sw), list(sw.scenario.phases))
    write_parquet(target / "runs.parquet", runs)
    write_parquet(target / "points.parquet", points)
    if csv:
        write_csv(target / "runs.csv", runs)
        write_csv(target / "points.csv", points)
    shutil.rmtree(target / PARTS, ignore_errors=True)
    manifest.update(
        status="complete",
        finished=_now(),
        seconds=round(elapsed, 2),
        rows={"runs": len(runs), "points": len(points)},
        runs_per_second=round(remaining / elapsed, 1) if elapsed > 0 and remaining else None,
    )
    write_json(manifest_path, manifest)
    _print_points(sw, points)
    out.print(
        f"wrote {target}/: runs.parquet ({len(runs)} rows), points.parquet ({len(points)} rows), "
        f"manifest.json{', CSV copies' if csv else ''}  in {_duration(elapsed)}",
        highlight=False,
    )
    write_folder_report(target)


def _new_dir(name: str) -> Path:
    base = Path("results") / f"sweep-{name}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    candidate, k = base, 1
    while candidate.exists():
        candidate, k = base.with_name(f"{base.name}-{k}"), k + 1
    return candidate


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _manifest(sw: LoadedSweep, plan, workers: int, mode: str, target: Path) -> dict:
    scenario_json = sw.scenario.model_dump(mode="json")
    return {
        "kind": "sweep",
        "status": "running",
        "command": sys.argv,
        "spec_file": sw.spec_path,
        "spec": sw.spec.model_dump(mode="json"),
        "integer_axes": sorted(sw.integer_axes),
        "scenario_file": sw.scenario_path,
        "scenario": scenario_json,
        "scenario_sha256": scenario_sha256(sw.scenario),
        "fingerprint": sw.fingerprint(),
        "design": {"kind": plan.design.kind, "points": len(plan.design.points), "axes": plan.design.axes},
        "replicates": plan.replicates,
        "total_runs": plan.total_runs,
        "seeds": {
            "spec_seed": sw.spec.seed,
            "rule": "replicate r of every point is CeasefireModel(scenario_at_point, "
            "seed=spec_seed, run=r): common random numbers across points",
        },
        "executor": mode,
        "workers": workers,
        "packages": package_versions(),
        "started": _now(),
        "output": str(target),
    }


def _print_points(sw: LoadedSweep, points: pd.DataFrame) -> None:
    outcomes = _outcomes(sw)
    if len(points) > 12:
        out.print(f"{len(points)} design points; outcome shares per point in points.parquet")
        return
    t = Table(title="Outcome shares per design point (95% interval)", title_justify="left")
    axes = [c for c in points.columns if c.startswith("axis:")]
    for c in ["point", *[a.removeprefix("axis:") for a in axes], *outcomes]:
        t.add_column(c)
    for _, row in points.iterrows():
        t.add_row(
            str(row["point"]),
            *[f"{row[a]:g}" if isinstance(row[a], float) else str(row[a]) for a in axes],
            *[
                f"{row[f'share_{o}']:.0%} [{row[f'share_{o}_low']:.0%}, {row[f'share_{o}_high']:.0%}]"
                for o in outcomes
            ],
        )
    out.print(t)


def analyze(
    directory: Annotated[Path, typer.Argument(help="a finished sweep's folder")],
    top: Annotated[int, typer.Option(min=1, help="axes to print per outcome")] = 10,
) -> None:
    """Sobol (first/total order, with confidence) or Morris (mu*, sigma) indices of a sweep."""
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file() or not (directory / "runs.parquet").is_file():
        raise fail(
            [
                Problem(
                    str(directory),
                    None,
                    "",
                    "not a finished sweep folder (needs manifest.json "
                    "and runs.parquet; resume it if interrupted)",
                )
            ]
        )
    manifest = json.loads(manifest_path.read_text())
    spec = SweepSpec.model_validate(manifest["spec"])
    if spec.design not in ("sobol", "morris"):
        raise fail(
            [f"{directory}: a {spec.design} design has no sensitivity indices; use design: sobol or morris"]
        )
    design = build_design(spec, frozenset(manifest.get("integer_axes", [])))
    runs = pd.read_parquet(directory / "runs.parquet")
    scenario_phases = list(manifest["scenario"]["phases"])
    labels = list(
        dict.fromkeys([*(p["outcome"] for p in manifest["scenario"]["phases"].values()), "no_truce"])
    )
    try:
        means = outcome_matrix(runs, len(design.points), labels, scenario_phases)
    except ValueError as exc:
        raise fail([f"{directory}: {exc}"]) from None
    indices = salib_analyze(design, means, spec.seed)
    write_parquet(directory / "sensitivity.parquet", indices)
    write_csv(directory / "sensitivity.csv", indices)
    out.print(
        f"[bold]{spec.design} sensitivity[/] of {len(design.points)} points x "
        f"{spec.replicates} replicates (outputs: means over replicates with common random "
        f"numbers)"
    )
    for outcome in means.columns:
        ranked = ranking(indices, outcome)
        if ranked.empty or ("constant_output" in ranked and ranked["constant_output"].all()):
            out.print(f"{outcome}: constant over the design (no index)")
            continue
        t = Table(title=f"{outcome}", title_justify="left")
        cols = INDICES[spec.design][:4] if spec.design == "sobol" else INDICES["morris"][:3]
        t.add_column("axis")
        for c in cols:
            t.add_column(c, justify="right")
        for _, row in ranked.head(top).iterrows():
            t.add_row(row["axis"], *[f"{row[c]:.3f}" for c in cols])
        out.print(t)
    key, conf = ("ST", "ST_conf") if spec.design == "sobol" else ("mu_star", "mu_star_conf")
    if key in indices:
        wide = indices[indices[conf] > indices[key].abs()]
        if len(wide):
            out.print(
                f"[yellow]note[/]: {len(wide)} of {len(indices)} indices have a confidence interval "
                f"wider than the index itself: rank them loosely; more samples or replicates "
                f"narrow them (rare outcomes need the most)."
            )
    out.print(f"wrote {directory}/sensitivity.parquet and sensitivity.csv")
    write_folder_report(directory)
