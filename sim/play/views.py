"""What an actor perceives, in words: the view a player decides on (never the hidden truth).

A player sees the public state (each phase's status, the packages tabled to it) and its own actor's
private state (trust, the violations it perceived, its grievance, costs, pressure), but not the true
violations, nor the other actors' reservations, strategies or trust.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.ceasefire import CeasefireModel, Track

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
    today = getattr(a, "perceived_today", {})
    yesterday = getattr(a, "perceived_yesterday", {})
    grievance = getattr(a, "grievance", {})
    for other in sorted(set(today) | set(yesterday) | set(grievance)):
        if other in m.actors:
            lines.append(
                f"Violations by {m.actors[other].name} you perceived: {yesterday.get(other, 0)} yesterday, "
                f"{today.get(other, 0)} so far today; your grievance {grievance.get(other, 0.0):.2f} "
                f"(you withdraw above {getattr(a, 'violation_tolerance', float('nan')):g})"
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
    countered: dict[str, dict[str, float]] | None = None,
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
    for party, terms in (countered or {}).items():  # a mediator sees the counters it has met halfway
        asked = ", ".join(f"{k}={v:g}" for k, v in terms.items())
        lines.append(f"{m.actors[party].name} countered: {asked} (met halfway above)")
    if countered is not None:
        for link in track.spec.linkage:  # the parties' stated conditions (P10), public
            bound = f"at most {link.at_most.value:g}" if link.at_most else f"at least {link.at_least.value:g}"
            lines.append(f"{m.actors[link.actor].name}'s condition: {link.issue} {bound}")
        lines.append(f"Set terms with: table ISSUE=V ... ({', '.join(track.spec.terms)}), or table as shown")
    elif track.spec.terms and kind == "round":
        lines.append(f"You may counter on: {', '.join(track.spec.terms)} (counter ISSUE=V ...)")
    return lines
