"""The Python API for notebooks and scripts: load a scenario, run an ensemble, sweep, validate, report.

``import sim`` exposes these names lazily (see ``sim/__init__.py``), so importing a part of the package
stays cheap. The API calls the same library functions as the command line, so the same scenario, seed
and overrides give the same runs, row for row, as ``ceasefire-sim run`` (docs/api.md)::

    import sim
    ens = sim.run("baseline", runs=200, seed=42, set={"monitoring.strength": 0.8})
    ens.runs["outcome"].value_counts(normalize=True)
    ens.report()  # the path of a self-contained report.html
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.data import UnknownScenario, resolve_scenario, resolve_sweep, scenario_files, sweep_files
from sim.experiments import ensemble as _ensemble
from sim.experiments.engines import check_engine
from sim.experiments.folder import safe_name
from sim.experiments.manifest import Manifest
from sim.experiments.store import days_frame, events_frame, read_table, runs_frame
from sim.jobs import (
    JobError,
    SweepOptions,
    SweepOutcome,
    analyze_folder,
    perform_sweep,
    report_folder,
    write_run_folder,
)
from sim.jobs.common import output
from sim.jobs.run import reproduce
from sim.jobs.sweep import read_manifest
from sim.model.results import NO_TRUCE
from sim.scenario.class_code import class_code, parse_seed
from sim.scenario.loader import load_scenario as _load_file
from sim.scenario.loader import validate as _validate_source
from sim.scenario.paths import apply_override, parse_assignment
from sim.scenario.reading import Problem, ScenarioError, Source
from sim.scenario.schema import Scenario

__all__ = [
    "Ensemble",
    "JobError",
    "ScenarioError",
    "SweepResult",
    "UnknownScenario",
    "load_scenario",
    "run",
    "scenarios",
    "sweep",
    "sweeps",
    "validate",
]

Overrides = Mapping[str, Any] | Iterable[str] | None
"""``--set`` as a mapping ``{"monitoring.strength": 0.8}`` or as strings ``["monitoring.strength=0.8"]``."""

ScenarioLike = Scenario | str | Path
"""A loaded scenario, a shipped scenario's name (``"baseline"``), a shipped path or any file path."""


def scenarios() -> dict[str, Path]:
    """The shipped scenarios by name (``baseline``, ``us_aid_halted``, ...) and their files."""
    return scenario_files()


def sweeps() -> dict[str, Path]:
    """The shipped sweep specs by name (``minimal``, ``monitoring_x_leverage``, ...) and their files."""
    return sweep_files()


def _overrides(set_: Overrides) -> list[tuple[str, Any]]:
    """Overrides as (path, value) pairs; strings are parsed as ``--set`` parses them."""
    if set_ is None:
        return []
    if isinstance(set_, str):
        raise TypeError("set: give a mapping {'path': value} or a list of 'path=value' strings, not a string")
    if isinstance(set_, Mapping):
        return [(str(k), v) for k, v in set_.items()]
    pairs = []
    for item in set_:
        try:
            pairs.append(parse_assignment(item) if isinstance(item, str) else tuple(item))
        except ValueError as exc:
            raise ScenarioError([Problem("--set", None, str(item).partition("=")[0], str(exc))]) from None
    return pairs


def _override_loaded(sc: Scenario, pairs: list[tuple[str, Any]]) -> Scenario:
    """A loaded scenario with overrides applied, validated like a file (``--set`` provenance)."""
    data = sc.model_dump(mode="json")
    problems = []
    for path, value in pairs:
        try:
            apply_override(data, path, value)
        except (KeyError, ValueError) as exc:
            problems.append(Problem("--set", None, path, exc.args[0] if exc.args else str(exc)))
    if problems:
        raise ScenarioError(problems)
    return _validate_source(Source(data, {}), f"scenario {sc.name!r} with --set")


def load_scenario(name_or_path: str | Path, set: Overrides = None) -> Scenario:
    """Load a scenario: a shipped one by name (``"baseline"``) or by its path
    (``"scenarios/variants/eu_actor.yaml"``), or any YAML file; ``set`` overrides as ``--set`` does.

    Raises :class:`UnknownScenario` (a ValueError that lists the shipped names) if nothing matches,
    and :class:`ScenarioError` (with ``.problems``: file, line, field) if the scenario is invalid.
    """
    return _load_file(resolve_scenario(name_or_path), _overrides(set))


def _scenario(scenario: ScenarioLike, set_: Overrides) -> tuple[Scenario, str | None]:
    """The scenario to run and the file it came from (None for one passed in loaded)."""
    if isinstance(scenario, Scenario):
        pairs = _overrides(set_)
        return (_override_loaded(scenario, pairs) if pairs else scenario), None
    if not isinstance(scenario, (str, os.PathLike)):
        raise TypeError(f"scenario: expected a Scenario, a name or a path, got {type(scenario).__name__}")
    path = resolve_scenario(scenario)
    return _load_file(path, _overrides(set_)), str(path)


def _seed(sc: Scenario, seed: int | str | None) -> int:
    """The ensemble seed: the scenario's, a number, or a class code ``"baseline@42"`` (names must agree)."""
    if seed is None:
        return sc.seed
    if isinstance(seed, bool) or not isinstance(seed, (int, str)):
        raise TypeError(f"seed: expected an int or a class code such as 'baseline@42', got {seed!r}")
    code = parse_seed(str(seed))
    if code.scenario and code.scenario != sc.name:
        raise ValueError(f"seed {seed!r}: the class code is for scenario {code.scenario!r}, not {sc.name!r}")
    return code.seed


def _progress(progress: bool | Callable[[int], None] | None, runs: int, name: str):
    """A context giving the per-run callback: a rich bar on stderr, the caller's callback, or none.

    ``None`` shows the bar only where stderr is a terminal, so notebooks and logs stay clean.
    """
    import contextlib

    if callable(progress):
        return contextlib.nullcontext(progress)
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar():
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as p:
            task = p.add_task(f"simulating {escape(name)}", total=runs)
            yield lambda _k: p.advance(task)

    return bar()


class Ensemble:
    """A seeded ensemble of runs: tables as DataFrames (built on first use), its summary, its report.

    ``runs``: one row per run (outcome, phases' entry days, violations, ...); ``days``: one row per run
    and day; ``events``: every recorded decision with the numbers behind it. ``save(folder)`` writes
    the files ``ceasefire-sim run`` writes; ``report()`` writes a self-contained report.html.
    """

    def __init__(
        self,
        result: _ensemble.Ensemble,
        *,
        days: int,
        recorded: bool,
        overrides: list[tuple[str, Any]],
        scenario_file: str | None,
        seconds: float,
    ) -> None:
        self._result = result
        self.engine: str = result.engine
        """The engine that ran it: ``mesa`` (every decision event) or ``batch`` (arrays, fewer events)."""
        self.scenario: Scenario = result.scenario
        """The scenario as run (overrides applied)."""
        self.seed: int = result.seed
        self.horizon: int = days
        """Days simulated per run."""
        self.recorded = recorded
        self.overrides = overrides
        self.scenario_file = scenario_file
        self._seconds = seconds
        self._folder: Path | None = None

    def __repr__(self) -> str:
        shares = ", ".join(f"{o} {s:.0%}" for o, s in self.summary["outcome_shares"].items() if s)
        return f"<Ensemble {self.class_code}: {len(self._result.rows)} runs x {self.horizon} days; {shares}>"

    @property
    def class_code(self) -> str:
        """``scenario@seed``: the code that gives anyone the same runs (``--seed`` on the command line)."""
        return class_code(self.scenario.name, self.seed)

    @cached_property
    def summary(self) -> dict:
        """The aggregate ``run`` prints and writes to summary.json: outcome shares, phases, means."""
        summary = dict(self._result.summary)
        summary["days"] = self.horizon
        summary["start_date"] = str(self.scenario.start_date)
        return summary

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run, as runs.csv: ``run``, ``seed``, ``outcome``, ``<phase>_entered_day``, ..."""
        return runs_frame(self._result.rows)

    def _need_record(self, what: str) -> None:
        if not self.recorded:
            raise ValueError(f"{what}: this ensemble was run with record=False (rows only); run it again")

    @cached_property
    def days(self) -> pd.DataFrame:
        """One row per run and day, with its calendar date, as days.parquet."""
        self._need_record("days")
        if self._result.days is not None:
            return self._result.days
        return days_frame(self._result.results)

    @cached_property
    def events(self) -> pd.DataFrame:
        """Every recorded decision, with its run and the numbers behind it, as events.parquet."""
        self._need_record("events")
        if self._result.events is not None:
            return self._result.events
        return events_frame(self._result.results)

    def outcome_shares(self) -> pd.DataFrame:
        """Each outcome's share of runs on the last day, with a 95% Wilson interval."""
        from sim.plots.ensemble import outcomes_frame

        return outcomes_frame(self.runs, [NO_TRUCE, *self.scenario.outcomes])

    def manifest(self) -> Manifest:
        """How the ensemble was made, as ``run`` records it in summary.json: seed, overrides, versions."""
        overrides = [f"{p}={v!r}" if isinstance(v, str) else f"{p}={v}" for p, v in self.overrides]
        call = f"sim.run({self.scenario_file or self.scenario.name!r}, runs={len(self._result.rows)}, "
        call += f"seed={self.seed}, days={self.horizon}, set={dict(self.overrides)!r}"
        call += f", engine={self.engine!r})"
        manifest = Manifest.of(
            "run",
            self.scenario,
            self.scenario_file or f"(a Scenario object: {self.scenario.name})",
            self.seed,
            overrides,
            reproduce=reproduce(self.engine),
            runs=len(self._result.rows),
            days=self.horizon,
            engine=self.engine,
            simulate_seconds=round(self._seconds, 3),
        )
        manifest.command = [call]
        return manifest

    def save(self, folder: str | Path, *, force: bool = False) -> Path:
        """Write summary.json, runs.csv, days.parquet, events.parquet and scenario.json, as ``run`` does.

        The folder must be new or empty; ``force=True`` replaces an earlier result there (only a
        folder this program wrote, as ``--force``). Raises :class:`JobError` (one line) if
        the folder cannot be used. Returns the folder.
        """
        self._need_record("save")
        target = Path(folder)
        tables = {"runs": self.runs, "days": self.days, "events": self.events}
        with output(
            target, "replace" if force else "new", hint="choose another folder or pass force=True"
        ) as out:
            write_run_folder(out.stage(), self._result, self.manifest(), self.horizon, tables)
            out.commit()
        self._folder = target
        return target

    def report(self, folder: str | Path | None = None) -> Path:
        """Write the self-contained report.html (it opens offline) and return its path.

        Into ``folder`` (the ensemble is saved there first, so it must be new or empty), or into the
        folder it was last saved to, or else into a new temporary folder.
        """
        if folder is not None and (self._folder is None or Path(folder).resolve() != self._folder.resolve()):
            self.save(folder)
        elif self._folder is None:
            self.save(tempfile.mkdtemp(prefix=f"ceasefire-{safe_name(self.scenario.name)}-"))
        assert self._folder is not None
        return report_folder(self._folder).path


def run(
    scenario: ScenarioLike,
    runs: int = 200,
    seed: int | str | None = None,
    days: int | None = None,
    set: Overrides = None,
    record: bool = True,
    progress: bool | Callable[[int], None] | None = None,
    engine: str = "mesa",
) -> Ensemble:
    """Simulate a scenario as a seeded ensemble; the same runs as ``ceasefire-sim run --runs --seed --set``.

    ``scenario``: a :class:`Scenario`, a shipped name, a shipped path or a file. ``seed``: the
    scenario's if None, or a class code ``"baseline@42"``. ``days``: the scenario's horizon if None.
    ``record=False`` keeps only the per-run rows (no ``days``/``events``: less memory for big runs).
    ``progress``: a bar (True), none (False), a callback ``f(k)`` after each run, or None (a bar on
    a terminal only). ``engine``: ``"mesa"`` (default: one model per run, every decision event
    recorded) or ``"batch"`` (blocks of runs as arrays: much faster for large ensembles, fewer events;
    equal in distribution, not run for run; ``progress`` then moves a block at a time).
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs must be a whole number of at least 1 (got {runs!r})")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650):
        raise ValueError(f"days must be a whole number from 1 to 3650 (got {days!r})")
    check_engine(engine)
    sc, path = _scenario(scenario, set)
    seed_value = _seed(sc, seed)
    horizon = days or sc.horizon_days
    started = time.perf_counter()
    with _progress(progress, runs, sc.name) as on_run_done:
        result = _ensemble.run_ensemble(
            sc, runs, seed_value, horizon, on_run_done=on_run_done, record=record, engine=engine
        )
    return Ensemble(
        result,
        days=horizon,
        recorded=record,
        overrides=_overrides(set),
        scenario_file=path,
        seconds=time.perf_counter() - started,
    )


class SweepResult:
    """A finished sweep in its folder: ``runs`` (one row per design point and replicate), ``points``
    (each point's outcome shares with 95% intervals), ``manifest``, ``analyze()`` and ``report()``.

    ``SweepResult(folder)`` opens the folder of any finished sweep (the command line's too).
    """

    def __init__(self, folder: str | Path, outcome: SweepOutcome | None = None) -> None:
        self.folder = Path(folder)
        if outcome is not None and outcome.runs is not None:
            self.runs = outcome.runs
        if outcome is not None and outcome.points is not None:
            self.points = outcome.points

    def __repr__(self) -> str:
        m = self.manifest
        name = m.get("spec", {}).get("name") or Path(str(m.get("spec_file", self.folder))).stem
        points, replicates = m.get("design", {}).get("points"), m.get("replicates")
        return f"<SweepResult {name}: {points} points x {replicates} replicates in {self.folder}>"

    @cached_property
    def manifest(self) -> dict:
        """manifest.json: the spec, its scenario, the design, the seeds and how it ran."""
        return read_manifest(self.folder / "manifest.json", "not a sweep folder")

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: ``point``, ``replicate``, ``axis:<path>`` values and the run's row."""
        return read_table(self.folder / "runs.parquet")

    @cached_property
    def points(self) -> pd.DataFrame:
        """One row per design point: axis values and each outcome's share with its 95% interval."""
        return read_table(self.folder / "points.parquet")

    def analyze(self) -> pd.DataFrame:
        """Sensitivity indices (Sobol, Morris, or first order from a hypercube), as ``analyze`` computes
        and writes them (sensitivity.parquet and .csv in the folder)."""
        return analyze_folder(self.folder, report=False).indices

    def report(self) -> Path:
        """Write the sweep's self-contained report.html into its folder and return its path."""
        return report_folder(self.folder).path


def sweep(
    spec: str | Path, workers: int = 1, out: str | Path | None = None, *, report: bool = False
) -> SweepResult:
    """Run a sweep spec (a shipped name such as ``"minimal"``, a shipped path or a file) into ``out``.

    ``out``: a new or empty folder (default: a new temporary one). ``workers=1`` runs in this
    process; more use local processes. The tables are those ``ceasefire-sim sweep`` writes, row for row.
    ``report=True`` also writes report.html (or call ``.report()`` later). Raises
    :class:`JobError` (one line per problem) for a bad spec or folder, before any run.
    """
    path = resolve_sweep(spec)
    if out is None:
        out = tempfile.mkdtemp(prefix=f"ceasefire-sweep-{safe_name(path.stem)}-")
    target = Path(out)
    outcome = perform_sweep(path, SweepOptions(out=target, workers=workers, report=report))
    return SweepResult(target, outcome)


def validate(
    scenario: ScenarioLike = "baseline",
    runs: int = 200,
    seed: int | str | None = None,
    set: Overrides = None,
):
    """Pattern-oriented validation against the observed record, as ``ceasefire-sim validate`` does.

    Returns a :class:`sim.validation.validate.Validation`: ``table`` (one row per run), ``shares``
    (each pattern's share of runs with a 95% interval) and the naive benchmark.
    """
    from sim.validation.validate import validate as _validate

    sc, _ = _scenario(scenario, set)
    return _validate(sc, runs, _seed(sc, seed))
