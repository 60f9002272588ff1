"""The decision port: the decisions a player can take in place of an actor's agent, as data.

The model asks a :class:`DecisionPort` with a structured :class:`Decision` and the actor's
:class:`Observation`; it imports nothing that presents them (``sim.play`` renders them for a person,
as OpenSpiel keeps its games apart from their observers).

Every decision has a key (``day | actor | kind subject``) and a one-line answer, so a game is a list
of lines: recorded while playing, replayed with ``play --moves FILE`` (for grading and tests).

=========  ====================  ===================================================
kind       subject               answers
=========  ====================  ===================================================
strike     DOMAIN:ENEMY          ``comply`` or ``strike`` (a truce covers the domain)
answer     PHASE:round|renewal   ``accept``, ``reject``, or ``counter ISSUE=V ...``
withdraw   PHASE:CULPRIT         ``withdraw`` or ``stay`` (perceived violations beyond
                                 the actor's tolerance)
press      LEVER:TARGET          ``apply`` or ``hold`` (a mediator's lever after a refusal)
table      PHASE                 ``table`` (the proposed terms) or ``table ISSUE=V ...``
=========  ====================  ===================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

POINTS = 100
"""Points per unit of the model's gain: how a gain is shown to people (role cards, news, decisions)."""

KINDS = {
    "strike": ("comply", "strike"),
    "answer": ("accept", "reject", "counter"),
    "withdraw": ("withdraw", "stay"),
    "press": ("apply", "hold"),
    "table": ("table",),
}


@dataclass(frozen=True)
class Answer:
    """A parsed answer: the choice, and issue values for ``counter`` and ``table``."""

    choice: str
    terms: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join([self.choice, *(f"{k}={v!r}" for k, v in self.terms.items())])  # exact: replays


@dataclass(frozen=True)
class PhaseState:
    """A phase as every actor sees it: public."""

    title: str
    status: str
    expires_day: int | None = None


@dataclass(frozen=True)
class Perception:
    """What an actor perceived of another's violations, and its own grievance against it."""

    other: str
    """The other actor's display name."""
    yesterday: int
    today: int
    grievance: float
    tolerance: float
    yesterday_in: tuple[tuple[str, int], ...] = ()
    """Yesterday's perceived violations by domain (domain id, count): what "respond in kind" reads."""


@dataclass(frozen=True)
class FrontView:
    """One front as a belligerent sees it: public territory, its own forces, its private belief."""

    enemy: str
    """The enemy's display name."""
    held: float
    """Share of the contested zone the actor holds (public: the map)."""
    strength: float
    """The actor's own military strength (its own, not the enemy's)."""
    believed_odds: float
    """Its belief about its chance of winning a day's fighting (learned from the fighting)."""


@dataclass(frozen=True)
class Observation:
    """What one actor perceives on one day: the public state and its own private state.

    Never the truth (true violations), nor another actor's reservation, strategy or trust.
    """

    day: int
    date: dt.date
    actor: str
    """The actor's display name."""
    phases: tuple[PhaseState, ...]
    trust: tuple[tuple[str, float], ...]
    """(other actor's name, trust in it), in the scenario's order."""
    perceptions: tuple[Perception, ...] = ()
    cost: float | None = None
    """A belligerent's cost of war so far (None for a mediator), with ripeness and pressure."""
    ripeness: float | None = None
    pressure: float | None = None
    fronts: tuple[FrontView, ...] = ()
    """A belligerent's view of the war: each front, its own strength and its belief about its odds."""


@dataclass(frozen=True)
class Condition:
    """A party's stated linkage condition on a phase (public: P10)."""

    actor: str
    issue: str
    at_most: float | None = None
    at_least: float | None = None


@dataclass(frozen=True)
class Tabled:
    """A package put to an actor: to agree (round), to renew (renewal) or to table (mediator)."""

    phase: str
    """The phase's title."""
    kind: str
    """``round``, ``renewal`` or ``table``."""
    package: dict[str, float]
    labels: dict[str, tuple[str, str]]
    """Per issue, what 0 and 1 mean."""
    terms: tuple[str, ...] = ()
    gain: float | None = None
    """Its value to the actor by its own positions and salience (above 0: better than no deal)."""
    unmet: tuple[str, ...] = ()
    """Issues on which the actor's own linkage condition is not met."""
    countered: dict[str, dict[str, float]] = field(default_factory=dict)
    """For a mediator: parties' counter-terms (by name), met halfway in ``package``."""
    conditions: tuple[Condition, ...] = ()
    """For a mediator: the parties' stated conditions."""


@dataclass(frozen=True)
class StrikeChoice:
    """Keep a truce toward an enemy in a domain, or strike."""

    truce: str
    domain: str
    enemy: str


@dataclass(frozen=True)
class WithdrawalChoice:
    """Withdraw from a truce after perceived violations beyond the actor's tolerance, or stay."""

    truce: str
    culprit: str
    grievance: float
    tolerance: float


@dataclass(frozen=True)
class LeverChoice:
    """A mediator's lever after a refusal: apply it, or hold it."""

    truce: str
    target: str
    kind: str
    strength: float


About = Tabled | StrikeChoice | WithdrawalChoice | LeverChoice


@dataclass
class Decision:
    """One decision put to a player: what is decided, the options, the numbers behind them, and
    what the actor perceives. Structured data only: ``sim.play`` renders it for a person."""

    day: int
    actor: str
    kind: str
    subject: str
    observe: Callable[[], Observation]
    """What the actor perceives now (built only when a player asks)."""
    about: About
    issues: tuple[str, ...] = ()
    """Issues a ``counter`` or ``table`` may set."""

    @property
    def key(self) -> str:
        return f"{self.day} | {self.actor} | {self.kind} {self.subject}"

    @property
    def options(self) -> tuple[str, ...]:
        return KINDS[self.kind]


class DecisionPort(Protocol):
    """Who decides in an actor's place: given the decision and the agent's own choice (``agent()``),
    it answers itself or defers to the agent. The model asks; it never knows who answers."""

    def choose(self, decision: Decision, agent: Callable[[], Answer]) -> Answer: ...


def parse_answer(text: str, kind: str, issues: tuple[str, ...] = ()) -> Answer:
    """An answer to a decision of ``kind``; a ValueError says what the answers are."""
    words = text.strip().lower().split()
    options = KINDS[kind]
    if not words or words[0] not in options:
        raise ValueError(f"answer one of: {', '.join(options)} (got {text.strip()!r})")
    choice, rest = words[0], words[1:]
    if rest and choice not in ("counter", "table"):
        raise ValueError(f"{choice!r} takes nothing after it (got {text.strip()!r})")
    if choice == "counter" and not issues:
        raise ValueError("there are no terms to counter here: accept or reject")
    if choice == "counter" and not rest:
        raise ValueError(f"counter needs terms, e.g. counter {issues[0]}=0.5")
    terms: dict[str, float] = {}
    for word in rest:
        issue, sep, value = word.partition("=")
        if not sep or issue not in issues:
            raise ValueError(
                f"{word!r}: terms are ISSUE=VALUE with ISSUE one of {', '.join(issues) or 'none'}"
            )
        try:
            x = float(value)
        except ValueError:
            raise ValueError(f"{word!r}: {value!r} is not a number") from None
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"{word!r}: a position is between 0 and 1")
        terms[issue] = x
    return Answer(choice, terms)
