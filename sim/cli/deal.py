"""The ``deal`` command: run a deal reached on paper through the model.

``deal leverage security_guarantees=0 military_aid=1`` scores the deal for every role
(:func:`sim.teaching.points.score_deal`, day 0), says whether each party's agent accepts it at the
first round of its talks (its gain against its demand, as the run logged them), and plays the class
run with the mediator tabling exactly these terms every round (:func:`sim.play.game.play`, the
scenario's own strategies). Terms not given stay at the mediator's opening text.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.exits import fail
from sim.data import EXERCISES, SCENARIOS
from sim.model.decisions import Answer
from sim.model.results import run_row
from sim.play.game import play
from sim.play.players import Scripted
from sim.scenario.loader import ScenarioError
from sim.scenario.schema import Scenario
from sim.teaching.exercise import exercise_files, find_exercise, load_exercise
from sim.teaching.points import POINTS, full_package, headline_phase, package_problems, score_deal
from sim.text import neutral


def _say(text: str) -> None:
    typer.echo(neutral(text, limit=4000))


def _target(target: str) -> tuple[Scenario, int, str]:
    """An exercise (by name, or an exercise file) gives its class scenario and seed; else a scenario."""
    from sim.cli.common import scenario_and_seed

    is_file = target.endswith((".yaml", ".yml")) and Path(target).is_file()
    if target in {f.stem for f in exercise_files(EXERCISES)} or (is_file and _is_exercise(Path(target))):
        try:
            ld = load_exercise(find_exercise(target, EXERCISES), SCENARIOS)
        except (ValueError, ScenarioError) as exc:
            raise fail(getattr(exc, "problems", [str(exc)])) from None
        code = ld.exercise.code
        return ld.class_scenario, code.seed, f"exercise {ld.name}, class code {ld.exercise.class_code}"
    _, sc, seed = scenario_and_seed(Path(target), None, None)
    return sc, seed, f"{sc.name}, seed {seed}"


def _is_exercise(path: Path) -> bool:
    from sim.scenario.reading import read_yaml

    try:
        data = read_yaml(path, echo=False).data
    except ScenarioError:
        return False
    return isinstance(data, dict) and "arms" in data


def parse_terms(sc: Scenario, phase: str, words: list[str]) -> dict[str, float]:
    """``ISSUE=V`` words as a deal's terms; a bad one ends the command naming it."""
    terms: dict[str, float] = {}
    problems = []
    for word in words:
        issue, sep, value = word.partition("=")
        try:
            x = float(value) if sep else math.nan
        except ValueError:
            problems.append(f"TERMS {word}: {value!r} is not a number")
            continue
        if not sep:
            problems.append(f"TERMS {word}: expected ISSUE=VALUE")
        elif issue in terms:
            problems.append(f"TERMS {word}: {issue} is given twice")
        else:
            terms[issue] = x
            problems += [f"TERMS {word}: {p}" for p in package_problems(sc, phase, {issue: x})]
    if problems:
        raise fail(problems)
    return terms


def _first_round(events: list[tuple], phase: str) -> dict[str, tuple]:
    """Each party's first answer in the phase's talks: (day, event, gain, demand, detail)."""
    answers: dict[str, tuple] = {}
    for day, actor, ph, event, _p, utility, reservation, *_, detail in events:
        if ph == phase and event in ("accept", "reject", "agreed") and actor not in answers:
            answers[actor] = (day, event, utility, reservation, detail)
    return answers


def deal_command(
    target: Annotated[
        str, typer.Argument(help="an exercise (its class scenario and seed) or a scenario (file or name)")
    ],
    terms: Annotated[
        list[str] | None,
        typer.Argument(help="ISSUE=VALUE terms of the phase (the others: the mediator's opening text)"),
    ] = None,
    phase: Annotated[
        str | None, typer.Option(help="the phase the deal is on (default: the most comprehensive truce)")
    ] = None,
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="days of the class run")] = None,
) -> None:
    """Score a paper deal for every role, and run it through the model."""
    sc, seed, label = _target(target)
    if phase is None:
        phase = headline_phase(sc)
    elif phase not in sc.phases:
        raise fail([f"--phase {phase}: no such phase in {sc.name} (phases: {', '.join(sc.phases)})"])
    given = parse_terms(sc, phase, terms or [])
    spec = sc.phases[phase]
    package = full_package(sc, phase, given)
    shown = " ".join(f"{k}={v:.3g}" for k, v in package.items())
    opening = [i for i in spec.terms if i not in given]
    _say(f"Deal on the {spec.title} ({label}): {shown}")
    if opening:
        _say(f"  at the mediator's opening text: {', '.join(opening)}")
    for issue in spec.terms:
        third = sc.issues[issue].third_party
        if third is not None and package[issue] > third.controlled.value:
            _say(
                f"  {issue} above {third.controlled.value:g} needs {third.name}'s consent (a "
                f"{third.consent.value:.0%} chance a round); until then the mediators deliver "
                f"{third.controlled.value:g}"
            )
    _say(f"Points at the start (day 0; {POINTS} = one unit of the model's gain; no deal = 0):")
    for actor, points in score_deal(sc, phase, given).items():
        _say(f"  {sc.actors[actor].name}: {points:+.1f}")

    mediator = sc.mediators[0] if sc.mediators and spec.terms else None
    players = {}
    if mediator is not None:
        horizon = days or sc.horizon_days
        table = Answer("table", {k: package[k] for k in spec.terms})
        moves = {f"{d} | {mediator} | table {phase}": table for d in range(horizon + 1)}
        players[mediator] = Scripted(moves)
    game = play(sc, seed, players, days=days, hide=False)
    answers = _first_round(game.result.events, phase)
    if answers:
        first = min(a[0] for a in answers.values())
        _say(
            f"First round of the talks (day {first}; the values of that day: the truces then in force, "
            "trust and pressure move them from day 0's):"
        )
        for party in spec.parties:
            if party not in answers:
                continue
            day, event, gain, demand, detail = answers[party]
            if event == "agreed":
                _say(
                    f"  {sc.actors[party].name}: agreed outside the talks on day {day}, "
                    f"gain {POINTS * gain:+.1f}"
                )
                continue
            would = "accept" if gain >= demand and not detail else "reject"
            why = f" ({detail})" if detail else ""
            _say(
                f"  {sc.actors[party].name}: gain {POINTS * gain:+.1f} points against its demand "
                f"{POINTS * demand:+.1f}: would {would}{why}; it {event}ed on day {day}"
            )
    else:
        _say("No round of these talks met in the class run (its prerequisites were never in force).")
    row = run_row(game.result)
    entered = row[f"{phase}_entered_day"]
    fate = (
        f"entered into force on day {entered} and held {row[f'{phase}_days_in_force']} days"
        if entered is not None
        else "never entered into force"
    )
    tabling = f"{sc.actors[mediator].name} tabling these terms every round" if mediator else "the agents"
    _say(
        f"The class run ({game.result.totals['days']} days, seed {seed}, the scenario's strategies, "
        f"{tabling}): the {spec.title} {fate}; outcome on the last day: {row['outcome'].replace('_', ' ')}."
    )
