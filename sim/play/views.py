"""What an actor perceives, in words: the view a player decides on (never the hidden truth).

A player sees the public state (each phase's status, the packages tabled to it) and its own actor's
private state (trust, the violations it perceived, its grievance, costs, pressure), but not the true
violations, nor the other actors' reservations, strategies or trust.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model import CeasefireModel, Track

STATUS = {
    "not_started": "not started",
    "negotiating": "under negotiation",
    "in_force": "in force",
    "renewed": "in force (renewed)",
    "expired": "expired",
    "collapsed": "collapsed",
    "rejected": "talks abandoned",
}


def perceived(m: CeasefireModel, actor: str) -> list[str]:
    """The actor's view of the day: the phases, and its own trust, perceptions, costs and pressure."""
    a = m.actors[actor]
    date = m.spec.start_date + dt.timedelta(days=m.day)
    lines = [f"Day {m.day} ({date:%d %B %Y}). You are {a.name}."]
    for t in m.tracks:
        status = STATUS.get(str(t.status.value), str(t.status.value))
        if t.in_force and t.expires_day is not None:
            status += f", until day {t.expires_day}"
        lines.append(f"  {t.spec.title}: {status}")
    trust = ", ".join(f"{m.actors[o].name} {v:.2f}" for o, v in a.trust.items() if o in m.actors)
    if trust:
        lines.append(f"Your trust (0 none, 1 full): {trust}")
    seen = getattr(a, "perceived_today", {})
    grievance = getattr(a, "grievance", {})
    for other in sorted(set(seen) | set(grievance)):
        if other in m.actors:
            lines.append(
                f"Violations by {m.actors[other].name} you perceived today: {seen.get(other, 0)}; "
                f"your grievance {grievance.get(other, 0.0):.2f} (you withdraw above "
                f"{getattr(a, 'violation_tolerance', float('nan')):g})"
            )
    if hasattr(a, "cost"):
        lines.append(
            f"Your cost of war so far: {a.cost:.1f}; ripeness {a.ripeness:.2f}; "
            f"pressure on you {a.pressure:.2f}"
        )
    return lines


def package_lines(
    m: CeasefireModel,
    actor: str,
    track: Track,
    package: dict[str, float],
    gain: float | None = None,
    unmet: list | tuple = (),
    kind: str = "round",
) -> list[str]:
    """A tabled package in words, with its value to the actor by its own positions and priorities."""
    what = "renew" if kind == "renewal" else "agree to"
    lines = [f"Tabled: {what} the {track.spec.title}, with these terms (0 to 1):"]
    for issue, value in package.items():
        i = m.spec.issues[issue]
        lines.append(f"  {issue} = {value:.2f}   (0: {i.zero}; 1: {i.one})")
    if gain is not None:
        lines.append(
            f"Its value to you, by your positions and priorities: {gain:+.2f} (above 0: better than no deal)"
        )
    for link in unmet:
        lines.append(f"Your condition on {link.issue} is not met.")
    if track.spec.terms:
        lines.append(f"You may counter on: {', '.join(track.spec.terms)} (counter ISSUE=V ...)")
    return lines
