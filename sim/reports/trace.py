"""A run as a readable day-by-day trace: phase changes and every decision except routine compliance.

The golden trace of the baseline (tests/golden/) is this text for one seed: an intended change to the
model shows up as a diff to review, an unintended one fails the test.
"""

from __future__ import annotations

import datetime as dt
import math

from sim.model.results import EVENT_FIELDS, RunResult, outcome

NUMBERS = ("p", "utility", "reservation", "trust", "ripeness", "pressure", "grievance", "score")


def trace(result: RunResult) -> str:
    """Lines of ``day date  actor  phase  event  numbers  detail``, and the run's outcome."""
    lines = [
        f"# {result.scenario}: seed {result.seed}, run {result.run}, "
        f"{len(result.days['day'])} days from {result.start_date}"
    ]
    index = {name: i for i, name in enumerate(EVENT_FIELDS)}
    for event in result.events:
        if event[index["event"]] == "comply":
            continue
        day = event[index["day"]]
        date = result.start_date + dt.timedelta(days=day)
        numbers = " ".join(f"{n}={event[index[n]]:.3f}" for n in NUMBERS if not math.isnan(event[index[n]]))
        fields = [
            f"{day:3d} {date}",
            event[index["actor"]] or "-",
            event[index["phase"]] or "-",
            event[index["event"]],
            numbers,
            event[index["detail"]],
        ]
        lines.append("  ".join(f for f in fields if f).rstrip())
    lines.append(f"# outcome: {outcome(result)}")
    return "\n".join(lines) + "\n"
