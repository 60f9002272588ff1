"""Patterns from the observed record, each a test over one run's outputs (pattern-oriented validation).

Grimm et al. (2005, Science 310:987): a model is credible when it reproduces several independent
observed patterns at once. Each pattern here is derived from dated events of the observed record
(``scenarios/observed/2025.yaml``; the dates it cites are days after the call, day 0 = 18 March 2025)
and is a pure function of one run's row (``runs.csv``) and day columns (``days.parquet``), so it can be
checked on hand-made tables. ``window`` separates the first 30 days (which a calibration may use)
from what comes after (held out for validation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

IN_FORCE = ("in_force", "renewed")
HORIZON = 104
"""30 June 2025: the record's last month covered by several sources."""
PHASES_NEEDED = ("energy_truce", "maritime_truce", "full_ceasefire", "peace_framework")
DAYS_NEEDED = HORIZON + 1
"""A run must last past day 104 for the patterns to be decided."""

Days = Mapping[str, Sequence]


@dataclass(frozen=True)
class Pattern:
    id: str
    text: str
    observed: str
    """What the record shows, with the days of its events."""
    window: str
    """``calibration`` (the first 30 days) or ``validation`` (held out)."""
    test: Callable[[dict, Days], bool]


def _entered(row: dict, phase: str) -> int | None:
    value = row.get(f"{phase}_entered_day")
    return None if value is None or value != value else int(value)  # NaN from a CSV: never


def _status_on(days: Days, phase: str, day: int) -> str | None:
    for d, status in zip(days["day"], days[f"{phase}_status"], strict=True):
        if int(d) == day:
            return str(status)
    return None


def energy_truce_within_a_week(row: dict, days: Days) -> bool:
    e = _entered(row, "energy_truce")
    return e is not None and e <= 7


def violations_claimed_within_a_week(row: dict, days: Days) -> bool:
    e = _entered(row, "energy_truce")
    if e is None:
        return False
    return any(
        e < int(d) <= e + 7 and n > 0
        for d, n in zip(days["day"], days["violations_perceived_energy"], strict=True)
    )


def energy_truce_lapsed_within_35_days(row: dict, days: Days) -> bool:
    """In force, then out of force 35 days after it entered (it lapsed at its term, or collapsed)."""
    e = _entered(row, "energy_truce")
    if e is None:
        return False
    status = _status_on(days, "energy_truce", e + 35)
    return status is not None and status not in IN_FORCE


def no_maritime_truce_within_60_days(row: dict, days: Days) -> bool:
    e = _entered(row, "maritime_truce")
    return e is None or e > 60


def no_full_ceasefire_by_june(row: dict, days: Days) -> bool:
    e = _entered(row, "full_ceasefire")
    return e is None or e > HORIZON


def exchanges_continue(row: dict, days: Days) -> bool:
    return (
        sum(1 for d, n in zip(days["day"], days["exchanges"], strict=True) if int(d) <= HORIZON and n > 0)
        >= 3
    )


def no_peace_framework_by_june(row: dict, days: Days) -> bool:
    e = _entered(row, "peace_framework")
    return e is None or e > HORIZON


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "energy_truce_within_a_week",
        "the energy truce enters into force within a week of the call",
        "ordered by Moscow on day 0, backed by Kyiv on day 1 (18-19 March)",
        "calibration",
        energy_truce_within_a_week,
    ),
    Pattern(
        "violations_claimed_within_a_week",
        "violations of the energy truce are perceived within its first week",
        "both sides accused the other on days 1 and 2 (Slovyansk grid, Kavkazskaya depot, Sudzha)",
        "calibration",
        violations_claimed_within_a_week,
    ),
    Pattern(
        "energy_truce_lapsed_within_35_days",
        "the energy truce is out of force 35 days after it entered (it lapsed or collapsed, not renewed)",
        "in force from day 1, it expired on day 29-31 (16-18 April) with no order to extend it",
        "validation",
        energy_truce_lapsed_within_35_days,
    ),
    Pattern(
        "no_maritime_truce_within_60_days",
        "the Black Sea truce does not enter into force within 60 days",
        "agreed in Riyadh on day 7 subject to sanctions relief; still not in effect on day 32; "
        "no source says it ever took effect",
        "validation",
        no_maritime_truce_within_60_days,
    ),
    Pattern(
        "no_full_ceasefire_by_june",
        "no 30-day full ceasefire enters into force by 30 June (day 104)",
        "rejected on day 0; short unilateral truces only (days 32-34, 51-53); the 12 May deadline passed",
        "validation",
        no_full_ceasefire_by_june,
    ),
    Pattern(
        "exchanges_continue",
        "prisoner exchanges continue while ceasefire talks stall: at least 3 exchange days by day 104",
        "exchanges on days 1, 32, 66-68, 83 and 86 (175, 246, 1,000 each side, then undisclosed)",
        "validation",
        exchanges_continue,
    ),
    Pattern(
        "no_peace_framework_by_june",
        "no peace framework is signed by 30 June (day 104)",
        "Istanbul talks on days 59 and 76 set conditions (withdrawal from four regions); no agreement",
        "validation",
        no_peace_framework_by_june,
    ),
)


def evaluate(row: dict, days: Days) -> dict[str, bool]:
    """Every pattern on one run."""
    return {p.id: bool(p.test(row, days)) for p in PATTERNS}


def nothing_changes(phases: Sequence[str], horizon: int = 180) -> tuple[dict, Days]:
    """The naive baseline "nothing changes": no truce ever enters into force, nothing is perceived,
    only the scheduled exchange of day 1 happens."""
    row = {f"{p}_entered_day": None for p in phases}
    days: dict[str, list] = {"day": list(range(1, horizon + 1))}
    for p in phases:
        days[f"{p}_status"] = ["negotiating"] * horizon
    days["violations_perceived_energy"] = [0] * horizon
    days["exchanges"] = [1] + [0] * (horizon - 1)
    return row, days
