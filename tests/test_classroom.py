"""The class session's game engine (no browser): codes, standing orders, rounds, injects, what each
seat may see, and a table's game replayed to the same game from its saved scenario and moves."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

from sim.classroom import codes
from sim.classroom.orders import Orders, strike_answer
from sim.classroom.session import SessionError, open_session
from sim.experiments.ensemble import run_one
from sim.model.results import run_row
from sim.play.game import hidden_strategies, play
from sim.play.news import FACILITATOR, PUBLIC, News, visible
from sim.play.players import Scripted, read_moves
from sim.scenario.loader import load_scenario


def test_codes_are_unguessable_and_forgiving_to_type() -> None:
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    code = next(iter(made))
    assert len(code.replace("-", "")) == codes.LENGTH and set(code.replace("-", "")) <= set(codes.ALPHABET)
    assert codes.matches(f"  {code.lower().replace('-', ' ')} ", code)
    assert not codes.matches(code[:-1], code) and not codes.matches("", code)
    assert not codes.matches("x" * 10_000, code)


def test_standing_orders_both_ways() -> None:
    assert strike_answer("comply", 5) == "comply"
    assert strike_answer("strike", 0) == "strike"
    assert strike_answer("respond", 0) == "comply" and strike_answer("respond", 1) == "strike"
    orders = Orders().changed(compliance={"energy": "respond"}, levers={"x": "hold"}, withdraw="stay")
    assert orders.compliance == {"energy": "respond"} and orders.withdraw == "stay"
    with pytest.raises(ValueError, match="one of"):
        orders.changed(compliance={"energy": "nuke"})


def test_news_audiences() -> None:
    items = [News(1, "p"), News(1, "f", FACILITATOR), News(1, "r", "russia"), News(1, "u", "ukraine")]
    assert [n.text for n in visible(items, "ukraine")] == ["p", "u"]
    assert [n.text for n in visible(items, None)] == ["p"]
    assert [n.text for n in visible(items, FACILITATOR)] == ["p", "f"]
    assert [n.text for n in visible(items, "ukraine", revealed=True)] == ["p", "f", "u"]
    assert PUBLIC == "public"


def _answer_all(s, table: int, choose) -> int:
    """Answer every decision the table waits for with ``choose(asked)``; the number answered."""
    n = 0
    t = s.table(table)
    while t.waiting is not None:
        asked = t.waiting
        s.answer(table, asked.actor, asked.key, choose(asked))
        n += 1
        assert n < 500
    return n


def _choose(asked) -> str:
    """Russia refuses and counters, the others accept; the mediator tables its text."""
    if asked.kind == "table":
        return "table"
    if asked.actor == "russia" and asked.issues:
        return f"counter {asked.issues[0]}=0.9"
    return "reject" if asked.actor == "russia" else "accept"


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """A monitoring class: table 1 seated by three students, table 2 left to agents, three rounds
    with an inject (a strike on the grid), then saved."""
    s = open_session("monitoring", tables=2, round_days=7, ensemble_runs=40)
    for seat in s.table(1).seats.values():
        assert s.login(seat.code).table == 1
    s.set_orders(1, "ukraine", compliance={"energy": "respond"})
    answered = 0
    for r in range(3):
        s.advance_round()
        answered += _answer_all(s, 1, _choose)
        if r == 1:
            s.fire_inject(0)
    folder = tmp_path_factory.mktemp("class")
    saved = s.save(folder)
    return s, answered, saved


def test_rounds_wait_for_answers_and_empty_seats_go_to_agents(played) -> None:
    s, answered, _ = played
    assert answered > 0
    t1, t2 = s.table(1), s.table(2)
    assert t1.day == t2.day == 21
    assert set(t1.played) == {"us", "russia", "ukraine"} and t2.played == []
    assert set(t2.strategies) == {"russia", "ukraine"}  # hidden agents in the empty seats
    # the agent-only table is run 0 of the class code with those hidden strategies (and the inject)
    hidden, _ = hidden_strategies(s.scenario, s.seed, [])
    hidden = hidden.model_copy(update={"incidents": t2.incidents})
    agents = run_row(run_one(hidden, s.seed, 0, 21, record=False))
    mine = run_row(t2.result())
    assert {k: mine[k] for k in ("outcome", "violations_true", "strikes")} == {
        k: agents[k] for k in ("outcome", "violations_true", "strikes")
    }


def test_the_inject_strikes_every_table(played) -> None:
    s, _, _ = played
    for t in s.tables:
        assert [i.attacker for i in t.incidents] == ["ukraine"]
        assert any("News (inject)" in n.text for n in t.news())
        assert any(e[3] == "incident" for e in t.model.recorder.events)
    assert s.console().injects[0][3] == 14


def test_a_seat_sees_only_its_own_actor(played) -> None:
    s, _, _ = played
    view = {a: s.seat_view(1, a) for a in ("us", "russia", "ukraine")}
    text = {a: "\n".join([*v.observation, *(n.text for n in v.news)]) for a, v in view.items()}
    assert "You are Ukraine" in text["ukraine"] and "You are Russia" not in text["ukraine"]
    assert "You are Russia" in text["russia"] and "You are Ukraine" not in text["russia"]
    russia_private = [n.text for n in s.table(1).news() if n.audience == "russia"]
    assert russia_private and not any(p in text["ukraine"] for p in russia_private)
    facilitator = [n.text for n in s.table(1).news() if n.audience == FACILITATOR]
    assert facilitator and not any(f in text["ukraine"] for f in facilitator)
    assert "rejected the package" in text["ukraine"]  # the public fact, not Russia's numbers
    assert any("You rejected" in n.text for n in view["russia"].news)
    assert not view["ukraine"].revealed


def test_the_saved_table_replays_to_the_same_game(played) -> None:
    s, _, saved = played
    number, folder, command = saved[0]
    sc = load_scenario(folder / "scenario.yaml")
    moves = read_moves(folder / "moves.txt", {"us", "russia", "ukraine"}, tuple(sc.issues))
    script = Scripted(moves)
    game = play(sc, s.seed, dict.fromkeys(["us", "russia", "ukraine"], script), days=21)
    assert not script.refused and not script.unused()
    assert run_row(game.result) == run_row(s.table(number).result())
    assert "agent-only" in saved[1][2]
    args = shlex.split(command)[1:]
    out = folder / "replay"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run_sim.py"), *args, "--compare", "3"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    replayed = pd.read_csv(out / "runs.csv").iloc[0]
    mine = run_row(s.table(number).result())
    saved_row = pd.read_csv(folder / "runs.csv").iloc[0]
    assert list(saved_row.index) == list(replayed.index)
    for key in saved_row.index:
        if key != "run":
            assert str(saved_row[key]) == str(replayed[key]), key
    for key in ("outcome", "violations_true", "violations_perceived", "strikes", "prisoners_exchanged"):
        assert replayed[key] == mine[key], key


def test_bad_input_is_one_line_and_changes_nothing(played) -> None:
    s, _, _ = played
    other = open_session("monitoring", tables=1, ensemble_runs=10)
    seat = other.table(1).seats["ukraine"]
    with pytest.raises(SessionError, match="not valid for this session"):
        s.login(seat.code)  # a code from another session
    with pytest.raises(SessionError, match="not valid"):
        s.login("<script>alert(1)</script>")
    before = s.version
    with pytest.raises(SessionError, match="no longer open"):
        s.answer(1, "ukraine", "1 | ukraine | answer energy_truce:round", "accept")
    with pytest.raises(SessionError, match="one of"):
        s.set_orders(1, "ukraine", compliance={"energy": "nuke"})
    with pytest.raises(SessionError, match="no domain"):
        s.set_orders(1, "ukraine", compliance={"moon": "strike"})
    with pytest.raises(SessionError, match="no table"):
        s.seat_view(9, "ukraine")
    assert s.version == before
    with pytest.raises(SessionError, match="tables"):
        open_session("monitoring", tables=0)
    with pytest.raises(SessionError, match="class-code"):
        open_session("monitoring", class_code="nonsense code")


def test_a_bad_answer_is_refused_and_the_table_still_waits() -> None:
    s = open_session("leverage", tables=1, ensemble_runs=10)
    for seat in s.table(1).seats.values():
        s.login(seat.code)
    s.advance_round()
    t = s.table(1)
    assert t.waiting is not None
    asked = t.waiting
    with pytest.raises(SessionError):
        s.answer(1, asked.actor, asked.key, "maybe")
    assert t.waiting == asked
    with pytest.raises(SessionError, match="waiting"):
        s.advance_round()
    view = s.seat_view(1, asked.actor)
    assert view.pending == (asked,) and view.status == "your decision"
    s.hand_to_agent(1, asked.actor)  # the seat has gone: its agent answers from now on
    assert t.waiting is None or t.waiting.actor != asked.actor


def test_answers_given_while_paused_make_the_same_game() -> None:
    def game(pause: bool):
        s = open_session("leverage", tables=1, round_days=10, ensemble_runs=10)
        for seat in s.table(1).seats.values():
            s.login(seat.code)
        s.advance_round()
        if pause:
            s.pause()
        _answer_all_paused(s) if pause else _answer_all(s, 1, _choose)
        if pause:
            s.resume()
            _answer_all(s, 1, _choose)
        s.advance_round()
        _answer_all(s, 1, _choose)
        return run_row(s.table(1).result())

    assert game(True) == game(False)


def _answer_all_paused(s) -> None:
    t = s.table(1)
    if t.waiting is not None:
        asked = t.waiting
        s.answer(1, asked.actor, asked.key, _choose(asked))
        assert t.waiting is None and t.stale  # recorded, not yet played


def test_end_plays_every_table_to_the_horizon_and_the_ensemble_places_it() -> None:
    s = open_session("leverage", tables=2, round_days=30, ensemble_runs=30)
    s.end()
    assert [t.day for t in s.tables] == [s.horizon] * 2
    ens = s.ensemble()
    assert ens.runs == 30 and abs(ens.outcomes["share"].sum() - 1) < 1e-9
    view = s.projector()
    assert view.ensemble is ens and set(view.timelines) == {1, 2}
    assert view.timelines[1]["day"].max() == s.horizon
    assert all(t.outcome in view.outcome_names for t in view.tables)


def test_pressure_costs_the_mediator_points_and_holding_it_costs_nothing() -> None:
    def us_tally(order: str) -> tuple[int, float, list[str]]:
        s = open_session("leverage", tables=1, round_days=14, ensemble_runs=10)
        for seat in s.table(1).seats.values():
            s.login(seat.code)
        levers = s.scenario.actors["us"].levers
        s.set_orders(1, "us", levers=dict.fromkeys(levers, order))
        for _ in range(2):
            s.advance_round()
            _answer_all(s, 1, lambda a: "table" if a.kind == "table" else "reject")
        events = s.table(1).model.recorder.events
        used = sum(1 for e in events if e[3] == "leverage" and e[1] == "us")
        tally = list(s.seat_view(1, "us").tally)
        return used, float(tally[-1].split(":")[1]), tally

    used, points, tally = us_tally("apply")
    held, held_points, held_tally = us_tally("hold")
    assert used > 0 and f"Pressure applied {used} times" in " ".join(tally)
    assert held == 0 and "Pressure applied 0 times" in " ".join(held_tally)
    assert points < held_points - 1  # no deal either way (every package refused): only the levers differ


def test_a_seat_learns_how_many_it_perceived_never_how_many_were_real(played) -> None:
    s, _, _ = played
    t = s.table(1)
    private = [n.text for n in t.news() if n.audience in ("ukraine", "russia") and "perceived" in n.text]
    assert private and all("some may be false alarms" in x for x in private)
    assert not any("of them" in x for x in private)
    hidden = [n.text for n in t.news() if n.audience == FACILITATOR and "no real strike" in n.text]
    assert hidden  # the facilitator knows, and the seats learn it only at the reveal
    assert not s.revealed
    for actor in ("ukraine", "russia", "us"):
        assert not any("no real strike" in n.text for n in s.seat_view(1, actor).news)


def test_respond_in_kind_strikes_only_where_and_after_it_perceived() -> None:
    s = open_session("monitoring", tables=1, round_days=30, ensemble_runs=10)
    for seat in s.table(1).seats.values():
        s.login(seat.code)
    s.set_orders(1, "ukraine", compliance={"energy": "respond"})
    for _ in range(3):
        s.advance_round()
        _answer_all(s, 1, lambda a: "table" if a.kind == "table" else "accept")
    t = s.table(1)
    events = t.model.recorder.events
    perceived = {(e[0], e[12].split()[1]) for e in events if e[3] == "perceive" and e[1] == "ukraine"}
    strikes = [k for k, a in t.seats["ukraine"].moves.items() if " strike " in k and a.choice == "strike"]
    complied = [k for k, a in t.seats["ukraine"].moves.items() if " strike " in k and a.choice == "comply"]
    assert complied
    for key in strikes:
        day, _, rest = key.split(" | ")
        domain = rest.split()[1].split(":")[0]
        assert domain == "energy" and (int(day) - 1, "energy") in perceived, key
    for key in complied:
        day, _, rest = key.split(" | ")
        domain = rest.split()[1].split(":")[0]
        assert domain != "energy" or (int(day) - 1, "energy") not in perceived, key


def test_points_are_earned_for_the_share_of_each_term_a_deal_held(played) -> None:
    s, _, _ = played
    t = s.table(1)
    row = run_row(t.result())
    for phase in s.scenario.phases:
        days = sum(n for (p, _start, _terms), n in t.in_force.items() if p == phase)
        assert days == row[f"{phase}_days_in_force"], phase
    earned = 0.0
    for (p, start, terms), n in t.in_force.items():
        duration = s.scenario.phases[p].duration_days
        length = duration.value if duration is not None else s.horizon - start
        assert n <= length
        earned += s._points(p, terms)["ukraine"] * n / length
    assert f"Agreements: {earned:+.1f} points" in s.seat_view(1, "ukraine").tally[0]


def test_agents_answers_are_never_labelled_a_persons() -> None:
    s = open_session("leverage", tables=1, round_days=14, ensemble_runs=10)
    for seat in s.table(1).seats.values():
        s.login(seat.code)
    s.advance_round()
    _answer_all(s, 1, _choose)
    handed = s.table(1).day
    s.end()  # every seat to its agent
    lines = [n for n in s.table(1).news() if n.audience == FACILITATOR and "its gain" in n.text]
    assert any(n.day > handed for n in lines)
    assert not any("a person's answer" in n.text for n in lines if n.day > handed)
    assert any("a person's answer" in n.text for n in lines if n.day <= handed)


def test_the_ensemble_sets_a_table_against_the_runs_on_its_own_day() -> None:
    s = open_session("leverage", tables=1, ensemble_runs=40)
    e = s.ensemble()
    last = e.outcomes_on(e.last_day).set_index("outcome")["share"]
    assert last.to_dict() == e.outcomes.set_index("outcome")["share"].to_dict()
    early = e.outcomes_on(3).set_index("outcome")["share"]
    assert abs(early.sum() - 1) < 1e-9 and early.to_dict() != last.to_dict()


def test_a_seat_left_empty_gets_a_clear_answer_not_a_dead_code() -> None:
    s = open_session("leverage", tables=1, ensemble_runs=10)
    late = s.table(1).seats["ukraine"].code
    s.advance_round()
    with pytest.raises(SessionError, match="played by its agent"):
        s.login(late)


def test_reveal_shows_the_epilogue_beside_the_class_and_the_model(played) -> None:
    s, _, _ = played
    assert not s.console().epilogue and not s.seat_view(1, "ukraine").revealed
    s.ensemble()
    s.reveal()
    lines = s.console().epilogue
    assert lines[0] == "What actually happened"
    assert any("in this class: in force at some point at" in x and "in the model" in x for x in lines)
    assert any("Source: https://" in x for x in lines)
    assert s.projector().epilogue == lines
    assert (
        any("strategy" in x for x in s.seat_view(1, "ukraine").revealed) or not s.table(1).strategies
    )  # last: it reveals the shared session
