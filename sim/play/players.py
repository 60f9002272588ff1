"""Who takes an actor's decisions in a game: a person at a terminal, or a recorded list of moves.

A player gets a :class:`~sim.model.decisions.Decision` and the agent's own choice as a function
(``agent()``): it may answer itself or defer to the agent ("auto"). Bad input at a prompt asks
again; it never ends the game.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sim.model.decisions import KINDS, Answer, Decision, DecisionPort, parse_answer
from sim.play.views import describe
from sim.scenario.loader import Problem, ScenarioError

AgentChoice = Callable[[], Answer]


Player = DecisionPort
"""Anything that answers the model's decisions (a person at a terminal, a moves file, a seat)."""


@dataclass
class Recorder:
    """Wraps a player and keeps every answer as a moves line, so the game can be replayed."""

    player: Player
    lines: list[str] = field(default_factory=list)

    def choose(self, decision: Decision, agent: AgentChoice) -> Answer:
        answer = self.player.choose(decision, agent)
        self.lines.append(f"{decision.key} | {answer}")
        return answer


@dataclass
class Scripted:
    """Answers from a moves file; a decision the file does not list goes to the agent.

    An answer is checked again against the decision it answers (a counter or table may set only
    that phase's terms): one the game itself would refuse goes to the agent and is reported.
    """

    moves: dict[str, Answer]
    asked: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)

    def choose(self, decision: Decision, agent: AgentChoice) -> Answer:
        key = decision.key
        self.asked.add(key)
        if key not in self.moves:
            return agent()
        answer = self.moves[key]
        try:
            return parse_answer(str(answer), decision.kind, decision.issues)
        except ValueError as exc:
            self.refused.append(f"{key} | {answer}: {exc}")
            return agent()

    def unused(self) -> list[str]:
        """Moves the game never asked for (a wrong day or subject): reported in the debrief."""
        return [k for k in self.moves if k not in self.asked]


HELP = """answers: {options}
  auto        let your actor's agent decide this one
  auto all    let the agent decide every {kind} decision from now on
  comply N    (strike decisions) keep every truce for the next N days without asking
  view        show what you perceive again
  quit        let the agent decide everything from now on"""


@dataclass
class Terminal:
    """Asks a person: prints what the actor perceives, reads an answer, re-asks on bad input."""

    read: Callable[[str], str]
    write: Callable[[str], None]
    auto_kinds: set[str] = field(default_factory=set)
    """Kinds the agents decide for every played actor (adjudication: compliance)."""
    auto_for: set[tuple[str, str]] = field(default_factory=set)
    """(actor, kind) a table handed to its agent: one table's shortcut never binds another."""
    comply_until: dict[str, int] = field(default_factory=dict)

    def choose(self, decision: Decision, agent: AgentChoice) -> Answer:
        kind, actor = decision.kind, decision.actor
        if kind in self.auto_kinds or (actor, kind) in self.auto_for:
            return agent()
        if kind == "strike" and decision.day <= self.comply_until.get(actor, -1):
            return Answer("comply")
        self.write("\n".join(["", *describe(decision)]))
        options = " | ".join(KINDS[kind])
        while True:
            try:
                text = self.read(
                    f"[day {decision.day}] {decision.actor}, {kind} {decision.subject} ({options}, help)> "
                )
            except EOFError:  # input ended (for every table): the agents play on
                self.auto_kinds.update(KINDS)
                return agent()
            words = text.strip().lower().split()
            if words == ["help"] or words == ["?"]:
                self.write(HELP.format(options=options, kind=kind))
                continue
            if words == ["view"]:
                self.write("\n".join(describe(decision)))
                continue
            if words == ["auto"]:
                return agent()
            if words == ["auto", "all"]:
                self.auto_for.add((actor, kind))
                return agent()
            if words == ["quit"]:
                self.auto_for.update((actor, k) for k in KINDS)
                return agent()
            if (
                kind == "strike"
                and len(words) == 2
                and words[0] == "comply"
                and words[1].isascii()
                and words[1].isdigit()
                and len(words[1]) <= 4  # at most 9999 days: no 5,000-digit number to convert
            ):
                self.comply_until[actor] = decision.day + int(words[1]) - 1
                return Answer("comply")
            try:
                return parse_answer(text, kind, decision.issues)
            except ValueError as exc:
                self.write(f"  {exc}; type help for the answers")


def read_moves(path: Path, actors: set[str], issues: tuple[str, ...]) -> dict[str, Answer]:
    """A moves file (``DAY | ACTOR | KIND SUBJECT | ANSWER`` per line); every bad line is named."""
    from sim.scenario.reading import read_text

    name = str(path)
    text = read_text(path)  # a regular UTF-8 file, bounded, no control characters (a BOM is fine)
    moves: dict[str, Answer] = {}
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        try:
            if len(fields) != 4:
                raise ValueError(f"expected DAY | ACTOR | KIND SUBJECT | ANSWER, got {line!r}")
            day, actor, what, answer = fields
            if not (day.isascii() and day.isdigit() and len(day) <= 6):
                raise ValueError(f"day {day!r} is not a day number")
            if actor not in actors:
                raise ValueError(f"{actor!r} is not played here (--as {' --as '.join(sorted(actors))})")
            kind, _, subject = what.partition(" ")
            if kind not in KINDS or not subject.strip():
                raise ValueError(f"{what!r}: expected KIND SUBJECT with KIND one of {', '.join(KINDS)}")
            key = f"{int(day)} | {actor} | {kind} {subject.strip()}"
            if key in moves:
                raise ValueError(f"a second answer to {key!r}")
            moves[key] = parse_answer(answer, kind, issues)
        except ValueError as exc:
            problems.append(Problem(name, number, "", str(exc)))
    if problems:
        raise ScenarioError(problems)
    return moves
