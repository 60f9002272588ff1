"""``run``: simulate a scenario as a seeded ensemble and write its tables and report.

The pipeline is :func:`sim.jobs.run_to_folder`; this command parses flags, draws the progress bar and
prints the summary.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from sim.cli import report as report_cli
from sim.cli.common import ENGINE_HELP, SEED_HELP, engine_or_exit, err, out, scenario_and_seed
from sim.cli.exits import fail
from sim.cli.progress import runs_progress
from sim.jobs import JobError, RunOutcome, run_to_folder
from sim.text import literal, neutral

MAX_RUNS = 100_000
"""Days and events go to their files block by block; the runs table is held (under 1 KiB a run)."""


def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario YAML file (default: scenarios/baseline.yaml)")
    ] = None,
    runs: Annotated[
        int,
        typer.Option(
            "--runs",
            "-n",
            min=1,
            max=MAX_RUNS,
            help=f"runs in the ensemble (at most {MAX_RUNS}; days and events are written block by block)",
        ),
    ] = 200,
    seed: Annotated[str | None, typer.Option(help=SEED_HELP)] = None,
    days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="days (default: the scenario's, 180)")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override PATH=VALUE (repeatable)")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: new under results/)")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            help="replace the results in --out as a whole (only a folder this program wrote; "
            "docs/output-folders.md)"
        ),
    ] = False,
    report: Annotated[bool, typer.Option(help="also write report.html (plotly, opens offline)")] = True,
    fmt: report_cli.FormatOption = None,
    engine: Annotated[
        str,
        typer.Option(
            metavar="mesa|batch",
            help=f"{ENGINE_HELP} (default mesa: every decision event recorded; batch: much faster for "
            "large ensembles, records fewer events; docs/engines.md)",
        ),
    ] = "mesa",
) -> None:
    """Simulate a scenario as a seeded Monte Carlo ensemble and write its tables and report."""
    if fmt is not None and not report:
        raise fail(["--format exports the report's figures: it cannot go with --no-report"])
    engine = engine_or_exit(engine)
    path, sc, seed_value = scenario_and_seed(scenario, seed, set_)
    bar = _LazyBar(f"simulating {literal(sc.name)}", runs)
    try:
        with bar:
            result = run_to_folder(
                sc,
                runs,
                scenario_file=path,
                seed=seed_value,
                days=days,
                overrides=set_ or [],
                out=out_dir,
                force=force,
                report=report,
                image_format=fmt.value if fmt else None,
                on_run_done=bar.advance,
                engine=engine,
            )
    except JobError as exc:
        raise fail(exc.problems) from None
    _print_summary(result)
    replaced = " (replacing the earlier results there)" if result.replaced else ""
    out.print(
        f"\nwrote {neutral(result.folder)}/: summary.json, runs.csv, days.parquet, events.parquet, "
        f"scenario.json{replaced}  ({result.seconds:.1f} s)",
        markup=False,
        highlight=False,
    )
    report_cli.show_report(result.report)


class _LazyBar:
    """The runs progress bar, drawn from the first finished run: a refused folder shows no bar."""

    def __init__(self, description: str, total: int) -> None:
        self.bar = runs_progress(err)
        self.description, self.total = description, total
        self.task: TaskID | None = None

    def advance(self, _run: int) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=self.total)
        self.bar.advance(self.task)

    def __enter__(self) -> _LazyBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:  # stopping a bar never started still prints an empty line
            self.bar.stop()


def _print_summary(result: RunOutcome) -> None:
    """The summary tables; the first lines say what was run: scenario, class code, every --set."""
    sc, s, manifest = result.scenario, result.summary, result.manifest
    out.print(
        f"[bold]{literal(sc.title)}[/]  ({s['runs']} runs, class code {literal(manifest.class_code_label)}, "
        f"{s['days']} days from {sc.start_date}, {result.engine} engine)",
        highlight=False,
    )
    if manifest.overrides:
        out.print("  with " + " ".join(f"--set {neutral(o)}" for o in manifest.overrides), markup=False)
    t = Table(title="Outcome on the last day", title_justify="left")
    t.add_column("outcome")
    t.add_column("share of runs", justify="right")
    for name, share in s["outcome_shares"].items():
        t.add_row(name, f"{share:.1%}")
    out.print(t)
    t = Table(title="Phases", title_justify="left")
    for col in ("phase", "entered into force", "median day entered", "mean days in force"):
        t.add_column(col, justify="left" if col == "phase" else "right")
    for p in sc.phases:
        med = s["median_entered_day"][p]
        date = "" if med is None else f" ({sc.start_date + dt.timedelta(days=int(med))})"
        t.add_row(
            p,
            f"{s['phase_reached_share'][p]:.1%}",
            "-" if med is None else f"{med:g}{date}",
            f"{s['mean_days_in_force'][p]:.1f}",
        )
    out.print(t)
    t = Table(title="Per run (mean, median)", title_justify="left")
    t.add_column("measure")
    t.add_column("mean", justify="right")
    t.add_column("median", justify="right")
    for key, label in (
        ("violations_true", "violations, true"),
        ("violations_perceived", "violations, perceived"),
        ("violations_undetected", "  true but undetected"),
        ("false_accusations", "  false accusations"),
        ("prisoners_exchanged", "prisoners exchanged (both sides)"),
        ("wounded_handed_over", "wounded handed over"),
    ):
        t.add_row(label, f"{s['mean_' + key]:.1f}", f"{s['median_' + key]:g}")
    out.print(t)
    if s.get("agreements_signed"):
        out.print(
            f"Agreements signed or renewed: {s['agreements_signed']}; with a signing party's own gain "
            f"below zero: {s['agreements_against_interest']} ({s['share_signed_against_interest']:.1%}); "
            f"below zero without the mediators' pressure (those included): "
            f"{s.get('agreements_on_pressure', 0)} ({s.get('share_on_pressure', 0.0):.1%})."
        )
