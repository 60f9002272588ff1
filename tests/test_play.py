"""Playing an actor: recorded games replay exactly, choices change the game, bad input re-asks."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BASELINE, ROOT

from sim.model.decisions import Answer, parse_answer
from sim.model.results import run_row
from sim.play.game import agent_rows, debrief, hidden_strategies, play
from sim.play.players import Recorder, Scripted
from sim.play.views import describe
from sim.scenario.loader import load_scenario

DAYS = 60
ACTORS = ("us", "russia", "ukraine")


def _record(actors: tuple[str, ...], seed: int = 42) -> tuple[list[str], dict]:
    """A game where the agents answer every decision, recorded as moves lines."""
    recorder = Recorder(Scripted({}))
    game = play(load_scenario(BASELINE), seed, dict.fromkeys(actors, recorder), DAYS)
    return recorder.lines, run_row(game.result)


@pytest.mark.parametrize("actor", ACTORS)
def test_a_game_the_agent_answers_is_the_agents_run(actor):
    """Hooks change nothing by themselves: agent answers give agent-only run 0 of the same scenario."""
    lines, row = _record((actor,))
    assert lines, "a played actor is asked something in 60 days"
    sc, _ = hidden_strategies(load_scenario(BASELINE), 42, [actor])  # the game's hidden strategies
    assert row == run_row(play(sc, 42, {}, DAYS, hide=False).result)


@pytest.mark.parametrize(
    "actors", [("us",), ("russia",), ("ukraine",), ACTORS], ids=["us", "russia", "ukraine", "all"]
)
def test_play_replays_a_moves_file_and_ends_with_a_debrief(tmp_path, actors, cli):
    lines, row = _record(actors)
    moves = tmp_path / "moves.txt"
    moves.write_text("# a recorded game\n" + "\n".join(lines) + "\n")
    args = ["play", *(x for a in actors for x in ("--as", a))]
    args += ["--seed", "42", "--days", str(DAYS), "--moves", str(moves), "--compare", "10", "--out", "game"]
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Debrief:" in proc.stdout and "agents: " in proc.stdout
    out = tmp_path / "game"
    assert (out / "moves.txt").read_text().splitlines()[1:] == lines  # the same answers, recorded again
    import pandas as pd

    replayed = pd.read_csv(out / "runs.csv").iloc[0]
    assert replayed["outcome"] == row["outcome"] and replayed["violations_true"] == row["violations_true"]
    if len(actors) == 3:
        assert "Adjudication:" in proc.stdout and "] You perceived " in proc.stdout  # each side's news
    else:
        assert "hidden strategies" in proc.stdout


def test_a_players_choices_change_the_game():
    """Ukraine refusing every package and every renewal, in a war four times as costly: the full
    ceasefire, which the agents then sign in nearly every run, never enters into force; the energy
    truce, agreed in the call (P5), lapses at the end of its term. The debrief says so."""

    class Refuser:
        def choose(self, decision, agent):
            return Answer("reject") if decision.kind == "answer" else agent()

    days = DAYS
    sc = load_scenario(BASELINE, ["dynamics.cost_of_war=4"])
    game = play(sc, 42, {"ukraine": Refuser()}, days)
    assert game.result.phases["full_ceasefire"]["entered_day"] is None
    energy = game.result.phases["energy_truce"]
    assert energy["entered_day"] == sc.phases["energy_truce"].agreed_on_day.value
    assert energy["days_in_force"] <= sc.phases["energy_truce"].duration_days.value  # never renewed
    assert not [e for e in game.result.events if e[1] == "ukraine" and e[3] in ("accept", "renew")]
    lines = debrief(game, agent_rows(game, 10, days))
    (full,) = [x for x in lines if x.startswith("Your 30-day full ceasefire never entered into force")]
    share = re.search(r"agents: in (\d+)% of runs", full)
    assert share and int(share[1]) >= 90, full


def test_a_player_sees_what_its_actor_perceives_not_the_truth():
    views = []

    class Watcher:
        def choose(self, decision, agent):
            views.append("\n".join(describe(decision)))
            return agent()

    play(load_scenario(BASELINE), 42, {"ukraine": Watcher()}, 20)
    text = "\n".join(views)
    assert "You are Ukraine" in text and "you perceived" in text
    assert "The front with Russia: you hold" in text  # the map, its own strength and its own belief
    for hidden in ("true violation", "boulware", "Boulware", "reservation", "compliance"):
        assert hidden not in text


def test_counter_terms_move_the_next_package_halfway():
    seen = []

    class Counter:
        def choose(self, decision, agent):
            if decision.kind == "answer" and decision.subject.startswith("maritime_truce"):
                seen.append([line for line in describe(decision) if "sanctions_relief =" in line])
                return Answer("counter", {"sanctions_relief": 0.0})
            return agent()

    game = play(load_scenario(BASELINE), 42, {"ukraine": Counter()}, DAYS)
    counters = [e for e in game.result.events if e[3] == "counter"]
    assert counters and counters[0][-1] == "sanctions_relief=0"
    assert len(seen) >= 2


def test_answers_parse_and_refuse_what_they_should():
    assert parse_answer("Counter security_guarantees=0.5", "answer", ("security_guarantees",)) == Answer(
        "counter", {"security_guarantees": 0.5}
    )
    for text, kind in (
        ("maybe", "answer"),
        ("strike now", "strike"),
        ("counter", "answer"),
        ("table x=2", "table"),
    ):
        with pytest.raises(ValueError):
            parse_answer(text, kind, ("x",))


def test_a_bad_moves_file_names_each_line(tmp_path, cli):
    moves = tmp_path / "m.txt"
    moves.write_text(
        "1 | ukraine | answer energy_truce:round | accept\n"
        "x | ukraine | answer energy_truce:round | accept\n"
        "2 | russia | answer energy_truce:round | accept\n"
        "3 | ukraine | dance energy | accept\n"
        "4 | ukraine | answer energy_truce:round | maybe\n"
        "5 | ukraine | answer energy_truce:round\n"
    )
    proc = cli("play", "--as", "ukraine", "--moves", str(moves), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line.split()[0].rsplit(":", 1)[1] for line in lines] == ["2", "3", "4", "5", "6"]
    assert not (tmp_path / "results").exists()


def _pty_session(
    args: list[str], rules: list[tuple[str, str]], cwd: Path, timeout: float = 240
) -> tuple[int, str]:
    """Run a command in a pseudo-terminal and answer its prompts ('...)> '): each prompt that contains
    the next rule's text gets that rule's answer, any other prompt ``auto``; once the rules are used
    up, ``quit``. Its exit code and output."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, close_fds=True)
    os.close(slave)
    output, pending, deadline = b"", list(rules), time.monotonic() + timeout
    prompts, done = 0, False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            while output.count(b")> ") > prompts and not done:
                prompts += 1
                prompt = output.split(b")> ")[prompts - 1].rsplit(b"\n", 1)[-1].decode(errors="replace")
                if pending and pending[0][0] in prompt:
                    answer = pending.pop(0)[1]
                elif pending:
                    answer = "auto"
                else:
                    answer, done = "quit", True
                os.write(master, (answer + "\n").encode())
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, output.decode(errors="replace")


def test_play_at_a_terminal_reasks_on_bad_input_and_finishes(tmp_path):
    # a subprocess on purpose: the game at a real (pseudo-)terminal, end to end
    args = [sys.executable, str(ROOT / "run_sim.py"), "play", "--as", "ukraine", "--seed", "42"]
    args += ["--days", "30", "--compare", "5", "--out", "game"]
    full = "answer full_ceasefire:round"
    rules = [(full, "maybe"), (full, "counter nonsense=2"), (full, "help"), (full, "view"), (full, "accept")]
    rules += [("strike ", "comply 30")]
    code, output = _pty_session(args, rules, tmp_path)
    assert code == 0, output[-3000:]
    assert "answer one of: accept, reject, counter" in output
    assert "'nonsense=2': terms are ISSUE=VALUE with ISSUE one of security_guarantees, military_aid" in output
    assert "auto all" in output  # the help text
    assert "The front with Russia: you hold" in output  # the war, as Ukraine sees it
    assert "Debrief:" in output and "Traceback" not in output
    assert (tmp_path / "game" / "debrief.txt").is_file()


def test_a_moves_file_cannot_set_what_the_game_would_refuse(tmp_path, cli):
    """A counter where there are no terms to set (the energy truce's renewal, or a round on it whose
    only term is its core issue) goes to the agent."""
    lines, _ = _record(("ukraine",))
    energy = next(i for i, line in enumerate(lines) if "answer energy_truce:" in line)
    lines[energy] = lines[energy].rsplit("|", 1)[0] + "| counter energy_truce=0"
    moves = tmp_path / "moves.txt"
    moves.write_text("\n".join(lines) + "\n")
    args = ["play", "--as", "ukraine", "--seed", "42"]
    args += ["--days", str(DAYS), "--moves", str(moves), "--compare", "5", "--out", "game"]
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "were refused (the agent decided)" in proc.stdout and "no terms to counter" in proc.stdout


def test_counter_terms_replay_exactly():
    answer = parse_answer("counter sanctions_relief=0.123456789", "answer", ("sanctions_relief",))
    assert parse_answer(str(answer), "answer", ("sanctions_relief",)) == answer
