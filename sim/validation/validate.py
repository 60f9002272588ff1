"""Pattern-oriented validation of a scenario against the observed record (docs/validation.md).

``validate(scenario, runs, seed)`` runs an ensemble, evaluates every pattern of
:mod:`sim.validation.patterns` on every run, and sets the shares of runs reproducing each (and all at once)
beside the naive baseline "nothing changes". It also ranks observed quantities within the simulated
distributions (the energy truce's first and last day in force, the violations claimed by day 31),
and sets the capability x salience weighted mean of positions (the naive package benchmark) beside
the model's signed packages. Pure computation: ``sim.jobs.validate`` writes a folder,
``sim.plots.validation`` and ``sim.reports.validation`` draw.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from sim.experiments.engines import blocks, check_engine
from sim.experiments.manifest import scenario_sha256
from sim.model.ceasefire import benchmark_compromise
from sim.scenario.schema import Scenario
from sim.stats import wilson
from sim.validation.patterns import DAYS_NEEDED, PATTERNS, PHASES_NEEDED, evaluate, nothing_changes

OBSERVED_ENERGY_START = 1
"""Day 1 (19 March): both sides had accepted the energy moratorium (Moscow ordered it on day 0)."""
OBSERVED_ENERGY_END = 31
"""Day 31 (18 April): the Kremlin confirmed the moratorium had expired without a new order."""
OBSERVED_CLAIMS_BY_DAY_30 = 80
"""More than 80 Ukrainian strikes on Russian energy sites claimed by Moscow by day 30 (TASS, 17 April;
RT later said more than 120). One side's claims, not verified: compared with the model's perceived
energy violations by both sides, which only makes the comparison easier for the model."""
OBSERVED_EXCHANGE_DAYS = (1, 32, 66, 67, 68, 83, 86)
COIN = 0.25
"""The Brier score of the uninformed forecast "50%" on any pattern."""
"""Days with a prisoner exchange in the record (19 March, 19 April, 23-25 May, 9 and 12 June)."""


class ValidationError(ValueError):
    """The scenario cannot be validated against the record (a phase missing, too short a horizon)."""


def check_validatable(sc: Scenario) -> None:
    missing = [p for p in PHASES_NEEDED if p not in sc.phases]
    if missing:
        raise ValidationError(
            f"{sc.name}: the patterns are about the article's phases; this scenario lacks "
            f"{', '.join(missing)}"
        )
    if "energy" not in sc.domains:
        raise ValidationError(f"{sc.name}: the patterns need the energy domain")
    if sc.horizon_days < DAYS_NEEDED:
        raise ValidationError(
            f"{sc.name}: horizon_days is {sc.horizon_days}; the patterns run to day {DAYS_NEEDED - 1} "
            f"(30 June 2025), so at least {DAYS_NEEDED} days are needed"
        )


@dataclass
class Validation:
    scenario: Scenario
    seed: int
    runs: int
    table: pd.DataFrame
    """One row per run: each pattern reproduced (bool), and the run's observed-quantity values."""
    shares: dict[str, tuple[float, float, float]]
    all_share: tuple[float, float, float]
    held_out_share: tuple[float, float, float]
    """The share of runs reproducing every validation-window pattern at once."""
    naive: dict[str, bool]
    occupancy: pd.DataFrame
    """Per day: the share of runs with each phase in force (a column per phase)."""
    exchanges: pd.DataFrame
    """Per day: quantiles over runs of the cumulative number of exchange days, and the record's."""
    ranks: list[tuple[str, str, str]] = field(default_factory=list)
    """(quantity, observed, where it falls among the runs)."""
    packages: list[tuple[str, float, float | None]] = field(default_factory=list)
    """(issue, naive weighted-mean benchmark, the model's median signed term)."""
    engine: str = "batch"
    """The engine the ensemble ran on."""


def _share(k: int, n: int) -> tuple[float, float, float]:
    lo, hi = wilson(k, n)
    return k / n, lo, hi


def ensemble_runs(
    engine: str, sc: Scenario, runs: int, seed: int, horizon: int | None = None
) -> Iterator[tuple[dict, dict[str, list]]]:
    """Runs 0..runs-1 of ``seed`` on ``engine``, each as its row and its day columns (as a
    ``RunResult``'s ``days``), block by block: the patterns read both."""
    check_engine(engine)
    for block in blocks(engine, sc, runs, seed, horizon, record=True):
        assert block.days is not None
        columns = [c for c in block.days.columns if c not in ("run", "seed", "date")]
        by_run = {
            int(k): {c: group[c].tolist() for c in columns}
            for k, group in block.days.groupby("run", sort=False, observed=True)
        }
        for row in block.rows:
            yield row, by_run[int(row["run"])]


def validate(sc: Scenario, runs: int, seed: int | None = None, engine: str = "batch") -> Validation:
    """Runs 0..runs-1 of ``seed`` (default: the scenario's) on ``engine``, set against the record."""
    check_validatable(sc)
    seed = sc.seed if seed is None else seed
    rows, occupancy, cumulative = [], [], []
    packages: dict[str, list[float]] = {}
    for row, days in ensemble_runs(engine, sc, runs, seed):
        k = int(row["run"])
        hits = evaluate(row, days)
        first_end = None
        e = row["energy_truce_entered_day"]
        if e is not None:
            for d, s in zip(days["day"], days["energy_truce_status"], strict=True):
                if int(d) > e and s not in ("in_force", "renewed"):
                    first_end = int(d)
                    break
        claims = sum(
            n for d, n in zip(days["day"], days["violations_perceived_energy"], strict=True) if int(d) <= 30
        )
        public = _at_day(days, "claims_russia", 30)
        total = 0
        for n in days["exchanges"]:
            total += int(n > 0)
            cumulative.append(total)
        rows.append(
            {
                "run": k,
                **hits,
                "energy_truce_entered_day": e,
                "energy_truce_first_end_day": first_end,
                "perceived_energy_violations_by_day_30": claims,
                "russian_claims_by_day_30": public,
                "outcome": row["outcome"],
            }
        )
        for issue in sc.issues:
            value = row.get(f"package_{issue}")
            if value is not None and value == value:
                packages.setdefault(issue, []).append(float(value))
        for d, *status in zip(days["day"], *(days[f"{p}_status"] for p in sc.phases), strict=True):
            occupancy.append(
                {
                    "day": int(d),
                    **{p: s in ("in_force", "renewed") for p, s in zip(sc.phases, status, strict=True)},
                }
            )
    table = pd.DataFrame(rows)
    n = len(table)
    shares = {p.id: _share(int(table[p.id].sum()), n) for p in PATTERNS}
    all_share = _share(int(table[[p.id for p in PATTERNS]].all(axis=1).sum()), n)
    held = [p.id for p in PATTERNS if p.window == "validation"]
    held_out_share = _share(int(table[held].all(axis=1).sum()), n)
    naive = evaluate(*nothing_changes(list(sc.phases), sc.horizon_days))
    occ = pd.DataFrame(occupancy).groupby("day").mean().reset_index()
    horizon = len(cumulative) // n
    per_day = pd.DataFrame({"day": list(range(1, horizon + 1)) * n, "cumulative": cumulative})
    q = per_day.groupby("day")["cumulative"].quantile([0.1, 0.5, 0.9]).unstack()  # type: ignore[arg-type]
    q.columns = ["p10", "median", "p90"]
    q["observed"] = [sum(1 for x in OBSERVED_EXCHANGE_DAYS if x <= d) for d in q.index]
    bench = benchmark_compromise(sc)
    package_terms = [
        (issue, bench[issue], statistics.median(values) if values else None)
        for issue, values in packages.items()
        if issue in bench and issue not in sc.phases
    ]
    return Validation(
        sc,
        seed,
        n,
        table,
        shares,
        all_share,
        held_out_share,
        naive,
        occupancy=occ,
        exchanges=q.reset_index(),
        ranks=_ranks(table),
        packages=package_terms,
        engine=engine,
    )


def _at_day(days, column: str, day: int) -> float:
    """A cumulative day column's value on ``day`` (NaN if the run has no such column)."""
    if column not in days:
        return float("nan")
    value = 0.0
    for d, x in zip(days["day"], days[column], strict=True):
        if int(d) > day:
            break
        value = float(x)
    return value


def brier(v: Validation) -> dict[str, tuple[float, float]]:
    """Per pattern: (the model's Brier score, that of "nothing changes").

    The model's forecast that the pattern occurs is the share of runs reproducing it; the record
    shows every pattern (they are drawn from it), so the score is (1 - share)^2: 0 is a certain
    and right forecast, 0.25 a coin (``COIN``), 1 certain and wrong (Brier 1950). "Nothing changes"
    forecasts 0 or 1, so it scores 0 or 1.
    """
    return {p.id: ((1.0 - v.shares[p.id][0]) ** 2, 0.0 if v.naive[p.id] else 1.0) for p in PATTERNS}


def against_naive(v: Validation) -> tuple[list[str], list[str]]:
    """(patterns the model forecasts better than "nothing changes", patterns it forecasts worse), by Brier."""
    scores = brier(v)
    better = [k for k, (model, naive) in scores.items() if model < naive]
    worse = [k for k, (model, naive) in scores.items() if model > naive]
    return better, worse


def naive_as_good(v: Validation) -> list[str]:
    """Patterns where 'nothing changes' does as well as the model or better: it reproduces them
    always (it is one deterministic course), the model in at most all of its runs."""
    return [p.id for p in PATTERNS if v.naive[p.id]]


def summary(v: Validation) -> dict:
    """A validation as JSON-ready data (validation.json): shares, the naive baseline, ranks, packages."""
    return {
        "scenario": v.scenario.name,
        "scenario_sha256": scenario_sha256(v.scenario),
        "seed": v.seed,
        "runs": v.runs,
        "engine": v.engine,
        "patterns": {p.id: {"text": p.text, "window": p.window, "share": v.shares[p.id]} for p in PATTERNS},
        "all_at_once": v.all_share,
        "held_out_at_once": v.held_out_share,
        "nothing_changes": v.naive,
        "naive_as_good_or_better_on": naive_as_good(v),
        "brier": {k: {"model": m, "nothing_changes": n, "coin": COIN} for k, (m, n) in brier(v).items()},
        "beats_nothing_changes_on": against_naive(v)[0],
        "loses_to_nothing_changes_on": against_naive(v)[1],
        "ranks": v.ranks,
        "packages": v.packages,
        "packages_note": "issue, naive capability x salience weighted mean, the model's median signed term",
    }


def _ranks(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    n = len(table)
    entered = table["energy_truce_entered_day"].dropna()
    ends = table["energy_truce_first_end_day"].dropna()
    claims = table["perceived_energy_violations_by_day_30"]
    public = table["russian_claims_by_day_30"].dropna() if "russian_claims_by_day_30" in table else None
    out = []
    if len(entered):
        le = (entered <= OBSERVED_ENERGY_START).sum() / n
        out.append(
            (
                "energy truce first in force",
                f"day {OBSERVED_ENERGY_START}",
                f"{le:.0%} of runs had it in force by then "
                f"(median day {entered.median():g} where it entered)",
            )
        )
    out.append(
        (
            "energy truce first out of force",
            f"day {OBSERVED_ENERGY_END} (expired)",
            f"{(ends <= OBSERVED_ENERGY_END).sum() / n:.0%} of runs saw it end by then"
            + (
                f" (median day {ends.median():g} where it ended)"
                if len(ends)
                else "; it never ended in any run"
            ),
        )
    )
    out.append(
        (
            "energy violations perceived by day 30",
            f"more than {OBSERVED_CLAIMS_BY_DAY_30} claimed by Moscow alone",
            f"{(claims > OBSERVED_CLAIMS_BY_DAY_30).mean():.0%} of runs perceive as many, both sides "
            f"together (median {claims.median():g})",
        )
    )
    if public is not None and len(public):
        out.append(
            (
                "Russian public claims of energy violations by day 30",
                f"more than {OBSERVED_CLAIMS_BY_DAY_30} (TASS, 17 April)",
                f"{(public > OBSERVED_CLAIMS_BY_DAY_30).mean():.0%} of runs have Russia claim as many "
                f"(median {public.median():g}); claims are public accusations, apart from perception",
            )
        )
    return out


CALIBRATION_GRID: dict[str, list[float]] = {
    "monitoring.false_alarm_rate": [0.15, 0.3, 0.5],
    "dynamics.acceptance_noise": [0.0005, 0.001, 0.002],
}
"""Assumptions the article does not fix, tried against the record's first 30 days."""


def calibrate(
    path, runs: int, seed: int, grid: dict[str, list[float]] | None = None, engine: str = "batch"
) -> pd.DataFrame:
    """Each grid point's share of runs reproducing every calibration-window pattern (days 0-30).

    Only the first 30 days are used: the held-out patterns are left for :func:`validate`, so the
    calibrated scenario's fit on them is a test, not a fit.
    """
    import itertools

    from sim.scenario.loader import load_scenario
    from sim.scenario.paths import value_at

    grid = grid or CALIBRATION_GRID
    early = [p for p in PATTERNS if p.window == "calibration"]
    rows = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values, strict=True))
        sc = load_scenario(path, list(point.items()))
        hits = 0
        for row, days in ensemble_runs(engine, sc, runs, seed, horizon=31):
            hits += all(p.test(row, days) for p in early)
        share, lo, hi = _share(hits, runs)
        rows.append({**point, "share_calibration_patterns": share, "low": lo, "high": hi})
    table = pd.DataFrame(rows)
    own = load_scenario(path)
    # ties go to the point nearest the scenario's own values: a tie is no evidence for moving them
    table["_distance"] = sum(
        (table[k] - value_at(own, k)).abs() / (max(v) - min(v) or 1.0) for k, v in grid.items()
    )
    table = table.sort_values(
        ["share_calibration_patterns", "_distance"], ascending=[False, True], kind="stable"
    )
    return table.drop(columns="_distance")
