"""The phase lifecycle: a transition table, and one pure function that moves along it.

``not_started -> negotiating -> in_force -> (expired | renewed | collapsed)``, plus ``rejected``
when talks are abandoned (MODEL.md). A renewed truce is still in force. Expired, collapsed and
rejected tracks may reopen to negotiation when the scenario allows it. Anything else raises
:class:`IllegalTransition`.
"""

from __future__ import annotations

from enum import StrEnum


class PhaseStatus(StrEnum):
    NOT_STARTED = "not_started"
    NEGOTIATING = "negotiating"
    IN_FORCE = "in_force"
    RENEWED = "renewed"
    EXPIRED = "expired"
    COLLAPSED = "collapsed"
    REJECTED = "rejected"

    @property
    def in_force(self) -> bool:
        return self in (PhaseStatus.IN_FORCE, PhaseStatus.RENEWED)


class PhaseEvent(StrEnum):
    OPEN = "open"
    AGREE = "agree"
    ABANDON = "abandon"
    RENEW = "renew"
    EXPIRE = "expire"
    COLLAPSE = "collapse"
    REOPEN = "reopen"


S, E = PhaseStatus, PhaseEvent

TRANSITIONS: dict[PhaseStatus, dict[PhaseEvent, PhaseStatus]] = {
    S.NOT_STARTED: {E.OPEN: S.NEGOTIATING},
    S.NEGOTIATING: {E.AGREE: S.IN_FORCE, E.ABANDON: S.REJECTED},
    S.IN_FORCE: {E.RENEW: S.RENEWED, E.EXPIRE: S.EXPIRED, E.COLLAPSE: S.COLLAPSED},
    S.RENEWED: {E.RENEW: S.RENEWED, E.EXPIRE: S.EXPIRED, E.COLLAPSE: S.COLLAPSED},
    S.EXPIRED: {E.REOPEN: S.NEGOTIATING},
    S.COLLAPSED: {E.REOPEN: S.NEGOTIATING},
    S.REJECTED: {E.REOPEN: S.NEGOTIATING},
}
"""Legal moves: status -> event -> next status. Every status is a key, so the table is total."""


class IllegalTransition(RuntimeError):
    """A phase was asked to make a move its lifecycle does not allow."""

    def __init__(self, phase: str, day: int, status: PhaseStatus, event: PhaseEvent) -> None:
        allowed = ", ".join(TRANSITIONS[status]) or "none"
        super().__init__(
            f"phase {phase!r} on day {day}: cannot {event.value} while {status.value} (allowed: {allowed})"
        )
        self.phase, self.day, self.status, self.event = phase, day, status, event


def advance(status: PhaseStatus, event: PhaseEvent, *, phase: str = "?", day: int = -1) -> PhaseStatus:
    """The status after ``event``, or :class:`IllegalTransition` naming the phase, day and move."""
    try:
        return TRANSITIONS[status][event]
    except KeyError:
        raise IllegalTransition(phase, day, status, event) from None


def _check_table() -> None:
    """The table mirrors MODEL.md: every status has an entry and every target is a status."""
    assert set(TRANSITIONS) == set(PhaseStatus), "every status needs a row"
    for row in TRANSITIONS.values():
        assert all(isinstance(t, PhaseStatus) for t in row.values())


_check_table()
