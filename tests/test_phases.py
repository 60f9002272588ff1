"""The phase state machine: legal moves only, whatever sequence of events is thrown at it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.phases import TRANSITIONS, IllegalTransition, PhaseEvent, PhaseStatus, advance

S, E = PhaseStatus, PhaseEvent


def test_the_lifecycle_of_model_md():
    s = S.NOT_STARTED
    for event, expected in [
        (E.OPEN, S.NEGOTIATING),
        (E.AGREE, S.IN_FORCE),
        (E.RENEW, S.RENEWED),
        (E.RENEW, S.RENEWED),
        (E.EXPIRE, S.EXPIRED),
        (E.REOPEN, S.NEGOTIATING),
        (E.ABANDON, S.REJECTED),
        (E.REOPEN, S.NEGOTIATING),
        (E.AGREE, S.IN_FORCE),
        (E.COLLAPSE, S.COLLAPSED),
    ]:
        s = advance(s, event)
        assert s is expected
    assert S.RENEWED.in_force and S.IN_FORCE.in_force and not S.COLLAPSED.in_force


def test_illegal_move_names_phase_day_and_states():
    with pytest.raises(IllegalTransition) as info:
        advance(S.NOT_STARTED, E.AGREE, phase="full_ceasefire", day=12)
    msg = str(info.value)
    assert "full_ceasefire" in msg and "day 12" in msg and "not_started" in msg and "agree" in msg


def test_no_truce_enters_force_without_talks():
    for status in S:
        if status is not S.NEGOTIATING:
            with pytest.raises(IllegalTransition):
                advance(status, E.AGREE)


@given(st.lists(st.sampled_from(list(PhaseEvent)), max_size=60))
def test_random_event_sequences_never_make_an_illegal_transition(events):
    status = S.NOT_STARTED
    for event in events:
        try:
            new = advance(status, event)
        except IllegalTransition:
            assert event not in TRANSITIONS[status]
            continue
        assert TRANSITIONS[status][event] is new
        if new is S.IN_FORCE:
            assert status is S.NEGOTIATING
        status = new
