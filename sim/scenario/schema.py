"""The scenario schema: what a scenario file may say, with ranges, defaults and cross-field rules.

Every number a scenario seeds is a :class:`Seeded` value that carries its provenance: ``evidence``
(a paragraph of the seed article and a short quote, or another named source) or an explicit
``assumption``. Defaults live only here. The models are frozen: a run never mutates its scenario.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sim.scenario.paths import value_at as value_at  # re-exported: the dotted-path reader lives in paths.py

T = TypeVar("T")
MAX_SEED = 2**63 - 1
"""The largest seed (numpy's SeedSequence takes any non-negative int; this keeps it an int64)."""

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share, probability or position on an issue: a number in [0, 1]."""
NonNegative = Annotated[float, Field(ge=0.0)]
Days = Annotated[int, Field(ge=1, le=3650)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
"""A run's days lie between these: a far-future start would overflow the calendar mid-run."""
StartDate = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]

SEED_ARTICLE = "seed-article"
SEED_PARAGRAPHS = frozenset(f"P{i}" for i in range(14))
_SOURCE = re.compile(r"^(?P<doc>[A-Za-z0-9_.:/-]+?)(#(?P<anchor>[A-Za-z0-9_.-]+))?$")
SALIENCE_TOLERANCE = 1e-6


class _Frozen(BaseModel):
    # allow_inf_nan: YAML reads .inf and .nan as floats; no scenario quantity is infinite or undefined
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Evidence(_Frozen):
    """Where a value comes from: ``seed-article#P11`` and a short quote from that paragraph."""

    source: str = Field(description="document and anchor, e.g. seed-article#P11")
    quote: str = Field(min_length=3, max_length=400, description="a short quote that supports it")

    @model_validator(mode="after")
    def _known_paragraph(self) -> Evidence:
        match = _SOURCE.match(self.source)
        if match is None:
            raise ValueError(f"source {self.source!r} is not of the form 'document#anchor'")
        if match["doc"] == SEED_ARTICLE and match["anchor"] not in SEED_PARAGRAPHS:
            raise ValueError(
                f"source {self.source!r}: the seed article has paragraphs P0 to P13 "
                f"(expected e.g. 'seed-article#P11')"
            )
        return self


class _Provenanced(_Frozen):
    """Something a scenario asserts, with why: exactly one of ``evidence`` or ``assumption``."""

    evidence: Evidence | None = None
    assumption: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _has_provenance(self) -> _Provenanced:
        if (self.evidence is None) == (self.assumption is None):
            raise ValueError("give exactly one of 'evidence' (source + quote) or 'assumption' (why)")
        return self

    @property
    def provenance(self) -> str:
        """One line for tables: the source and quote, or the assumption."""
        if self.evidence is not None:
            return f'{self.evidence.source}: "{self.evidence.quote}"'
        return f"assumption: {self.assumption}"


class Seeded(_Provenanced, Generic[T]):
    """A seeded value and why it has that value: exactly one of ``evidence`` or ``assumption``."""

    value: T


class ThirdParty(_Frozen):
    """A share of a good that only a party outside the talks can deliver, and its consent.

    Sanctions relief is partly the EU's to give: the mediators can offer up to ``controlled`` alone;
    beyond it, the term holds only if the outsider consents (a chance per round, ``consent``).
    """

    name: str = Field(description="who must consent, e.g. the European Union")
    controlled: Seeded[Unit] = Field(description="the highest term the mediators can deliver alone")
    consent: Seeded[Unit] = Field(description="chance per round that the outsider consents")


class Issue(_Frozen):
    """A dimension on which actors hold positions in [0, 1]."""

    description: str
    zero: str = Field(description="what position 0 means")
    one: str = Field(description="what position 1 means")
    status_quo: Seeded[Unit] = Field(description="where the issue stands before any agreement")
    third_party: ThirdParty | None = Field(
        default=None, description="part of this good only an outsider can deliver (e.g. EU sanctions)"
    )


class Domain(_Frozen):
    """A domain of fighting that a truce can cover (energy strikes, naval attacks, ground combat)."""

    description: str
    intensity: Seeded[Unit] = Field(description="daily chance a belligerent strikes while uncovered")
    military_value: Seeded[Unit] = Field(description="what striking here gains: the temptation")
    damage: Seeded[NonNegative] = Field(description="cost one strike inflicts on the target")
    front: bool = Field(
        default=False, description="fighting here is a contest for territory (the ground front)"
    )


class Role(StrEnum):
    BELLIGERENT = "belligerent"
    MEDIATOR = "mediator"


STRATEGY_NAMES = ("boulware", "linear", "conceder", "reciprocal", "hardliner")
"""The concession strategies a scenario may name: the keys of ``sim.model.strategies.STRATEGIES``
(a test keeps the two equal; the schema does not import the model)."""


class Concession(_Frozen):
    """How an actor's demand moves from its opening level to its floor (Faratin et al. 1998)."""

    strategy: str = Field(description="a name from sim.model.strategies.STRATEGIES, e.g. boulware")
    opening_demand: Seeded[Annotated[float, Field(ge=-1.0, le=1.0)]]
    floor_demand: Seeded[Annotated[float, Field(ge=-1.0, le=1.0)]]
    patience_days: Seeded[Days] = Field(description="days of talks over which it concedes fully")

    @model_validator(mode="after")
    def _known_strategy(self) -> Concession:
        if self.strategy not in STRATEGY_NAMES:
            raise ValueError(
                f"strategy: unknown strategy {self.strategy!r} "
                f"(expected one of {', '.join(sorted(STRATEGY_NAMES))})"
            )
        if self.floor_demand.value > self.opening_demand.value:
            raise ValueError("floor_demand: must not exceed opening_demand (a demand only falls)")
        return self


class Forces(_Frozen):
    """A belligerent's military as a stock with flows, and what it believes about the war.

    Strength starts at the actor's ``capability``; its own ``production`` adds to it every day,
    fighting wears it down (``battlefield.attrition``). ``stake`` is what the whole contested zone is
    worth to it on the utility scale of its positions (Fearon 1995's V). Its belief about its odds of
    winning a day's ground contest starts at ``believed_odds`` with the weight of ``belief_days`` of
    observed fighting (a Beta prior; Filson & Werner 2002, Slantchev 2003).
    """

    production: Seeded[NonNegative] = Field(description="strength added per day by its own means")
    stake: Seeded[NonNegative] = Field(description="utility of holding the whole contested zone")
    believed_odds: Seeded[Annotated[float, Field(gt=0.0, lt=1.0)]] = Field(
        description="prior belief: its chance of winning a day's ground contest"
    )
    belief_days: Seeded[Annotated[float, Field(gt=0.0, le=10_000.0)]] = Field(
        description="how many days of fighting the prior belief is worth"
    )


class Aid(_Frozen):
    """Military aid a mediator sends a belligerent: a flow of strength, delivered after a lag.

    The flow is scaled by the level of ``issue`` in force (the status quo, or the term of a signed
    package that sets it), so "aid continues" and "aid halted" move the balance of forces.
    """

    to: Identifier
    issue: Identifier = Field(description="the issue whose level scales the flow (e.g. military_aid)")
    flow: Seeded[NonNegative] = Field(description="strength delivered per day at the issue's level 1")
    lag_days: Seeded[Days] = Field(description="days from a decision on aid to its effect at the front")


class Lever(_Frozen):
    """Pressure a mediator can bring on a party: an inducement or a threat."""

    target: Identifier
    kind: Literal["inducement", "threat"]
    description: str = ""
    strength: Seeded[Unit] = Field(description="pressure added to the target's acceptance score")
    credibility: Seeded[Unit] = Field(description="chance the lever is applied after each refusal")


class Actor(_Frozen):
    """A party or mediator, seeded with positions, salience, capability and strategy."""

    name: str
    role: Role
    capability: Seeded[Annotated[float, Field(gt=0.0, le=1.0)]]
    resolve: Seeded[Annotated[float, Field(gt=0.0)]] = Field(
        description="cost the actor can absorb before half-ripe for settlement"
    )
    positions: dict[Identifier, Seeded[Unit]]
    salience: dict[Identifier, Seeded[Unit]]
    concession: Concession | None = None
    compliance: Seeded[Unit] | None = Field(default=None, description="propensity to keep a truce")
    violation_tolerance: Seeded[NonNegative] | None = Field(
        default=None, description="grievance at which the actor withdraws from a truce"
    )
    trust: dict[Identifier, Seeded[Unit]] = Field(default_factory=dict)
    levers: dict[Identifier, Lever] = Field(default_factory=dict)
    opponents: list[Identifier] | None = Field(
        default=None, description="belligerents it fights (default: every other belligerent)"
    )
    forces: Forces | None = Field(default=None, description="a belligerent's strength and beliefs")
    aid: dict[Identifier, Aid] = Field(default_factory=dict, description="aid it sends")

    @model_validator(mode="after")
    def _salience_sums_to_one(self) -> Actor:
        total = sum(s.value for s in self.salience.values())
        if abs(total - 1.0) > SALIENCE_TOLERANCE:
            raise ValueError(f"salience: saliences must sum to 1 (they sum to {total:.4g})")
        if self.role is Role.BELLIGERENT:
            missing = [
                f
                for f in ("concession", "compliance", "violation_tolerance", "forces")
                if getattr(self, f) is None
            ]
            if missing:
                raise ValueError(f"a belligerent needs {', '.join(missing)}")
        return self


class Linkage(_Frozen):
    """An actor makes one issue a condition of a phase (P10): it will not trade it against others.

    Without a bound, the condition derives from the actor's own position and concession: the term
    must lie at least as close to its ideal as the share of the way from the status quo its demand
    still holds (``sim.model.bargaining.linkage_bound``). A fixed ``at_most``/``at_least`` overrides
    that (an exercise's "what if the condition were X"), and is then an assumption of its own.
    """

    actor: Identifier
    issue: Identifier
    at_most: Seeded[Unit] | None = None
    at_least: Seeded[Unit] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Linkage:
        if self.at_most is not None and self.at_least is not None:
            raise ValueError("a linkage gives at most one of 'at_most' or 'at_least'")
        return self


OutcomeLabel = Identifier


class Phase(_Frozen):
    """A track of the phased ceasefire: what it covers, when it opens, what it asks, how it ends."""

    title: str
    outcome: OutcomeLabel = Field(description="the run's outcome while this is the furthest in force")
    core_issue: Identifier | None = Field(
        default=None, description="the issue the phase settles at 1 (the truce itself)"
    )
    terms: list[Identifier] = Field(default_factory=list, description="issues the package sets")
    domains: list[Identifier] = Field(default_factory=list, description="fighting it halts")
    parties: list[Identifier] = Field(min_length=1, description="actors who must accept")
    prerequisites: list[Identifier] = Field(
        default_factory=list, description="phases that must be in force for talks to meet and to agree"
    )
    opens_day: Seeded[Annotated[int, Field(ge=0, le=3650)]]
    round_interval_days: Seeded[Days]
    talks_abandoned_after_days: Seeded[Days] | None = None
    duration_days: Seeded[Days] | None = Field(default=None, description="None: open-ended")
    renewable: bool = True
    reopens_after_days: Seeded[Days] | None = Field(
        default=None, description="days after a collapse or expiry before talks reopen; None: never"
    )
    terminal: bool = Field(default=False, description="signing it ends the run (peace framework)")
    agreed_on_day: Seeded[Annotated[int, Field(ge=0, le=3650)]] | None = Field(
        default=None, description="agreed before or outside the talks: enters force that day (P5)"
    )
    linkage: list[Linkage] = Field(default_factory=list)
    evidence: Evidence | None = None
    assumption: str | None = None


class Battlefield(_Frozen):
    """The war the talks happen in: a contest for territory whose course moves strength and beliefs."""

    territory: dict[Identifier, Seeded[Unit]] = Field(
        description="share of the contested zone each belligerent holds at the start (first of a pair)"
    )
    decisiveness: Seeded[Annotated[float, Field(gt=0.0, le=10.0)]] = Field(
        description="the contest success function's exponent (Hirshleifer 1989)"
    )
    front_step: Seeded[Unit] = Field(description="territory a day's won ground contest moves")
    attrition: Seeded[Unit] = Field(
        description="strength lost per day of ground fighting, per unit of the enemy's effort"
    )
    belief_memory: Seeded[Unit] = Field(
        description="share of past evidence kept each day (beliefs track a changing war)"
    )
    planning_days: Seeded[Days] = Field(
        description="how far ahead a belligerent values the war's course (its shadow of the future)"
    )
    position_learning: Seeded[Annotated[float, Field(ge=0.0, le=20.0)]] = Field(
        description="how far a belligerent's position on the stake issue moves per unit of belief revised"
    )
    stake_issue: Identifier = Field(description="the issue the war itself decides (territory)")


class Monitoring(_Frozen):
    """How violations come to be perceived: detection and misattribution."""

    strength: Seeded[Unit] = Field(description="chance a true violation is detected and attributed")
    false_alarm_rate: Seeded[Unit] = Field(
        description="daily chance, per truce domain, of an incident wrongly blamed, with no monitor"
    )
    disputed_rate: Seeded[Unit] = Field(
        description="daily chance, per truce domain, of an incident each side blames on the other"
    )
    misattribution: Seeded[Unit] = Field(
        description="chance a detected strike is blamed on the wrong side (with no monitor)"
    )
    claim_rate: Seeded[NonNegative] = Field(
        description="public accusations per perceived violation, rising with grievance"
    )


class Exchange(_Frozen):
    """A scheduled humanitarian handover (P11). Day 1 is the day after ``start_date``."""

    day: Annotated[int, Field(ge=1, le=3650)]
    prisoners_each: Seeded[Count]
    wounded: Seeded[Count] = Field(description="wounded handed over by 'from'")
    wounded_from: Identifier


class Humanitarian(_Frozen):
    """Prisoner exchanges: scheduled ones, and later ones whose rate rises with trust."""

    prisoners_held: dict[Identifier, Seeded[Count]] = Field(
        description="prisoners of the other side each belligerent holds at the start"
    )
    scheduled: list[Exchange] = Field(default_factory=list)
    base_rate: Seeded[Unit] = Field(description="daily chance of an exchange at full trust")
    batch_size: Seeded[Count]
    trust_boost: Seeded[Unit]
    brokered: Seeded[Unit] | None = Field(
        default=None, description="share of the exchange rate a third party brokers whatever the trust"
    )


class Incident(_Provenanced):
    """A strike on a given day, whatever the striker's disposition: an inject ("an attack on Black
    Sea shipping on day 12").

    It is struck after the day's decisions and goes through monitoring like any strike: a true
    violation if a truce covers its domain, perceived only if detected. It draws no random number,
    so a scenario without incidents runs exactly as before.
    """

    day: Annotated[int, Field(ge=1, le=3650)]
    attacker: Identifier
    domain: Identifier
    target: Identifier | None = Field(default=None, description="default: each enemy of the attacker")
    description: str = ""

    def summary(self) -> str:
        """``day 12: russia strikes naval (a ship hit near Odesa)``."""
        target = f" on {self.target}" if self.target else ""
        what = f" ({self.description})" if self.description else ""
        return f"day {self.day}: {self.attacker} strikes {self.domain}{target}{what}"


class Dynamics(_Frozen):
    """Weights of the day's rules; each one an assumption to be swept."""

    acceptance_noise: Seeded[Annotated[float, Field(gt=0.0, le=1.0)]]
    commitment_risk: Seeded[Unit]
    cost_of_war: Seeded[NonNegative]
    temptation_weight: Seeded[NonNegative]
    compliance_weight: Seeded[NonNegative]
    retaliation_weight: Seeded[NonNegative]
    deterrence_weight: Seeded[NonNegative]
    pressure_weight: Seeded[NonNegative]
    spoiler_rate: Seeded[Unit]
    forgiveness: Seeded[Unit] = Field(description="share of grievance forgotten each day")
    trust_gain: Seeded[Unit]
    trust_loss: Seeded[Unit]
    trust_drift: Seeded[Unit]
    pressure_decay: Seeded[Unit]
    max_pressure: Seeded[Unit] = Field(description="the most pressure mediators can put on an actor")
    mediator_flexibility: Seeded[Unit] = Field(
        description="how far a mediator moves a term toward a linkage demand"
    )
    hostility: Seeded[Unit] = Field(
        description="trust lost per strike received while talks are open (attacks during talks)"
    )


class Scenario(_Frozen):
    """A whole scenario. With an ensemble seed it fully describes a run."""

    name: Identifier
    title: str
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    start_date: StartDate
    horizon_days: Days = 180
    outcomes: list[Identifier] = Field(
        default_factory=list,
        description="outcome labels from least to most comprehensive (default: in phase order)",
    )
    issues: dict[Identifier, Issue] = Field(min_length=1)
    domains: dict[Identifier, Domain] = Field(min_length=1)
    actors: dict[Identifier, Actor] = Field(min_length=2)
    phases: dict[Identifier, Phase] = Field(min_length=1)
    battlefield: Battlefield
    monitoring: Monitoring
    humanitarian: Humanitarian
    dynamics: Dynamics
    incidents: list[Incident] = Field(default_factory=list, description="scheduled strikes (injects)")

    @model_validator(mode="after")
    def _references_resolve(self) -> Scenario:
        problems = list(itertools.islice(_reference_problems(self), 100))  # a hostile file: not millions
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def outcome_rank(self) -> dict[str, int]:
        """Precedence of outcome labels: the explicit list, else the order phases name them."""
        labels = self.outcomes or list(dict.fromkeys(p.outcome for p in self.phases.values()))
        return {label: i for i, label in enumerate(labels)}

    def enemies(self, actor: str) -> list[str]:
        """The belligerents an actor fights, in scenario order.

        Two belligerents fight unless either one's ``opponents`` list leaves the other out, so the
        relation is symmetric: an ally listing only Russia fights neither Ukraine nor is fought by it.
        """
        if self.actors[actor].role is not Role.BELLIGERENT:
            return []

        def accepts(a: str, b: str) -> bool:
            listed = self.actors[a].opponents
            return listed is None or b in listed

        return [b for b in self.belligerents if b != actor and accepts(actor, b) and accepts(b, actor)]

    @property
    def belligerents(self) -> list[str]:
        return [a for a, actor in self.actors.items() if actor.role is Role.BELLIGERENT]

    @property
    def mediators(self) -> list[str]:
        return [a for a, actor in self.actors.items() if actor.role is Role.MEDIATOR]


def _reference_problems(s: Scenario):
    """Yield one message per cross-reference that names something the scenario lacks."""
    actors, issues, phases, domains = set(s.actors), set(s.issues), set(s.phases), set(s.domains)
    belligerents = s.belligerents

    def unknown(kind: str, name: str, known: set[str]) -> str:
        return f"unknown {kind} {name!r} (known: {', '.join(sorted(known))})"

    last_day = s.start_date + dt.timedelta(days=s.horizon_days)
    if last_day > LATEST_DATE:
        yield f"horizon_days: the run would end on {last_day}, after the latest date ({LATEST_DATE})"
    if len(s.belligerents) < 2:
        yield "actors: a scenario needs at least two belligerents"
    if s.outcomes:
        for p, phase in s.phases.items():
            if phase.outcome not in s.outcomes:
                yield f"phases.{p}.outcome: {phase.outcome!r} is not in outcomes ({', '.join(s.outcomes)})"
    for a, actor in s.actors.items():
        for issue in sorted(issues - set(actor.positions)):
            yield f"actors.{a}.positions: missing issue {issue!r}"
        for issue in sorted(set(actor.positions) - issues):
            yield f"actors.{a}.positions: {unknown('issue', issue, issues)}"
        for issue in sorted(set(actor.salience) - issues):
            yield f"actors.{a}.salience: {unknown('issue', issue, issues)}"
        for other in actor.trust:
            if other not in actors:
                yield f"actors.{a}.trust: {unknown('actor', other, actors)}"
            elif other == a:
                yield f"actors.{a}.trust: an actor holds no trust in itself"
        if actor.role is Role.BELLIGERENT:
            partners = {p for ph in s.phases.values() if a in ph.parties for p in ph.parties}
            enemies = set(s.enemies(a))  # once per actor: the check stays quadratic, not cubic
            for other in belligerents:
                needed = other in enemies or other in partners
                if other != a and needed and other not in actor.trust:
                    yield f"actors.{a}.trust: missing trust in belligerent {other!r}"
        for other in actor.opponents or []:
            if other not in belligerents or other == a:
                yield f"actors.{a}.opponents: {unknown('belligerent', other, set(belligerents) - {a})}"
        for aid_id, aid in actor.aid.items():
            if aid.to not in belligerents:
                yield f"actors.{a}.aid.{aid_id}.to: {unknown('belligerent', aid.to, set(belligerents))}"
            if aid.issue not in issues:
                yield f"actors.{a}.aid.{aid_id}.issue: {unknown('issue', aid.issue, issues)}"
        for lever_id, lever in actor.levers.items():
            if lever.target not in actors:
                yield f"actors.{a}.levers.{lever_id}.target: {unknown('actor', lever.target, actors)}"
    for p, phase in s.phases.items():
        for issue in [i for i in (phase.core_issue, *phase.terms) if i is not None]:
            if issue not in issues:
                yield f"phases.{p}: {unknown('issue', issue, issues)}"
        for d in phase.domains:
            if d not in domains:
                yield f"phases.{p}.domains: {unknown('domain', d, domains)}"
        for party in phase.parties:
            if party not in actors:
                yield f"phases.{p}.parties: {unknown('actor', party, actors)}"
            elif s.actors[party].role is not Role.BELLIGERENT:
                yield (
                    f"phases.{p}.parties: {party!r} is a {s.actors[party].role.value}; the parties "
                    f"who accept or refuse a truce are belligerents (mediators table the package)"
                )
        for pre in phase.prerequisites:
            if pre not in phases:
                yield f"phases.{p}.prerequisites: {unknown('phase', pre, phases)}"
            elif pre == p:
                yield f"phases.{p}.prerequisites: a phase cannot require itself"
        for link in phase.linkage:
            if link.actor not in phase.parties:
                yield (
                    f"phases.{p}.linkage: {link.actor!r} is not among the phase's parties "
                    f"({', '.join(phase.parties)}): only a party's condition can be enforced"
                )
            if link.issue not in issues:
                yield f"phases.{p}.linkage: {unknown('issue', link.issue, issues)}"
            elif link.issue not in phase.terms:
                yield f"phases.{p}.linkage: issue {link.issue!r} is not among the phase's terms"
    yield from _cycle_problems(s)
    bf = s.battlefield
    if bf.stake_issue not in issues:
        yield f"battlefield.stake_issue: {unknown('issue', bf.stake_issue, issues)}"
    for holder in bf.territory:
        if holder not in belligerents:
            yield f"battlefield.territory.{holder}: {unknown('belligerent', holder, set(belligerents))}"
    for i, inc in enumerate(s.incidents):
        if inc.attacker not in s.belligerents:
            yield f"incidents.{i}.attacker: {unknown('belligerent', inc.attacker, set(s.belligerents))}"
        elif inc.target is not None and inc.target not in s.enemies(inc.attacker):
            enemies = set(s.enemies(inc.attacker))
            yield f"incidents.{i}.target: {unknown(f'enemy of {inc.attacker}', inc.target, enemies)}"
        elif not s.enemies(inc.attacker):
            yield f"incidents.{i}.attacker: {inc.attacker!r} fights no one (see its opponents)"
        if inc.day > s.horizon_days:
            yield f"incidents.{i}.day: day {inc.day} is after the last day simulated ({s.horizon_days})"
        if inc.domain not in domains:
            yield f"incidents.{i}.domain: {unknown('domain', inc.domain, domains)}"
    h = s.humanitarian
    for holder in h.prisoners_held:
        if holder not in s.belligerents:
            yield f"humanitarian.prisoners_held: {unknown('belligerent', holder, set(s.belligerents))}"
    for i, ex in enumerate(h.scheduled):
        if ex.wounded_from not in s.belligerents:
            yield (
                f"humanitarian.scheduled.{i}.wounded_from: "
                f"{unknown('belligerent', ex.wounded_from, set(s.belligerents))}"
            )


def _cycle_problems(s: Scenario):
    """Prerequisites must form no cycle, or no phase on it could ever open.

    An iterative depth-first search: a chain of thousands of prerequisites is no recursion limit.
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in s.phases:
        if state.get(start):
            continue
        path: list[str] = [start]
        todo: list[list[str]] = [list(s.phases[start].prerequisites)]
        state[start] = 1
        while path:
            if not todo[-1]:
                state[path.pop()] = 2
                todo.pop()
                continue
            nxt = todo[-1].pop()
            if nxt not in s.phases or state.get(nxt) == 2:
                continue
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                yield f"phases: prerequisites form a cycle: {' -> '.join(cycle)}"
                return
            state[nxt] = 1
            path.append(nxt)
            todo.append(list(s.phases[nxt].prerequisites))


def seeded_values(node: BaseModel, prefix: str = "") -> list[tuple[str, Seeded]]:
    """Every seeded value in a scenario, with its dotted parameter path (as ``--set`` takes it)."""
    found: list[tuple[str, Seeded]] = []

    def walk(value: object, path: str) -> None:
        if isinstance(value, Seeded):
            found.append((path, value))
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name), f"{path}.{name}" if path else name)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}.{i}")

    walk(node, prefix)
    return found
