"""``run``: simulate a scenario as a seeded ensemble and write its tables and report."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli import report as report_cli
from sim.cli.common import SEED_HELP, err, out, scenario_and_seed
from sim.cli.exits import fail
from sim.cli.progress import runs_progress
from sim.experiments.ensemble import run_ensemble
from sim.experiments.folder import prepare_output_dir
from sim.experiments.manifest import package_versions, scenario_sha256
from sim.experiments.store import days_frame, events_frame, runs_frame, write_csv, write_json, write_parquet
from sim.scenario.class_code import class_code
from sim.scenario.schema import Scenario


def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario YAML file (default: scenarios/baseline.yaml)")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="runs in the ensemble")] = 200,
    seed: Annotated[str | None, typer.Option(help=SEED_HELP)] = None,
    days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="days (default: the scenario's, 180)")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override PATH=VALUE (repeatable)")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: new under results/)")
    ] = None,
    force: Annotated[bool, typer.Option(help="write into a non-empty --out folder")] = False,
    report: Annotated[bool, typer.Option(help="also write report.html (plotly, opens offline)")] = True,
    fmt: report_cli.FormatOption = None,
) -> None:
    """Simulate a scenario as a seeded Monte Carlo ensemble and write its tables and report."""
    started = time.perf_counter()
    if fmt is not None and not report:
        raise fail(["--format exports the report's figures: it cannot go with --no-report"])
    scenario, sc, seed = scenario_and_seed(scenario, seed, set_)
    target = out_dir or _new_results_dir(sc.name)
    problem = prepare_output_dir(target, allow_existing=force)
    if problem:
        raise fail(
            [
                f"{problem}; choose another --out or pass --force (nothing was written)"
                if "not empty" in problem
                else problem
            ]
        )
    horizon = days or sc.horizon_days
    with runs_progress(err) as bar:
        task = bar.add_task(f"simulating {sc.name}", total=runs)
        ensemble = run_ensemble(sc, runs, seed, horizon, on_run_done=lambda _: bar.advance(task))
    simulated = time.perf_counter() - started
    summary = dict(ensemble.summary)
    summary["days"] = horizon
    summary["start_date"] = str(sc.start_date)
    summary["manifest"] = _manifest(scenario, sc, set_ or [], seed, runs, horizon, simulated)
    write_csv(target / "runs.csv", runs_frame(ensemble.rows))
    write_parquet(target / "days.parquet", days_frame(ensemble.results))
    write_parquet(target / "events.parquet", events_frame(ensemble.results))
    write_json(target / "scenario.json", sc.model_dump(mode="json"))
    write_json(target / "summary.json", summary)
    _print_summary(sc, summary, ensemble.rows)
    out.print(
        f"\nwrote {target}/: summary.json, runs.csv, days.parquet, events.parquet, "
        f"scenario.json  ({time.perf_counter() - started:.1f} s)",
        highlight=False,
    )
    if report:
        report_cli.write_folder_report(target, fmt)


def _new_results_dir(name: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path("results") / f"{name}-{stamp}"
    candidate, k = base, 1
    while candidate.exists():
        candidate, k = base.with_name(f"{base.name}-{k}"), k + 1
    return candidate


def _manifest(
    path: Path,
    sc: Scenario,
    overrides: list[str],
    seed: int,
    runs: int,
    horizon: int,
    seconds: float,
) -> dict:
    return {
        "command": sys.argv,
        "scenario_file": str(path),
        "scenario_sha256": scenario_sha256(sc),
        "overrides": overrides,
        "seed": seed,
        "class_code": class_code(sc.name, seed),
        "runs": runs,
        "days": horizon,
        "packages": package_versions(),
        "simulate_seconds": round(seconds, 3),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "reproduce": "run k is CeasefireModel(scenario, seed=seed, run=k)",
    }


def _print_summary(sc: Scenario, s: dict, rows: list[dict]) -> None:
    out.print(
        f"[bold]{sc.title}[/]  ({s['runs']} runs, class code {class_code(sc.name, s['seed'])}, "
        f"{s['days']} days from {sc.start_date})"
    )
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
