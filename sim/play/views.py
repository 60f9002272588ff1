"""A decision in words: what a person sees before answering in an actor's place.

Renders the model's structured :class:`~sim.model.decisions.Decision` and
:class:`~sim.model.decisions.Observation` (the public state and the actor's own private state,
never the hidden truth). Text from the scenario file is made safe to print (``sim.text``).
"""

from __future__ import annotations

from sim.model.decisions import (
    POINTS,
    Condition,
    Decision,
    FrontView,
    LeverChoice,
    Observation,
    StrikeChoice,
    Tabled,
    WithdrawalChoice,
)
from sim.text import neutral

STATUS = {
    "not_started": "not started",
    "negotiating": "under negotiation",
    "in_force": "in force",
    "renewed": "in force (renewed)",
    "expired": "expired",
    "collapsed": "collapsed",
    "rejected": "talks abandoned",
}


def observation_lines(o: Observation) -> list[str]:
    """The actor's view of the day: the phases, and its own trust, perceptions, costs and pressure."""
    lines = [f"Day {o.day} ({o.date:%d %B %Y}). You are {neutral(o.actor)}."]
    for phase in o.phases:
        status = STATUS.get(phase.status, phase.status)
        if phase.expires_day is not None:
            status += f", until day {phase.expires_day}"
        lines.append(f"  {neutral(phase.title)}: {status}")
    if o.trust:
        trust = ", ".join(f"{neutral(name)} {v:.2f}" for name, v in o.trust)
        lines.append(f"Your trust (0 none, 1 full): {trust}")
    for p in o.perceptions:
        lines.append(
            f"Violations by {neutral(p.other)} you perceived: {p.yesterday} yesterday, "
            f"{p.today} so far today; your grievance {p.grievance:.2f} (you withdraw above {p.tolerance:g})"
        )
    if o.cost is not None:
        lines.append(
            f"Your cost of war so far: {o.cost:.1f}; ripeness {o.ripeness:.2f}; "
            f"pressure on you {o.pressure:.2f}"
        )
    lines += front_lines(o.fronts)
    return lines


def front_lines(fronts: tuple[FrontView, ...]) -> list[str]:
    """The war as the actor sees it: the map (public), its own strength, its belief about its odds."""
    return [
        f"The front with {neutral(f.enemy)}: you hold {f.held:.0%} of the contested zone; your strength "
        f"{f.strength:.2f}; you believe you win {f.believed_odds:.0%} of the days of fighting"
        for f in fronts
    ]


def tabled_lines(t: Tabled) -> list[str]:
    """A tabled package in words, with its value to the actor by its own positions and priorities."""
    what = "renew" if t.kind == "renewal" else "agree to"
    lines = [f"Tabled: {what} the {neutral(t.phase)}, with these terms (0 to 1):"]
    for issue, value in t.package.items():
        zero, one = t.labels[issue]
        lines.append(f"  {issue} = {value:.2f}   (0: {neutral(zero)}; 1: {neutral(one)})")
    if t.gain is not None and t.kind == "renewal":
        lines.append(
            f"Its value to you as it delivered so far, against fighting on: {POINTS * t.gain:+.1f} points "
            "(above 0: worth more than the war it pauses, as you see it; points as on your role card, "
            "valued today)"
        )
    elif t.gain is not None:
        lines.append(
            f"Its value to you, by your positions and priorities and against fighting on: "
            f"{POINTS * t.gain:+.1f} points (above 0: better than no deal, as you see the war today; "
            "your role card's sheet values day 0)"
        )
    for issue in t.unmet:
        lines.append(f"Your condition on {issue} is not met.")
    for party, terms in t.countered.items():  # a mediator sees the counters it has met halfway
        asked = ", ".join(f"{k}={v:g}" for k, v in terms.items())
        lines.append(f"{neutral(party)} countered: {asked} (met halfway above)")
    if t.kind == "table":
        for c in t.conditions:  # the parties' stated conditions (P10), public
            lines.append(f"{neutral(c.actor)}'s condition: {c.issue} {condition_band(c)}")
        lines.append(f"Set terms with: table ISSUE=V ... ({', '.join(t.terms)}), or table as shown")
    elif t.terms and t.kind == "round":
        lines.append(f"You may counter on: {', '.join(t.terms)} (counter ISSUE=V ...)")
    return lines


def condition_band(c: Condition) -> str:
    """A stated condition as it stands today: a bound, or none left (it has conceded all of it)."""
    if c.at_most is not None and c.at_least is not None:
        return f"between {c.at_least:g} and {c.at_most:g}"
    if c.at_most is not None:
        return f"at most {c.at_most:g}"
    if c.at_least is not None:
        return f"at least {c.at_least:g}"
    return "any level (conceded for now)"


def about_lines(d: Decision) -> list[str]:
    """What the decision is about, as a question."""
    a = d.about
    if isinstance(a, Tabled):
        return tabled_lines(a)
    if isinstance(a, StrikeChoice):
        return [f"The {neutral(a.truce)} covers {a.domain}: keep it toward {neutral(a.enemy)}, or strike?"]
    if isinstance(a, WithdrawalChoice):
        return [
            f"You perceive violations by {neutral(a.culprit)} beyond your tolerance "
            f"(grievance {a.grievance:.2f} > {a.tolerance:g}): withdraw from the {neutral(a.truce)}, or stay?"
        ]
    if isinstance(a, LeverChoice):
        return [
            f"{neutral(a.target)} refused the {neutral(a.truce)}. Your lever ({a.kind}, strength "
            f"{a.strength:g}): apply it now, or hold it?"
        ]
    return []


def describe(d: Decision) -> list[str]:
    """Everything a person sees before answering: the actor's view, then the question."""
    return observation_lines(d.observe()) + about_lines(d)
