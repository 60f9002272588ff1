"""A game: one run in which people take some actors' decisions, and its debrief.

The agents' concession strategies are hidden: each agent belligerent's is drawn from the registry
with the game's seed (its own random stream), as NetLogo's two-person Prisoner's Dilemma hides the
computer's strategy, and revealed in the debrief. The debrief sets the game against agent-only runs
of the same scenario (the same hidden strategies) over the same seed's runs 0 ... N-1.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.experiments.ensemble import run_one
from sim.model.ceasefire import CeasefireModel, stream
from sim.model.results import RunResult, run_row
from sim.model.strategies import STRATEGIES
from sim.play.players import Player
from sim.scenario.schema import Role, Scenario


@dataclass
class Game:
    scenario: Scenario
    """The scenario as played: the drawn strategies in place."""
    seed: int
    played: list[str]
    result: RunResult
    strategies: dict[str, str]
    """Each agent belligerent's hidden strategy (registry name)."""
    notes: list[str] = field(default_factory=list)


def hidden_strategies(
    sc: Scenario, seed: int, played: list[str], pool: list[str] | None = None
) -> tuple[Scenario, dict[str, str]]:
    """The scenario with each agent belligerent's strategy drawn from ``pool`` (default: the whole
    registry), with the game's own random stream."""
    rng = np.random.default_rng(stream(seed, 0, "hidden-strategies"))
    names = sorted(pool or STRATEGIES)
    data = sc.model_dump(mode="json")
    drawn = {}
    for a, actor in sc.actors.items():
        if actor.role is Role.BELLIGERENT and a not in played:
            drawn[a] = names[int(rng.integers(len(names)))]
            data["actors"][a]["concession"]["strategy"] = drawn[a]
    return Scenario.model_validate(data), drawn


def play(
    sc: Scenario,
    seed: int,
    players: Mapping[str, Player],
    days: int | None = None,
    hide: bool = True,
    after_day: Callable[[CeasefireModel], None] | None = None,
    pool: list[str] | None = None,
) -> Game:
    """Run the game day by day (``after_day`` sees the model after each day: adjudication reports)."""
    played = list(players)
    unknown = [a for a in played if a not in sc.actors]
    if unknown:
        raise ValueError(f"--as {unknown[0]}: no such actor (actors: {', '.join(sc.actors)})")
    if hide:
        sc, drawn = hidden_strategies(sc, seed, played, pool)
    else:
        drawn = {a: x.concession.strategy for a, x in sc.actors.items() if x.concession and a not in played}
    model = CeasefireModel(sc, seed=seed, run=0, horizon=days, players=players)
    while model.day < model.horizon:
        model.step()
        if after_day is not None:
            after_day(model)
    result = model.result()
    model.release()
    return Game(sc, seed, played, result, drawn)


def agent_rows(game: Game, runs: int, days: int | None = None) -> list[dict]:
    """Agent-only runs 0 ... runs-1 of the game's scenario and seed (the same hidden strategies)."""
    return [run_row(run_one(game.scenario, game.seed, k, days, record=False)) for k in range(runs)]


def debrief(game: Game, rows: list[dict]) -> list[str]:
    """The game against the agents' runs, in sentences ("your energy truce held 41 days; ...")."""
    sc, mine = game.scenario, run_row(game.result)
    n = len(rows)
    names = ", ".join(sc.actors[a].name for a in game.played)
    lines = [f"Debrief: {names} played by people, against {n} agent-only runs of the same seed."]
    same = sum(1 for r in rows if r["outcome"] == mine["outcome"]) / n
    lines.append(
        f"Your game ends in {mine['outcome'].replace('_', ' ')}; {same:.0%} of the agents' runs end that way."
    )
    for p, phase in sc.phases.items():
        entered = [r[f"{p}_entered_day"] for r in rows if r[f"{p}_entered_day"] is not None]
        held = [r[f"{p}_days_in_force"] for r in rows]
        yours = mine[f"{p}_entered_day"]
        if yours is None and not entered:
            lines.append(
                f"Your {phase.title} never entered into force; nor did it in any of the agents' runs."
            )
            continue
        when = (
            f"entered into force on day {yours} and held {mine[f'{p}_days_in_force']} days"
            if yours is not None
            else "never entered into force"
        )
        agents = (
            f"agents: in {len(entered) / n:.0%} of runs, median day {statistics.median(entered):g}, "
            f"held a median of {statistics.median(held):g} days"
            if entered
            else "agents: never"
        )
        lines.append(f"Your {phase.title} {when}; {agents}.")
    for key, label in (
        ("violations_true", "true violations"),
        ("violations_perceived", "perceived violations"),
        ("prisoners_exchanged", "prisoners exchanged"),
    ):
        values = [r[key] for r in rows]
        below = sum(1 for v in values if v < mine[key]) / n
        lines.append(
            f"{label.capitalize()}: {mine[key]} in your game; agents' median {statistics.median(values):g} "
            f"({below:.0%} of their runs had fewer)."
        )
    for a, b in ((a, b) for a in sc.actors for b in sc.actors if a != b):
        key = f"final_territory_{a}_{b}"
        if key not in mine or mine[key] is None:
            continue
        values = [r[key] for r in rows if r[key] is not None]
        below = sum(1 for v in values if v < mine[key]) / n
        lines.append(
            f"The front: {sc.actors[a].name} holds {mine[key]:.1%} of the contested zone on the last day "
            f"in your game; agents' median {statistics.median(values):.1%} ({below:.0%} of their runs had "
            "less)."
        )
    if game.strategies:
        revealed = ", ".join(f"{sc.actors[a].name}: {STRATEGIES[s].name}" for a, s in game.strategies.items())
        lines.append(f"The agents' hidden strategies: {revealed}.")
    lines += game.notes
    return lines
