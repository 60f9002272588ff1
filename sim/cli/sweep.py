"""The ``sweep`` and ``analyze`` commands: plan, run, resume and analyse parameter sweeps.

The pipelines are :func:`sim.jobs.perform_sweep` and :func:`sim.jobs.analyze_folder`; these commands
parse flags, print the plan, draw the progress bar and print the tables.
"""

from __future__ import annotations

import time
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
from rich.text import Text

from sim.cli.common import ENGINE_HELP, engine_or_exit, sweep_path_or_exit
from sim.cli.exits import fail
from sim.cli.report import show_report
from sim.experiments.sensitivity import (
    HEADLINE,
    INDICES,
    axis_group,
    group_totals,
    outcome_label,
    ranking,
)
from sim.experiments.sweep import MAX_WORKERS
from sim.experiments.sweep import Progress as SweepProgress
from sim.jobs import (
    AnalysisOutcome,
    JobError,
    SweepOptions,
    SweepPlan,
    analyze_folder,
    perform_sweep,
)
from sim.jobs.sweep import duration
from sim.text import neutral

out = Console(soft_wrap=True)  # plain lines are not hard-wrapped: they stay greppable
err = Console(stderr=True, soft_wrap=True)  # one problem, one line


def _exit(exc: JobError) -> typer.Exit:
    """Bad input: one line per problem and exit 2 (:func:`fail`); failed or interrupted work: its code."""
    if exc.code == 2:
        return fail(exc.problems)
    err.print()
    for p in exc.problems:
        err.print(str(p), markup=False, highlight=False)
    return typer.Exit(exc.code)


def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec: a YAML file, or a shipped one by name (minimal)")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: new under results/)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help=f"parallel workers (default: all cores; capped at twice the cores, one per task and "
            f"{MAX_WORKERS}; 1 = in-process)",
        ),
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
    chunk_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="runs per task sent to a worker (default: mesa 25; batch the runs shared evenly "
            "between the workers, at most 5000: one array block each)",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help=f"{ENGINE_HELP} (default batch: blocks of runs as arrays; mesa: the reference, one "
            "model per run); --resume keeps the sweep's own engine"
        ),
    ] = None,
    report: Annotated[
        bool, typer.Option(help="write report.html when the sweep ends (a large sweep: minutes)")
    ] = True,
) -> None:
    """Run a parameter sweep: a design x replicates, in parallel, resumable, into Parquet tables."""
    if engine is not None:
        engine = engine_or_exit(engine)
    options = SweepOptions(
        out=out_dir,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        resume=resume,
        max_runs=max_runs,
        chunk_size=chunk_size,
        engine=engine,
        csv=csv,
        report=report,
        dry_run=dry_run,
    )
    view = _SweepView(dry_run)
    try:
        result = perform_sweep(
            sweep_path_or_exit(spec),
            options,
            on_plan=view.plan,
            on_progress=view.progress,
            on_warning=view.warn,
        )
    except JobError as exc:
        raise _exit(exc) from None
    finally:
        view.close()
    if dry_run:
        return
    assert result.runs is not None and result.points is not None  # a sweep that ran has its tables
    _print_points(result.points, result.outcomes)
    target, runs, points = result.plan.target, len(result.runs), len(result.points)
    out.print(
        f"wrote {neutral(target)}/: runs.parquet ({runs} rows), points.parquet ({points} rows), "
        f"manifest.json{', CSV copies' if csv else ''}  in {duration(result.seconds)}",
        markup=False,
        highlight=False,
    )
    show_report(result.report)


class _SweepView:
    """Prints the plan, then a progress bar on stderr (and a line every 10 s where it is not a terminal).

    The bar never refreshes by itself: no thread runs, so local workers can be forked safely (fast).
    """

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.bar: Progress | None = None
        self.started = self.last_line = time.perf_counter()
        self.remaining = 0

    def plan(self, info: SweepPlan) -> None:
        for i, line in enumerate(info.lines()):
            out.print(Text(line, style="bold" if i == 0 else ""), highlight=False)
        if self.dry_run:
            return
        self.remaining = len(info.plan.todo)
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} runs/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[failed]}"),
            console=err,
            auto_refresh=False,
        )
        self.bar.start()
        self.task = self.bar.add_task("runs", total=self.remaining, rate="-", failed="")
        self.started = self.last_line = time.perf_counter()

    def progress(self, p: SweepProgress) -> None:
        if self.bar is None:
            return
        now = time.perf_counter()
        rate = p.done / max(now - self.started, 1e-9)
        failed = f"[red]{p.failed} failed[/]" if p.failed else ""
        self.bar.update(self.task, completed=p.done + p.failed, rate=f"{rate:.0f}", failed=failed)
        self.bar.refresh()
        if not err.is_terminal and now - self.last_line >= 10:  # logs of batch jobs see progress
            self.last_line = now
            left = (self.remaining - p.done - p.failed) / rate if rate > 0 else float("nan")
            err.print(
                f"progress: {p.done + p.failed}/{self.remaining} runs, {rate:.0f} runs/s, "
                f"{duration(left)} left, {p.failed} failed",
                highlight=False,
            )

    def warn(self, message: str) -> None:
        err.print(neutral(message), markup=False, highlight=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _print_points(points: pd.DataFrame, outcomes: list[str]) -> None:
    if len(points) > 12:
        out.print(f"{len(points)} design points; outcome shares per point in points.parquet")
        return
    t = Table(title="Outcome shares per design point (95% interval)", title_justify="left")
    axes = [c for c in points.columns if c.startswith("axis:")]
    for c in ["point", *[a.removeprefix("axis:") for a in axes], *outcomes]:
        t.add_column(Text(neutral(c)))
    for _, row in points.iterrows():
        t.add_row(
            str(int(row["point"])),
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
    headline: Annotated[
        int, typer.Option(min=0, help="axes to print, by first order, for the headline outputs (0: none)")
    ] = 5,
    report: Annotated[bool, typer.Option(help="rewrite report.html with the indices")] = True,
) -> None:
    """Sobol (first/total order, with confidence; lhs: first order) or Morris (mu*, sigma) indices."""
    try:
        result = analyze_folder(directory, report=report)
    except JobError as exc:
        raise _exit(exc) from None
    _print_indices(result, top)
    if headline and result.spec.design in ("sobol", "lhs"):
        _print_headline(result, headline)
    out.print(f"wrote {neutral(directory)}/sensitivity.parquet and sensitivity.csv", markup=False)
    show_report(result.report)


SHOWN = {"sobol": INDICES["sobol"], "lhs": ("S1", "S1_conf"), "morris": INDICES["morris"][:3]}
"""The index columns printed per design (an lhs design has no total order)."""


def _print_indices(result: AnalysisOutcome, top: int) -> None:
    spec, indices = result.spec, result.indices
    out.print(
        f"[bold]{spec.design} sensitivity[/] of {len(result.design.points)} points x "
        f"{spec.replicates} replicates (outputs: means over replicates with common random numbers)"
    )
    for outcome in result.means.columns:
        ranked = ranking(indices, outcome)
        title = f"{outcome}: {outcome_label(outcome)}"
        if ranked.empty or ("constant_output" in ranked and ranked["constant_output"].all()):
            out.print(f"{title}: constant over the design (no index)", markup=False)
            continue
        t = Table(title=Text(neutral(title)), title_justify="left")
        cols = SHOWN[spec.design]
        t.add_column("axis", overflow="fold")
        t.add_column("kind")
        for c in cols:
            t.add_column(c, justify="right")
        for _, row in ranked.head(top).iterrows():
            t.add_row(Text(neutral(row["axis"])), axis_group(row["axis"]), *[f"{row[c]:.3f}" for c in cols])
        out.print(t)
    _note_wide_intervals(spec.design, indices)


def _print_headline(result: AnalysisOutcome, n: int) -> None:
    """The headline outputs' top axes by first order, with 95% intervals, and the kinds' shares.

    Plain lines, not a table: axis names are long and a table would cut them on a narrow console.
    """
    indices = result.indices
    for outcome in [o for o in HEADLINE if o in set(result.means.columns)]:
        ranked = ranking(indices, outcome, by="S1")
        if ranked.empty or ("constant_output" in ranked and ranked["constant_output"].all()):
            continue
        out.print(
            f"[bold]headline: {outcome_label(outcome)}[/] ({outcome}), top {n} by first order S1, "
            f"each with its 95% interval; total order ST beside it"
        )
        for i, row in ranked.head(n).iterrows():
            st = _interval(row["ST"], row["ST_conf"]) if row["ST"] == row["ST"] else "n/a (an lhs design)"
            out.print(
                f"  {int(i) + 1}. {neutral(row['axis'])} ({axis_group(row['axis'])})  "
                f"S1 {_interval(row['S1'], row['S1_conf'])}  ST {st}",
                markup=False,
                highlight=False,
            )
        shares = group_totals(indices, outcome, "S1")
        text = ", ".join(f"{g} {v:.3f}" for g, v in shares.items())
        out.print(f"  sum of S1 by kind of assumption: {text}", markup=False, highlight=False)


def _interval(value: float, conf: float) -> str:
    """``0.123 [0.100, 0.146]``: an index and its 95% interval (SALib's conf is the half-width)."""
    return f"{value:.3f} [{value - conf:.3f}, {value + conf:.3f}]"


def _note_wide_intervals(design: str, indices: pd.DataFrame) -> None:
    key, conf = {"sobol": ("ST", "ST_conf"), "lhs": ("S1", "S1_conf")}.get(
        design, ("mu_star", "mu_star_conf")
    )
    if key in indices:
        wide = indices[indices[conf] > indices[key].abs()]
        if len(wide):
            out.print(
                f"[yellow]note[/]: {len(wide)} of {len(indices)} indices have a confidence interval "
                f"wider than the index itself: rank them loosely; more samples or replicates "
                f"narrow them (rare outcomes need the most)."
            )
