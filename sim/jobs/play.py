"""A played game into a folder: its options checked, its moves, its run tables and its debrief.

:func:`play_to_folder` plays the game (:func:`sim.play.game.play`) with the players given and writes
``moves.txt`` (first line: the options, so ``--moves`` replays the same game; written as soon as the
game ends, or is stopped with Ctrl-C, so no answer is lost), the run folder's tables with a ``play``
manifest (``report`` draws it), and ``debrief.txt``: the game against agent-only runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.ensemble import Ensemble
from sim.experiments.manifest import Manifest, scenario_sha256
from sim.experiments.store import write_atomic
from sim.jobs.common import JobError, output, results_folder
from sim.jobs.run import write_run_folder
from sim.model.ceasefire import CeasefireModel
from sim.model.results import run_row, summarise
from sim.model.strategies import STRATEGIES
from sim.play.game import Game, agent_rows, debrief, play
from sim.play.players import Player, Recorder, Scripted
from sim.scenario.reading import ScenarioError, read_text
from sim.scenario.schema import Scenario

HEADER = "# game: "
REPRODUCE = "the same command with --moves moves.txt (its first line records the options)"


@dataclass(frozen=True)
class GameSetup:
    """A game's checked options: who is played, the agents' strategy pool, whether it is adjudicated."""

    played: list[str]
    pool: list[str] | None
    """The strategies hidden agents are drawn from (None: all)."""
    adjudication: bool
    """Every belligerent and mediator is played: the model only adjudicates."""
    options: dict[str, str]
    """What makes the game: recorded in moves.txt's first line, compared when it is replayed."""

    @property
    def header(self) -> str:
        return HEADER + " ".join(f"{k}={v.replace(' ', '+')}" for k, v in self.options.items())


def setup_game(
    sc: Scenario,
    path: Path,
    as_: Sequence[str],
    seed: int,
    days: int | None,
    strategies: str | None,
    show_strategies: bool,
) -> GameSetup:
    """The game's options from the command line's, or :class:`JobError` naming the bad one."""
    unknown = [a for a in as_ if a not in sc.actors]
    if unknown:
        raise JobError([f"--as {unknown[0]}: no such actor in {path} (actors: {', '.join(sc.actors)})"])
    played = list(dict.fromkeys(as_))
    pool = [s.strip() for s in strategies.split(",") if s.strip()] if strategies else None
    bad = [s for s in pool or [] if s not in STRATEGIES]
    if bad:
        raise JobError(
            [f"--strategies: unknown strategy {bad[0]!r} (strategies: {', '.join(sorted(STRATEGIES))})"]
        )
    options = {
        "as": " ".join(played),
        "scenario": sc.name,
        "scenario_sha256": scenario_sha256(sc),
        "seed": str(seed),
        "days": str(days or sc.horizon_days),
        "strategies": "scenario's" if show_strategies else ",".join(pool or ["all"]),
    }
    adjudication = set(played) >= set(sc.belligerents) | set(sc.mediators)
    return GameSetup(played, pool, adjudication, options)


@dataclass(frozen=True)
class PlayOutcome:
    folder: Path
    game: Game
    debrief: list[str]
    """The debrief's sentences (debrief.txt)."""


def play_to_folder(
    sc: Scenario,
    setup: GameSetup,
    player: Player,
    *,
    scenario_file: Path,
    seed: int,
    days: int | None = None,
    compare: int = 200,
    hide: bool = True,
    out: Path | None = None,
    moves_file: Path | None = None,
    after_day: Callable[[CeasefireModel], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> PlayOutcome:
    """Play the game, ``player`` taking every played actor's decisions, and write its folder.

    ``out`` (default: a new folder results/play-ACTORS-TIME) must be empty or not exist; it is checked
    before the game starts (``on_start`` is called then). ``moves_file``: the file a
    :class:`~sim.play.players.Scripted` player's answers come from, named in the debrief's notes on
    moves unused or refused. Ctrl-C ends in :class:`JobError` with code 130, saying what was kept: the
    answers given so far, or the game without its debrief.
    """
    fresh = out is None
    target = results_folder("-".join(setup.played), prefix="play-") if out is None else Path(out)
    with output(target, "new", fresh=fresh):
        if on_start is not None:
            on_start()
        recorder = Recorder(player)
        players = dict.fromkeys(setup.played, recorder)
        try:
            game = play(sc, seed, players, days, hide=hide, pool=setup.pool, after_day=after_day)
        except KeyboardInterrupt:
            moves = write_moves(target, setup.header, recorder.lines)
            raise JobError(
                [f"game stopped; the {len(recorder.lines)} answers so far are in {moves}"], 130
            ) from None
        write_moves(target, setup.header, recorder.lines)  # the game is safe on disk before the debrief
        write_game(target, game, path=scenario_file, compare=compare)
        if isinstance(player, Scripted):
            game.notes += replay_notes(player, moves_file)
        try:
            lines = debrief(game, agent_rows(game, compare, days))
        except KeyboardInterrupt:
            raise JobError(
                [f"debrief interrupted; the game is in {target}/ (moves.txt and its tables)"], 130
            ) from None
        write_debrief(target, lines)
    return PlayOutcome(target, game, lines)


def replay_notes(script: Scripted, moves: Path | None) -> list[str]:
    """For the debrief: recorded moves the game never asked for, and those it refused."""
    notes = []
    unused = script.unused()
    if unused:
        notes.append(f"{len(unused)} moves in {moves} were never asked for: " + "; ".join(unused[:5]))
    if script.refused:
        notes.append(
            f"{len(script.refused)} moves in {moves} were refused (the agent decided): "
            + "; ".join(script.refused[:5])
        )
    return notes


def option_mismatches(moves: Path, options: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Options a moves file's header records that differ from this replay's (the game would differ)."""
    try:
        first = read_text(moves).splitlines()[0]  # a regular, bounded file (read_moves said why not)
    except (ScenarioError, IndexError):
        return {}
    if not first.startswith(HEADER):
        return {}
    recorded = dict(item.split("=", 1) for item in first[len(HEADER) :].split() if "=" in item)
    return {
        k: (v.replace("+", " "), options[k])
        for k, v in recorded.items()
        if k in options and v.replace("+", " ") != options[k]
    }


def write_moves(target: Path, header: str, lines: Sequence[str]) -> Path:
    """moves.txt: the options, then every answer given so far (the game can be replayed from it)."""
    path = target / "moves.txt"
    text = header + "\n" + "\n".join(lines) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def write_game(target: Path, game: Game, *, path: Path, compare: int) -> dict:
    """The game as a one-run folder (:func:`sim.jobs.run.write_run_folder`, with a ``play``
    manifest): ``report`` draws it like any run. Returns the summary written.

    The scenario recorded is the one played (the drawn strategies in place); the manifest has no class
    code: a class code gives agent-only runs, not this game.
    """
    sc, result, seed = game.scenario, game.result, game.seed
    row = run_row(result)
    summary = summarise([row], list(sc.phases), [p.outcome for p in sc.phases.values()], sc.name, seed)
    manifest = Manifest(
        kind="play",
        scenario_file=str(path),
        scenario_sha256=scenario_sha256(sc),
        seed=seed,
        reproduce=REPRODUCE,
        details={
            "played": game.played,
            "hidden_strategies": game.strategies,
            "compared_with": f"{compare} agent-only runs",
        },
    )
    return write_run_folder(target, Ensemble(sc, seed, [result], [row], summary), manifest)


def write_debrief(target: Path, lines: Sequence[str]) -> Path:
    """debrief.txt: the game against the agents' runs, in sentences."""
    path = target / "debrief.txt"
    text = "\n".join(lines) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
