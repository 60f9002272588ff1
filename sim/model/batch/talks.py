"""Decisions: agreed truces, rounds of talks, the humanitarian track, withdrawal and renewal."""

from __future__ import annotations

import numpy as np

from sim.model.batch.common import (
    NEGOTIATING,
    NOT_STARTED,
    _take,
    bargaining,
    rules,
)
from sim.model.batch.valuation import Valuation
from sim.model.phases import PhaseEvent


class Talks(Valuation):
    """Steps 7-10 of the day: every decision, taken only on the runs whose round or term it is."""

    def _agreed_truces(self) -> None:
        for t in self.ph:
            if t.spec.agreed_on_day is None:
                continue
            mask = self.live & (self.status[:, t.n] == NOT_STARTED) & (self.day >= t.agreed)
            idx = np.nonzero(mask)[0]
            if idx.size == 0:
                continue
            self._open(t, idx, PhaseEvent.OPEN)
            package = self._package(t, idx)
            for b in t.parties:
                self._value(t, b, idx, package)  # what each would gain (it learns its position too)
            self._enter_force(t, idx, package)

    def _negotiate(self) -> None:
        live = self.live
        for t in self.ph:
            st = self.status[:, t.n]
            pre = self._prereq(t)
            opening = live & (st == NOT_STARTED) & (self.day >= t.opens) & pre
            self._open(t, np.nonzero(opening)[0], PhaseEvent.OPEN)
            rd = self.reopen_day[:, t.n]
            reopening = live & ~opening & (st != NOT_STARTED) & (rd >= 0) & (self.day >= rd) & pre
            self._open(t, np.nonzero(reopening)[0], PhaseEvent.REOPEN)
            negotiating = live & (self.status[:, t.n] == NEGOTIATING)
            due = negotiating & pre & (self.day >= self.next_round[:, t.n])
            idx = np.nonzero(due)[0]
            if idx.size:
                self._round(t, idx)
            if t.spec.talks_abandoned_after_days is not None:
                stale = (
                    live
                    & (self.status[:, t.n] == NEGOTIATING)
                    & (self.day - self.opened_day[:, t.n] >= t.abandon)
                )
                out = np.nonzero(stale)[0]
                if out.size:
                    self.move(t, out, PhaseEvent.ABANDON)
                    self._schedule_reopen(t, out)

    def _round(self, t, idx: np.ndarray) -> None:
        package = self._package(t, idx)
        refused = np.zeros((idx.size, len(self.bel)), bool)
        vetoed = np.zeros((idx.size, len(self.bel)), bool)
        gains = []
        unpressed = []  # each gain without the mediators' pressure: did the levers buy the deal?
        for b in t.parties:
            gain, trust = self._value(t, b, idx, package)
            held = self._held(t, b, idx, trust)
            demand = rules.demand(self._col(self.opening, b, idx), self._col(self.floor, b, idx), held)
            self.last_demand[idx, b] = demand
            unmet = np.zeros(idx.size, bool)
            for link in t.links:
                if link[0] != b:
                    continue
                low, high = self._band(link, idx, held)
                x = package[:, link[1]]
                unmet |= (x < low - 1e-9) | (x > high + 1e-9)
            p = np.where(unmet, 0.0, bargaining.p_accept(gain, demand, _take(self.dyn.acceptance_noise, idx)))
            accepted = self._answer(t, b, idx, p, gain, demand, trust, ("accept", "reject"))
            refused[:, b] = ~accepted
            vetoed[:, b] = unmet
            gains.append(gain)
            unpressed.append(gain - self.pressure_on[idx, b, t.n])
        agreed = ~refused[:, t.parties].any(axis=1)
        signed = idx[agreed]
        if signed.size:
            self.totals["signed"][signed] += 1
            loss = np.stack(gains, axis=1)[agreed].min(axis=1) < 0.0
            self.totals["signed_against_interest"][signed] += loss
            self.totals["signed_on_pressure"][signed] += np.stack(unpressed, axis=1)[agreed].min(axis=1) < 0.0
            self._enter_force(t, signed, package[agreed])
        rest = ~agreed
        if not rest.any():
            return
        ridx = idx[rest]
        self._revise_text(t, ridx, refused[rest])
        for b in t.parties:
            press = refused[rest, b] & ~self.pressed[ridx, b] & ~vetoed[rest, b]
            if not press.any():
                continue
            pidx = ridx[press]
            self.pressed[pidx, b] = True
            ripe = np.where(self.stalemate[pidx], 2.0, 1.0)
            for j, (med, _lever, target, _kind, strength, credibility) in enumerate(self.levers):
                if target != b:
                    continue
                applied = self.u[self.slot[("lever", j)], pidx] < _take(credibility, pidx)
                on = self.pressure_on[pidx, b, t.n]
                new = np.minimum(_take(self.dyn.max_pressure, pidx), on + _take(strength, pidx) * ripe)
                self.pressure_on[pidx, b, t.n] = np.where(applied, new, on)
                if self.record:
                    self._event(
                        pidx,
                        med,
                        t.n,
                        np.where(applied, "leverage", "hold_leverage"),
                        p=np.broadcast_to(_take(credibility, pidx), (pidx.size,)),
                    )
        self.next_round[ridx, t.n] = self.day + _take(t.interval, ridx)

    def _answer(
        self, t, b: int, idx: np.ndarray, p, gain, reservation, trust, words: tuple[str, str]
    ) -> np.ndarray:
        """Party ``b``'s yes (chance ``p``) on runs ``idx``, from its answer slot; logged with its numbers.

        A round's answer and a renewal share the slot: a phase is never in a round and at its term
        on the same day.
        """
        yes = self.u[self.slot[("answer", t.n, b)], idx] < p
        if self.record:
            self._event(
                idx,
                self.bel[b],
                t.n,
                np.where(yes, *words),
                p=p,
                utility=gain,
                reservation=np.broadcast_to(reservation, (idx.size,)),
                trust=trust,
                pressure=self.pressure_on[idx, b, t.n],  # the pressure in this gain: this phase's
                score=gain - reservation,
            )
        return yes

    def _revise_text(self, t, idx: np.ndarray, refused: np.ndarray) -> None:
        """Raiffa's single text, revised toward those who refused (CeasefireModel._revise_text)."""
        if not t.terms:
            return
        step = _take(self.dyn.mediator_flexibility, idx)
        for b in t.parties:
            r = refused[:, b]
            if not r.any():
                continue
            sal = self.salience[idx, b][:, t.terms]
            top = sal.max(axis=1)
            top = np.where(top > 0, top, 1.0)
            for i in t.terms:
                if i in t.linked:
                    continue
                x = self.text[idx, t.n, i]
                new = bargaining.single_text_step(
                    x, self.position[idx, b, i], self.salience[idx, b, i] / top, step
                )
                self.text[idx, t.n, i] = np.where(r, new, x)
        for link in t.links:
            b, issue = link[0], link[1]
            trust = self._trust_in(t, b, idx)
            low, high = self._band(link, idx, self._held(t, b, idx, trust))
            x = self.text[idx, t.n, issue]
            r = refused[:, b]
            inside = (low <= x) & (x <= high)
            target = np.where(x < low, low, np.where(x > high, high, x))
            toward = bargaining.single_text_step(x, self.position[idx, b, issue], 1.0, step)
            clipped = x + np.clip(target - x, -step, step)
            new = np.where(r & inside, toward, clipped)
            self.text[idx, t.n, issue] = np.where(r | ~inside, new, x)

    def _exchange(self, mask: np.ndarray, a: int, b: int, n: np.ndarray, why: str = "") -> None:
        go = mask & (n > 0)
        if not go.any():
            return
        k = np.where(go, n, 0)
        self.held[:, a] -= k
        self.held[:, b] -= k
        self.exchanged += 2 * k
        self.exchanges_today += go
        boost = self.boost
        for x, y in ((a, b), (b, a)):
            t = self.trust[:, x, y]
            self.trust[:, x, y] = np.where(go, np.clip(t + boost * (1.0 - t), 0.0, 1.0), t)
        if self.record:
            self._event(np.nonzero(go)[0], self.bel[a], -1, "exchange", detail=f"{why}with {self.bel[b]}")

    def _humanitarian(self) -> None:
        live = self.live
        for day, each, wounded, giver in self.scheduled:
            if day != self.day:
                continue
            for a, b in self.pairs:
                n = rules.exchange_size(each, self.held[:, a], self.held[:, b])
                self._exchange(live, a, b, n, "scheduled exchange ")
            n = np.where(live, np.minimum(wounded, self.held[:, giver]), 0)
            self.held[:, giver] -= n
            self.wounded += n
            if self.record:
                self._event(np.nonzero(live)[0], self.bel[giver], -1, "hand_over_wounded")
        for i, (a, b) in enumerate(self.pairs):
            trust = 0.5 * (self.trust[:, a, b] + self.trust[:, b, a])
            p = rules.p_exchange(trust, self.base_rate, self.brokered)
            yes = live & (self.u[self.slot[("exchange", i)]] < p)
            n = rules.exchange_size(self.batch_size, self.held[:, a], self.held[:, b])
            self._exchange(yes, a, b, n)

    def _lifecycle(self) -> None:
        for t in self.ph:
            if t.terminal:
                continue
            # settled today (a peace signed in today's talks) ends the truces' lifecycle with it
            active = ~self.settled & self.in_force[:, t.n] & (self.agreed_day[:, t.n] != self.day)
            idx = np.nonzero(active)[0]
            if idx.size == 0:
                continue
            out = np.zeros(idx.size, bool)
            culprit = np.full(idx.size, -1)
            for b in t.parties:
                check = ~out
                if not check.any():
                    break
                wants = np.zeros(idx.size, bool)
                for o in t.parties:
                    if o == b:
                        continue
                    g = self.grievance[b, o][t.domains][:, idx].max(axis=0)
                    over = check & ~wants & (g > self._col(self.tolerance, b, idx))
                    if not over.any():
                        continue
                    sub = idx[over]
                    delivered = self._delivered(t, b, sub)
                    pkg = np.where(self.has_package[sub, t.n][:, None], self.package[sub, t.n], np.nan)
                    gain, _ = self._value(t, b, sub, pkg, delivered, renewal=True)
                    leave = gain < self._col(self.floor, b, sub)
                    hit = np.zeros(idx.size, bool)
                    hit[np.nonzero(over)[0][leave]] = True
                    wants |= hit
                    culprit[hit] = o
                    if self.record and leave.any():
                        self._event(sub[leave], self.bel[b], t.n, "withdraw", utility=gain[leave])
                out |= wants
            gone = idx[out]
            if gone.size:
                self.move(t, gone, PhaseEvent.COLLAPSE)
                self._schedule_reopen(t, gone)
            stay = idx[~out]
            if t.has_duration and stay.size:
                due = stay[self.day >= self.expires_day[stay, t.n]]
                if due.size:
                    self._expire_or_renew(t, due)

    def _expire_or_renew(self, t, idx: np.ndarray) -> None:
        package = self.package[idx, t.n]
        if not t.renewable:
            self.move(t, idx, PhaseEvent.EXPIRE)
            self._schedule_reopen(t, idx)
            return
        renew = np.ones(idx.size, bool)
        gains = []
        unpressed = []
        for b in t.parties:
            delivered = self._delivered(t, b, idx)
            gain, trust = self._value(t, b, idx, package, delivered, renewal=True)
            floor = self._col(self.floor, b, idx)
            p = bargaining.p_accept(gain, floor, _take(self.dyn.acceptance_noise, idx))
            gains.append(gain)
            unpressed.append(gain - self.pressure_on[idx, b, t.n])
            renew &= self._answer(t, b, idx, p, gain, floor, trust, ("renew", "let_expire"))
        r = idx[renew]
        if r.size:
            self.totals["renewed"][r] += 1
            self.totals["renewed_against_interest"][r] += np.stack(gains, axis=1)[renew].min(axis=1) < 0.0
            self.totals["renewed_on_pressure"][r] += np.stack(unpressed, axis=1)[renew].min(axis=1) < 0.0
            self.move(t, r, PhaseEvent.RENEW)
            self.expires_day[r, t.n] = self.day + _take(t.duration, r)
            self.term_started[r, t.n] = self.day
            self.perceived[r, t.n] = 0
        x = idx[~renew]
        if x.size:
            self.move(t, x, PhaseEvent.EXPIRE)
            self._schedule_reopen(t, x)
