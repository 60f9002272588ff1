"""The ``play`` command: take one actor's decisions (or every actor's: classroom adjudication).

``play --as ukraine`` asks at each decision what the Ukrainian side would do and shows what it
perceives; the other actors are the model's agents, with hidden strategies. ``--moves FILE`` replays
recorded answers (a decision the file does not list goes to the agent). With every actor played,
the model adjudicates: the tables negotiate, and the model returns compliance, incidents and what
each side perceives. The game is written as a run folder (``report`` renders it) with its moves
and its debrief.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from sim.cli.exits import fail
from sim.experiments.folder import prepare_output_dir
from sim.experiments.manifest import package_versions, scenario_sha256
from sim.experiments.store import (
    days_frame,
    events_frame,
    runs_frame,
    write_atomic,
    write_csv,
    write_json,
    write_parquet,
)
from sim.model.ceasefire import CeasefireModel
from sim.model.results import run_row, summarise
from sim.play.game import agent_rows, debrief, play
from sim.play.players import Recorder, Scripted, Terminal, read_moves
from sim.scenario.loader import ScenarioError

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True)


def _say(text: str) -> None:
    print(text, flush=True)


def _adjudication_report(model: CeasefireModel) -> None:
    """After each day of an adjudicated game: what each side perceives, and phase changes."""
    lines = []
    for b in model.belligerent_ids:
        seen = model.actors[b].perceived_today
        if any(seen.values()):
            what = ", ".join(f"{n} by {model.actors[o].name}" for o, n in seen.items() if n)
            lines.append(f"  {model.actors[b].name} perceives violations: {what}")
    for t in model.tracks:
        moved = [tr for tr in t.transitions if tr[0] == model.day]
        for _, old, new in moved:
            lines.append(f"  {t.spec.title}: {old.value.replace('_', ' ')} -> {new.value.replace('_', ' ')}")
    if lines:
        _say(f"Day {model.day}:")
        for line in lines:
            _say(line)


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
    unknown = [a for a in as_ if a not in sc.actors]
    if unknown:
        raise fail([f"--as {unknown[0]}: no such actor in {path} (actors: {', '.join(sc.actors)})"])
    played = list(dict.fromkeys(as_))
    pool = [s.strip() for s in strategies.split(",") if s.strip()] if strategies else None
    if pool:
        from sim.model.strategies import STRATEGIES

        bad = [s for s in pool if s not in STRATEGIES]
        if bad:
            raise fail(
                [f"--strategies: unknown strategy {bad[0]!r} (strategies: {', '.join(sorted(STRATEGIES))})"]
            )
    adjudication = set(played) >= set(sc.belligerents) | set(sc.mediators)
    options = {
        "as": " ".join(played),
        "scenario": sc.name,
        "scenario_sha256": scenario_sha256(sc),
        "seed": str(seed_value),
        "days": str(days or sc.horizon_days),
        "strategies": "scenario's" if show_strategies else ",".join(pool or ["all"]),
    }
    if moves is not None:
        try:
            script = read_moves(moves, set(played), tuple(sc.issues))
        except ScenarioError as exc:
            raise fail(exc.problems) from None
        for key, (recorded, now) in _option_mismatches(moves, options).items():
            err.print(
                f"[yellow]warning[/]: {escape(str(moves))} was recorded with {key} {escape(recorded)}, "
                f"replayed with {escape(now)}: another game",
                highlight=False,
            )
        base = Scripted(script)
    else:
        base = Terminal(read=input, write=_say, auto_kinds={"strike", "withdraw"} if adjudication else set())
    recorder = Recorder(base)
    players = dict.fromkeys(played, recorder)
    target = out_dir or Path("results") / f"play-{'-'.join(played)}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    problem = prepare_output_dir(target, allow_existing=False)
    if problem:
        raise fail([problem])
    header = "# game: " + " ".join(f"{k}={v.replace(' ', '+')}" for k, v in options.items())
    if adjudication:
        _say(
            "Adjudication: every actor is played; the model returns compliance, incidents and what "
            "each side perceives."
        )
    try:
        game = play(
            sc,
            seed_value,
            players,
            days,
            hide=not show_strategies,
            pool=pool,
            after_day=_adjudication_report if adjudication else None,
        )
    except KeyboardInterrupt:
        _moves(target, header, recorder)
        _say(f"\ngame stopped; the {len(recorder.lines)} answers so far are in {target / 'moves.txt'}")
        raise typer.Exit(130) from None
    _moves(target, header, recorder)  # the game is safe on disk before the debrief is computed
    _write_run(target, game, path, compare)
    if isinstance(base, Scripted):
        if base.unused():
            game.notes.append(
                f"{len(base.unused())} moves in {moves} were never asked for: " + "; ".join(base.unused()[:5])
            )
        if base.refused:
            game.notes.append(
                f"{len(base.refused)} moves in {moves} were refused (the agent decided): "
                + "; ".join(base.refused[:5])
            )
    try:
        lines = debrief(game, agent_rows(game, compare, days))
    except KeyboardInterrupt:
        _say(f"\ndebrief interrupted; the game is in {target}/ (moves.txt and its tables)")
        raise typer.Exit(130) from None
    (target / "debrief.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _say("")
    for line in lines:
        _say(line)
    out.print(
        f"\nwrote {escape(str(target))}/: moves.txt, debrief.txt, runs.csv, days.parquet, events.parquet "
        f"(python run_sim.py report {escape(str(target))} draws it)"
    )


def _moves(target: Path, header: str, recorder: Recorder) -> None:
    write_atomic(
        target / "moves.txt", lambda tmp: tmp.write_text(header + "\n" + "\n".join(recorder.lines) + "\n")
    )


def _option_mismatches(moves: Path, options: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Options a moves file's header records that differ from this replay's (the game would differ)."""
    try:
        first = moves.read_text(encoding="utf-8-sig").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return {}
    if not first.startswith("# game: "):
        return {}
    recorded = dict(item.split("=", 1) for item in first[len("# game: ") :].split() if "=" in item)
    return {
        k: (v.replace("+", " "), options[k])
        for k, v in recorded.items()
        if k in options and v.replace("+", " ") != options[k]
    }


def _write_run(target: Path, game, path: Path, compare: int) -> None:
    sc, result = game.scenario, game.result
    row = run_row(result)
    summary = summarise([row], list(sc.phases), [p.outcome for p in sc.phases.values()], sc.name, game.seed)
    summary["days"] = len(result.days["day"])
    summary["start_date"] = str(sc.start_date)
    summary["manifest"] = {
        "command": sys.argv,
        "scenario_file": str(path),
        "scenario_sha256": scenario_sha256(sc),
        "seed": game.seed,
        "played": game.played,
        "hidden_strategies": game.strategies,
        "compared_with": f"{compare} agent-only runs",
        "packages": package_versions(),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "reproduce": "the same command with --moves moves.txt (its first line records the options)",
    }
    write_csv(target / "runs.csv", runs_frame([row]))
    write_parquet(target / "days.parquet", days_frame([result]))
    write_parquet(target / "events.parquet", events_frame([result]))
    write_json(target / "scenario.json", sc.model_dump(mode="json"))
    write_json(target / "summary.json", summary)
