"""The actors as mesa agents. They hold their own state and apply the pure rules of ``sim.model.rules``.

An agent reads only its own view of the world (what it perceives, its own trust and grievance);
the model keeps the truth. Belligerents fight, comply or violate, and accept or reject packages;
mediators table packages and apply leverage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import bargaining, rules, war
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
        """All the mediators' pressure on it now (what a player sees; it deters violations)."""
        self.pressure_on: dict[str, float] = {}
        """Pressure per phase: a lever applied after a refusal in one phase's talks weighs on that
        phase's package, not on every other decision the actor takes."""
        self.answered: dict[str, tuple[bool, float, bool]] = {}
        """Per phase: its last answer, the gain behind it (the run counts deals signed at a loss) and
        whether a linked condition was unmet (a veto)."""

    def trust_in(self, others: list[str]) -> float:
        """Mean trust in the other actors named (0.5, agnostic, for an actor it has no view of)."""
        if not others:
            return 1.0
        return sum(self.trust.get(o, 0.5) for o in others) / len(others)


class Belligerent(Actor):
    """A party to the war: it fights, perceives violations, values packages against the war, decides."""

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
        self.initial_position = dict(self.position)
        self.cost = 0.0
        self.ripeness = 0.0
        self.grievance: dict[str, float] = {}
        """Grievance toward each enemy, summed over domains (what a player sees)."""
        self.grievance_in: dict[tuple[str, str], float] = {}
        """Grievance per (enemy, domain): a truce is judged on violations in its own domains."""
        self.perceived_today: dict[str, int] = {}
        self.perceived_yesterday: dict[str, int] = {}
        self.perceived_in_today: dict[tuple[str, str], int] = {}
        self.perceived_in_yesterday: dict[tuple[str, str], int] = {}
        self.struck_today: dict[str, int] = {}
        """Strikes received today outside any truce, by enemy (attacks during talks harden trust)."""
        self.last_demand = float("nan")

    # -- fighting ------------------------------------------------------------------------------
    def fight(self) -> None:
        """Step 1: in each domain, against each enemy, strike or hold (a violation if covered).

        Outside a truce it fights at the intensity it chooses from its belief about the war; inside
        one it weighs the temptation against its disposition to comply (``rules.p_violate``), on the
        strikes it would make at war: a truce restrains fighting, it never adds to it.
        """
        m = self.model
        d = m.dyn
        detection = rules.p_detect(m.monitoring_strength)
        front = m.battlefield.front_domain
        covering = m.covering_truce
        recording = m.recorder.enabled
        me = self.actor_id
        for enemy in m.enemies[me]:
            trust = self.trust.get(enemy, 0.5)
            odds = m.battlefield.odds[(me, enemy)]
            scale = 0.5 + odds  # war.intensity, inlined: this loop runs for every day and domain
            for domain_id, domain in m.domains.items():
                truce = covering(domain_id, me, enemy)
                if truce is None:
                    if self.stream.random() < domain.intensity * scale:  # (a draw above 1 never wins)
                        m.strike(self, enemy, domain_id, violation=None)
                        if domain_id == front:
                            m.fought.add((me, enemy))
                    continue
                grievance = self.grievance_in.get((enemy, domain_id), 0.0)
                p = rules.truce_violation(
                    domain.intensity * scale,
                    rules.p_violate(
                        domain.military_value * 2.0 * odds,
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
                    ),
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
                if recording:  # the day's hottest log: skip building it when nothing records
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

    # -- valuing a package against the war ---------------------------------------------------------
    def truce_value(self, track: Track, package: dict[str, float], delivered: float = 1.0) -> float:
        """What the truce's halt to fighting is worth against fighting on, over its term.

        Per covered domain and enemy: the costs it would bear (avoided, as far as the truce delivers
        its quiet), less what its own fighting there would gain it: on the front the territory it
        expects to win (``war.war_value_per_day``), elsewhere the coercive value of its strikes on the
        enemy's grid or shipping (Schelling 1966; not on the front, where the gain is the ground);
        on the front, also the shift in the balance of forces the pause allows
        (``war.power_shift_value``). Beliefs, not the truth, enter: it values the war it thinks it is
        fighting (Fearon 1995; Powell 2004, 2006). Domains another truce already covers count nothing:
        the no-deal course there is that truce, not war.
        """
        m = self.model
        bf = m.battlefield
        spec = track.spec
        days = spec.duration_days.value if spec.duration_days is not None else bf.planning_days
        enemies = [e for e in spec.parties if e in m.enemies[self.actor_id]]
        value = 0.0
        for enemy in enemies:
            odds = bf.believed(self.actor_id, enemy)
            enemy_resolve = m.actors[enemy].resolve
            front_intensity = 0.0
            for domain_id in spec.domains:
                if m.covered_by_another(track, domain_id, self.actor_id, enemy):
                    continue  # that fighting is already halted: the no-deal course is that truce, not war
                dom = m.domains[domain_id]
                mine = war.intensity(dom.intensity, odds)
                theirs = war.intensity(dom.intensity, 1.0 - odds)
                cost = theirs * dom.damage * 2.0 * (1.0 - odds) * m.dyn.cost_of_war / self.resolve
                if domain_id == bf.front_domain:
                    front_intensity = max(mine, theirs)
                    coercion = 0.0
                else:
                    coercion = mine * dom.damage * 2.0 * odds * dom.military_value / enemy_resolve
                value += days * (delivered * cost - coercion)
            if front_intensity > 0.0:
                stake = bf.stake[self.actor_id]
                value -= days * war.war_value_per_day(odds, front_intensity, bf.step, stake, 0.0, 0.0)
                levels = m.issue_levels(package)
                after_truce = bf.project(self.actor_id, enemy, days, True, levels)
                after_war = bf.project(self.actor_id, enemy, days, False, m.issue_levels({}))
                value += war.power_shift_value(
                    after_truce, after_war, front_intensity, bf.step, stake, bf.planning_days
                )
        return value

    def value(
        self, track: Track, package: dict[str, float], delivered: float = 1.0, renewal: bool = False
    ) -> tuple[float, float]:
        """(gain, trust): the package's worth to it over continuing as it is, and its trust in the others.

        Its positions on the package's issues, the truce against the war, the commitment risk of a
        side it distrusts (Powell 2006), and the mediators' pressure (inducements and threats). Issue
        gains and the commitment risk of a truce with a term count for the share of the planning
        horizon the term covers (a 30-day truce's aid terms hold 30 days, not for ever). At a renewal
        the record of the truce (``delivered``) replaces the commitment risk: it has been tested.
        """
        m = self.model
        self.learn_position()
        others = [p for p in track.spec.parties if p != self.actor_id]
        trust = self.trust_in(others)
        duration = track.spec.duration_days
        share = 1.0 if duration is None else min(1.0, duration.value / m.planning_days)
        spatial = bargaining.package_gain(package, track.status_quo, self.position, self.salience)
        pressure = self.pressure_on.get(track.id, 0.0)
        gain = share * spatial + self.truce_value(track, package, delivered) + pressure
        if track.spec.domains and not renewal:
            gain -= share * (1.0 - trust) * m.dyn.commitment_risk
        return gain, trust

    def held(self, track: Track, trust: float) -> float:
        """Share of its opening demand it still holds in this phase's talks (its concession strategy).

        Its clock runs from the day the talks first opened, over its patience: time passes for a
        suspended or reopened talk too, and a reopened talk resumes where it stopped.
        """
        start = track.first_opened if track.first_opened is not None else self.model.day
        t = (self.model.day - start) / self.patience_days
        return self.strategy.remaining(t, trust)

    def demand(self, track: Track, trust: float) -> float:
        """The gain it demands today from this phase's package."""
        return rules.demand(self.opening_demand, self.floor_demand, self.held(track, trust))

    def unmet_conditions(self, track: Track, package: dict[str, float], held: float) -> list[str]:
        """The issues it links to this phase whose term falls outside its condition."""
        unmet = []
        for link in track.spec.linkage:
            if link.actor != self.actor_id:
                continue
            low, high = self.condition(track, link, held)
            x = package[link.issue]
            if x < low - 1e-9 or x > high + 1e-9:
                unmet.append(link.issue)
        return unmet

    def condition(self, track: Track, link, held: float) -> tuple[float, float]:
        """The band its linked term must fall in: fixed by the scenario, or derived from its position."""
        if link.at_most is not None:
            return 0.0, link.at_most.value
        if link.at_least is not None:
            return link.at_least.value, 1.0
        return bargaining.linkage_bound(self.position[link.issue], held)

    def decide(self, track: Track, package: dict[str, float], kind: str, rng: np.random.Generator) -> bool:
        """Step 5: accept the package if its gain is at least its demand (and its conditions are met)."""
        m = self.model
        gain, trust = self.value(track, package)
        held = self.held(track, trust)
        demand = rules.demand(self.opening_demand, self.floor_demand, held)
        self.last_demand = demand
        unmet = self.unmet_conditions(track, package, held)
        p = 0.0 if unmet else bargaining.p_accept(gain, demand, m.dyn.acceptance_noise)
        draw = rng.random()
        countered = ""
        if not m.players:
            accepted = bool(draw < p)
        else:
            answer = m.choose(
                self.actor_id,
                "answer",
                f"{track.id}:round",
                Answer("accept" if draw < p else "reject"),
                tabled(m, track, package, kind, gain, tuple(unmet)),
                tuple(track.spec.terms),
            )
            accepted = answer.choice == "accept"
            if answer.choice == "counter":
                track.counters[self.actor_id] = answer.terms
                countered = " ".join(f"{k}={v:g}" for k, v in answer.terms.items())
        self.answered[track.id] = (accepted, gain, bool(unmet))
        m.log(
            self.actor_id,
            track.id,
            "accept" if accepted else "reject",
            p=p,
            utility=gain,
            reservation=demand,
            trust=trust,
            ripeness=self.ripeness,
            pressure=self.pressure_on.get(track.id, 0.0),  # the pressure in this gain: this phase's
            score=gain - demand,
            detail="; ".join(
                ([f"linkage unmet: {', '.join(unmet)}"] if unmet else [])
                + ([f"countered: {countered}"] if countered else [])
            ),
        )
        return accepted

    def renew(self, track: Track, package: dict[str, float], rng: np.random.Generator) -> bool:
        """Step 7: renew a truce at its term if what it delivered, looking forward, is worth its floor.

        Not the acceptance rule again: the package's value is scaled by the share of the promised
        quiet the truce actually delivered as this party perceived it (``bargaining.delivered_share``).
        """
        m = self.model
        delivered = self.delivered(track)
        gain, trust = self.value(track, package, delivered, renewal=True)
        p = bargaining.p_accept(gain, self.floor_demand, m.dyn.acceptance_noise)
        draw = rng.random()
        renewed = (
            bool(draw < p)
            if not m.players
            else m.choose(
                self.actor_id,
                "answer",
                f"{track.id}:renewal",
                Answer("accept" if draw < p else "reject"),
                tabled(m, track, package, "renewal", gain, ()),
                (),
            ).choice
            == "accept"
        )
        m.log(
            self.actor_id,
            track.id,
            "renew" if renewed else "let_expire",
            p=p,
            utility=gain,
            reservation=self.floor_demand,
            trust=trust,
            ripeness=self.ripeness,
            pressure=self.pressure_on.get(track.id, 0.0),
            score=gain - self.floor_demand,
            detail=f"delivered {delivered:.2f} of the promised quiet",
        )
        self.answered[track.id] = (renewed, gain, False)
        return renewed

    def delivered(self, track: Track) -> float:
        """Share of the quiet the truce promised that it delivered this term, as this party saw it.

        Judged over at least a week, and net of the incidents it expects to perceive anyway from an
        unmonitored line (its false alarms and disputed incidents: it knows its own noise), so a
        truce kept perfectly delivers all its quiet on average.
        """
        m = self.model
        days = max(7, m.day - track.term_started)
        promised = 0.0
        background = 0.0
        noise = m.expected_noise
        for enemy in track.spec.parties:
            if enemy not in m.enemies[self.actor_id]:
                continue
            odds = m.battlefield.believed(self.actor_id, enemy)
            for domain_id in track.spec.domains:
                promised += days * war.intensity(m.domains[domain_id].intensity, 1.0 - odds)
                background += days * noise
        excess = max(0.0, track.perceived.get(self.actor_id, 0) - background)
        return bargaining.delivered_share(excess, promised)

    def wants_out(self, track: Track) -> tuple[str, float, float, float] | None:
        """Step 7: (culprit, grievance, delivered, value) when its grievance in one of the truce's domains
        exceeds its tolerance *and* the truce, as delivered so far, is worth less than fighting; else None."""
        for other in track.spec.parties:
            if other == self.actor_id:
                continue
            grievance = max(self.grievance_in.get((other, d), 0.0) for d in track.spec.domains)
            if grievance > self.violation_tolerance:
                delivered = self.delivered(track)
                gain, _ = self.value(track, track.package or {}, delivered, renewal=True)
                if gain < self.floor_demand:
                    return other, grievance, delivered, gain
        return None

    def learn_position(self) -> None:
        """Its position on the war's stake moves with what the fighting taught it (war.learned_position)."""
        m = self.model
        bf = m.battlefield
        issue = bf.stake_issue
        enemies = m.enemies[self.actor_id]
        if not enemies or bf.learning <= 0.0:
            return
        enemy = enemies[0]
        odds = bf.believed(self.actor_id, enemy)
        self.position[issue] = war.learned_position(
            self.initial_position[issue],
            m.actors[enemy].initial_position[issue],
            bf.prior[self.actor_id],
            odds,
            bf.learning,
        )


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
        """Step 5: after a refusal, apply each credible lever on the refusing party.

        In a mutually hurting stalemate a lever weighs twice as much: the moment is ripe and the
        mediator's task is to seize it (Zartman 2000: ripeness is necessary, not sufficient; the
        mediator makes it count). Ripeness therefore acts through the mediators, not by itself.
        """
        ripe = 2.0 if self.model.stalemate else 1.0
        for lever_id, lever_target, kind, base_strength, credibility in self.levers:
            if lever_target != target.actor_id:
                continue
            strength = base_strength * ripe
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
                on = target.pressure_on
                on[track.id] = min(self.model.dyn.max_pressure, on.get(track.id, 0.0) + strength)
                target.pressure = sum(on.values())
            self.model.log(
                self.actor_id,
                track.id,
                "leverage" if applied else "hold_leverage",
                p=credibility,
                pressure=target.pressure,
                detail=f"{kind} {lever_id} on {target.actor_id}",
            )
