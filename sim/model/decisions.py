"""The decisions a human can take in place of an actor's agent, and how answers are written.

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

from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass
class Decision:
    """One decision put to a player: what it is about and what the actor perceives."""

    day: int
    actor: str
    kind: str
    subject: str
    view: Callable[[], list[str]]
    """What the actor perceives now, as lines (built only when a person asks)."""
    issues: tuple[str, ...] = ()
    """Issues a ``counter`` or ``table`` may set."""

    @property
    def key(self) -> str:
        return f"{self.day} | {self.actor} | {self.kind} {self.subject}"


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
