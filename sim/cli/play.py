"""The ``play`` command: take one actor's decisions (or every actor's: classroom adjudication).

``play --as ukraine`` asks at each decision what the Ukrainian side would do and shows what it
perceives; the other actors are the model's agents, with hidden strategies. ``--moves FILE`` replays
recorded answers (a decision the file does not list goes to the agent). With every actor played,
the model adjudicates: the tables negotiate, and the model returns compliance, incidents and what
each side perceives. The game is written as a run folder (``report`` renders it) with its moves
and its debrief (:func:`sim.jobs.play.play_to_folder`). What the game shows comes from the scenario
file (actor names, phase titles): every line goes to the terminal through :func:`sim.text.neutral`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.cli.exits import fail
from sim.jobs.common import JobError
from sim.jobs.play import GameSetup, option_mismatches, play_to_folder, setup_game
from sim.model.ceasefire import CeasefireModel
from sim.play.news import PUBLIC, day_news
from sim.play.players import Scripted, Terminal, read_moves
from sim.scenario.loader import ScenarioError
from sim.text import literal, neutral

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True)


def _say(text: str) -> None:
    """Print game text line by line as plain text: control codes shown, each line capped."""
    print("\n".join(neutral(line) for line in str(text).split("\n")), flush=True)


def _ask(prompt: str) -> str:
    return input(neutral(prompt))


def _news(played: list[str]) -> Callable[[CeasefireModel], None]:
    """After each day: what the played actors learn (public news and each one's own: who refused
    and why, what it perceived, its strikes), and the phases that moved."""
    audiences = set(played)

    def report(model: CeasefireModel) -> None:
        names = {a: x.name for a, x in model.actors.items()}
        titles = {t.id: t.spec.title for t in model.tracks}
        today = [e for e in model.recorder.events if e[0] == model.day]
        lines = []
        for item in day_news(today, names, titles):
            if item.audience == PUBLIC:
                lines.append(f"  {item.text}")
            elif item.audience in audiences:
                who = f"[{names[item.audience]}] " if len(audiences) > 1 else ""
                lines.append(f"  {who}{item.text}")
        if lines:
            _say(f"Day {model.day}:")
            for line in lines:
                _say(line)

    return report


def play_command(
    as_: Annotated[
        list[str], typer.Option("--as", help="an actor you play (repeat it; all of them: adjudication)")
    ],
    scenario: Annotated[
        Path | None, typer.Option(help="scenario YAML (default: scenarios/baseline.yaml)")
    ] = None,
    seed: Annotated[str | None, typer.Option(help="a seed or a class code such as baseline@42")] = None,
    moves: Annotated[Path | None, typer.Option(help="replay these recorded answers, without asking")] = None,
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="days (default: the scenario's)")] = None,
    compare: Annotated[int, typer.Option(min=1, max=5000, help="agent-only runs for the debrief")] = 200,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="folder for the game (default: new under results/)")
    ] = None,
    strategies: Annotated[
        str | None,
        typer.Option(
            help="the strategies hidden agents are drawn from, e.g. boulware,conceder (default: all)"
        ),
    ] = None,
    show_strategies: Annotated[
        bool, typer.Option(help="keep the scenario's strategies for the agents (not hidden, not drawn)")
    ] = False,
) -> None:
    """Play an actor against the model's agents (or all of them: the model adjudicates)."""
    from sim.cli.common import scenario_and_seed

    path, sc, seed_value = scenario_and_seed(scenario, seed, None)
    try:
        setup = setup_game(sc, path, as_, seed_value, days, strategies, show_strategies)
        done = play_to_folder(
            sc,
            setup,
            _player(setup, moves, tuple(sc.issues)),
            scenario_file=path,
            seed=seed_value,
            days=days,
            compare=compare,
            hide=not show_strategies,
            out=out_dir,
            moves_file=moves,
            after_day=_news(setup.played),
            on_start=_adjudication_banner if setup.adjudication else None,
        )
    except JobError as exc:
        if exc.code != 130:
            raise fail([neutral(p) for p in exc.problems]) from None
        _say("\n" + "\n".join(map(str, exc.problems)))
        raise typer.Exit(130) from None
    _say("\n".join(["", *done.debrief]))
    out.print(
        f"\nwrote {literal(done.folder)}/: moves.txt, debrief.txt, runs.csv, days.parquet, events.parquet "
        f"(python run_sim.py report {literal(done.folder)} draws it)"
    )


def _adjudication_banner() -> None:
    _say(
        "Adjudication: every actor is played; the model returns compliance, incidents and what each "
        "side perceives."
    )


def _player(setup: GameSetup, moves: Path | None, issues: tuple[str, ...]) -> Scripted | Terminal:
    """Recorded answers from ``moves`` (warning where its options differ), else a person at the terminal."""
    if moves is None:
        return Terminal(
            read=_ask, write=_say, auto_kinds={"strike", "withdraw"} if setup.adjudication else set()
        )
    try:
        script = read_moves(moves, set(setup.played), issues)
    except ScenarioError as exc:
        raise JobError(exc.problems) from None
    for key, (recorded, now) in option_mismatches(moves, setup.options).items():
        err.print(
            f"[yellow]warning[/]: {literal(moves)} was recorded with {key} {literal(recorded)}, "
            f"replayed with {literal(now)}: another game",
            highlight=False,
        )
    return Scripted(script)
