"""What an actor perceives, as data: the Observation and the Tabled package a player decides on.

Built from the model's state on demand (only when a player decides), never from the hidden truth:
true violations, other actors' reservations, strategies and trust stay out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sim.model.decisions import Condition, FrontView, Observation, Perception, PhaseState, Tabled

if TYPE_CHECKING:
    from sim.model.ceasefire import CeasefireModel, Track


def observe(m: CeasefireModel, actor: str) -> Observation:
    """The actor's view of the day: the phases, and its own trust, perceptions, costs and pressure."""
    a = m.actors[actor]
    phases = tuple(
        PhaseState(t.spec.title, str(t.status.value), t.expires_day if t.in_force else None) for t in m.tracks
    )
    trust = tuple((m.actors[o].name, v) for o, v in a.trust.items() if o in m.actors)
    today: dict[str, int] = getattr(a, "perceived_today", {})
    yesterday: dict[str, int] = getattr(a, "perceived_yesterday", {})
    grievance: dict[str, float] = getattr(a, "grievance", {})
    tolerance = float(getattr(a, "violation_tolerance", float("nan")))
    by_domain: dict[tuple[str, str], int] = getattr(a, "perceived_in_yesterday", {})
    perceptions = tuple(
        Perception(
            m.actors[o].name,
            yesterday.get(o, 0),
            today.get(o, 0),
            grievance.get(o, 0.0),
            tolerance,
            tuple((d, n) for (x, d), n in sorted(by_domain.items()) if x == o),
        )
        for o in sorted(set(today) | set(yesterday) | set(grievance))
        if o in m.actors
    )
    belligerent = hasattr(a, "cost")
    bf = m.battlefield
    fronts = tuple(
        FrontView(
            m.actors[enemy].name,
            front.held_by(actor),
            bf.strength[actor],
            bf.believed(actor, enemy),
        )
        for (x, y), front in bf.fronts.items()
        if actor in (x, y)
        for enemy in [y if actor == x else x]
    )
    return Observation(
        day=m.day,
        date=m.spec.start_date + dt.timedelta(days=m.day),
        actor=a.name,
        phases=phases,
        trust=trust,
        perceptions=perceptions,
        cost=a.cost if belligerent else None,
        ripeness=a.ripeness if belligerent else None,
        pressure=a.pressure if belligerent else None,
        fronts=fronts,
    )


def tabled(
    m: CeasefireModel,
    track: Track,
    package: dict[str, float],
    kind: str,
    gain: float | None = None,
    unmet: tuple[str, ...] = (),
    countered: dict[str, dict[str, float]] | None = None,
) -> Tabled:
    """A package put to an actor, with what its issues mean; a mediator also sees counters and conditions."""
    spec = track.spec
    conditions = tuple(_condition(m, track, link) for link in spec.linkage) if kind == "table" else ()
    return Tabled(
        phase=spec.title,
        kind=kind,
        package=dict(package),
        labels={k: (m.spec.issues[k].zero, m.spec.issues[k].one) for k in package},
        terms=tuple(spec.terms),
        gain=gain,
        unmet=unmet,
        countered={m.actors[p].name: dict(t) for p, t in (countered or {}).items()},
        conditions=conditions if kind == "table" else (),
    )


def _condition(m: CeasefireModel, track: Track, link) -> Condition:
    """A party's condition as it states it today: the band its concession strategy leaves open."""
    agent = m.actors[link.actor]
    trust = agent.trust_in([p for p in track.spec.parties if p != link.actor])
    low, high = agent.condition(track, link, agent.held(track, trust))
    return Condition(
        agent.name,
        link.issue,
        high if high < 1.0 else None,
        low if low > 0.0 else None,
    )
