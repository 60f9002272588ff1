"""A seat: one actor at one table, and the decision port the table's model asks.

Daily choices come from the seat's standing orders; a package to answer or table stops the model
(:class:`Wait`, caught by the table) until the seat's students answer. Every answer is kept by the
decision's key, so the table can be replayed from day 0 to the same game.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from sim.classroom.orders import Orders, standing_answer, strike_answer
from sim.model.decisions import Answer, Decision
from sim.play.views import describe


@dataclass(frozen=True)
class Asked:
    """A decision waiting for a seat, as data a page shows: the actor's view, then the question."""

    key: str
    day: int
    actor: str
    kind: str
    subject: str
    lines: tuple[str, ...]
    options: tuple[str, ...]
    issues: tuple[str, ...]


class Wait(Exception):
    """A seat must answer: the model's day stops here, and is replayed once it has."""

    def __init__(self, asked: Asked) -> None:
        self.asked = asked


@dataclass
class Seat:
    """One actor at one table, and who takes its decisions: its students (with standing orders), or
    its agent. Every answer is kept, by the decision's key, so the table can be replayed."""

    actor: str
    name: str
    code: str
    joined: bool = False
    agent: bool = False
    """Played by its agent (nobody joined, or the facilitator handed it over)."""
    orders: Orders = field(default_factory=Orders)
    moves: dict[str, Answer] = field(default_factory=dict)
    by_person: set[str] = field(default_factory=set)
    """Keys of the decisions its students took (answers and standing orders), not its agent."""

    def choose(self, decision: Decision, agent: Callable[[], Answer]) -> Answer:
        key = decision.key
        if key not in self.moves:
            self.moves[key] = self._decide(decision, agent)
        return self.moves[key]

    def _decide(self, decision: Decision, agent: Callable[[], Answer]) -> Answer:
        if self.agent:
            return agent()
        kind = decision.kind
        answer: str | None
        if kind == "strike":
            domain, _, _enemy = decision.subject.partition(":")
            enemy = decision.about.enemy  # type: ignore[union-attr]
            seen = sum(
                dict(p.yesterday_in).get(domain, 0)
                for p in decision.observe().perceptions
                if p.other == enemy
            )
            answer = strike_answer(self.orders.compliance.get(domain, "comply"), seen)
        elif kind == "press":
            answer = standing_answer(self.orders.levers.get(decision.subject.split(":")[0], "agent"))
        elif kind == "withdraw":
            answer = standing_answer(self.orders.withdraw)
        else:
            self._ask(decision)
        if answer is None:
            return agent()
        self.by_person.add(decision.key)
        return Answer(answer)

    def _ask(self, decision: Decision) -> NoReturn:
        """A package to answer or table: the table stops here until the seat answers."""
        kind = decision.kind
        lines = tuple(describe(decision))
        raise Wait(
            Asked(
                key=decision.key,
                day=decision.day,
                actor=self.actor,
                kind=kind,
                subject=decision.subject,
                lines=lines,
                options=decision.options,
                issues=decision.issues,
            )
        )
