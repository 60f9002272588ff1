"""Scored deals: the model's utilities as points, for role cards and for deals reached at class tables.

A belligerent's points for a package are the model's own valuation
(``sim.model.agents.Belligerent.value``: share of the horizon x spatial package gain + the truce's
value against the war + the mediators' pressure - the commitment risk of a side it distrusts), times
:data:`POINTS`. No deal is worth 0 by construction: every gain is measured against fighting on.

The model gives a mediator no utility of its own (it tables texts and presses; it never accepts). Its
points here are derived from its own positions and salience with the same spatial function the
parties use (``sim.model.bargaining.package_gain``, scaled like theirs by the share of the planning
horizon a truce's term covers), and each use of a lever costs it points (:data:`LEVER_COST`, an
assumption: US pressure is not free). Scores are computed on a model the scoring never changes: a
fresh one by default, and ``value`` only recomputes a learned position from the model's own state.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from sim.model import bargaining, rules
from sim.model.agents import Belligerent
from sim.model.ceasefire import CeasefireModel, Track, benchmark_compromise
from sim.model.decisions import POINTS
from sim.model.strategies import STRATEGIES
from sim.scenario.schema import Role, Scenario
from sim.teaching.roles import condition_words

LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""The levels of a term a points sheet prices."""
LEVER_COST = 0.1
"""Points a mediator pays per use of a lever, per point of pressure the lever adds (an assumption)."""
LEVER_COST_ASSUMPTION = (
    "US pressure is not free: each use of a lever costs the mediator a tenth of the points it adds "
    "to the target's valuation (its strength x 100 x 0.1): a promise or a threat spends credibility "
    "and political capital at home. Calibrated so that the pressure the US agent applies in a "
    "baseline game (about 50 uses) costs about what one term of the full ceasefire is worth to the "
    "US (about 8 points against 10): pressing pays when it brings a deal, not when it does not"
)
NO_DEAL = (
    "No deal is worth 0 points: every number here is measured against fighting on as it is "
    "(the war's costs and gains are inside the truce's value)."
)


@dataclass(frozen=True)
class TermRow:
    """One term of a phase's package: what its ends mean, and its points at :data:`LEVELS`."""

    issue: str
    description: str
    zero: str
    one: str
    status_quo: float
    opening: float
    """The mediator's opening text on this term (the capability x salience compromise)."""
    points: tuple[float, ...]
    """Points at each of :data:`LEVELS`, over the term left at its status quo (others held there)."""


@dataclass(frozen=True)
class LeverRow:
    """A lever: its cost to the mediator who uses it, or what it adds to the target's valuation."""

    lever: str
    owner: str
    target: str
    kind: str
    points: float
    """Per use: negative on the mediator's sheet (its cost), positive on the target's (pressure)."""


@dataclass(frozen=True)
class PointsSheet:
    """A role's one-page points sheet for one phase (by default at the start of the exercise, day 0)."""

    actor: str
    name: str
    mediator: bool
    phase: str
    title: str
    core_issue: str | None
    truce_points: float
    """The truce itself with every term at its status quo: issue + war + distrust parts."""
    core_points: float
    war_points: float
    """The halt to fighting against fighting on, over the term (``Belligerent.truce_value``)."""
    risk_points: float
    """The commitment risk of a side it distrusts (negative or 0)."""
    rows: tuple[TermRow, ...]
    opening_points: float
    """The whole mediator's opening text, scored (``score_deal``)."""
    demand_start: float | None
    """Points it demands when talks open (its opening demand); None for a mediator."""
    demand_end: float | None
    """Points it still demands once its patience has run out, at its trust today."""
    strategy: str | None
    patience_days: int | None
    conditions: tuple[str, ...]
    levers: tuple[LeverRow, ...]
    additive: bool
    """A deal's points are the truce's points plus each term's row (True for every baseline phase)."""
    day: int = 0
    """The model's day the sheet values things on."""


def headline_phase(sc: Scenario, actor: str | None = None) -> str:
    """The phase an exercise's deal is about, by default: the most comprehensive truce short of a
    settlement.

    The non-terminal phase with terms that ``actor`` is party to (any, for a mediator or None) whose
    outcome ranks highest (the baseline's 30-day full ceasefire), ties in file order; else the first
    phase with terms; else the first phase.
    """
    rank = sc.outcome_rank()
    mediator = actor is None or sc.actors[actor].role is Role.MEDIATOR
    candidates = [
        (rank[ph.outcome], -i, p)
        for i, (p, ph) in enumerate(sc.phases.items())
        if ph.terms and not ph.terminal and (mediator or actor in ph.parties)
    ]
    if candidates:
        return max(candidates)[2]
    with_terms = [p for p, ph in sc.phases.items() if ph.terms]
    return with_terms[0] if with_terms else next(iter(sc.phases))


def package_problems(sc: Scenario, phase: str, terms: Mapping[str, float]) -> list[str]:
    """What is wrong with a deal's terms for a phase, one line each (empty: a valid deal)."""
    if phase not in sc.phases:
        return [f"{phase}: no such phase (phases: {', '.join(sc.phases)})"]
    spec = sc.phases[phase]
    problems = []
    for issue, x in terms.items():
        if issue == spec.core_issue:
            problems.append(f"{issue}: the truce itself, always 1 in its own phase (not a term to set)")
        elif issue not in spec.terms:
            known = ", ".join(spec.terms) or "none"
            problems.append(f"{issue}: not a term of {spec.title} (its terms: {known})")
        elif not (isinstance(x, int | float) and 0.0 <= x <= 1.0):
            problems.append(f"{issue}={x}: a term is between 0 and 1")
    return problems


def full_package(sc: Scenario, phase: str, terms: Mapping[str, float]) -> dict[str, float]:
    """The package as the model values it: the core issue at 1 (``CeasefireModel.package``), then
    every term, those not given at the mediator's opening text (``benchmark_compromise``)."""
    spec = sc.phases[phase]
    opening = benchmark_compromise(sc)
    package = {spec.core_issue: 1.0} if spec.core_issue else {}
    for issue in spec.terms:
        package[issue] = float(terms.get(issue, opening[issue]))
    return package


def _share(model: CeasefireModel, track: Track) -> float:
    duration = track.spec.duration_days
    return 1.0 if duration is None else min(1.0, duration.value / model.planning_days)


def _mediator_gain(model: CeasefireModel, actor: str, track: Track, package: dict[str, float]) -> float:
    a = model.actors[actor]
    return _share(model, track) * bargaining.package_gain(package, track.status_quo, a.position, a.salience)


def _gain(model: CeasefireModel, actor: str, track: Track, package: dict[str, float]) -> float:
    agent = model.actors[actor]
    if isinstance(agent, Belligerent):
        return agent.value(track, package)[0]
    return _mediator_gain(model, actor, track, package)


def score_deal(
    sc: Scenario, phase: str, package: Mapping[str, float], model: CeasefireModel | None = None
) -> dict[str, float]:
    """Points per actor (every role) for a deal on ``phase``: terms not given at the opening text.

    A belligerent's are exactly ``POINTS x model.actors[a].value(track, full_package)[0]`` in the
    model's state (default: a fresh model of ``sc`` at day 0, before any truce is in force); a
    mediator's are its spatial gain (module docstring). The deal is scored as written: a term part of
    which only an outsider can deliver (sanctions relief beyond the US's share) counts as agreed, not
    capped as the model's mediators deliver it. Raises ValueError for a bad phase or term.
    """
    problems = package_problems(sc, phase, package)
    if problems:
        raise ValueError("; ".join(problems))
    m = model if model is not None else CeasefireModel(sc, seed=sc.seed, record=False)
    track = m.by_id[phase]
    full = full_package(sc, phase, package)
    scores = {a: POINTS * _gain(m, a, track, full) for a in m.actors}
    if model is None:
        m.release()  # mesa 3.3 keeps every model alive otherwise (see CeasefireModel.release)
    return scores


def lever_cost(strength: float) -> float:
    """Points a mediator pays for one use of a lever of this strength (:data:`LEVER_COST_ASSUMPTION`)."""
    return POINTS * LEVER_COST * strength


def points_sheet(
    sc: Scenario, actor: str, phase: str | None = None, model: CeasefireModel | None = None
) -> PointsSheet:
    """The actor's points sheet for ``phase`` (default: :func:`headline_phase`) in ``model``'s state
    (default: a fresh model at day 0, before any truce is in force, as :func:`score_deal`).

    Each term's row is its exact marginal in the model: the package with that term at each level
    against the term at its status quo, every other term at its status quo too. The model's gain is
    a sum over terms (the spatial gains; military aid also through the war, alone), so a deal's
    points are the truce's points plus its terms' rows (``additive``); were two terms both to drive
    the same side's aid, the rows would hold only with the others at the status quo.
    """
    if actor not in sc.actors:
        raise ValueError(f"{actor}: no such actor (actors: {', '.join(sc.actors)})")
    phase = headline_phase(sc, actor) if phase is None else phase
    if phase not in sc.phases:
        raise ValueError(f"{phase}: no such phase (phases: {', '.join(sc.phases)})")
    spec = sc.phases[phase]
    fresh = model is None
    model = CeasefireModel(sc, seed=sc.seed, record=False) if model is None else model
    track = model.by_id[phase]
    agent = model.actors[actor]
    status_quo = {i: sc.issues[i].status_quo.value for i in spec.terms}
    base = full_package(sc, phase, status_quo)
    opening = benchmark_compromise(sc)

    def gain(pkg: dict[str, float]) -> float:
        return _gain(model, actor, track, pkg)

    truce = gain(base)
    rows = tuple(
        TermRow(
            issue,
            sc.issues[issue].description,
            sc.issues[issue].zero,
            sc.issues[issue].one,
            status_quo[issue],
            opening[issue],
            tuple(POINTS * (gain({**base, issue: x}) - truce) for x in LEVELS),
        )
        for issue in spec.terms
    )
    share = _share(model, track)
    core = spec.core_issue
    core_points = (
        POINTS
        * share
        * bargaining.issue_gain(1.0, track.status_quo[core], agent.position[core], agent.salience[core])
        if core
        else 0.0
    )
    belligerent = isinstance(agent, Belligerent)
    war_points = POINTS * agent.truce_value(track, base) if belligerent else 0.0
    risk_points = POINTS * truce - core_points - war_points if belligerent else 0.0
    demand_start = demand_end = None
    strategy = patience = None
    if belligerent:
        trust = agent.trust_in([p for p in spec.parties if p != actor])
        held_at_end = agent.strategy.remaining(1.0, trust)
        demand_start = POINTS * agent.opening_demand
        demand_end = POINTS * rules.demand(agent.opening_demand, agent.floor_demand, held_at_end)
        strategy = STRATEGIES[sc.actors[actor].concession.strategy].name
        patience = agent.patience_days
    sheet = PointsSheet(
        actor=actor,
        name=sc.actors[actor].name,
        mediator=not belligerent,
        phase=phase,
        title=spec.title,
        core_issue=core,
        truce_points=POINTS * truce,
        core_points=core_points,
        war_points=war_points,
        risk_points=risk_points,
        rows=rows,
        opening_points=POINTS * gain(full_package(sc, phase, {})),
        demand_start=demand_start,
        demand_end=demand_end,
        strategy=strategy,
        patience_days=patience,
        conditions=tuple(condition_words(sc, lk, you=True) for lk in spec.linkage if lk.actor == actor),
        levers=_levers(sc, actor),
        additive=_additive(sc, phase),
        day=model.day,
    )
    if fresh:
        model.release()
    return sheet


def _levers(sc: Scenario, actor: str) -> tuple[LeverRow, ...]:
    """The actor's own levers (their cost) and the levers others can use on it (their pressure)."""
    rows = []
    for owner_id, owner in sc.actors.items():
        for lever_id, lever in owner.levers.items():
            if owner_id == actor:
                points = -lever_cost(lever.strength.value)
            elif lever.target == actor:
                points = POINTS * lever.strength.value
            else:
                continue
            rows.append(LeverRow(lever_id, owner.name, sc.actors[lever.target].name, lever.kind, points))
    return tuple(rows)


def _additive(sc: Scenario, phase: str) -> bool:
    """Whether at most one of the phase's terms drives any one side's aid (then the rows add up)."""
    terms = set(sc.phases[phase].terms)
    driving: dict[str, set[str]] = {}
    for donor in sc.actors.values():
        for line in donor.aid.values():
            if line.issue in terms:
                driving.setdefault(line.to, set()).add(line.issue)
    return all(len(issues) <= 1 for issues in driving.values())


def _pts(x: float) -> str:
    """Points as a card shows them: signed, one decimal ("+4.0", "-8.3", "0.0")."""
    r = round(x, 1)
    return "0.0" if r == 0 else f"{r:+.1f}"


def _level(x: float) -> str:
    return f"{x:g}"


PACE = {
    "boulware": " little at first and most near the end",
    "linear": " evenly",
    "conceder": " most of the way early",
    "reciprocal": " as far as you trust the other side",
}
"""A concession strategy's pace in plain words (sim.model.strategies), for a card played on paper."""


def _reservation(sheet: PointsSheet) -> str:
    if sheet.demand_start is None:
        return (
            "No reservation in the model: the mediator never accepts or refuses; a deal the parties "
            "sign is worth its points to you, less what your levers cost."
        )
    pace = PACE.get(sheet.strategy.lower(), "")
    end = (
        f"concede{pace} over {sheet.patience_days} days of talks to {_pts(sheet.demand_end)}"
        if sheet.demand_end is not None and abs(sheet.demand_end - sheet.demand_start) > 1e-9
        else "never concede"
    )
    return (
        f"Your reservation: at the start you accept only a deal worth at least {_pts(sheet.demand_start)} "
        f"points; you {end} (at your trust today)."
    )


def _lever_text(sheet: PointsSheet, row: LeverRow) -> str:
    if row.points < 0:
        cost = -row.points
        return f"Your lever '{row.lever}' ({row.kind}) on {row.target}: costs you {cost:.1f} points a use."
    return (
        f"{row.owner} can press you with '{row.lever}' ({row.kind}): {_pts(row.points)} points to a deal "
        "in these talks per use, fading over a few weeks."
    )


def _how(sheet: PointsSheet) -> str:
    add = (
        "A deal's points: the truce's points plus each term's points at its level."
        if sheet.additive
        else "Each term's points hold with the other terms at the status quo (they interact here)."
    )
    when = "at the start (day 0)" if sheet.day == 0 else f"on day {sheet.day}"
    return f"Valued {when}; {POINTS} points = one unit of the model's gain. {add} {NO_DEAL}"


def sheet_lines(sheet: PointsSheet) -> list[str]:
    """The sheet as plain text (the terminal, the classroom page)."""
    lines = [f"Points sheet: {sheet.name}, {sheet.title}", _how(sheet)]
    truce = f"The truce itself, every term at the status quo: {_pts(sheet.truce_points)} points"
    if not sheet.mediator:
        truce += (
            f" (issue {_pts(sheet.core_points)}, against the war {_pts(sheet.war_points)}, "
            f"risk from distrust {_pts(sheet.risk_points)})"
        )
    lines.append(truce)
    head = "  ".join(f"{x:>6g}" for x in LEVELS)
    if sheet.rows:
        lines.append(f"{'term (0 ... 1)':<44}{head}")
    for r in sheet.rows:
        cells = "  ".join(f"{_pts(p):>6}" for p in r.points)
        lines.append(f"{r.description[:42]:<44}{cells}")
        lines.append(f"  0: {r.zero}; 1: {r.one}; now {_level(r.status_quo)}, opening text {r.opening:.2f}")
    lines.append(f"The mediator's opening text is worth {_pts(sheet.opening_points)} points to you.")
    lines.append(_reservation(sheet))
    lines += [f"Your condition: {c}." for c in sheet.conditions]
    lines += [_lever_text(sheet, r) for r in sheet.levers]
    if any(r.points < 0 for r in sheet.levers):
        lines.append(f"(Assumption: {LEVER_COST_ASSUMPTION}.)")
    return lines


def sheet_html(sheet: PointsSheet) -> str:
    """A compact, self-contained HTML fragment (under half an A4 page): a table and a few lines.

    Everything that comes from the scenario is escaped.
    """
    e = html.escape
    head = "".join(f'<th style="text-align:right">{_level(x)}</th>' for x in LEVELS)
    body = []
    for r in sheet.rows:
        cells = "".join(f'<td style="text-align:right">{_pts(p)}</td>' for p in r.points)
        body.append(
            f"<tr><td>{e(r.description)}<br><small>0: {e(r.zero)} &middot; 1: {e(r.one)} &middot; now "
            f"{_level(r.status_quo)}, opening text {r.opening:.2f}</small></td>{cells}</tr>"
        )
    truce = f"<b>{_pts(sheet.truce_points)}</b>"
    if not sheet.mediator:
        truce += (
            f" <small>(issue {_pts(sheet.core_points)}, against the war {_pts(sheet.war_points)}, "
            f"risk from distrust {_pts(sheet.risk_points)})</small>"
        )
    notes = [_reservation(sheet), *(f"Your condition: {c}." for c in sheet.conditions)]
    notes += [_lever_text(sheet, r) for r in sheet.levers]
    if any(r.points < 0 for r in sheet.levers):
        notes.append(f"Assumption: {LEVER_COST_ASSUMPTION}.")
    table = (
        f'<table style="border-collapse:collapse;width:100%;font-size:8.5pt">'
        f'<thead><tr><th style="text-align:left">Term, points at level</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        if sheet.rows
        else ""
    )
    return (
        f'<section class="points-sheet" style="font-size:9pt;line-height:1.25;page-break-inside:avoid">'
        f'<h3 style="margin:0 0 2pt">Points: {e(sheet.name)}, {e(sheet.title)}</h3>'
        f'<p style="margin:0 0 2pt">{e(_how(sheet))}</p>'
        f'<p style="margin:0 0 2pt">The truce itself, every term at the status quo: {truce} points. '
        f"The mediator's opening text: <b>{_pts(sheet.opening_points)}</b> points.</p>"
        f"{table}"
        f'<ul style="margin:2pt 0 0;padding-left:14pt">{"".join(f"<li>{e(n)}</li>" for n in notes)}</ul>'
        "</section>"
    )
