"""Results as plain data, and the pure functions that summarise them.

A run returns a :class:`RunResult` (per-day columns, decision events, per-phase summaries); the
command line, the sweeps and the tests share the functions below to turn runs into rows and an
ensemble into its summary. Nothing here draws, plots or writes files.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

NO_TRUCE = "no_truce"

EVENT_FIELDS = (
    "day",
    "actor",
    "phase",
    "event",
    "p",
    "utility",
    "reservation",
    "trust",
    "ripeness",
    "pressure",
    "grievance",
    "score",
    "detail",
)
"""Columns of a decision event: what was decided, by whom, and the numbers behind it."""


COUNTED = (
    "strikes",
    "violations_true",
    "violations_detected",
    "false_accusations",
    "disputed_incidents",
    "misattributed",
    "claims",
    "front_days",
    "stalemate_days",
    "signed",
    "signed_against_interest",
    "renewed",
    "renewed_against_interest",
    "signed_on_pressure",
    "renewed_on_pressure",
)
"""A run's totals counted day by day (by either engine), beside its number of days."""

AVERAGED = (
    "violations_true",
    "violations_detected",
    "violations_undetected",
    "false_accusations",
    "violations_perceived",
    "prisoners_exchanged",
    "wounded_handed_over",
)
"""Columns of runs.csv the ensemble summary gives a mean and a median of."""


def day_columns(
    phases: Sequence[str],
    domains: Sequence[str],
    fronts: Sequence[tuple[str, str]],
    enemies: dict[str, list[str]],
) -> list[str]:
    """The columns of days.parquet, in order (both engines record these): ``enemies`` maps each
    belligerent, in scenario order, to the enemies it fights."""
    cols = ["day", *(f"{p}_status" for p in phases)]
    cols += ["strikes", "violations_true", "violations_detected", "false_accusations", "violations_perceived"]
    for d in domains:
        cols += [f"violations_true_{d}", f"violations_perceived_{d}"]
    cols += [
        "disputed_incidents",
        "misattributed",
        "claims",
        "exchanges",
        "prisoners_exchanged",
        "wounded_handed_over",
        "stalemate",
    ]
    cols += [f"territory_{a}_{b}" for a, b in fronts]
    for b, foes in enemies.items():
        cols += [f"trust_{b}_{o}" for o in foes]
        cols += [f"belief_{b}_{o}" for o in foes]
        cols += [
            f"{k}_{b}"
            for k in (
                "cost",
                "ripeness",
                "pressure",
                "demand",
                "prisoners_held",
                "strength",
                "aid_received",
                "claims",
            )
        ]
    return cols


@dataclass
class RunResult:
    """One run: per-day columns, decision events and what each phase did."""

    scenario: str
    run: int
    seed: int
    start_date: dt.date
    days: dict[str, list]
    events: list[tuple]
    phases: dict[str, dict]
    outcome_labels: dict[str, str]
    issues: list[str]
    totals: dict[str, int]
    final: dict[str, float]


def outcome(result: RunResult) -> str:
    """What holds on the last day: the outcome label of the furthest phase in force, or no truce."""
    in_force = [
        (info["rank"], p) for p, info in result.phases.items() if info["status"] in ("in_force", "renewed")
    ]
    return result.outcome_labels[max(in_force)[1]] if in_force else NO_TRUCE


def furthest_phase(result: RunResult) -> str:
    """The furthest phase (by outcome precedence, then file order) that ever entered force, or ``none``."""
    reached = [(info["rank"], p) for p, info in result.phases.items() if info["entered_day"] is not None]
    return max(reached)[1] if reached else "none"


def final_package(result: RunResult) -> dict[str, float]:
    """The package of the furthest phase that was signed (entered into force), or empty."""
    phase = furthest_phase(result)
    return dict(result.phases[phase]["package"] or {}) if phase in result.phases else {}


def run_row(result: RunResult) -> dict:
    """One row of ``runs.csv``: the run's outcome, phases, violations and exchanges."""
    t = result.totals
    row: dict = {
        "run": result.run,
        "seed": result.seed,
        "outcome": outcome(result),
        "furthest_phase": furthest_phase(result),
    }
    for p, info in result.phases.items():
        row[f"{p}_entered_day"] = info["entered_day"]
        row[f"{p}_days_in_force"] = info["days_in_force"]
        row[f"{p}_final_status"] = info["status"]
    true, detected, false = t["violations_true"], t["violations_detected"], t["false_accusations"]
    row.update(
        violations_true=true,
        violations_detected=detected,
        violations_undetected=true - detected,
        false_accusations=false,
        violations_perceived=detected + false,
        strikes=t["strikes"],
        disputed_incidents=t.get("disputed_incidents", 0),
        misattributed=t.get("misattributed", 0),
        claims=t.get("claims", 0),
        front_days=t.get("front_days", 0),
        stalemate_days=t.get("stalemate_days", 0),
        signed=t.get("signed", 0),
        signed_against_interest=t.get("signed_against_interest", 0),
        renewed=t.get("renewed", 0),
        renewed_against_interest=t.get("renewed_against_interest", 0),
        signed_on_pressure=t.get("signed_on_pressure", 0),
        renewed_on_pressure=t.get("renewed_on_pressure", 0),
        prisoners_exchanged=t["prisoners_exchanged"],
        wounded_handed_over=t["wounded_handed_over"],
        days=t["days"],
    )
    signed = final_package(result)
    for issue in result.issues:
        row[f"package_{issue}"] = signed.get(issue, math.nan)
    for key, value in result.final.items():
        row[f"final_{key}"] = value
    return row


def summarise(
    rows: Sequence[dict], phases: Sequence[str], outcomes: Sequence[str], scenario: str, seed: int
) -> dict:
    """The ensemble's aggregate: outcome shares, phase-reached shares, median entry days, totals."""
    n = len(rows)
    counts = Counter(r["outcome"] for r in rows)
    labels = list(dict.fromkeys([*outcomes, NO_TRUCE, *counts]))
    summary: dict = {
        "scenario": scenario,
        "runs": n,
        "seed": seed,
        "outcome_shares": {o: counts.get(o, 0) / n for o in labels},
        "phase_reached_share": {},
        "median_entered_day": {},
        "mean_days_in_force": {},
    }
    for p in phases:
        entered = [r[f"{p}_entered_day"] for r in rows if r[f"{p}_entered_day"] is not None]
        summary["phase_reached_share"][p] = len(entered) / n
        summary["median_entered_day"][p] = float(statistics.median(entered)) if entered else None
        summary["mean_days_in_force"][p] = statistics.fmean(r[f"{p}_days_in_force"] for r in rows)
    signed = sum(r.get("signed", 0) + r.get("renewed", 0) for r in rows)
    against = sum(r.get("signed_against_interest", 0) + r.get("renewed_against_interest", 0) for r in rows)
    summary["agreements_signed"] = signed
    summary["agreements_against_interest"] = against
    summary["share_signed_against_interest"] = against / signed if signed else 0.0
    """Agreements (signings and renewals) where a party's own gain was negative: the model's
    honesty check (issue 13 asks for under 5% in the article-only baseline)."""
    pressed = sum(r.get("signed_on_pressure", 0) + r.get("renewed_on_pressure", 0) for r in rows)
    summary["agreements_on_pressure"] = pressed
    summary["share_on_pressure"] = pressed / signed if signed else 0.0
    """Agreements where a party's gain was negative without the mediators' pressure (their
    inducements and threats, S8), those below zero even with it included: how far the deals rest on
    the levers, taken at face value."""
    for col in AVERAGED:
        values = [r[col] for r in rows]
        summary[f"mean_{col}"] = statistics.fmean(values)
        summary[f"median_{col}"] = statistics.median(values)
    return summary
