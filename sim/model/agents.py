"""The actors as mesa agents. They hold their own state and apply the pure rules of ``sim.model.rules``.

An agent reads only its own view of the world (what it perceives, its own trust and grievance);
the model keeps the truth. Belligerents fight, comply or violate, and accept or reject packages;
mediators table packages and apply leverage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import rules
from sim.model.decisions import Answer, LeverChoice, StrikeChoice
from sim.model.observation import tabled
from sim.model.strategies import STRATEGIES
from sim.scenario.schema import Actor as ActorSpec

if TYPE_CHECKING:
    from sim.model.ceasefire import CeasefireModel, Track


class Actor(mesa.Agent):
    """What every actor has: positions, salience, capability, trust and the pressure it is under."""

    model: CeasefireModel

    def __init__(self, model: CeasefireModel, actor_id: str, spec: ActorSpec) -> None:
        super().__init__(model)
        self.actor_id = actor_id
        self.name = spec.name
        self.capability = spec.capability.value
        self.position = {k: v.value for k, v in spec.positions.items()}
        self.salience = {k: spec.salience[k].value if k in spec.salience else 0.0 for k in spec.positions}
        self.initial_trust = {k: v.value for k, v in spec.trust.items()}
        self.trust = dict(self.initial_trust)
        self.pressure = 0.0

    def trust_in(self, others: list[str]) -> float:
        """Mean trust in the other actors named (0.5, agnostic, for an actor it has no view of)."""
        if not others:
            return 1.0
        return sum(self.trust.get(o, 0.5) for o in others) / len(others)


class Belligerent(Actor):
    """A party to the war: it strikes or complies, perceives violations and accepts or rejects."""

    def __init__(
        self, model: CeasefireModel, actor_id: str, spec: ActorSpec, rng: np.random.Generator
    ) -> None:
        super().__init__(model, actor_id, spec)
        assert spec.concession and spec.compliance and spec.violation_tolerance  # schema checks it
        self.stream = rng  # this actor's own fighting stream: another actor's draws never shift it
        self.strategy = STRATEGIES[spec.concession.strategy]()
        self.opening_demand = spec.concession.opening_demand.value
        self.floor_demand = spec.concession.floor_demand.value
        self.patience_days = spec.concession.patience_days.value
        self.compliance = spec.compliance.value
        self.violation_tolerance = spec.violation_tolerance.value
        self.resolve = spec.resolve.value
        self.cost = 0.0
        self.ripeness = 0.0
        self.grievance: dict[str, float] = {}
        self.perceived_today: dict[str, int] = {}
        self.perceived_yesterday: dict[str, int] = {}
        self.last_demand = float("nan")

    def fight(self) -> None:
        """Step 1: in each domain, against each enemy, strike or hold (a violation if covered)."""
        m = self.model
        d = m.dyn
        detection = rules.p_detect(m.monitoring_strength)
        for enemy in m.enemies[self.actor_id]:
            trust = self.trust.get(enemy, 0.5)
            grievance = self.grievance.get(enemy, 0.0)
            for domain_id, domain in m.domains.items():
                truce = m.covering_truce(domain_id, self.actor_id, enemy)
                if truce is None:
                    if self.stream.random() < domain.intensity:
                        m.strike(self, enemy, domain_id, violation=None)
                    continue
                p = rules.p_violate(
                    domain.military_value,
                    self.compliance,
                    trust,
                    grievance,
                    detection,
                    self.pressure,
                    d.spoiler_rate,
                    d.temptation_weight,
                    d.compliance_weight,
                    d.retaliation_weight,
                    d.deterrence_weight,
                    d.pressure_weight,
                )
                strikes = (
                    self.stream.random() < p  # the agents' own path, without a closure per decision
                    if not m.players
                    else m.choose(
                        self.actor_id,
                        "strike",
                        f"{domain_id}:{enemy}",
                        Answer("strike" if self.stream.random() < p else "comply"),
                        StrikeChoice(m.by_id[truce].spec.title, domain_id, m.actors[enemy].name),
                    ).choice
                    == "strike"
                )
                m.log(
                    self.actor_id,
                    truce,
                    "strike" if strikes else "comply",
                    p=p,
                    trust=trust,
                    grievance=grievance,
                    pressure=self.pressure,
                    detail=f"{domain_id} vs {enemy}",
                )
                if strikes:
                    m.strike(self, enemy, domain_id, violation=truce)

    def reservation(self, track: Track, trust: float) -> float:
        """The gain it demands today from this phase's package (its concession strategy)."""
        t = (self.model.day - track.opened_day) / self.patience_days
        remaining = self.strategy.remaining(t, trust)
        return rules.demand(self.opening_demand, self.floor_demand, remaining)

    def decide(self, track: Track, package: dict[str, float], kind: str, rng: np.random.Generator) -> bool:
        """Step 5 and 7: accept (or renew) the package if it beats the reservation, with noise."""
        m = self.model
        others = [p for p in track.spec.parties if p != self.actor_id]
        trust = self.trust_in(others)
        gain = rules.agreement_gain(package, track.status_quo, self.position, self.salience)
        reservation = self.reservation(track, trust)
        self.last_demand = reservation
        unmet = [
            link
            for link in track.spec.linkage
            if link.actor == self.actor_id and not _meets(package[link.issue], link)
        ]
        score = rules.acceptance_score(
            gain,
            trust,
            self.ripeness,
            self.pressure,
            reservation,
            m.dyn.commitment_risk,
            m.dyn.ripeness_weight,
        )
        p = 0.0 if unmet else rules.p_accept(score, m.dyn.acceptance_noise)
        if not m.players:
            accepted = bool(rng.random() < p)
        else:
            answer = m.choose(
                self.actor_id,
                "answer",
                f"{track.id}:{'round' if kind == 'round' else 'renewal'}",
                Answer("accept" if rng.random() < p else "reject"),
                tabled(m, track, package, kind, gain, tuple(link.issue for link in unmet)),
                tuple(track.spec.terms) if kind == "round" else (),  # a renewal is yes or no
            )
            accepted = answer.choice == "accept"
            if answer.choice == "counter":
                track.counters[self.actor_id] = answer.terms
        verdict = (
            ("accept" if accepted else "reject")
            if kind == "round"
            else ("renew" if accepted else "let_expire")
        )
        m.log(
            self.actor_id,
            track.id,
            verdict,
            p=p,
            utility=gain,
            reservation=reservation,
            trust=trust,
            ripeness=self.ripeness,
            pressure=self.pressure,
            score=score,
            detail="linkage unmet: " + ", ".join(link.issue for link in unmet) if unmet else "",
        )
        return accepted

    def wants_out(self, track: Track) -> str | None:
        """Step 7: the party whose perceived violations exceed its tolerance, if any."""
        for other in track.spec.parties:
            if other != self.actor_id and self.grievance.get(other, 0.0) > self.violation_tolerance:
                return other
        return None


class Mediator(Actor):
    """A third party that tables packages and brings its levers to bear on a party that refuses."""

    def __init__(
        self, model: CeasefireModel, actor_id: str, spec: ActorSpec, rng: np.random.Generator
    ) -> None:
        super().__init__(model, actor_id, spec)
        self.stream = rng
        self.levers = [
            (lever_id, lever.target, lever.kind, lever.strength.value, lever.credibility.value)
            for lever_id, lever in spec.levers.items()
        ]

    def press(self, target: Actor, track: Track) -> None:
        """Step 5: after a refusal, apply each credible lever on the refusing party."""
        for lever_id, lever_target, kind, strength, credibility in self.levers:
            if lever_target != target.actor_id:
                continue
            applied = (
                bool(self.stream.random() < credibility)
                if not self.model.players
                else self.model.choose(
                    self.actor_id,
                    "press",
                    f"{lever_id}:{lever_target}",
                    Answer("apply" if self.stream.random() < credibility else "hold"),
                    LeverChoice(track.spec.title, target.name, kind, strength),
                ).choice
                == "apply"
            )
            if applied:
                target.pressure = min(self.model.dyn.max_pressure, target.pressure + strength)
            self.model.log(
                self.actor_id,
                track.id,
                "leverage" if applied else "hold_leverage",
                p=credibility,
                pressure=target.pressure,
                detail=f"{kind} {lever_id} on {target.actor_id}",
            )


def _meets(value: float, link) -> bool:
    if link.at_most is not None and value > link.at_most.value + 1e-12:
        return False
    return not (link.at_least is not None and value < link.at_least.value - 1e-12)
