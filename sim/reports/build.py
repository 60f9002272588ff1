"""Reports: the figures of a run, ensemble or sweep folder, built from its stored files.

``build_report(folder)`` reads what ``run`` or ``sweep`` wrote (never re-simulates) and returns a
:class:`Report` of sections of charts; ``sim.reports.html`` turns it into one self-contained HTML
file, and :func:`export_images` writes each figure as PNG/SVG/PDF where a Chromium is available.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from functools import cached_property
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.experiments.folder import safe_name
from sim.experiments.manifest import class_code_label
from sim.experiments.store import collect_runs, write_atomic, write_csv
from sim.plots import ensemble as ens
from sim.plots import run as one
from sim.plots import sweep as sw
from sim.plots.style import Labels, esc
from sim.reports.document import Chart, Report, Section
from sim.reports.html import render
from sim.scenario.class_code import class_code
from sim.scenario.reading import MAX_JSON_BYTES, ScenarioError, read_text
from sim.scenario.schema import Scenario, seeded_values

REPORT_FILE = "report.html"
IMAGE_FORMATS = ("png", "svg", "pdf")


class ReportError(Exception):
    """A folder that holds no report's worth of data; the message says what is missing."""


def build_report(folder: Path) -> Report:
    """The report of a ``run`` folder (one run or an ensemble) or a ``sweep`` folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        manifest = _read_json(manifest_path)
        if manifest.get("kind") == "sweep":
            return sweep_report(folder, manifest)
    if (folder / "summary.json").is_file():
        return run_report(folder)
    raise ReportError(
        f"{folder}: not a run or sweep folder (needs summary.json, runs.csv, days.parquet and "
        "events.parquet from `run`, or manifest.json and runs from `sweep`)"
    )


def _read_json(path: Path) -> dict:
    try:
        return json.loads(read_text(path, max_bytes=MAX_JSON_BYTES))
    except ScenarioError as exc:
        raise ReportError(str(exc.problems[0])) from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: unreadable ({exc})") from None


def _read(path: Path, reader) -> pd.DataFrame:
    if not path.is_file():
        raise ReportError(f"{path.parent}: {path.name} is missing (was the run interrupted?)")
    try:
        return reader(path)
    except Exception as exc:  # pyarrow, pandas and OS errors all mean the same to the user
        raise ReportError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None


def _scenario(data: dict, where: Path) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except Exception as exc:
        raise ReportError(f"{where}: the stored scenario does not validate ({exc})") from None


def _version() -> str:
    try:
        return metadata.version("ceasefire-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def _caption(labels: Labels, manifest: dict, what: str) -> str:
    """Where the figures come from: scenario (with every --set override), what was run, versions."""
    packages = manifest.get("packages", {})
    packages = packages if isinstance(packages, dict) else {}
    stack = ", ".join(f"{k} {v}" for k, v in packages.items() if k in ("python", "mesa", "numpy") and v)
    sha = str(manifest.get("scenario_sha256", ""))[:12]
    written = manifest.get("written") or manifest.get("finished") or manifest.get("started") or ""
    overrides = _overrides(manifest)
    changed = f" with {esc(' '.join(f'--set {o}' for o in overrides))}" if overrides else ""
    return (
        f"Scenario {labels.title} ({esc(labels.name)}{changed}, sha256 {esc(sha)}…) · {esc(what)} · "
        f"ceasefire-sim {esc(_version())} ({esc(stack)}) · data written {esc(written)}"
    )


def _overrides(manifest: dict) -> list[str]:
    """The ``--set`` overrides a manifest records (none if it records them oddly)."""
    found = manifest.get("overrides") or []
    return [str(o) for o in found] if isinstance(found, list) else []


def _with_overrides(title: str, overrides: list[str], shown: int = 3) -> str:
    """A report title (HTML) that says the scenario was changed, and how (the first few overrides)."""
    if not overrides:
        return title
    listed = ", ".join(esc(o) for o in overrides[:shown])
    more = f" and {len(overrides) - shown} more" if len(overrides) > shown else ""
    return f"{title}, with --set {listed}{more}"


def provenance_rows(sc: Scenario, swept: set[str] | None = None) -> list[tuple[str, str, str, str]]:
    """Every seeded value with its evidence (article paragraph and quote) or its assumption."""
    rows = []
    for path, v in seeded_values(sc):
        value = f"{v.value:g}" if isinstance(v.value, float) else str(v.value)
        if swept and (path in swept or f"{path}.value" in swept):
            value += " (swept)"
        if v.evidence is not None:
            rows.append((path, value, v.evidence.source, f"“{v.evidence.quote}”"))
        else:
            rows.append((path, value, "assumption", v.assumption or ""))
    for i, inc in enumerate(sc.incidents):  # scheduled strikes (injects): events, not numbers
        source, why = (
            (inc.evidence.source, f"“{inc.evidence.quote}”")
            if inc.evidence
            else ("assumption", inc.assumption)
        )
        rows.append((f"incidents.{i}", inc.summary(), source, why or ""))
    return rows


# -- run and ensemble ----------------------------------------------------------------------------
class DayTable:
    """A stored Parquet table (days.parquet, events.parquet) read a few columns or one run at a time.

    A large ensemble's days hold millions of rows: each figure reads only its columns, and a run
    shown in full only its rows (``run`` is sorted, so the row groups of other runs are skipped).
    """

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        if not path.is_file():
            raise ReportError(f"{path.parent}: {path.name} is missing (was the run interrupted?)")
        self.path = path
        try:
            meta = pq.ParquetFile(path)
            self.columns: list[str] = list(meta.schema_arrow.names)
            self.rows: int = meta.metadata.num_rows
        except Exception as exc:  # pyarrow and OS errors all mean the same to the user
            raise ReportError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None

    def read(self, columns: list[str] | None = None, run: int | None = None) -> pd.DataFrame:
        """The table's ``columns`` (all if None), of every run or of run ``run`` only."""
        by_run = run is not None and self.rows > 0
        if by_run and "run" not in self.columns:
            raise ReportError(f"{self.path}: unreadable (no run column)")
        try:
            return pd.read_parquet(
                self.path, columns=columns, filters=[("run", "==", run)] if by_run else None
            )
        except Exception as exc:
            raise ReportError(f"{self.path}: unreadable ({type(exc).__name__}: {exc})") from None

    def chunks(self, columns: list[str], rows: int = 2**18) -> Iterator[pd.DataFrame]:
        """The table's ``columns``, ``rows`` rows or so at a time (in file order; small row groups joined)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pending: list[pa.RecordBatch] = []
            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=rows, columns=columns):
                pending.append(batch)
                if sum(b.num_rows for b in pending) >= rows:
                    yield pa.Table.from_batches(pending).to_pandas()
                    pending = []
            if pending:
                yield pa.Table.from_batches(pending).to_pandas()
        except Exception as exc:
            raise ReportError(f"{self.path}: unreadable ({type(exc).__name__}: {exc})") from None

    def last_day(self) -> int:
        """The highest day number."""
        return int(max(chunk["day"].max() for chunk in self.chunks(["day"])))

    @cached_property
    def grid(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The runs and the days (sorted) if every run has every day once, as ``run`` writes; else None."""
        runs, days, rows = np.array([], dtype="int64"), np.array([], dtype="int64"), 0
        for c in self.chunks(["run", "day"]):
            runs = np.union1d(runs, c["run"].to_numpy())
            days = np.union1d(days, c["day"].to_numpy())
            rows += len(c)
        if rows != len(runs) * len(days):
            return None
        seen = np.zeros((len(runs), len(days)), dtype=bool)
        for c in self.chunks(["run", "day"]):
            seen[_cells(c, runs, days)] = True
        return (runs, days) if seen.all() else None

    def matrix(self, column: str) -> np.ndarray:
        """``column`` as a runs x days float array (in :attr:`grid`'s order), filled a row group at a time."""
        assert self.grid is not None
        runs, days = self.grid
        out = np.full((len(runs), len(days)), np.nan)
        for c in self.chunks(["run", "day", column]):
            out[_cells(c, runs, days)] = c[column].to_numpy(dtype="float64")
        return out


def _cells(chunk: pd.DataFrame, runs: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cell in a runs x days array (``runs`` and ``days`` sorted, holding every value)."""
    return np.searchsorted(runs, chunk["run"].to_numpy()), np.searchsorted(days, chunk["day"].to_numpy())


Days = pd.DataFrame | DayTable
"""An ensemble's days: a frame in memory, or a stored table read column by column."""


def occupancy(days: Days, phases: list[str]) -> pd.DataFrame:
    """:func:`sim.plots.ensemble.occupancy_frame`, counted a block of runs at a time from a stored table."""
    if not isinstance(days, DayTable):
        return ens.occupancy_frame(days, phases)
    runs: set[int] = set()
    counts: dict[str, list[pd.Series]] = {p: [] for p in phases}
    for chunk in days.chunks(["run", "day", *[f"{p}_status" for p in phases]]):
        runs.update(chunk["run"].unique().tolist())
        for p in phases:
            c = chunk.groupby(["day", f"{p}_status"], observed=True).size()
            counts[p].append(c.set_axis(c.index.set_levels(c.index.levels[1].astype(str), level=1)))
    parts = []
    for p in phases:
        c = pd.concat(counts[p]).groupby(level=[0, 1]).sum().astype("int64")
        c.index.names = ["day", "status"]
        part = (c / len(runs)).rename("share").reset_index()
        part.insert(1, "phase", p)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def fan(days: Days, columns: dict[str, str], *, weekly: bool = False) -> pd.DataFrame:
    """:func:`sim.plots.ensemble.fan_frame` of a stored table: one series' column at a time, as an array."""
    if not isinstance(days, DayTable):
        return ens.fan_frame(days, columns, weekly=weekly)
    if not columns:
        return ens.fan_frame(days.read(["run", "day"]), columns, weekly=weekly)
    if days.grid is not None:
        parts = [
            ens.fan_frame_wide(days.grid[1], {name: days.matrix(col)}, weekly=weekly)
            for name, col in columns.items()
        ]
        return pd.concat(parts, ignore_index=True)
    parts = [
        ens.fan_frame(days.read(["run", "day", col]), {name: col}, weekly=weekly)
        for name, col in columns.items()
    ]
    return pd.concat(parts, ignore_index=True)


def run_report(folder: Path) -> Report:
    summary = _read_json(folder / "summary.json")
    sc = _scenario(_read_json(folder / "scenario.json"), folder / "scenario.json")
    runs = _read(folder / "runs.csv", pd.read_csv)
    days = DayTable(folder / "days.parquet")
    events = DayTable(folder / "events.parquet")
    if runs.empty:
        raise ReportError(f"{folder}: runs.csv has no rows (was the run interrupted?)")
    if days.rows == 0 or "day" not in days.columns:
        raise ReportError(f"{folder}: days.parquet has no rows (was the run interrupted?)")
    labels = Labels.of(sc)
    manifest = summary.get("manifest", {})
    phases = list(sc.phases)
    n = len(runs)
    last_day = days.last_day()
    code = class_code_label(class_code(sc.name, summary["seed"]), _overrides(manifest))
    what = f"class code {code}, {n} run{'s' if n != 1 else ''} × {last_day} days from {sc.start_date}"
    engine = manifest.get("engine")
    if engine:
        what += f", {engine} engine"
    sections: list[Section] = []
    if n > 1:
        sections += ensemble_sections(runs, days, labels, phases, summary, last_day)
        by_run = runs.set_index("run")
        for run, why in ens.representative_runs(runs, phases):
            role = ROLES[why.split(":", 1)[0]]
            text = f"{role} {run_story(by_run.loc[run], labels)}"
            sections.append(run_section(days.read(run=run), events.read(run=run), labels, phases, run, text))
    elif n == 1:
        run = int(runs["run"].iloc[0])
        text = run_story(runs.iloc[0], labels)
        sections.append(run_section(days.read(), events.read(), labels, phases, run, text))
    return Report(
        title=_with_overrides(
            f"{labels.title}: {'ensemble of ' + str(n) + ' runs' if n > 1 else 'one run'}",
            _overrides(manifest),
        ),
        kind="ensemble" if n > 1 else "run",
        caption=_caption(labels, manifest, what),
        sections=sections,
        provenance=provenance_rows(sc),
        manifest=manifest,
    )


ROLES = {
    "typical": "The typical run: of the runs with the most common outcome, the one closest to the "
    "ensemble's medians (docs/reports.md).",
    "contrast": "A contrasting run: the most typical of the runs that went furthest, or of the second "
    "most common outcome (docs/reports.md).",
}


def run_story(row: pd.Series, labels: Labels) -> str:
    """One run in a sentence (HTML-safe): its outcome and the furthest phase that entered force."""
    furthest = row["furthest_phase"]
    phase = labels.phase(furthest) if furthest in labels.phases else "none"
    return (
        f"It ends in {labels.outcome(row['outcome'])}; the furthest phase that entered into force: {phase}; "
        f"{int(row['violations_true'])} true and {int(row['violations_perceived'])} perceived violations."
    )


def ensemble_sections(
    runs: pd.DataFrame, days: Days, labels: Labels, phases: list[str], summary: dict, last_day: int
) -> list[Section]:
    """The ensemble's figures; ``days`` read a few columns per figure (a stored table is never whole)."""
    n = len(runs)
    glance = [
        (f"ends in {labels.outcome(o)}", f"{s:.1%}") for o, s in summary.get("outcome_shares", {}).items()
    ]
    for p in phases:
        share = summary.get("phase_reached_share", {}).get(p)
        med = summary.get("median_entered_day", {}).get(p)
        when = f", median entry {labels.date(med):%d %b %Y} (day {med:g})" if med is not None else ""
        if share is not None:
            glance.append((f"{labels.phase(p)} ever in force", f"{share:.1%}{when}"))
    for key, label in (
        ("violations_true", "true violations per run (mean)"),
        ("violations_perceived", "perceived violations per run (mean)"),
        ("prisoners_exchanged", "prisoners exchanged per run (mean, both sides)"),
    ):
        if f"mean_{key}" in summary:
            glance.append((label, f"{summary[f'mean_{key}']:.1f}"))

    outcomes = list(labels.outcomes)
    occ = occupancy(days, phases)
    flow = ens.flow_frame(runs, phases)
    res = ens.outcomes_frame(runs, outcomes)
    entry = ens.entry_frame(runs, phases)
    belligerents = [c.removeprefix("cost_") for c in days.columns if c.startswith("cost_")]
    pairs = one.trust_pairs(list(days.columns), list(labels.actors))
    trust_cols = {c: c for c in pairs}
    weekly = fan(days, {"true": "violations_true", "perceived": "violations_perceived"}, weekly=True)
    trust = fan(days, trust_cols)
    costs = fan(days, {b: f"cost_{b}" for b in belligerents})

    def pair_name(col: str) -> str:
        a, b = pairs[col]
        return f"{labels.actor(a)} trusts {labels.actor(b)}"

    def pair_colour(col: str) -> str:
        return labels.actor_colours.get(pairs[col][0], "#000000")

    charts = [
        Chart(
            "outcomes",
            ens.outcomes_figure(res, labels, f"{labels.date(last_day):%d %B %Y}"),
            res,
            "Outcome: the outcome label of the furthest phase in force on the last day (no truce if none). "
            "Bars: share of runs; whiskers: 95% Wilson interval.",
        ),
        Chart(
            "phase-occupancy",
            ens.occupancy_figure(occ, labels),
            occ,
            "For each phase and day, the share of runs in each state. In force (renewed): a truce that "
            "ran its term and was extended. Collapsed: a party withdrew after perceived violations.",
        ),
        Chart(
            "phase-flow",
            ens.flow_figure(flow, labels, n),
            flow,
            "Each run passes through every phase (in force at some point, or never) to its outcome on the "
            "last day. Band widths are numbers of runs.",
        ),
        Chart(
            "phase-entry",
            ens.entry_figure(entry, labels, phases, n),
            entry,
            "The first day each phase entered into force, one dot per run; the box spans the middle half. "
            "Runs where a phase never entered force are not drawn: the label counts those that did.",
        ),
        Chart(
            "trust",
            ens.fan_figure(
                trust,
                labels,
                title="How much do the parties trust each other?",
                y_title="trust (0: none, 1: full)",
                colours={k: pair_colour(k) for k in trust_cols},
                names={k: pair_name(k) for k in trust_cols},
                y_range=(0, 1),
            ),
            trust,
            "Trust rises on calm days under a truce and falls with each perceived violation; bands: middle "
            "50, 80 and 90% of runs (the 80% band is the 10–90% range).",
        ),
        Chart(
            "costs",
            ens.fan_figure(
                costs,
                labels,
                title="What has the war cost each side so far?",
                y_title="cumulative cost of war (model units)",
                colours={b: labels.actor_colours.get(b, "#000") for b in belligerents},
                names={b: labels.actor(b) for b in belligerents},
            ),
            costs,
            "Cumulative cost: damage from strikes received times the scenario's cost_of_war (model units, "
            "comparable between actors and scenarios, not money). Bands as above.",
        ),
    ]
    if not weekly.empty:  # runs shorter than a week have no full week to count
        charts.insert(
            4,
            Chart(
                "violations-per-week",
                ens.fan_figure(
                    weekly,
                    labels,
                    title="How many truce violations per week, true and perceived?",
                    y_title="violations per week",
                    colours={"true": "#000000", "perceived": "#D55E00"},
                    names={"true": "true violations", "perceived": "perceived violations"},
                    unit=" per week",
                ),
                weekly,
                "Per full week, summed within each run; lines: median over runs; bands: middle 50, 80 "
                "and 90% of runs. True: strikes inside a truce. Perceived: those detected by monitoring "
                "plus false alarms.",
            ),
        )
    return [
        Section(
            f"Across {n} runs",
            "Each run is one seeded history of the same scenario; the spread is what chance alone does. "
            "Shares carry 95% intervals. Two runs are shown in full below, picked by the rule in "
            "docs/reports.md.",
            charts,
            glance,
        )
    ]


def run_section(
    days: pd.DataFrame, events: pd.DataFrame, labels: Labels, phases: list[str], run: int, story: str
) -> Section:
    """The six figures of one run; ``story`` (HTML) says which run it is and how it ends."""
    days = days.sort_values("day")
    domains = list(labels.domains)
    tl = one.timeline_frame(days, phases)
    trust = one.trust_frame(days, list(labels.actors))
    viol = one.violations_frame(days, domains)
    costs = one.costs_frame(days)
    offers = one.offers_frame(events)
    swaps = one.exchanges_frame(days)
    k = f"run{run}"
    charts = [
        Chart(
            f"{k}-timeline",
            one.timeline_figure(tl, events, labels),
            tl,
            "Each phase's state over time; black ticks mark turning points (hover for what happened).",
        ),
        Chart(
            f"{k}-trust",
            one.trust_figure(trust, events, labels),
            trust,
            "Trust of each party in the other; each marker is a violation that party perceived that day.",
        ),
        Chart(
            f"{k}-violations",
            one.violations_figure(viol, events, labels),
            viol,
            "Cumulative counts per domain. True: strikes inside a truce covering that domain. Perceived: "
            "detected true violations plus false alarms; the gap is what monitoring misses or invents.",
        ),
        Chart(
            f"{k}-costs",
            one.costs_figure(costs, labels),
            costs,
            "Cumulative cost of war in model units (damage received times cost_of_war).",
        ),
        Chart(
            f"{k}-packages",
            one.offers_figure(offers, labels),
            offers,
            "Each dot is a package put to a party: its value to that party (utility in [-1, 1]). The dotted "
            "line is the party's reservation value; acceptance is a noisy comparison of the two, plus "
            "trust, ripeness and mediator pressure (docs/ODD.md).",
        ),
        Chart(
            f"{k}-exchanges",
            one.exchanges_figure(swaps, events, labels),
            swaps,
            "Prisoners exchanged (both sides counted) and wounded handed over, cumulative.",
        ),
    ]
    return Section(f"Run {run}", story, charts)


# -- sweep ---------------------------------------------------------------------------------------
def sweep_report(folder: Path, manifest: dict) -> Report:
    try:
        runs = collect_runs(folder)
    except Exception as exc:
        raise ReportError(f"{folder}: stored runs unreadable ({type(exc).__name__}: {exc})") from None
    if runs.empty:
        raise ReportError(f"{folder}: the sweep has no finished runs yet")
    sc = _scenario(manifest.get("scenario", {}), folder / "manifest.json")
    labels = Labels.of(sc)
    spec = manifest.get("spec", {})
    axes = [c.removeprefix("axis:") for c in runs.columns if c.startswith("axis:")]
    phases = list(sc.phases)
    outcomes = list(labels.outcomes)
    marks = sw.indicators(runs, outcomes, phases)
    marks = marks.loc[:, marks.std() > 0] if len(marks) > 1 else marks.iloc[:, :0]  # one run: no spread
    status = manifest.get("status", "unknown")
    planned = manifest.get("total_runs")
    if status != "complete":
        stored = f"{len(runs)} of {planned}" if planned else str(len(runs))
        status = f"{status}, not finished: {stored} runs stored; resume it for the rest"
    what = (
        f"{spec.get('design', '?')} design, {runs['point'].nunique()} points × {spec.get('replicates', '?')} "
        f"seeds = {len(runs)} runs (status: {status}), "
        f"seed {spec.get('seed', '?')}"
    )
    sections: list[Section] = []
    glance = [("design", esc(spec.get("design", "?"))), ("runs", str(len(runs)))]
    for a in axes:
        values = runs[sw.axis_column(a)]
        glance.append(
            (sw.axis_label(a), f"{values.min():.3g} to {values.max():.3g} ({values.nunique()} values)")
        )
    if not axes:
        shares = runs["outcome"].value_counts(normalize=True)
        glance += [(f"ends in {labels.outcome(o)}", f"{share:.1%}") for o, share in shares.items()]
        sections.append(
            Section(
                "Response",
                "The sweep varies no input (no axes): its runs are replicates of one scenario, with nothing "
                "to plot against. `run_sim.py run` draws an ensemble's figures.",
                [],
                glance,
            )
        )
    elif marks.shape[1] == 0:
        sections.append(
            Section("Response", "Every run ended the same way at every point: nothing to plot.", [], glance)
        )
    else:
        response = sw.response_frame(runs, axes, marks)
        charts = [
            Chart(
                "response-curves",
                sw.response_figure(response, labels),
                response,
                "Share of runs per level of one input, pooled over the other inputs; bands: 95% Wilson "
                "intervals. Inputs with many distinct values are cut into six quantile bins, each drawn "
                "at its mean value.",
            )
        ]
        for x_axis, y_axis in sw.axis_pairs(sw.top_axes(runs, axes, marks)):
            heat = sw.heatmap_frame(runs, x_axis, y_axis, marks)
            charts.append(
                Chart(
                    f"heatmap-{_slug(x_axis)}-x-{_slug(y_axis)}",
                    sw.heatmap_figure(heat, x_axis, y_axis, labels),
                    heat,
                    "Share of runs per cell, pooled over the other inputs; hover for the number of runs and "
                    "the 95% interval. The menu switches the outcome; the default is the one that varies "
                    "most.",
                )
            )
        scores = sw.scoring_frame(runs, axes, marks)
        charts.append(
            Chart(
                "feature-scores",
                sw.scoring_figure(scores, labels),
                scores,
                "eta² (correlation ratio): the share of the run-to-run variance of an outcome explained by "
                "one input's level alone. Seed noise keeps it well below 1 for 0/1 outcomes; compare "
                "inputs within a column.",
            )
        )
        sens_path = folder / "sensitivity.parquet"
        if sens_path.is_file():
            indices = _read(sens_path, pd.read_parquet)
            charts.append(
                Chart(
                    "sensitivity",
                    sw.sensitivity_figure(indices, labels),
                    indices,
                    "From `run_sim.py analyze`: Sobol first-order (S1) and total (ST) indices, or Morris mu* "
                    "and sigma, of each input for the outcome chosen in the menu; whiskers: 95% intervals.",
                )
            )
        par = sw.parallel_frame(runs, axes)
        charts.append(
            Chart(
                "parallel-coordinates",
                sw.parallel_figure(par, axes, labels, len(runs)),
                par,
                "One line per run, coloured by its outcome on the last day.",
            )
        )
        sections.append(
            Section(
                "How the outcomes respond to the swept inputs",
                "Every figure pools the seeds (replicates) of each design point.",
                charts,
                glance,
            )
        )
    name = spec.get("name") or Path(manifest.get("spec_file", "sweep")).stem
    return Report(
        title=f"Sweep {esc(name)} of {labels.title}",
        kind="sweep",
        caption=_caption(labels, manifest, what),
        sections=sections,
        provenance=provenance_rows(sc, set(axes)),
        manifest=manifest,
    )


def _slug(path: str) -> str:
    """A parameter path as part of a chart's name, which names its image and CSV files: one safe part."""
    return safe_name(path.replace(".", "-"), limit=80)


# -- writing -------------------------------------------------------------------------------------
def write_report(report: Report, path: Path) -> int:
    """Write the report's HTML atomically; returns its size in bytes."""

    text = render(report)
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    return len(text.encode("utf-8"))


class ImageExportUnavailable(Exception):
    """No Chromium for plotly's image exporter: a one-line reason and what to install."""


def export_images(report: Report, folder: Path, fmt: str) -> list[Path]:
    """Each figure as ``folder/<name>.<fmt>`` (and its data as CSV), through kaleido and Chromium."""
    import plotly.io as pio

    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(IMAGE_FORMATS)}, got {fmt!r}")
    browser = _chromium()
    if browser is None:
        raise ImageExportUnavailable(
            "image export needs a Chromium (on Debian: apt-get install -y chromium); "
            "the HTML report was written regardless"
        )
    folder.mkdir(parents=True, exist_ok=True)
    charts = report.charts
    paths = [folder / f"{c.name}.{fmt}" for c in charts]
    os.environ["BROWSER_PATH"] = browser  # the one found, even over a stale setting
    figures = [_with_caption(c.figure, report.caption) for c in charts]
    try:
        heights = [int(f.layout.height or 500) for f in figures]  # plotly's default would squash them
        pio.write_images(figures, paths, format=fmt, width=1200, height=heights, scale=1)
    except Exception as exc:  # kaleido reports a missing or broken browser in several ways
        raise ImageExportUnavailable(
            f"image export failed: {type(exc).__name__}: {exc}".splitlines()[0]
        ) from None
    for c in charts:
        write_csv(folder / f"{c.name}.csv", c.data)
    return paths


def _with_caption(figure: go.Figure, caption: str) -> go.Figure:
    """A copy of the figure with the report's caption (scenario, class code, versions) as a subtitle,
    so an image on a slide still says where it came from. The top grows to make room; nothing moves
    relative to the plot (its bottom margin is plotly's to grow for tick labels)."""
    fig = go.Figure(figure)
    extra = 34
    height = int(fig.layout.height or 500)
    new_height = height + extra
    legend_px = (1 - (fig.layout.legend.y if fig.layout.legend.y is not None else 1.0)) * height + extra
    fig.update_layout(
        height=new_height,
        margin={"t": (fig.layout.margin.t or 100) + extra},
        title={
            "y": 1 - 14 / new_height,
            "subtitle": {"text": caption.replace(" · ", "<br>", 1), "font": {"size": 10, "color": "#666666"}},
        },
        legend={"y": 1 - legend_px / new_height},
    )
    return fig


def _chromium() -> str | None:
    """The Chromium or Chrome binary kaleido should drive, if there is one."""
    for candidate in (
        os.environ.get("BROWSER_PATH"),
        "chromium",
        "chromium-browser",
        "google-chrome",
        "chrome",
    ):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None
