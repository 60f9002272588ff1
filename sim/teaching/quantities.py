"""What an exercise's findings are made of: measures of an ensemble, with 95% intervals.

A measure is named ``KIND.ARG`` (``reached.full_ceasefire``, ``mean.violations_undetected``) and
computed from the runs' rows (``sim.model.results.run_row``), so a finding an instructor reads is always
what the current model gives. Pure functions; no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy import stats

from sim.model.results import NO_TRUCE
from sim.stats import wilson

KINDS: dict[str, str] = {
    "outcome": "share of runs ending in outcome ARG (or, with no ARG, the most common outcome)",
    "reached": "share of runs in which phase ARG entered into force at some point",
    "entry": "median day on which phase ARG first entered into force (runs where it did)",
    "in_force": "mean days phase ARG was in force per run",
    "mean": "mean over runs of the run column ARG (e.g. violations_undetected)",
    "median": "median over runs of the run column ARG",
}
"""The measures a template may name, and what they are (shown in errors and docs)."""


@dataclass(frozen=True)
class Quantity:
    """A measured value with what is needed to print it, compare it and place a guess within it."""

    kind: str
    """``share`` (0-1), ``day`` (a day of the run), ``number`` or ``label`` (an outcome)."""
    value: float | str | None
    """None when no run had a value (a phase never entered, a package never signed)."""
    low: float | None = None
    high: float | None = None
    """The 95% interval; None when there are too few runs for one."""
    runs: int = 0
    count: int | None = None
    """For shares: the runs counted."""
    samples: tuple = field(default=(), repr=False)
    """Per-run values behind it (days, numbers, outcomes), for comparisons and placement."""
    start_date: dt.date | None = None


@dataclass(frozen=True)
class Measure:
    """``KIND.ARG`` parsed: e.g. ``Measure("reached", "full_ceasefire")``; ``outcome`` may lack ARG."""

    kind: str
    arg: str | None

    def __str__(self) -> str:
        return f"{self.kind}.{self.arg}" if self.arg else self.kind


def parse_measure(text: str) -> Measure:
    kind, _, arg = text.partition(".")
    if kind not in KINDS:
        raise ValueError(f"unknown measure {text!r} (measures: {', '.join(f'{k}.ARG' for k in KINDS)})")
    if not arg and kind != "outcome":
        raise ValueError(f"measure {kind!r} needs an argument: {kind}.ARG, ARG being {_arg_kind(kind)}")
    return Measure(kind, arg or None)


def _arg_kind(kind: str) -> str:
    return {"reached": "a phase", "entry": "a phase", "in_force": "a phase", "outcome": "an outcome"}.get(
        kind, "a column of runs.csv"
    )


def check_measure(m: Measure, phases: Sequence[str], outcomes: Sequence[str], columns: Sequence[str]) -> None:
    """A ValueError if the measure names a phase, outcome or column the scenario's runs lack."""
    if m.kind in ("reached", "entry", "in_force") and m.arg not in phases:
        raise ValueError(f"{m}: no phase {m.arg!r} (phases: {', '.join(phases)})")
    if m.kind == "outcome" and m.arg is not None and m.arg not in [NO_TRUCE, *outcomes]:
        raise ValueError(f"{m}: no outcome {m.arg!r} (outcomes: {', '.join([NO_TRUCE, *outcomes])})")
    if m.kind in ("mean", "median"):
        numeric = [c for c in columns if c not in _TEXT_COLUMNS and not c.endswith("_final_status")]
        if m.arg not in numeric:
            raise ValueError(f"{m}: no numeric run column {m.arg!r} (there are: {', '.join(numeric)})")


_TEXT_COLUMNS = {"outcome", "furthest_phase"}


def measure(rows: Sequence[dict], m: Measure, outcomes: Sequence[str], start: dt.date) -> Quantity:
    """The measure over the runs' rows (``outcomes`` orders ties, least far-reaching first)."""
    n = len(rows)
    if m.kind == "outcome" and m.arg is None:
        ends = [r["outcome"] for r in rows]
        order = {o: i for i, o in enumerate([NO_TRUCE, *outcomes])}
        counts = Counter(ends)
        top = max(counts, key=lambda o: (counts[o], -order.get(o, len(order))))
        return Quantity("label", top, runs=n, count=counts[top], samples=tuple(ends))
    if m.kind in ("outcome", "reached"):
        hits = [
            (r["outcome"] == m.arg) if m.kind == "outcome" else (r[f"{m.arg}_entered_day"] is not None)
            for r in rows
        ]
        k = sum(hits)
        low, high = wilson(k, n)
        return Quantity("share", k / n, low, high, n, k, tuple(float(h) for h in hits))
    if m.kind == "entry":
        entered = [r[f"{m.arg}_entered_day"] for r in rows]
        days = sorted(float(d) for d in entered if d is not None)
        every = tuple(math.inf if d is None else float(d) for d in entered)  # never entered: inf
        if not days:
            return Quantity("day", None, runs=n, count=0, samples=every, start_date=start)
        low, high = median_interval(days)
        return Quantity("day", statistics.median(days), low, high, n, len(days), every, start)
    column = f"{m.arg}_days_in_force" if m.kind == "in_force" else m.arg
    values = [float(r[column]) for r in rows if r[column] is not None and not _nan(r[column])]
    if not values:
        return Quantity("number", None, runs=n, count=0)
    if m.kind == "median":
        low, high = median_interval(sorted(values))
        return Quantity("number", statistics.median(values), low, high, n, len(values), tuple(values))
    low, high = mean_interval(values)
    return Quantity("number", statistics.fmean(values), low, high, n, len(values), tuple(values))


def _nan(x: object) -> bool:
    return isinstance(x, float) and math.isnan(x)


def mean_interval(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Student's t 95% interval of a mean; none from a single value."""
    n = len(values)
    if n < 2:
        return None, None
    mean = statistics.fmean(values)
    half = float(stats.t.ppf(0.975, n - 1)) * statistics.stdev(values) / math.sqrt(n)
    return mean - half, mean + half


def median_interval(sorted_values: Sequence[float]) -> tuple[float | None, float | None]:
    """A distribution-free interval of a median with at least 95% coverage, from order statistics.

    The ranks j and n + 1 - j are the widest with P(Binomial(n, 1/2) < j) <= 2.5%, so the interval
    [x_(j), x_(n+1-j)] covers the median with probability 1 - 2·P(B < j) >= 95% for any continuous
    distribution. Fewer than 6 values give no such interval (None).
    """
    n = len(sorted_values)
    j = int(stats.binom.ppf(0.025, n, 0.5))  # smallest k with P(B <= k) >= 2.5%: P(B < j) < 2.5%
    if j < 1:
        return None, None
    return sorted_values[j - 1], sorted_values[n - j]


def difference(a: Quantity, b: Quantity) -> tuple[float, float, float] | None:
    """``a - b`` and its 95% interval, or None where it is undefined (a label, a phase never entered).

    Shares: Newcombe's hybrid score interval (1998, method 10) from the two Wilson intervals; means
    and medians: a normal interval from each side's own interval (an approximation for medians).
    """
    if a.kind != b.kind or a.kind == "label" or a.value is None or b.value is None:
        return None
    if None in (a.low, a.high, b.low, b.high):  # too few runs on a side for an interval
        return None
    d = float(a.value) - float(b.value)
    if a.kind == "share":
        lo = d - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
        hi = d + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
        return d, lo, hi
    half = math.hypot((a.high - a.low) / 2, (b.high - b.low) / 2)
    return d, d - half, d + half


def direction(a: Quantity, b: Quantity) -> int | None:
    """+1 if ``a`` is clearly higher than ``b`` (the 95% interval of the difference excludes 0), -1 if
    clearly lower, 0 if not clearly different, None if they cannot be compared."""
    diff = difference(a, b)
    if diff is None:
        return None
    _, lo, hi = diff
    return 1 if lo > 0 else -1 if hi < 0 else 0


def share_below(value: float, samples: Sequence[float]) -> tuple[float, float]:
    """The shares of ``samples`` strictly below ``value`` and equal to it."""
    if not samples:
        return math.nan, math.nan
    below = sum(1 for s in samples if s < value)
    equal = sum(1 for s in samples if s == value)
    return below / len(samples), equal / len(samples)
