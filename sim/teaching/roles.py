"""Role cards, the role matrix and lesson plans: the classroom side of an exercise.

A role card's numbers (priorities, bottom line, conditions, levers) are read from the scenario, so
they stay true when the scenario changes; the exercise adds the prose. The public card gives what
the article says of an actor; the confidential card what the model assumes it wants and will accept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.model.bargaining import linkage_bound
from sim.scenario.schema import Linkage, Role, Scenario, Seeded
from sim.teaching.exercise import Exercise

CLASS_SIZES = range(3, 41)
"""The class sizes the role matrix covers."""


@dataclass(frozen=True)
class Fact:
    """One line of a role card: what it says, and where the number comes from."""

    text: str
    source: str
    cited: str | None = None
    """The seed-article paragraph the number is quoted from ("P11"); None for an assumption."""


def _source(v: Seeded) -> str:
    if v.evidence is not None:
        return f'{v.evidence.source.replace("seed-article#", "article ")}: "{v.evidence.quote}"'
    return f"assumption: {v.assumption}"


def cited(v: Seeded) -> str | None:
    """The article paragraph a value quotes ("P11"), or None if it is an assumption."""
    return v.evidence.source.removeprefix("seed-article#") if v.evidence is not None else None


def position_words(sc: Scenario, issue: str, value: float, you: bool = False) -> str:
    """A position in words: "wants: they stop (1)", or for the player's own card "you want: ..."."""
    i = sc.issues[issue]
    want, lean = ("you want", "you lean to") if you else ("wants", "leans to")
    if value >= 0.8:
        return f"{want}: {i.one} ({value:g})"
    if value <= 0.2:
        return f"{want}: {i.zero} ({value:g})"
    return f"{lean}: {i.one if value > 0.5 else i.zero} ({value:g} on a scale from 0 to 1)"


def public_facts(sc: Scenario, actor: str) -> list[Fact]:
    """The actor's position on every issue, as the table knows it: quoted from the seed article where
    it says so, else the scenario's assumption, marked as one (the article gives Ukraine's own
    positions hardly at all; a card says so rather than leave them out)."""
    a = sc.actors[actor]
    return [
        Fact(f"{sc.issues[i].description}: {position_words(sc, i, v.value)}", _source(v), cited(v))
        for i, v in a.positions.items()
    ]


def confidential_facts(sc: Scenario, actor: str, sheet_phase: str | None = None) -> list[Fact]:
    """Priorities, conditions, the war and levers: what the model assumes of the actor.

    The bottom line is in points, on the card beside its points sheet (``sim.teaching.points``); with
    a sheet for ``sheet_phase`` beside them, that phase's conditions and the levers others use on
    the actor (the sheet prices them) are left to the sheet.
    """
    a = sc.actors[actor]
    facts = []
    ranked = sorted(a.salience.items(), key=lambda kv: -kv[1].value)
    if ranked:
        facts.append(
            Fact(
                "Your priorities (the weight of each issue to you): "
                + "; ".join(f"{lower_first(sc, sc.issues[i].description)} {s.value:.0%}" for i, s in ranked),
                _sources(v for _, v in ranked),
            )
        )
    if a.compliance is not None:
        text = f"Your disposition to keep a truce: {a.compliance.value:g} (0: none, 1: always)"
        if a.violation_tolerance is not None:
            text += (
                f"; you withdraw from it after about {a.violation_tolerance.value:g} recent violations "
                "you perceive"
            )
        facts.append(Fact(text, _source(a.compliance), cited(a.compliance)))
    elif a.violation_tolerance is not None:
        facts.append(
            Fact(
                f"You withdraw from a truce after about {a.violation_tolerance.value:g} recent "
                "violations you perceive",
                _source(a.violation_tolerance),
                cited(a.violation_tolerance),
            )
        )
    trust = [(sc.actors[o].name, t) for o, t in a.trust.items() if o in sc.actors]
    if trust:
        facts.append(
            Fact(
                "Your trust (0: none, 1: full): " + ", ".join(f"in {n} {t.value:g}" for n, t in trust),
                _sources(t for _, t in trust),
            )
        )
    for p, phase in sc.phases.items():
        for lk in phase.linkage:
            if lk.actor == actor and p != sheet_phase:
                facts.append(condition_fact(sc, actor, phase.title, lk))
    facts += war_facts(sc, actor)
    for name, lever in a.levers.items():
        facts.append(
            Fact(
                f"Your lever '{name}' on {sc.actors[lever.target].name} ({lever.kind}): {lever.description}; "
                f"strength {lever.strength.value:g}, believed {lever.credibility.value:.0%} of the time",
                _source(lever.strength),
                cited(lever.strength),
            )
        )
    if sheet_phase is None:
        for b in sc.actors.values():
            for name, lever in b.levers.items():
                if lever.target == actor:
                    facts.append(
                        Fact(
                            f"{b.name} can press you ('{name}', {lever.kind}): {lever.description}",
                            _source(lever.credibility),
                            cited(lever.credibility),
                        )
                    )
    return facts


def _sources(values) -> str:
    """Several values' sources in brief: the paragraphs quoted, or that they are assumptions."""
    paragraphs = sorted({c for v in values if (c := cited(v))}, key=lambda p: (len(p), p))
    return f"article {', '.join(paragraphs)}; the rest assumptions" if paragraphs else "assumptions"


def condition_words(sc: Scenario, lk: Linkage, you: bool = False) -> str:
    """A linkage condition in words, with the numbers of the model's own rule.

    A fixed bound (an override) is stated as it is; a derived one (the baseline's) is the band
    ``sim.model.bargaining.linkage_bound`` gives: the actor's own position while it holds its whole
    demand, widening as it concedes.
    """
    issue = sc.issues[lk.issue]
    what = f"the term on {lower_first(sc, issue.description)}"
    if lk.at_most is not None:
        return f"{what} is at most {lk.at_most.value:g}"
    if lk.at_least is not None:
        return f"{what} is at least {lk.at_least.value:g}"
    ideal = sc.actors[lk.actor].positions[lk.issue].value
    own = "your own position" if you else "its own position"
    concedes = "you concede" if you else "it concedes"

    def band(held: float) -> str:
        low, high = linkage_bound(ideal=ideal, held=held)
        if abs(high - low) < 1e-9:
            return f"exactly {low:g}"
        if low <= 0.0 and high >= 1.0:
            return "any level"
        if low <= 0.0:
            return f"at most {high:g}"
        if high >= 1.0:
            return f"at least {low:g}"
        return f"between {low:g} and {high:g}"

    start, half, end = band(1.0), band(0.5), band(0.0)
    if start == end:
        return f"{what} stays at {own} ({_at(issue, ideal)}), {start}, however far {concedes}"
    return (
        f"{what} stays near {own} ({_at(issue, ideal)}): {start} while "
        f"{'you hold your' if you else 'it holds its'} whole demand, loosening as {concedes} "
        f"({half} halfway, {end} once {'you have' if you else 'it has'} conceded it all)"
    )


def lower_first(sc: Scenario, text: str) -> str:
    """A description inside a sentence: "Sanctions relief ..." -> "sanctions relief ...", but a name
    stays as it is ("Ukraine ceding ...", "US military aid ...")."""
    first = text.split(" ", 1)[0]
    names = {w for a in sc.actors.values() for w in a.name.split()}
    if first in names or (len(first) > 1 and first[1].isupper()) or not text[:1].isupper():
        return text
    return text[0].lower() + text[1:]


def _at(issue, value: float) -> str:
    """A position in brief: "0: none for Ukraine", or "0.3 on a scale from 0 to 1" between the poles."""
    if value <= 0.2:
        return f"{value:g}: {issue.zero}"
    if value >= 0.8:
        return f"{value:g}: {issue.one}"
    return f"{value:g} on a scale from 0 to 1"


def condition_fact(sc: Scenario, actor: str, phase_title: str, lk: Linkage) -> Fact:
    """A role card's line for one of the actor's conditions, with the third party it may need."""
    bound = lk.at_most or lk.at_least or sc.actors[actor].positions[lk.issue]
    text = f"Your condition: you accept the {phase_title} only if {condition_words(sc, lk, you=True)}"
    third = sc.issues[lk.issue].third_party
    if third is not None:
        text += (
            f". The mediator can deliver at most {third.controlled.value:g} of it alone; more needs the "
            f"consent of a party outside the talks ({third.name}: a {third.consent.value:.0%} chance a round)"
        )
    return Fact(text, _source(bound), cited(bound))


def war_facts(sc: Scenario, actor: str) -> list[Fact]:
    """What the actor brings to the war (a belligerent's forces and beliefs) or sends to it (aid)."""
    a = sc.actors[actor]
    facts = []
    bf = sc.battlefield
    if a.forces is not None:
        f = a.forces
        facts.append(
            Fact(
                f"Your forces: strength {a.capability.value:g} at the start, {f.production.value:g} a day "
                "from your own production and recruitment, worn down by fighting",
                _source(f.production),
                cited(f.production),
            )
        )
        facts.append(
            Fact(
                f"You believe you win {f.believed_odds.value:.0%} of the days of ground fighting (a belief "
                f"worth about {f.belief_days.value:g} days of fighting; the fighting itself revises it)",
                _source(f.believed_odds),
                cited(f.believed_odds),
            )
        )
        facts.append(
            Fact(
                f"The contested land is worth {f.stake.value:g} to you (a whole issue's scale is 1); what "
                "you expect to win or lose on the front counts against any truce",
                _source(f.stake),
                cited(f.stake),
            )
        )
        if bf.stake_issue in a.positions and bf.position_learning.value > 0:
            stake = lower_first(sc, sc.issues[bf.stake_issue].description)
            facts.append(
                Fact(
                    f"Your position on {stake} moves with the war: "
                    "toward the enemy's if the fighting goes worse than you believed, back if it goes better",
                    _source(bf.position_learning),
                    cited(bf.position_learning),
                )
            )
    for aid in a.aid.values():
        to = sc.actors[aid.to].name
        facts.append(
            Fact(
                f"Your military aid to {to}: {aid.flow.value:g} strength a day at full level, arriving "
                f"{aid.lag_days.value:g} days after a decision; it follows the level of "
                f"{lower_first(sc, sc.issues[aid.issue].description)} in force",
                _source(aid.flow),
                cited(aid.flow),
            )
        )
    for b in sc.actors.values():
        for aid in b.aid.values():
            if aid.to == actor:
                facts.append(
                    Fact(
                        f"{b.name}'s military aid reaches you {aid.lag_days.value:g} days after a decision: "
                        f"{aid.flow.value:g} strength a day at full level",
                        _source(aid.flow),
                        cited(aid.flow),
                    )
                )
    return facts


@dataclass(frozen=True)
class Seating:
    """How a class of ``students`` sits: tables, and at each the roles filled (a role may be doubled)."""

    students: int
    tables: list[list[str]]


def seat(students: int, core: list[str], optional: list[str], double: list[str] | None = None) -> Seating:
    """Seat a class: enough tables that each fills its core roles, at most one seat per role where possible.

    Extra students fill optional roles first (a mediator, observers), then take a second seat in a
    core role, in the order of ``double`` (default: ``core``), so every table has every core role.
    """
    double = double or core
    if students < len(core):
        raise ValueError(f"{students} students cannot fill the {len(core)} core roles")
    seats = len(core) + len(optional)
    n_tables = max(1, min(students // len(core), math.ceil(students / seats)))
    sizes = [students // n_tables + (1 if i < students % n_tables else 0) for i in range(n_tables)]
    tables = []
    for size in sizes:
        roles = core + optional[: max(0, size - len(core))]
        extra = size - len(roles)
        roles += [double[i % len(double)] for i in range(extra)]
        tables.append(roles)
    return Seating(students, tables)


def role_ids(ex: Exercise, sc: Scenario) -> tuple[list[str], list[str], list[str]]:
    """The exercise's core roles, optional roles, and the order in which core roles get a second seat
    (the parties to the war first: a side is where a second negotiator helps most)."""
    core = [r for r, card in ex.roles.items() if not card.optional]
    optional = [r for r, card in ex.roles.items() if card.optional]
    parties = [r for r in core if r in sc.actors and sc.actors[r].role is Role.BELLIGERENT]
    return core, optional, parties + [r for r in core if r not in parties]


def role_name(ex: Exercise, sc: Scenario, role: str) -> str:
    card = ex.roles[role]
    return card.name or sc.actors[role].name


def plans(ex: Exercise) -> dict[int, list[tuple[int, str]]]:
    """50-, 75- and 90-minute lesson plans: (minutes, activity) in order, summing to the length."""
    code = ex.class_code
    n_tasks = len(ex.tasks)
    tasks = "task 1" if n_tasks == 1 else f"tasks 1–{n_tasks}"
    brief = "Briefing: the decision point and the situation (article paragraphs); hand out the role cards"
    bets = "Place your bets: each table fills in the prediction box before running anything"
    run = f"Run and explore: everyone opens the class run {code}, then {tasks}"
    debrief = (
        "Debrief: place the predictions and the tables' runs in the ensemble (exercise debrief); questions"
    )
    wrap = "Wrap-up: what the model leaves out; this is a model, not a forecast"
    play = "Negotiation round at each table, played from the role cards (US chairs unless a mediator sits)"
    if ex.injects:
        inject = ex.injects[0]
        second = f"Inject on day {inject.day}: read it out; tables renegotiate, then compare with the model"
    else:
        second = "Second negotiation round: tables swap roles, play again and compare with the first round"
    return {
        50: [(8, brief), (5, bets), (17, run), (15, debrief), (5, wrap)],
        75: [(10, brief), (5, bets), (20, play), (20, run), (15, debrief), (5, wrap)],
        90: [(10, brief), (5, bets), (20, play), (15, second), (20, run), (15, debrief), (5, wrap)],
    }
