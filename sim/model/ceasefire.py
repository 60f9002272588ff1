"""CeasefireModel: the day's agenda of a phased ceasefire, as a mesa model.

One step is one day, in the order of MODEL.md: fighting and compliance, monitoring and attribution,
trust, costs and ripeness, negotiation, the humanitarian track, the truce lifecycle, recording.
The model keeps the truth; agents act on what they perceive. It does no I/O: a run ends in a
:class:`sim.model.results.RunResult` of plain arrays and events.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

import mesa
import numpy as np

from sim.model import bargaining, rules, war
from sim.model.agents import Actor, Belligerent, Mediator
from sim.model.battlefield import Battlefield
from sim.model.decisions import About, Answer, Decision, DecisionPort, WithdrawalChoice
from sim.model.observation import observe, tabled
from sim.model.phases import PhaseEvent, PhaseStatus, advance
from sim.model.recorder import RunRecorder
from sim.model.results import RunResult
from sim.scenario.schema import Domain, Incident, Phase, Scenario

NAN = float("nan")
STREAMS = ("mesa", "fighting", "battle", "monitoring", "negotiation", "mediation", "humanitarian")


def stream(seed: int, run: int, *names: str) -> np.random.SeedSequence:
    """The seed sequence of one named random stream of one run.

    Keyed by names (hashed stably), not by order, so adding an actor or a stream never shifts the
    numbers another one draws (STYLE.md #6).
    """
    key = (run, *(zlib.crc32(n.encode()) for n in names))
    return np.random.SeedSequence(seed, spawn_key=key)


def benchmark_compromise(scenario: Scenario) -> dict[str, float]:
    """The naive benchmark per issue: every actor's position, weighted by capability x salience.

    Reported beside the packages the model produces (MODEL.md), as the published yardstick.
    """
    actors = scenario.actors.values()
    return {
        issue: rules.weighted_compromise(
            [a.positions[issue].value for a in actors],
            [a.capability.value for a in actors],
            [a.salience[issue].value if issue in a.salience else 0.0 for a in actors],
        )
        for issue in scenario.issues
    }


@dataclass
class Track:
    """A phase's state in one run."""

    id: str
    spec: Phase
    rank: tuple[int, int]
    status_quo: dict[str, float]
    status: PhaseStatus = PhaseStatus.NOT_STARTED
    opened_day: int = 0
    next_round: int = 0
    entered_day: int | None = None
    agreed_day: int | None = None
    days_in_force: int = 0
    expires_day: int | None = None
    reopen_day: int | None = None
    package: dict[str, float] | None = None
    counters: dict[str, dict[str, float]] = field(default_factory=dict)
    """Counter-terms parties proposed with their last refusal (only players make them)."""
    text: dict[str, float] = field(default_factory=dict)
    """The mediator's single negotiating text: the terms it tables, revised after each refusal."""
    consented: bool = False
    """Whether the outsider who must deliver part of a term (EU sanctions) has consented."""
    term_started: int = 0
    first_opened: int | None = None
    """The day its talks first opened: the parties' concession clock runs from it (Faratin et al.'s
    elapsed time), through suspensions and reopenings, so a reopened talk resumes where it stopped."""
    perceived: dict[str, int] = field(default_factory=dict)
    pairs: frozenset[tuple[str, str]] = frozenset()
    """Ordered pairs of its parties (who talks to or is at truce with whom), computed once."""
    """Violations of this truce each party perceived during the current term."""
    in_force: bool = False  # mirrors status.in_force; read thousands of times a run
    transitions: list[tuple[int, PhaseStatus, PhaseStatus]] = field(default_factory=list)

    def move(self, event: PhaseEvent, day: int) -> None:
        """The only place a status changes: through the transition table."""
        new = advance(self.status, event, phase=self.id, day=day)
        self.transitions.append((day, self.status, new))
        self.status = new
        self.in_force = new.in_force


@dataclass(slots=True)
class DomainParams:
    intensity: float
    military_value: float
    damage: float

    @classmethod
    def of(cls, d: Domain) -> DomainParams:
        return cls(d.intensity.value, d.military_value.value, d.damage.value)


class CeasefireModel(mesa.Model):
    """A phased ceasefire between belligerents, brokered by mediators, day by day.

    Args:
        scenario: the validated scenario.
        seed: the ensemble seed (default: the scenario's).
        run: the run's index in its ensemble; with ``seed`` it fixes every random stream.
        horizon: days to simulate (default: the scenario's ``horizon_days``).
        record: keep the per-day columns and the decision events (a sweep, which stores one row
            per run, turns this off; totals and the run's row are the same either way).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        run: int = 0,
        horizon: int | None = None,
        record: bool = True,
        players: Mapping[str, DecisionPort] | None = None,
    ) -> None:
        self.seed_value = scenario.seed if seed is None else int(seed)
        self.run_index = run
        super().__init__(rng=stream(self.seed_value, run, "mesa"))
        self.spec = scenario  # not `self.scenario`: mesa 3.5 reserves it for its own Scenario
        self.horizon = scenario.horizon_days if horizon is None else horizon
        self.day = 0
        self.settled = False  # a terminal phase (peace framework) is signed
        self.released = False  # mesa's references dropped after the run (see release)
        self.players = dict(players or {})  # actor id -> who decides in its place; none: its agent
        self.dyn = SimpleNamespace(**{k: v.value for k, v in scenario.dynamics})
        self.domains = {k: DomainParams.of(d) for k, d in scenario.domains.items()}
        self.monitoring_strength = scenario.monitoring.strength.value
        self.false_alarm_rate = scenario.monitoring.false_alarm_rate.value
        self.disputed_rate = scenario.monitoring.disputed_rate.value
        self.misattribution = scenario.monitoring.misattribution.value
        self.claim_rate = scenario.monitoring.claim_rate.value
        self.expected_noise = rules.p_false_alarm(self.false_alarm_rate, self.monitoring_strength) + (
            rules.p_false_alarm(self.disputed_rate, self.monitoring_strength)
        )
        """Incidents a party expects to perceive per covered domain and day with no violation at all
        (its false alarms and disputed incidents): what it discounts when it judges a truce's record."""
        self.rng_monitoring = np.random.default_rng(stream(self.seed_value, run, "monitoring"))
        self.rng_negotiation = np.random.default_rng(stream(self.seed_value, run, "negotiation"))
        self.rng_humanitarian = np.random.default_rng(stream(self.seed_value, run, "humanitarian"))
        self.rng_battle = np.random.default_rng(stream(self.seed_value, run, "battle"))

        self.actors: dict[str, Actor] = {}
        for actor_id, spec in scenario.actors.items():
            if spec.role == "belligerent":
                gen = np.random.default_rng(stream(self.seed_value, run, "fighting", actor_id))
                self.actors[actor_id] = Belligerent(self, actor_id, spec, gen)
            else:
                gen = np.random.default_rng(stream(self.seed_value, run, "mediation", actor_id))
                self.actors[actor_id] = Mediator(self, actor_id, spec, gen)
        self.mediators = [a for a in self.actors.values() if isinstance(a, Mediator)]
        self.belligerent_ids = scenario.belligerents
        self.enemies = {b: scenario.enemies(b) for b in self.belligerent_ids}
        self.enemy_pairs = [
            (a, b)
            for i, a in enumerate(self.belligerent_ids)
            for b in self.belligerent_ids[i + 1 :]
            if b in self.enemies[a]
        ]
        self.battlefield = Battlefield(scenario, self.enemy_pairs)
        self.planning_days = self.battlefield.planning_days
        status_quo = {k: i.status_quo.value for k, i in scenario.issues.items()}
        self.status_quo = status_quo
        outcome_rank = scenario.outcome_rank()  # how far a phase goes: its outcome, then file order
        self.tracks = [
            Track(
                p,
                spec,
                (outcome_rank[spec.outcome], order),
                {k: status_quo[k] for k in _package_issues(spec)},
            )
            for order, (p, spec) in enumerate(scenario.phases.items())
        ]
        for t in self.tracks:
            t.pairs = frozenset((x, y) for x in t.spec.parties for y in t.spec.parties if x != y)
        self.by_id = {t.id: t for t in self.tracks}
        self.incidents: dict[int, list[Incident]] = {}
        for incident in scenario.incidents:
            self.incidents.setdefault(incident.day, []).append(incident)
        self.compromise = benchmark_compromise(scenario)  # where each single text starts
        h = scenario.humanitarian
        self.held = {
            b: h.prisoners_held[b].value if b in h.prisoners_held else 0 for b in self.belligerent_ids
        }
        self.prisoners_exchanged = 0
        self.wounded_handed_over = 0
        self.claims = dict.fromkeys(self.belligerent_ids, 0)
        self.front_days = 0
        self.front_won: dict[str, int] = {}
        self.stalemate = False
        self._reset_day()
        self.recorder = RunRecorder(self, record)
        self.log = self.recorder.log  # the decision log: who decided what, with the numbers behind it

    # -- the day ------------------------------------------------------------------------------
    def step(self) -> None:
        """One day, in MODEL.md's order."""
        if self.released:
            raise RuntimeError("this model was released after its run; build a new CeasefireModel")
        self.day += 1
        self._reset_day()
        if self.settled:  # say so, rather than let a scheduled incident vanish
            for incident in self.incidents.get(self.day, ()):
                self.log(incident.attacker, "", "incident", detail=f"{incident.domain} vs none: settled")
        else:
            self._agreed_truces()
            self._fight()
            self._battle()
            self._monitor()
            self._update_trust()
            self._costs_and_ripeness()
            self._negotiate()
            self._humanitarian()
            if not self.settled:  # a peace signed today ends the truces' lifecycle with it
                self._truce_lifecycle()
        self.battlefield.end_day()
        self._count_days_in_force()
        self.recorder.record_day()

    def run(self) -> RunResult:
        """Simulate to the horizon and return the run's plain-data result.

        The model is released afterwards (its agents removed) so thousands of runs in one process
        keep memory flat.
        """
        while self.day < self.horizon:
            self.step()
        result = self.recorder.result()
        self.release()
        return result

    def release(self) -> None:
        """Drop mesa's references to this model so it can be garbage-collected.

        mesa 3.3 keeps every model in a class-level ``Agent._ids`` dict (mesa issue #3179, fixed
        in 3.4 by assigning ids in ``register_agent``); and removing the agents breaks the cycles
        mesa's fix notes still need.
        """
        self.released = True
        self.remove_all_agents()
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)

    def _agreed_truces(self) -> None:
        """A truce agreed outside the talks (P5: in the call itself) enters force on its day."""
        for track in self.tracks:
            agreed = track.spec.agreed_on_day
            if track.status is PhaseStatus.NOT_STARTED and agreed is not None and self.day >= agreed.value:
                self._open(track, PhaseEvent.OPEN)
                package = self.package(track)
                for party in track.spec.parties:
                    agent = self.actors[party]
                    if isinstance(agent, Belligerent):
                        gain, trust = agent.value(track, package)
                        self.log(
                            party, track.id, "agreed", utility=gain, trust=trust, detail="agreed before talks"
                        )
                self._enter_force(track, package)

    def _fight(self) -> None:
        self.agents_by_type[Belligerent].do("fight")
        for incident in self.incidents.get(self.day, ()):
            self._incident(incident)

    def _battle(self) -> None:
        """Flows of strength (production, aid after its lag), then a contest on every open front."""
        bf = self.battlefield
        bf.flows(self.issue_levels({}))
        front = bf.front_domain
        if front is None:
            return
        for a, b in self.enemy_pairs:
            if self.covering_truce(front, a, b) is not None:
                continue  # a truce covers the front: it stands still
            fought_a, fought_b = (a, b) in self.fought, (b, a) in self.fought
            if fought_a or fought_b:
                winner = bf.contest(a, b, fought_a, fought_b, self.rng_battle)
                self.front_days += 1
                self.front_won[winner] = self.front_won.get(winner, 0) + 1

    def issue_levels(self, package: dict[str, float]) -> dict[str, float]:
        """Where each issue stands: the status quo, overlaid by the terms of truces in force, then by
        ``package`` (what would hold if it were signed)."""
        levels = dict(self.status_quo)
        for track in self.tracks:
            if track.in_force and track.package:
                levels.update(track.package)
        levels.update(package)
        return levels

    def _incident(self, incident: Incident) -> None:
        """A scheduled strike (an inject): a violation if a truce covers it; no random draw."""
        attacker = self.actors[incident.attacker]
        targets = [incident.target] if incident.target else self.enemies[incident.attacker]
        for target in targets:
            truce = self.covering_truce(incident.domain, incident.attacker, target)
            self.log(incident.attacker, truce or "", "incident", detail=f"{incident.domain} vs {target}")
            self.strike(attacker, target, incident.domain, violation=truce)

    def _monitor(self) -> None:
        """What each side comes to believe happened under the truces, and what it says in public.

        A true violation is detected with the monitoring strength, and then blamed on the wrong
        side with the misattribution chance (an unverified incident); ambiguous incidents are blamed
        by *both* sides on each other (disputed attribution: Sudzha, 21 March 2025); false alarms
        blame one side for nothing. Public claims follow private perception, more of them as
        grievance grows (Fortna 2004 on monitoring; Mitchell & Hensel on public accusations).
        """
        rng = self.rng_monitoring
        strength = self.monitoring_strength
        p_detect = rules.p_detect(strength)
        p_wrong = rules.clamp(self.misattribution * (1.0 - strength))
        for attacker, target, domain, phase in self.violations:
            if rng.random() < p_detect:
                if rng.random() < p_wrong:
                    self.misattributed += 1
                    self.log(
                        target, phase, "misattribute", p=p_wrong, detail=f"{attacker} {domain} not blamed"
                    )
                    continue
                self.detected += 1
                self._perceive(target, attacker, domain)
                self.log(target, phase, "perceive", p=p_detect, detail=f"{attacker} {domain} detected")
        p_false = rules.p_false_alarm(self.false_alarm_rate, strength)
        p_disputed = rules.p_false_alarm(self.disputed_rate, strength)
        if p_false > 0.0 or p_disputed > 0.0:
            for a, b in self.enemy_pairs:
                for domain_id in self.domains:
                    truce = self.covering_truce(domain_id, a, b)
                    if truce is None:
                        continue
                    if p_disputed > 0.0 and rng.random() < p_disputed:
                        self.disputed += 1
                        for victim, accused in ((a, b), (b, a)):
                            self._perceive(victim, accused, domain_id)
                            self.log(
                                victim,
                                truce,
                                "perceive",
                                p=p_disputed,
                                detail=f"{accused} {domain_id} disputed",
                            )
                    if p_false > 0.0:
                        for victim, accused in ((a, b), (b, a)):
                            if rng.random() < p_false:
                                self.false_accusations += 1
                                self._perceive(victim, accused, domain_id)
                                self.log(
                                    victim,
                                    truce,
                                    "perceive",
                                    p=p_false,
                                    detail=f"{accused} {domain_id} false",
                                )
        claim_rate = self.claim_rate
        if claim_rate > 0.0:
            for b in self.belligerent_ids:
                agent = self.actors[b]
                seen = sum(agent.perceived_today.values())
                if seen:
                    grudge = sum(agent.grievance.values()) / max(agent.violation_tolerance, 1e-9)
                    n = int(rng.poisson(claim_rate * seen * (1.0 + grudge)))
                    self.claims[b] += n
                    self.claims_today += n

    def _perceive(self, victim: str, accused: str, domain: str) -> None:
        agent = self.actors[victim]
        seen = agent.perceived_today
        seen[accused] = seen.get(accused, 0) + 1
        key = (accused, domain)
        agent.perceived_in_today[key] = agent.perceived_in_today.get(key, 0) + 1
        self.perceived_in[domain] += 1
        for track in self.tracks:
            if track.in_force and domain in track.spec.domains:
                parties = track.spec.parties
                if victim in parties and accused in parties:
                    track.perceived[victim] = track.perceived.get(victim, 0) + 1

    def _update_trust(self) -> None:
        d = self.dyn
        in_truce: set[tuple[str, str]] = set()
        talking: set[tuple[str, str]] = set()
        for track in self.tracks:  # once a day, not once per pair
            if track.in_force:
                in_truce |= track.pairs
            elif track.status is PhaseStatus.NEGOTIATING:
                talking |= track.pairs
        for b in self.belligerent_ids:
            agent = self.actors[b]
            for other in self.enemies[b]:
                seen = agent.perceived_today.get(other, 0)
                calm = seen == 0 and (b, other) in in_truce
                trust = rules.trust_update(
                    agent.trust[other],
                    agent.initial_trust[other],
                    seen,
                    calm,
                    d.trust_gain,
                    d.trust_loss,
                    d.trust_drift,
                )
                struck = agent.struck_today.get(other, 0)
                if struck and (b, other) in talking:  # attacks during talks (outside any truce)
                    trust *= (1.0 - d.hostility) ** struck
                agent.trust[other] = trust
            # grievance per (enemy, domain), kept sparse: most days nothing is perceived
            grievance = agent.grievance_in
            today = agent.perceived_in_today
            if not grievance and not today:
                if any(agent.grievance.values()):
                    agent.grievance = dict.fromkeys(self.enemies[b], 0.0)
                continue
            totals = dict.fromkeys(self.enemies[b], 0.0)
            for key in list(grievance) + [k for k in today if k not in grievance]:
                g = rules.grievance_update(grievance.get(key, 0.0), today.get(key, 0), d.forgiveness)
                if g < 1e-3:
                    del grievance[key]
                else:
                    grievance[key] = g
                    totals[key[0]] = totals.get(key[0], 0.0) + g
            agent.grievance = totals

    def _costs_and_ripeness(self) -> None:
        """Costs accumulate; ripeness is each side's hurt against what fighting on still gains it.

        Read from today's costs (in utility) and its believed territorial gain per day
        (``war.ripeness``); a *mutually* hurting stalemate is every side above one half on a flat front.
        """
        decay = 1.0 - self.dyn.pressure_decay
        for agent in self.actors.values():
            if agent.pressure_on:
                on = agent.pressure_on
                for phase in on:
                    on[phase] *= decay
                agent.pressure = sum(on.values())
        bf = self.battlefield
        odds, step, cost_of_war = bf.odds, bf.step, self.dyn.cost_of_war
        all_ripe = True
        for b in self.belligerent_ids:
            agent = self.actors[b]
            cost = self.cost_today[b] * cost_of_war
            agent.cost += cost
            stake = bf.stake[b]
            gain_rate = 0.0
            for enemy in self.enemies[b]:  # war.war_value_per_day at full intensity, no costs
                gain_rate += (2.0 * odds[(b, enemy)] - 1.0) * step * stake
            agent.ripeness = war.ripeness(cost / agent.resolve, gain_rate)
            all_ripe = all_ripe and agent.ripeness > 0.5
        self.stalemate = all_ripe and all(f.flat(step) for f in bf.fronts.values())

    def choose(
        self,
        actor: str,
        kind: str,
        subject: str,
        suggested: Answer,
        about: About,
        issues: tuple[str, ...] = (),
    ) -> Answer:
        """The answer to a decision: the agent's own (``suggested``), unless a player takes it.

        The agent's choice is always drawn before it is asked, so the random streams advance the
        same way whoever decides: replaying a game's recorded answers gives the same game. The
        actor's observation is built only when a player looks at it.
        """
        player = self.players.get(actor)
        if player is None:
            return suggested
        decision = Decision(self.day, actor, kind, subject, lambda: observe(self, actor), about, issues)
        return player.choose(decision, lambda: suggested)

    def _negotiate(self) -> None:
        for track in self.tracks:
            status = track.status
            if status is PhaseStatus.NOT_STARTED:
                if self.day >= track.spec.opens_day.value and self._prerequisites_met(track):
                    self._open(track, PhaseEvent.OPEN)
            elif (
                track.reopen_day is not None
                and self.day >= track.reopen_day
                and self._prerequisites_met(track)
            ):
                self._open(track, PhaseEvent.REOPEN)
            if track.status is not PhaseStatus.NEGOTIATING:
                continue
            if self._prerequisites_met(track) and self.day >= track.next_round:
                self._round(track)  # talks are suspended while a prerequisite is not in force
            limit = track.spec.talks_abandoned_after_days  # suspended talks can be abandoned too
            if (
                track.status is PhaseStatus.NEGOTIATING
                and limit is not None
                and self.day - track.opened_day >= limit.value
            ):
                track.move(PhaseEvent.ABANDON, self.day)
                self.log("", track.id, "abandon")
                self._schedule_reopen(track)

    def _open(self, track: Track, event: PhaseEvent) -> None:
        track.move(event, self.day)
        track.opened_day = self.day
        if track.first_opened is None:
            track.first_opened = self.day
        track.next_round = self.day
        track.reopen_day = None
        self.log("", track.id, event.value)

    def _round(self, track: Track) -> None:
        """A negotiation round: the mediators' text, each party's answer, the text revised toward
        those who refused (Raiffa's single negotiating text), leverage on them."""
        package = self.package(track)
        refusing = [
            p
            for p in track.spec.parties
            if not self.actors[p].decide(track, package, "round", self.rng_negotiation)
        ]
        if not refusing:
            self._count_signing(track, "signed")
            self._enter_force(track, package)
            return
        self._revise_text(track, refusing)
        for party in refusing:
            if party in self.pressed_today:
                continue  # a mediator presses a party once a day, however many tracks it refuses
            answered = self.actors[party].answered.get(track.id)
            if answered is not None and answered[2]:
                continue  # a veto on a linked issue: pressure cannot buy a condition, the text must move
            self.pressed_today.add(party)
            for mediator in self.mediators:
                mediator.press(self.actors[party], track)
        track.next_round = self.day + track.spec.round_interval_days.value

    def _count_signing(self, track: Track, kind: str) -> None:
        """Count an agreement, whether any party signed it against its own interest (gain < 0), and
        whether any party's gain was below zero without the mediators' pressure in it (those against
        interest included): how far the deal rests on the levers."""
        totals = self.recorder.totals
        totals[kind] += 1
        signers = [self.actors[p] for p in track.spec.parties if track.id in self.actors[p].answered]
        gains = [a.answered[track.id][1] for a in signers]
        if any(g < 0.0 for g in gains):
            totals[f"{kind}_against_interest"] += 1
        unpressed = [g - a.pressure_on.get(track.id, 0.0) for g, a in zip(gains, signers, strict=True)]
        if any(g < 0.0 for g in unpressed):
            totals[f"{kind}_on_pressure"] += 1

    def _enter_force(self, track: Track, package: dict[str, float]) -> None:
        track.move(PhaseEvent.AGREE, self.day)
        track.package = package
        track.agreed_day = self.day
        track.term_started = self.day
        track.perceived = {}
        if track.entered_day is None:
            track.entered_day = self.day
        duration = track.spec.duration_days
        track.expires_day = None if duration is None else self.day + duration.value
        self.log("", track.id, "enter_force")
        if track.spec.terminal:
            self.settled = True

    def _schedule_reopen(self, track: Track) -> None:
        delay = track.spec.reopens_after_days
        track.reopen_day = None if delay is None else self.day + delay.value

    def package(self, track: Track) -> dict[str, float]:
        """The mediators' package for this round: the truce itself and the single text's terms.

        The text starts at the capability x salience weighted mean of all positions (the naive
        benchmark) and is revised after each refusal (``_revise_text``). A term part of which only an
        outsider can deliver (EU sanctions relief) is capped at what the mediators control until the
        outsider consents. A player's counter-terms are met halfway; a mediator played by a person
        tables its own terms.
        """
        spec = track.spec
        package = {spec.core_issue: 1.0} if spec.core_issue else {}
        if not track.text:
            track.text = {issue: self.compromise[issue] for issue in spec.terms}
        for party, terms in track.counters.items():  # a player's counter-terms: met halfway
            for issue, value in terms.items():
                if issue in spec.terms:
                    track.text[issue] = bargaining.single_text_step(track.text[issue], value, 1.0, 0.5)
            self.log(party, track.id, "counter", detail=" ".join(f"{k}={v:g}" for k, v in terms.items()))
        countered = dict(track.counters)
        track.counters.clear()
        for issue in spec.terms:
            package[issue] = self._deliverable(track, issue, track.text[issue])
        for mediator in self.mediators:  # a mediator played by a person tables its own terms
            if mediator.actor_id in self.players and spec.terms:
                answer = self.choose(
                    mediator.actor_id,
                    "table",
                    track.id,
                    Answer("table"),
                    tabled(self, track, package, "table", countered=countered),
                    tuple(spec.terms),
                )
                for k, v in answer.terms.items():
                    if k in spec.terms:
                        track.text[k] = v
                        package[k] = self._deliverable(track, k, v)
                break
        return package

    def _deliverable(self, track: Track, issue: str, x: float) -> float:
        """The term as the mediators can deliver it: capped where an outsider's consent is missing."""
        outsider = self.spec.issues[issue].third_party
        if outsider is None or track.consented:
            return x
        cap = outsider.controlled.value
        if x <= cap:
            return x
        if self.rng_negotiation.random() < outsider.consent.value:
            track.consented = True
            self.log("", track.id, "consent", detail=f"{outsider.name} consents on {issue}")
            return x
        return cap

    def _revise_text(self, track: Track, refusing: list[str]) -> None:
        """Revise the single text after a round (Raiffa 1982).

        Each term no party links moves toward each refusing party's ideal by the mediators'
        flexibility times that party's relative salience on it (``bargaining.single_text_step``).
        Then every linked term moves, by at most that flexibility, into the band its party's
        condition allows today: the mediators respect stated conditions, so one party's refusal does
        not push a term back out of another's condition.
        """
        spec = track.spec
        if not spec.terms:
            return
        step = self.dyn.mediator_flexibility
        linked = {link.issue for link in spec.linkage}
        for party in refusing:
            agent = self.actors[party]
            if not isinstance(agent, Belligerent):
                continue
            top = max(agent.salience[i] for i in spec.terms) or 1.0
            for issue in spec.terms:
                if issue not in linked:
                    track.text[issue] = bargaining.single_text_step(
                        track.text[issue], agent.position[issue], agent.salience[issue] / top, step
                    )
        for link in spec.linkage:
            agent = self.actors[link.actor]
            if not isinstance(agent, Belligerent):
                continue
            trust = agent.trust_in([p for p in spec.parties if p != link.actor])
            low, high = agent.condition(track, link, agent.held(track, trust))
            x = track.text[link.issue]
            if link.actor in refusing or not low <= x <= high:
                target = low if x < low else high if x > high else x
                if link.actor in refusing and low <= x <= high:
                    target = agent.position[link.issue]  # met, yet refused: concede toward its ideal
                    x_new = bargaining.single_text_step(x, target, 1.0, step)
                else:
                    x_new = x + max(-step, min(step, target - x))
                track.text[link.issue] = x_new

    def _humanitarian(self) -> None:
        h = self.spec.humanitarian
        for ex in h.scheduled:
            if ex.day == self.day:
                self._exchange_all(ex.prisoners_each.value, "scheduled exchange")
                giver = ex.wounded_from
                n = min(ex.wounded.value, self.held[giver])
                self.held[giver] -= n
                self.wounded_handed_over += n
                self.log(giver, "", "hand_over_wounded", detail=f"{n} wounded")
        base, batch, boost = h.base_rate.value, h.batch_size.value, h.trust_boost.value
        brokered = h.brokered.value if h.brokered is not None else 0.0
        for a, b in self.enemy_pairs:
            trust = 0.5 * (self.actors[a].trust[b] + self.actors[b].trust[a])
            p = rules.p_exchange(trust, base, brokered)
            if self.rng_humanitarian.random() < p:
                n = rules.exchange_size(batch, self.held[a], self.held[b])
                if n > 0:
                    self._exchange(a, b, n, boost)
                    self.log(a, "", "exchange", p=p, trust=trust, detail=f"{n} for {n} with {b}")

    def _exchange_all(self, n: int, why: str) -> None:
        boost = self.spec.humanitarian.trust_boost.value
        for a, b in self.enemy_pairs:
            k = rules.exchange_size(n, self.held[a], self.held[b])
            if k > 0:
                self._exchange(a, b, k, boost)
                self.log(a, "", "exchange", detail=f"{why}: {k} for {k} with {b}")

    def _exchange(self, a: str, b: str, n: int, boost: float) -> None:
        self.held[a] -= n
        self.held[b] -= n
        self.prisoners_exchanged += 2 * n
        self.exchanges_today += 1
        for x, y in ((a, b), (b, a)):
            agent = self.actors[x]
            agent.trust[y] = rules.clamp(agent.trust[y] + boost * (1.0 - agent.trust[y]))

    def _truce_lifecycle(self) -> None:
        """Withdrawal as a decision; at its term, renewal as each party's decision on what it delivered."""
        for track in self.tracks:
            if not track.in_force or track.spec.terminal or track.agreed_day == self.day:
                continue  # a truce agreed today is first tested tomorrow
            for party in track.spec.parties:
                agent = self.actors[party]
                if not isinstance(agent, Belligerent):
                    continue
                reasons = agent.wants_out(track)
                if reasons is None:
                    continue
                culprit, grievance, delivered, gain = reasons
                if (
                    self.choose(
                        party,
                        "withdraw",
                        f"{track.id}:{culprit}",
                        Answer("withdraw"),
                        WithdrawalChoice(
                            track.spec.title,
                            self.actors[culprit].name,
                            grievance,
                            agent.violation_tolerance,
                        ),
                    ).choice
                    == "withdraw"
                ):
                    self.log(
                        party,
                        track.id,
                        "withdraw",
                        utility=gain,
                        reservation=agent.floor_demand,
                        trust=agent.trust[culprit],
                        grievance=grievance,
                        detail=f"violations perceived from {culprit} in its domains beyond tolerance "
                        f"{agent.violation_tolerance:g}; it delivered {delivered:.2f} of the promised "
                        f"quiet, worth {gain:+.3f} against fighting on",
                    )
                    track.move(PhaseEvent.COLLAPSE, self.day)
                    self._schedule_reopen(track)
                    break
            else:
                if track.expires_day is not None and self.day >= track.expires_day:
                    self._expire_or_renew(track)

    def _expire_or_renew(self, track: Track) -> None:
        package = track.package or self.package(track)
        renew = track.spec.renewable and all(
            [
                self.actors[p].renew(track, package, self.rng_negotiation)
                for p in track.spec.parties
                if isinstance(self.actors[p], Belligerent)
            ]
        )
        duration = track.spec.duration_days
        if renew:
            self._count_signing(track, "renewed")
        if renew and duration is not None:  # only a truce with a term expires (and is renewed)
            track.move(PhaseEvent.RENEW, self.day)
            track.expires_day = self.day + duration.value
            track.term_started = self.day
            track.perceived = {}
        else:
            track.move(PhaseEvent.EXPIRE, self.day)
            self._schedule_reopen(track)
        self.log("", track.id, "renewed" if renew else "expired")

    def _count_days_in_force(self) -> None:
        for track in self.tracks:
            if track.in_force:
                track.days_in_force += 1

    # -- queries the agents use ------------------------------------------------------------------
    def covering_truce(self, domain: str, a: str, b: str) -> str | None:
        """The id of the truce in force that covers fighting in ``domain`` between a and b.

        Asked only before the day's negotiation and lifecycle (the only steps that change what is
        in force), so the answer is kept for the rest of the day.
        """
        key = (domain, a, b)
        if key not in self._covering:
            self._covering[key] = self._find_covering_truce(domain, a, b)
        return self._covering[key]

    def _find_covering_truce(self, domain: str, a: str, b: str) -> str | None:
        for track in self.tracks:
            if track.in_force and domain in track.spec.domains:
                parties = track.spec.parties
                if a in parties and b in parties:
                    return track.id
        return None

    def covered_by_another(self, track: Track, domain: str, a: str, b: str) -> bool:
        """Whether a truce other than ``track`` already halts fighting in ``domain`` between a and b."""
        for other in self.tracks:
            if other is not track and other.in_force and domain in other.spec.domains:
                parties = other.spec.parties
                if a in parties and b in parties:
                    return True
        return False

    def _prerequisites_met(self, track: Track) -> bool:
        return all(self.by_id[p].in_force for p in track.spec.prerequisites)

    def strike(self, attacker: Belligerent, target: str, domain: str, violation: str | None) -> None:
        """Record a strike: its cost to the target, and, inside a truce, a true violation."""
        self.strikes += 1
        strength = self.battlefield.strength  # today's forces, not the scenario's starting ones
        self.cost_today[target] += rules.strike_damage(
            self.domains[domain].damage, strength[attacker.actor_id], strength[target]
        )
        if violation is not None:
            self.violations.append((attacker.actor_id, target, domain, violation))
        else:
            struck = self.actors[target].struck_today
            struck[attacker.actor_id] = struck.get(attacker.actor_id, 0) + 1

    # -- the day's scratch state -------------------------------------------------------------------
    def _reset_day(self) -> None:
        self._covering: dict[tuple[str, str, str], str | None] = {}
        self.pressed_today: set[str] = set()
        self.violations: list[tuple[str, str, str, str]] = []
        self.perceived_in = dict.fromkeys(self.domains, 0)
        self.detected = 0
        self.false_accusations = 0
        self.disputed = 0
        self.misattributed = 0
        self.claims_today = 0
        self.fought: set[tuple[str, str]] = set()
        self.strikes = 0
        self.exchanges_today = 0
        self.cost_today = dict.fromkeys(self.belligerent_ids, 0.0)
        for b in self.belligerent_ids:
            agent = self.actors[b]
            agent.perceived_yesterday = agent.perceived_today  # what a player sees when it decides to strike
            agent.perceived_in_yesterday = agent.perceived_in_today  # ... and in which domains
            agent.perceived_today = {}
            agent.perceived_in_today = {}
            agent.struck_today = {}

    def result(self) -> RunResult:
        """The run so far as plain data (the recorder's)."""
        return self.recorder.result()


def _package_issues(spec: Phase) -> list[str]:
    return ([spec.core_issue] if spec.core_issue else []) + list(spec.terms)
