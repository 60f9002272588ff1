"""Phase moves through the transition table, and the mediators' package: the block's phases."""

from __future__ import annotations

import numpy as np

from sim.model.batch.common import (
    EVENTS,
    IN_FORCE,
    LOGGED,
    RENEWED,
    STATUSES,
    TABLE,
)
from sim.model.batch.state import BlockState
from sim.model.phases import IllegalTransition, PhaseEvent


class Phases(BlockState):
    """Moves of the phases' status codes, for the runs concerned, through the one transition table."""

    def move(self, t, idx: np.ndarray, event: PhaseEvent) -> None:
        """The only place a status changes: through the transition table, for the runs in ``idx``."""
        if idx.size == 0:
            return
        cur = self.status[idx, t.n]
        new = TABLE[cur, EVENTS.index(event)]
        if np.any(new < 0):
            bad = int(cur[new < 0][0])
            raise IllegalTransition(t.id, self.day, STATUSES[bad], event)
        self.status[idx, t.n] = new
        self.in_force[idx, t.n] = (new == IN_FORCE) | (new == RENEWED)
        if self.record and event in LOGGED:
            self._event(idx, "", t.n, LOGGED[event])

    def _open(self, t, idx: np.ndarray, event: PhaseEvent) -> None:
        if idx.size == 0:
            return
        self.move(t, idx, event)
        self.opened_day[idx, t.n] = self.day
        first = idx[self.first_opened[idx, t.n] < 0]
        self.first_opened[first, t.n] = self.day
        self.next_round[idx, t.n] = self.day
        self.reopen_day[idx, t.n] = -1

    def _prereq(self, t) -> np.ndarray:
        ok = np.ones(self.R, bool)
        for q in t.prereq:
            ok &= self.in_force[:, q]
        return ok

    def _schedule_reopen(self, t, idx: np.ndarray) -> None:
        delay = np.broadcast_to(t.reopens, (self.R,))[idx]
        self.reopen_day[idx, t.n] = np.where(delay >= 0, self.day + delay, -1)

    def _enter_force(self, t, idx: np.ndarray, package: np.ndarray) -> None:
        if idx.size == 0:
            return
        self.move(t, idx, PhaseEvent.AGREE)
        self.package[idx, t.n] = package
        self.has_package[idx, t.n] = True
        self.agreed_day[idx, t.n] = self.day
        self.term_started[idx, t.n] = self.day
        self.perceived[idx, t.n] = 0
        new = idx[self.entered_day[idx, t.n] < 0]
        self.entered_day[new, t.n] = self.day
        if t.has_duration:
            self.expires_day[idx, t.n] = self.day + np.broadcast_to(t.duration, (self.R,))[idx]
        else:
            self.expires_day[idx, t.n] = -1
        if self.record:
            self._event(idx, "", t.n, "enter_force")
        if t.terminal:
            self.settled[idx] = True

    def _package(self, t, idx: np.ndarray) -> np.ndarray:
        """The mediators' package for these runs: the truce and the single text's deliverable terms."""
        n_issues = len(self.issues)
        package = np.full((idx.size, n_issues), np.nan)
        if t.core is not None:
            package[:, t.core] = 1.0
        fresh = idx[~self.text_set[idx, t.n]]
        if fresh.size:
            self.text[fresh, t.n] = self.compromise[fresh]
            self.text_set[fresh, t.n] = True
        for i in t.terms:
            package[:, i] = self.text[idx, t.n, i]
        for i, cap, consent in t.third:
            x = package[:, i]
            cap_r = np.broadcast_to(cap, (self.R,))[idx]
            asks = ~self.consented[idx, t.n] & (x > cap_r)
            if not asks.any():
                continue
            draw = self.u[self.slot[("consent", t.n, i)], idx]
            yes = asks & (draw < np.broadcast_to(consent, (self.R,))[idx])
            self.consented[idx[yes], t.n] = True
            package[:, i] = np.where(asks & ~yes, cap_r, x)
            if self.record and yes.any():
                self._event(idx[yes], "", t.n, "consent")
        return package
