"""Comparative statics: each lever moved on both sides of the baseline, with common random numbers.

A :class:`Lever` names one or more parameter paths (as ``--set`` names them), the levels it takes
over its valid range (one of them the scenario as it is), and for each outcome it is read on the
direction theory expects as the lever rises, with a one-line reason. :func:`measure` runs every
level with the *same* seed and run indices (common random numbers: run ``k`` at every level draws
from the same named streams), so the effect of a level is the mean of per-run paired differences
from the baseline, with a 95% interval from the normal approximation on those differences.
:func:`classify` turns the pairwise contrasts into a verdict: matches the expectation, opposite, no
significant effect, or non-monotone. :func:`markdown_table` and :func:`replace_section` write the
table into a document between ``<!-- statics:begin -->`` and ``<!-- statics:end -->``.

A notebook can call it directly::

    from sim.experiments import statics
    base = statics.Base("scenarios/baseline.yaml")  # read once
    levers = statics.default_levers(base)
    results = [statics.measure(lv, base, runs=100) for lv in levers[:2]]
    print(statics.markdown_table(results))

``scripts/comparative_statics.py`` runs every lever and rewrites the table in ``docs/ODD.md``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.model.ceasefire import CeasefireModel
from sim.model.results import EVENT_FIELDS, NO_TRUCE, RunResult, run_row
from sim.scenario.loader import apply_override, load_source
from sim.scenario.paths import number_at
from sim.scenario.schema import Scenario

BEGIN = "<!-- statics:begin -->"
END = "<!-- statics:end -->"
Z95 = 1.959964
IN_FORCE = frozenset({"in_force", "renewed"})

# -- outcomes ---------------------------------------------------------------------------------------


def truce_days(result: RunResult) -> float:
    """Days on which any truce was in force (the union over phases, not their sum).

    Rebuilt from each phase's transitions: a phase counts a day in force at the day's end, so it
    counts the day it enters and not the day it expires or collapses.
    """
    last = int(result.totals["days"])
    days: set[int] = set()
    for info in result.phases.values():
        start = None
        for day, before, after in info["transitions"]:
            if after in IN_FORCE and before not in IN_FORCE:
                start = day
            elif before in IN_FORCE and after not in IN_FORCE and start is not None:
                days.update(range(start, day))
                start = None
        if start is not None:
            days.update(range(start, last + 1))
    return float(len(days))


def _territory(row: dict) -> float:
    keys = sorted(k for k in row if k.startswith("final_territory_"))
    return float(row[keys[0]]) if keys else math.nan


def _entered(phase: str) -> Callable[[dict, RunResult], float]:
    return lambda row, _result: float(row.get(f"{phase}_entered_day") is not None)


@dataclass(frozen=True)
class Outcome:
    """A number read off one run: a share (0 or 1 per run) or a mean."""

    key: str
    label: str
    kind: str  # "share" (a 0/1 per run, shown in percentage points) or "mean"
    read: Callable[[dict, RunResult], float]
    phase: str | None = None
    """The phase whose talks decide it, if any: its rounds are where a surprise is read."""


OUTCOMES: dict[str, Outcome] = {
    o.key: o
    for o in (
        Outcome(
            "full_ceasefire",
            "full ceasefire ever in force",
            "share",
            _entered("full_ceasefire"),
            "full_ceasefire",
        ),
        Outcome(
            "maritime_truce",
            "maritime truce ever in force",
            "share",
            _entered("maritime_truce"),
            "maritime_truce",
        ),
        Outcome(
            "peace_framework",
            "peace framework signed",
            "share",
            _entered("peace_framework"),
            "peace_framework",
        ),
        Outcome(
            "no_truce", "no truce at the horizon", "share", lambda row, _r: float(row["outcome"] == NO_TRUCE)
        ),
        Outcome(
            "territory",
            "Russia's share of the contested zone at the horizon",
            "mean",
            lambda row, _r: _territory(row),
        ),
        Outcome("truce_days", "days any truce in force", "mean", lambda _row, r: truce_days(r)),
        Outcome(
            "ceasefire_days",
            "days under the full ceasefire",
            "mean",
            lambda row, _r: float(row.get("full_ceasefire_days_in_force", 0)),
            "full_ceasefire",
        ),
    )
}
"""What the levers are read on. Shares are of runs; 'ever in force' counts a first entry."""


# -- levers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """The direction theory expects an outcome to move as the lever rises: +1, -1 or 0 (none)."""

    outcome: str
    direction: int
    why: str


@dataclass(frozen=True)
class Level:
    """One setting of a lever: a label, its position on the lever's axis, and the overrides."""

    label: str
    x: float
    overrides: tuple[tuple[str, float], ...] = ()

    @property
    def is_baseline(self) -> bool:
        return not self.overrides


@dataclass(frozen=True)
class Lever:
    """A lever of the scenario, its levels in rising order (one the scenario as it is), what it
    is expected to do, and how it acts in the code (``channel``, for reading a surprise)."""

    name: str
    paths: tuple[str, ...]
    axis: str
    levels: tuple[Level, ...]
    expectations: tuple[Expectation, ...]
    channel: str = ""

    @property
    def baseline(self) -> int:
        return next(i for i, lv in enumerate(self.levels) if lv.is_baseline)


class Base:
    """A scenario file read once: every level is built from this copy, so a file edited while a
    study runs cannot mix two versions of the scenario into one table."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.data = load_source(path).data
        self.scenario = Scenario.model_validate(self.data)

    def with_overrides(self, overrides: Sequence[tuple[str, float]]) -> Scenario:
        """The scenario with each (path, value) set, validated (as ``--set`` would)."""
        if not overrides:
            return self.scenario
        data = copy.deepcopy(self.data)
        for path, value in overrides:
            apply_override(data, path, value)
        return Scenario.model_validate(data)


ScenarioLike = Path | str | Base


def base_of(scenario: ScenarioLike) -> Base:
    """A :class:`Base` from a path (read now), or the one given."""
    return scenario if isinstance(scenario, Base) else Base(scenario)


def _data(scenario: ScenarioLike) -> dict:
    return base_of(scenario).scenario.model_dump(mode="json")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def value_lever(
    name: str,
    path: str,
    values: Iterable[float],
    data: dict,
    axis: str,
    expectations: Sequence[Expectation],
    channel: str = "",
    labels: dict[float, str] | None = None,
) -> Lever:
    """A lever set to each of ``values`` at one path; the scenario's own value is the baseline level."""
    base = float(number_at(data, path))
    labels = labels or {}
    levels = [Level(labels.get(v, _fmt(v)), float(v), ((path, float(v)),)) for v in values if v != base]
    levels.append(Level(labels.get(base, _fmt(base)) + " (base)", base))
    levels.sort(key=lambda lv: lv.x)
    return Lever(name, (path,), axis, tuple(levels), tuple(expectations), channel)


def scaled_lever(
    name: str,
    paths: Sequence[str],
    factors: Iterable[float],
    data: dict,
    axis: str,
    expectations: Sequence[Expectation],
    channel: str = "",
    high: float = 1.0,
) -> Lever:
    """A lever that multiplies the scenario's values at several paths together (capped at ``high``);
    factor 1 is the baseline level."""
    bases = [float(number_at(data, p)) for p in paths]
    levels = []
    for f in sorted(set(factors) | {1.0}):
        if f == 1.0:
            levels.append(Level("x1 (base)", 1.0))
            continue
        overrides = tuple((p, min(high, b * f)) for p, b in zip(paths, bases, strict=True))
        levels.append(Level(f"x{_fmt(f)}", float(f), overrides))
    return Lever(name, tuple(paths), axis, tuple(levels), tuple(expectations), channel)


def mediator_lever_paths(data: dict) -> list[str]:
    """The strength of every lever of every mediator, as parameter paths."""
    return [
        f"actors.{a}.levers.{lv}.strength"
        for a, actor in data["actors"].items()
        if actor["role"] == "mediator"
        for lv in actor.get("levers", {})
    ]


def default_levers(scenario_path: ScenarioLike) -> list[Lever]:
    """The levers issue 13 names, each over its whole valid range, with the direction theory expects.

    Levels are set relative to the scenario where a lever scales existing values (aid flow, mediator
    leverage), so a retuned baseline keeps its meaning.
    """
    data = _data(scenario_path)
    E = Expectation
    levers = [
        value_lever(
            "costs of war",
            "dynamics.cost_of_war",
            [0.0, 0.5, 2.0, 4.0],
            data,
            "higher costs of fighting",
            [
                E(
                    "full_ceasefire",
                    +1,
                    "the costs a truce avoids raise its value over war (Fearon 1995; Zartman 2000)",
                ),
                E("no_truce", -1, "the bargaining range widens with the costs of war (Fearon 1995)"),
            ],
            "cost_of_war scales the costs a truce avoids in Belligerent.truce_value; renewal and "
            "withdrawal weigh the same value scaled by the quiet delivered",
        ),
        scaled_lever(
            "US aid flow to Kyiv",
            ["actors.us.aid.to_kyiv.flow"],
            [0.0, 2.0, 4.0],
            data,
            "more aid per day",
            [
                E(
                    "territory",
                    -1,
                    "aid adds to Ukraine's strength stock: it wins more contests (Hirshleifer 1989)",
                ),
                E(
                    "full_ceasefire",
                    -1,
                    "a pause lets aid shift the balance against Russia: its commitment problem (Powell 2006)",
                ),
            ],
            "aid enters Ukraine's strength after the lag (Battlefield.flows) and Russia's projected odds "
            "after a truce (power_shift_value)",
        ),
        value_lever(
            "US aid continues (status quo)",
            "issues.military_aid.status_quo",
            [0.0],
            data,
            "aid continues (0 = halted before the talks)",
            [
                E("territory", -1, "aid flowing keeps Ukraine's strength up, so Russia gains less ground"),
                E(
                    "full_ceasefire",
                    +1,
                    "continuing aid is what Russia can be paid in: halted before the talks, it is no "
                    "longer a concession to trade for a truce (issue linkage, P11)",
                ),
            ],
            "the status quo sets the aid pipeline's level and the reference every package's military_aid "
            "term is valued against",
        ),
        value_lever(
            "Ukraine's strength",
            "actors.ukraine.capability",
            [0.1, 0.2, 0.6, 0.8, 1.0],
            data,
            "a stronger Ukraine",
            [
                E(
                    "territory",
                    -1,
                    "the stronger side wins more daily contests (Tullock 1980; Hirshleifer 1989)",
                ),
                E(
                    "full_ceasefire",
                    +1,
                    "Russia's odds, and so its value of fighting on, fall (Fearon 1995; Powell 2004)",
                ),
            ],
            "capability is the starting strength stock: it sets the true contest odds, strike damage, "
            "attrition, and through the fighting the beliefs each side learns",
        ),
        value_lever(
            "Russia's strength",
            "actors.russia.capability",
            [0.2, 0.4, 0.8, 1.0],
            data,
            "a stronger Russia",
            [
                E(
                    "territory",
                    +1,
                    "the stronger side wins more daily contests (Tullock 1980; Hirshleifer 1989)",
                ),
                E(
                    "full_ceasefire",
                    -1,
                    "the stronger side expects more from fighting on (Fearon 1995; Powell 2004)",
                ),
            ],
            "as Ukraine's strength, mirrored",
        ),
        value_lever(
            "Russia's guarantee demand (its ideal; higher = looser)",
            "actors.russia.positions.security_guarantees",
            [0.25, 0.5, 0.75, 1.0],
            data,
            "Russia accepts more Western guarantees for Ukraine",
            [
                E(
                    "full_ceasefire",
                    +1,
                    "the linked condition and the term's cost to Russia both ease (derived linkage, P10)",
                ),
            ],
            "Russia's ideal sets its linkage band on security_guarantees (linkage_bound), its spatial "
            "gain on the term, and the single text's start (capability x salience compromise)",
        ),
        value_lever(
            "monitoring",
            "monitoring.strength",
            [0.0, 0.15, 0.6, 0.9],
            data,
            "stronger monitoring",
            [
                E(
                    "truce_days",
                    +1,
                    "monitors deter violations and filter false alarms: truces last (Fortna 2004)",
                ),
                E("no_truce", -1, "fewer collapses leave more truces standing at the horizon (Fortna 2004)"),
            ],
            "strength is the chance a violation is detected (deterrence in p_violate) and the share of "
            "false alarms, disputed incidents and misattributions removed",
        ),
        scaled_lever(
            "mediator leverage (all US lever strengths and max_pressure)",
            [*mediator_lever_paths(data), "dynamics.max_pressure"],
            [0.0, 0.5, 2.0, 4.0],
            data,
            "stronger US levers",
            [
                E(
                    "full_ceasefire",
                    +1,
                    "inducements and threats add to a refuser's gain (Touval & Zartman 1985; Schelling 1966)",
                ),
                E("no_truce", -1, "pressure also restrains violations under a truce (p_violate)"),
            ],
            "pressure adds to the gain of a party that refused (Mediator.press, capped at max_pressure) "
            "and lowers its chance of violating",
        ),
        value_lever(
            "Ukraine's acceptance of territorial concessions (its ideal)",
            "actors.ukraine.positions.territorial_concessions",
            [0.25, 0.5, 0.75, 1.0],
            data,
            "Ukraine more willing to cede",
            [
                E(
                    "peace_framework",
                    +1,
                    "the parties' ideals on the war's stake converge (spatial bargaining, Bueno de Mesquita)",
                ),
                E("territory", 0, "the front is decided by strength, not by positions"),
            ],
            "territorial_concessions is a term of the peace framework only; it also moves the single "
            "text's start and is the stake issue whose position learning works from",
        ),
        value_lever(
            "full ceasefire duration (days)",
            "phases.full_ceasefire.duration_days",
            [15, 60, 90],
            data,
            "a longer full ceasefire",
            [
                E(
                    "full_ceasefire",
                    -1,
                    "a longer pause gives the side with aid more time to rearm (Powell 2006)",
                ),
                E("ceasefire_days", +1, "each term that holds lasts longer (Fortna 2004)"),
            ],
            "the term multiplies the per-day value of the truce against the war and the projected "
            "power shift (Belligerent.truce_value); it also sets when renewal is decided",
        ),
        value_lever(
            "sanctions relief the mediators can offer (EU-controlled cap)",
            "issues.sanctions_relief.third_party.controlled",
            [0.0, 0.15, 0.6, 1.0],
            data,
            "more relief deliverable without the EU",
            [
                E("maritime_truce", +1, "Russia links the Black Sea truce to sanctions relief (P9, P12)"),
                E("peace_framework", +1, "relief is a term Russia values in the peace framework (P9)"),
            ],
            "the cap on the sanctions_relief term until the EU consents (CeasefireModel._deliverable); "
            "the term is linked by Russia in the maritime phase",
        ),
        # Not named by issue 13, but the Sobol study's largest single first-order index: the
        # timing constant is shown here openly, beside the positions and the battlefield.
        value_lever(
            "Russia's patience (days of talks until it has conceded all)",
            "actors.russia.concession.patience_days",
            [75, 112, 225, 300],
            data,
            "Russia holds its demand longer",
            [
                E(
                    "full_ceasefire",
                    -1,
                    "a Boulware negotiator concedes near its deadline: a later deadline delays the "
                    "deal, past the horizon prevents it (Faratin, Sierra & Jennings 1998)",
                ),
                E("maritime_truce", -1, "its sanctions-relief condition loosens as slowly (S7 linkage band)"),
            ],
            "patience_days scales the elapsed time of Russia's concession curve (rules.demand) and so "
            "its demand and the width of its linkage band in every phase",
        ),
        value_lever(
            "Ukraine's resolve (its tolerance of the costs of war)",
            "actors.ukraine.resolve",
            [300.0, 450.0, 900.0, 1200.0],
            data,
            "a more resolved Ukraine",
            [
                E(
                    "full_ceasefire",
                    -1,
                    "costs weigh less, so a truce's costs avoided are worth less to it (Fearon 1995)",
                ),
                E("no_truce", +1, "the side that bears costs more easily needs truces less (Zartman 2000)"),
            ],
            "resolve divides the costs avoided in Belligerent.truce_value and the ripeness; it also "
            "divides the coercion value the enemy forgoes",
        ),
        # Two more constants the review found deciding: the horizon the war is valued over, and the
        # commitment risk charged for distrust.
        value_lever(
            "planning horizon (days the war is valued ahead)",
            "battlefield.planning_days",
            [45, 135, 180],
            data,
            "leaders look further ahead",
            [
                E(
                    "full_ceasefire",
                    -1,
                    "the projected power shift a pause allows weighs more the longer the horizon "
                    "(Powell 2006)",
                ),
            ],
            "planning_days multiplies the power-shift term of Belligerent.truce_value and sets the "
            "share sigma_T of a term's issue gains",
        ),
        value_lever(
            "commitment risk (the cost of distrust)",
            "dynamics.commitment_risk",
            [0.0, 0.025, 0.1, 0.2],
            data,
            "a higher charge for being exploited",
            [
                E(
                    "full_ceasefire",
                    -1,
                    "a side that fears the other will not keep a deal values it less (Powell 2006)",
                ),
                E("no_truce", +1, "fewer truces are signed at all (Powell 2006)"),
            ],
            "commitment_risk times one minus mean trust is subtracted from each halt's gain "
            "(Belligerent.value), except at renewal",
        ),
    ]
    return levers


# -- running ------------------------------------------------------------------------------------------


@dataclass
class LevelRuns:
    """Each outcome's value in run 0..n-1 at one level."""

    level: Level
    values: dict[str, np.ndarray]


def run_level(
    scenario_path: ScenarioLike,
    overrides: Sequence[tuple[str, float]],
    runs: int,
    seed: int | None = None,
    outcomes: Sequence[str] = tuple(OUTCOMES),
    horizon: int | None = None,
) -> dict[str, np.ndarray]:
    """Run ``runs`` runs of the scenario with ``overrides`` (run indices 0..runs-1, one seed)."""
    scenario = base_of(scenario_path).with_overrides(overrides)
    seed = scenario.seed if seed is None else seed
    out = {o: np.empty(runs) for o in outcomes}
    for k in range(runs):
        result = CeasefireModel(scenario, seed=seed, run=k, horizon=horizon, record=False).run()
        row = run_row(result)
        for o in outcomes:
            out[o][k] = OUTCOMES[o].read(row, result)
    return out


@dataclass
class Contrast:
    """The paired difference of an outcome between two levels: mean and 95% interval."""

    mean: float
    low: float
    high: float

    @property
    def sign(self) -> int:
        """+1 or -1 if the interval excludes 0, else 0."""
        return 1 if self.low > 0.0 else -1 if self.high < 0.0 else 0


def paired_difference(a: np.ndarray, b: np.ndarray, z: float = Z95) -> Contrast:
    """Mean of ``a - b`` run by run, with a normal-approximation interval on the paired differences.

    ``a`` and ``b`` must hold the same runs in the same order (common random numbers).
    """
    if a.shape != b.shape:
        raise ValueError(f"paired differences need the same runs at both levels ({a.shape} vs {b.shape})")
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n = d.size
    mean = float(d.mean())
    half = z * float(d.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    return Contrast(mean, mean - half, mean + half)


@dataclass
class Reading:
    """One outcome of one lever: the means per level, contrasts with the baseline, the verdict."""

    expectation: Expectation
    means: list[float]
    vs_base: list[Contrast | None]
    verdict: str
    detail: str = ""
    diagnosis: list[tuple[str, dict[str, PartyRounds]]] | None = None
    """Per level: how each party answered in the outcome's phase (see :func:`diagnose`)."""
    diagnosis_runs: int = 0


@dataclass
class LeverResult:
    lever: Lever
    runs: int
    seed: int
    levels: list[LevelRuns]
    readings: list[Reading] = field(default_factory=list)


def classify(
    values: Sequence[np.ndarray], baseline: int, direction: int, labels: Sequence[str] = ()
) -> tuple[str, str]:
    """The verdict for an outcome measured at levels in rising order, and a short detail.

    Non-monotone: some pair of levels i < j and some j < l with significant paired differences of
    opposite signs (a hump or a dip). Otherwise the significant contrasts with the baseline, oriented
    along the lever (a level below the baseline counts the other way), decide: all the expected sign,
    ``matches``; all the other, ``opposite``; none, ``no significant effect``. With no expected
    direction (0), any significant contrast is ``effect where none expected``.
    """
    n = len(values)
    sig = {(i, j): paired_difference(values[j], values[i]).sign for i in range(n) for j in range(i + 1, n)}
    for i in range(n):
        for j in range(i + 1, n):
            for m in range(j + 1, n):
                if sig[(i, j)] * sig[(j, m)] == -1:
                    means = [float(np.mean(v)) for v in values]
                    peak = sig[(i, j)] > 0
                    k = int(np.argmax(means) if peak else np.argmin(means))
                    at = labels[k] if len(labels) == n else f"level {k + 1} of {n}"
                    return "non-monotone", f"{'peak' if peak else 'trough'} at {at}"
    oriented = set()  # each level's sign vs the baseline, read along the lever (below it: reversed)
    for k in range(n):
        if k != baseline:
            s = sig[(k, baseline)] if k < baseline else sig[(baseline, k)]
            if s:
                oriented.add(s)
    if not oriented:
        # the extremes may still differ where neither differs from the baseline
        s = sig.get((0, n - 1), 0) if n > 1 else 0
        if s == 0:
            return ("no significant effect" if direction else "matches (no effect)"), ""
        oriented = {s}
    if len(oriented) > 1:
        return "non-monotone", "levels on both sides of the baseline move the same way"
    (s,) = oriented
    if direction == 0:
        return "effect where none expected", "rises" if s > 0 else "falls"
    return ("matches" if s == direction else "opposite"), ""


def measure(
    lever: Lever,
    scenario_path: ScenarioLike,
    runs: int = 200,
    seed: int | None = None,
    cache: dict | None = None,
    horizon: int | None = None,
) -> LeverResult:
    """Run every level of the lever with common random numbers and read each expected outcome.

    ``cache`` (a dict kept by the caller) shares levels with the same overrides between levers: the
    baseline is run once for all of them. ``horizon``: days per run (default: the scenario's).
    """
    if runs < 2:
        raise ValueError("runs must be at least 2 (an interval needs two paired differences)")
    base = base_of(scenario_path)
    seed = base.scenario.seed if seed is None else seed
    cache = {} if cache is None else cache
    levels = []
    for level in lever.levels:
        key = (base.path, level.overrides, runs, seed, horizon)
        if key not in cache:
            cache[key] = run_level(base, level.overrides, runs, seed, horizon=horizon)
        levels.append(LevelRuns(level, cache[key]))
    result = LeverResult(lever, runs, seed, levels)
    b = lever.baseline
    for exp in lever.expectations:
        values = [lv.values[exp.outcome] for lv in levels]
        labels = [lv.level.label.replace(" (base)", "") for lv in levels]
        verdict, detail = classify(values, b, exp.direction, labels)
        result.readings.append(
            Reading(
                exp,
                [float(v.mean()) for v in values],
                [None if k == b else paired_difference(v, values[b]) for k, v in enumerate(values)],
                verdict,
                detail,
            )
        )
    return result


# -- reading a surprise: who refused, and why -------------------------------------------------------


@dataclass
class PartyRounds:
    """How one party answered in one phase's rounds, over an ensemble."""

    rounds: int
    accepted: float
    """Share of its answers that were accept."""
    unmet: float
    """Share of its answers refused because a linked term fell outside its condition."""
    median_margin: float
    """Median of gain minus demand over its answers (>0: the package beat what it asked)."""
    withdrawals: float
    """Withdrawals from the phase's truce per run."""


_F = {name: i for i, name in enumerate(EVENT_FIELDS)}


def round_answers(
    scenario_path: ScenarioLike,
    overrides: Sequence[tuple[str, float]],
    phase: str,
    runs: int,
    seed: int | None = None,
    horizon: int | None = None,
) -> dict[str, PartyRounds]:
    """Each party's answers in ``phase``'s rounds, from the decision log of ``runs`` recorded runs
    (the same run indices as :func:`run_level`, so the same runs)."""
    scenario = base_of(scenario_path).with_overrides(overrides)
    seed = scenario.seed if seed is None else seed
    answers: dict[str, list[tuple[bool, bool, float]]] = {}
    withdrawals: dict[str, int] = {}
    for k in range(runs):
        result = CeasefireModel(scenario, seed=seed, run=k, horizon=horizon, record=True).run()
        for ev in result.events:
            if ev[_F["phase"]] != phase:
                continue
            actor, event = ev[_F["actor"]], ev[_F["event"]]
            if event in ("accept", "reject"):
                answers.setdefault(actor, []).append(
                    (event == "accept", bool(ev[_F["detail"]]), float(ev[_F["score"]]))
                )
            elif event == "withdraw":
                withdrawals[actor] = withdrawals.get(actor, 0) + 1
    out = {}
    for actor in sorted(set(answers) | set(withdrawals)):
        rows = answers.get(actor, [])
        out[actor] = PartyRounds(
            len(rows),
            float(np.mean([a for a, _, _ in rows])) if rows else math.nan,
            float(np.mean([u for _, u, _ in rows])) if rows else math.nan,
            float(np.median([m for _, _, m in rows])) if rows else math.nan,
            withdrawals.get(actor, 0) / runs,
        )
    return out


def diagnose(
    result: LeverResult,
    reading: Reading,
    scenario_path: ScenarioLike,
    runs: int = 50,
    horizon: int | None = None,
    cache: dict | None = None,
) -> None:
    """Fill ``reading.diagnosis``: at every level, how each party answered in the outcome's phase.

    Only for an outcome a phase's talks decide (no-op otherwise). ``cache`` shares levels between
    readings, as in :func:`measure`.
    """
    phase = OUTCOMES[reading.expectation.outcome].phase
    if phase is None:
        return
    base = base_of(scenario_path)
    cache = {} if cache is None else cache
    reading.diagnosis = []
    reading.diagnosis_runs = runs
    for lv in result.levels:
        key = ("answers", base.path, lv.level.overrides, phase, runs, result.seed, horizon)
        if key not in cache:
            cache[key] = round_answers(base, lv.level.overrides, phase, runs, result.seed, horizon)
        reading.diagnosis.append((lv.level.label.replace(" (base)", ""), cache[key]))


def diagnosis_table(reading: Reading) -> str:
    """The diagnosis as a small markdown table: per level, per party, its answers in the phase."""
    if not reading.diagnosis:
        return ""
    parties = sorted({a for _, d in reading.diagnosis for a in d})
    head = "| level | " + " | ".join(parties) + " |\n|---|" + "---|" * len(parties) + "\n"
    rows = []
    for label, d in reading.diagnosis:
        cells = []
        for a in parties:
            r = d.get(a)
            if r is None or r.rounds == 0:
                cells.append("no rounds" + (f", {r.withdrawals:.2f} withdrawals/run" if r else ""))
                continue
            cells.append(
                f"accepts {100 * r.accepted:.0f}% of {r.rounds} answers, linkage unmet {100 * r.unmet:.0f}%, "
                f"median gain − demand {r.median_margin:+.3f}, {r.withdrawals:.2f} withdrawals/run"
            )
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"


# -- the table ----------------------------------------------------------------------------------------

ARROW = {1: "↑", -1: "↓", 0: "none"}


def _num(x: float, kind: str, signed: bool = False) -> str:
    if kind == "share":
        x *= 100.0
        return f"{x:+.1f}" if signed else f"{x:.1f}%"
    return f"{x:+.3g}" if signed else f"{x:.3g}"


def effect_cell(result: LeverResult, reading: Reading) -> str:
    """Per level: the baseline's value, and each other level's paired difference [95% interval]
    (percentage points for shares)."""
    kind = OUTCOMES[reading.expectation.outcome].kind
    parts = []
    for lv, mean, c in zip(result.levels, reading.means, reading.vs_base, strict=True):
        label = lv.level.label.replace(" (base)", "")
        if c is None:
            parts.append(f"**{label}: {_num(mean, kind)}**")
        else:
            mark = "" if c.sign == 0 else "*"
            parts.append(
                f"{label}: {_num(c.mean, kind, True)} [{_num(c.low, kind, True)}, "
                f"{_num(c.high, kind, True)}]{mark}"
            )
    return "<br>".join(parts)


def markdown_table(results: Sequence[LeverResult]) -> str:
    """The table of expected direction against measured effect, one row per (lever, outcome)."""
    head = (
        "| lever (axis) | outcome | expected as the lever rises (why) | "
        "baseline value; paired effect per level vs the baseline [95% CI] | verdict |\n"
        "|---|---|---|---|---|\n"
    )
    rows = []
    for res in results:
        lv = res.lever
        for n, r in enumerate(res.readings):
            o = OUTCOMES[r.expectation.outcome]
            unit = " (pp)" if o.kind == "share" else ""
            name = f"**{lv.name}** ({lv.axis}; `{'`, `'.join(lv.paths)}`)" if n == 0 else "″"
            verdict = r.verdict + (f" ({r.detail})" if r.detail else "")
            rows.append(
                f"| {name} | {o.label}{unit} | {ARROW[r.expectation.direction]} {r.expectation.why} | "
                f"{effect_cell(res, r)} | {verdict} |"
            )
    return head + "\n".join(rows) + "\n"


def surprises(results: Sequence[LeverResult]) -> list[tuple[LeverResult, Reading]]:
    """The readings whose verdict is not a match: opposite, non-monotone, or an unexpected effect."""
    return [
        (res, r)
        for res in results
        for r in res.readings
        if r.verdict in ("opposite", "non-monotone", "effect where none expected")
    ]


def section(results: Sequence[LeverResult], note: str = "") -> str:
    """The generated section: how it was made, the table, and the levers to read by mechanism."""
    runs = results[0].runs if results else 0
    seed = results[0].seed if results else 0
    out = [
        f"*Generated by `scripts/comparative_statics.py` ({runs} runs per level, seed {seed}, common random "
        "numbers: run k is the same named random streams at every level). An effect is the mean paired "
        "difference from the baseline level over those runs, with a 95% normal-approximation interval; "
        "`*` marks an interval that excludes 0. Shares are in percentage points. No correction for "
        "multiple comparisons.*" + (f" {note}" if note else ""),
        "",
        markdown_table(results),
    ]
    odd = surprises(results)
    if odd:
        out.append("Readings to explain by mechanism (how the lever acts in the code):\n")
        for res, r in odd:
            out.append(
                f"- **{res.lever.name}** on *{OUTCOMES[r.expectation.outcome].label}*: {r.verdict}"
                + (f" ({r.detail})" if r.detail else "")
                + (f". Channel: {res.lever.channel}." if res.lever.channel else ".")
            )
            table = diagnosis_table(r)
            if table:
                phase = OUTCOMES[r.expectation.outcome].phase
                runs_d = _diagnosis_runs(r)
                out.append(
                    f"\n  Answers in the {phase} rounds ({runs_d} recorded runs per level, the first of "
                    "the same runs):\n"
                )
                out.append("\n".join("  " + line for line in table.splitlines()))
                out.append("")
        out.append("")
    return "\n".join(out)


def _diagnosis_runs(reading: Reading) -> str:
    return str(reading.diagnosis_runs) if reading.diagnosis_runs else "?"


def replace_section(text: str, body: str) -> str:
    """``text`` with what lies between the statics markers replaced by ``body`` (markers kept).

    Everything outside the markers is left byte for byte; a ValueError if the markers are missing,
    repeated or out of order.
    """
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"expected exactly one {BEGIN} and one {END}")
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END)
    if end < start:
        raise ValueError(f"{END} comes before {BEGIN}")
    return text[:start] + "\n" + body.strip("\n") + "\n" + text[end:]
