"""The command line: ``run``, ``trace``, ``report``, ``sweep``, ``analyze``, ``scenario`` and ``exercise``.

Bad input ends in one line per problem (file:line  field.path  what is wrong) and exit code 2,
never a traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sim.cli import app as app_cli
from sim.cli import play as play_cli
from sim.cli import report as report_cli
from sim.cli import sweep as sweep_cli
from sim.cli import validate as validation_cli
from sim.cli.exercise import exercise_app
from sim.cli.exits import fail
from sim.cli.progress import runs_progress
from sim.data import BASELINE, SCENARIOS
from sim.experiments.ensemble import run_ensemble, run_one
from sim.experiments.folder import prepare_output_dir
from sim.experiments.manifest import package_versions, scenario_sha256
from sim.experiments.store import days_frame, events_frame, runs_frame, write_csv, write_json, write_parquet
from sim.reports.trace import trace
from sim.scenario.class_code import class_code, find_scenario, parse_seed
from sim.scenario.loader import Problem, ScenarioError, load_scenario
from sim.scenario.schema import Scenario, seeded_values

DEFAULT_SCENARIO = BASELINE
SEED_HELP = "ensemble seed, or a class code SCENARIO@SEED such as baseline@42 (default: the scenario's)"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate phased ceasefire negotiations (US, Russia, Ukraine, ...).",
)
scenario_app = typer.Typer(no_args_is_help=True, help="Inspect and check scenario files.")
app.add_typer(scenario_app, name="scenario")
app.add_typer(exercise_app, name="exercise")
out = Console(soft_wrap=True)  # plain lines are not hard-wrapped: they stay greppable
err = Console(stderr=True)


def load_or_exit(path: Path, overrides: list[str] | None = None) -> Scenario:
    try:
        return load_scenario(path, overrides or [])
    except ScenarioError as exc:
        raise fail(exc.problems) from None


def scenario_and_seed(
    path: Path | None, seed: str | None, overrides: list[str] | None
) -> tuple[Path, Scenario, int]:
    """The scenario file, the scenario and the seed, from ``--seed`` as a seed or a class code.

    A class code names the scenario: without a SCENARIO argument it finds the file in scenarios/;
    with one, the names must agree (a code is meant to give everyone the same runs).
    """
    try:
        code = parse_seed(seed) if seed is not None else None
        if path is None:
            path = find_scenario(code.scenario, SCENARIOS) if code and code.scenario else DEFAULT_SCENARIO
    except ValueError as exc:
        raise fail([str(exc)]) from None
    sc = load_or_exit(path, overrides)
    if code and code.scenario and code.scenario != sc.name:
        raise fail(
            [f"--seed {code}: the class code is for scenario {code.scenario!r}, but {path} is {sc.name!r}"]
        )
    return path, sc, sc.seed if code is None else code.seed


@app.command()
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


@app.command("trace")
def trace_cmd(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario YAML file (default: scenarios/baseline.yaml)")
    ] = None,
    run_index: Annotated[int, typer.Option("--run", min=0, help="which run of the ensemble")] = 0,
    seed: Annotated[str | None, typer.Option(help=SEED_HELP)] = None,
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="days (default: the scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override PATH=VALUE (repeatable)")] = None,
) -> None:
    """Print one run day by day: every decision with the numbers behind it (compliance omitted)."""
    _, sc, seed_value = scenario_and_seed(scenario, seed, set_)
    result = run_one(sc, seed_value, run_index, days)
    sys.stdout.write(trace(result))


@scenario_app.command("show")
def show(file: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Actors, issues, phases and every seeded value with its evidence or assumption."""
    sc = load_or_exit(file)
    out.print(
        f"[bold]{sc.title}[/] ({sc.name}): seed {sc.seed}, from {sc.start_date}, {sc.horizon_days} days"
    )
    if sc.description:
        out.print(sc.description)
    t = Table(title="Actors", title_justify="left")
    for col in ("id", "name", "role", "capability", "strategy", "levers"):
        t.add_column(col)
    for a, actor in sc.actors.items():
        t.add_row(
            a,
            actor.name,
            actor.role.value,
            f"{actor.capability.value:g}",
            actor.concession.strategy if actor.concession else "-",
            ", ".join(f"{k}->{lv.target}" for k, lv in actor.levers.items()) or "-",
        )
    out.print(t)
    t = Table(title="Issues (positions in [0, 1])", title_justify="left")
    for col in ("id", "0 means", "1 means", "status quo"):
        t.add_column(col)
    for i, issue in sc.issues.items():
        t.add_row(i, issue.zero, issue.one, f"{issue.status_quo.value:g}")
    out.print(t)
    t = Table(title="Phases (in order)", title_justify="left")
    for col in ("id", "title", "covers", "needs in force", "opens", "duration", "linkage"):
        t.add_column(col)
    for p, ph in sc.phases.items():
        links = "; ".join(
            f"{lk.actor}: {lk.issue} {'<=' if lk.at_most else '>='} {(lk.at_most or lk.at_least).value:g}"
            for lk in ph.linkage
        )
        t.add_row(
            p,
            ph.title,
            ", ".join(ph.domains) or "-",
            ", ".join(ph.prerequisites) or "-",
            f"day {ph.opens_day.value}",
            f"{ph.duration_days.value} d" if ph.duration_days else "open-ended",
            links or "-",
        )
    out.print(t)
    if sc.incidents:
        t = Table(title="Incidents (scheduled strikes: injects)", title_justify="left")
        t.add_column("path")
        t.add_column("what")
        t.add_column("evidence or assumption")
        for i, inc in enumerate(sc.incidents):
            t.add_row(f"incidents.{i}", inc.summary(), inc.provenance)
        out.print(t)
    t = Table(title="Seeded values and their provenance", title_justify="left")
    t.add_column("parameter path")
    t.add_column("value", justify="right")
    t.add_column("evidence or assumption")
    for path, v in seeded_values(sc):
        t.add_row(path, f"{v.value:g}" if isinstance(v.value, float) else str(v.value), v.provenance)
    out.print(t)
    n = len(seeded_values(sc))
    n_ev = sum(1 for _, v in seeded_values(sc) if v.evidence is not None)
    out.print(f"{n} seeded values: {n_ev} with evidence, {n - n_ev} assumptions")


@scenario_app.command("validate")
def validate(files: Annotated[list[Path], typer.Argument(help="scenario YAML files")]) -> None:
    """Exit 0 if every file is valid; otherwise exit 2 with one line per problem."""
    problems: list[Problem] = []
    for f in files:
        try:
            load_scenario(f)
            out.print(f"{f}: valid", highlight=False)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise fail(problems)


app.command("sweep")(sweep_cli.sweep)
app.command("analyze")(sweep_cli.analyze)
app.command("report")(report_cli.report)
app.command("play")(play_cli.play_command)
app.command("app")(app_cli.app)
app.command("validate")(validation_cli.validate_command)


def main() -> None:
    app()
