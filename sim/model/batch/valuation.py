"""What a package is worth to a party against fighting on (Belligerent.value), for runs in a round."""

from __future__ import annotations

import numpy as np

from sim.model.batch.common import (
    _take,
    bargaining,
    war,
)
from sim.model.batch.fighting import Fighting


class Valuation(Fighting):
    """Each party's gain, demand, conditions and the truce's record, as arrays over the runs asked."""

    def _learn(self, b: int, idx: np.ndarray) -> None:
        if not self.learns or not self.enemies[b]:
            return
        e = self.enemies[b][0]
        s = self.stake_issue
        self.position[idx, b, s] = war.learned_position(
            self.position0[idx, b, s],
            self.position0[idx, e, s],
            self._col(self.prior, b, idx),
            self.odds[idx, b, e],
            self.learning if np.ndim(self.learning) == 0 else self.learning[idx],
        )

    def _trust_in(self, t, b: int, idx: np.ndarray) -> np.ndarray:
        others = [o for o in t.parties if o != b]
        if not others:
            return np.ones(idx.size)
        return self.trust[idx, b][:, others].mean(axis=1)

    def _value(
        self,
        t,
        b: int,
        idx: np.ndarray,
        package: np.ndarray,
        delivered: np.ndarray | float = 1.0,
        renewal: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(gain, trust) of the package to party ``b`` on runs ``idx`` (Belligerent.value, as arrays)."""
        self._learn(b, idx)
        trust = self._trust_in(t, b, idx)
        share = t.share if np.ndim(t.share) == 0 else t.share[idx]
        spatial = np.zeros(idx.size)
        for i in t.issues:
            spatial = spatial + bargaining.issue_gain(
                package[:, i], self.status_quo[idx, i], self.position[idx, b, i], self.salience[idx, b, i]
            )
        gain = (
            share * spatial + self._truce_value(t, b, idx, package, delivered) + self.pressure_on[idx, b, t.n]
        )
        if t.domains and not renewal:
            gain = gain - share * (1.0 - trust) * _take(self.dyn.commitment_risk, idx)
        return gain, trust

    def _truce_value(self, t, b: int, idx: np.ndarray, package: np.ndarray, delivered) -> np.ndarray:
        days = t.days[idx]
        value = np.zeros(idx.size)
        cost_of_war = _take(self.dyn.cost_of_war, idx)
        resolve = self._col(self.resolve, b, idx)
        for e in t.parties:
            if e not in self.enemies[b]:
                continue
            odds = self.odds[idx, b, e]
            enemy_resolve = self._col(self.resolve, e, idx)
            front_intensity = np.zeros(idx.size)
            for d in t.domains:
                other = np.zeros(idx.size, bool)
                for q in self.cover[(d, b, e)]:
                    if q != t.n:
                        other |= self.in_force[idx, q]
                base = self._col(self.intensity, d, idx)
                mine = war.intensity(base, odds)
                theirs = war.intensity(base, 1.0 - odds)
                dmg = self._col(self.damage, d, idx)
                cost = theirs * dmg * 2.0 * (1.0 - odds) * cost_of_war / resolve
                if d == self.front:
                    front_intensity = np.where(other, front_intensity, np.maximum(mine, theirs))
                    coercion = 0.0
                else:
                    coercion = (
                        mine * dmg * 2.0 * odds * self._col(self.military_value, d, idx) / enemy_resolve
                    )
                value = value + np.where(other, 0.0, days * (delivered * cost - coercion))
            fights = front_intensity > 0.0
            if fights.any():
                stake = self._col(self.stake, b, idx)
                step = _take(self.front_step, idx)
                war_value = days * war.war_value_per_day(odds, front_intensity, step, stake, 0.0, 0.0)
                after_truce = self._project(b, e, idx, days, True, self._levels(package, idx))
                after_war = self._project(b, e, idx, days, False, self._levels(None, idx))
                shift = war.power_shift_value(
                    after_truce, after_war, front_intensity, step, stake, _take(self.planning, idx)
                )
                value = value + np.where(fights, shift - war_value, 0.0)
        return value

    def _aid_over(
        self, to: int, idx: np.ndarray, days: np.ndarray, levels: dict[int, np.ndarray]
    ) -> np.ndarray:
        """Aid ``to`` gets over the next ``days`` (Battlefield.aid_over): the pipeline, then ``levels``."""
        total = np.zeros(idx.size)
        col = self.off + self.aid_day  # the pipeline holds the decisions of days aid_day - lag + 1 .. aid_day
        for n, (line_to, issue, flow, lag) in enumerate(self.aid):
            if line_to != to:
                continue
            lag_i = lag[idx]
            ahead = np.minimum(lag_i, days.astype(np.int64))
            start = col - lag_i + 1  # the next arrival
            cs = self.aid_cs[n]
            in_pipe = cs[idx, start + ahead - 1] - cs[idx, start - 1]
            total = total + _take(flow, idx) * (in_pipe + np.maximum(0, days - lag_i) * levels[issue])
        return total

    def _project(
        self, side: int, enemy: int, idx: np.ndarray, days: np.ndarray, truce: bool, levels
    ) -> np.ndarray:
        s_side, s_enemy = self.strength[idx, side], self.strength[idx, enemy]
        g_side = self._col(self.production, side, idx) + self._aid_over(side, idx, days, levels) / days
        g_enemy = self._col(self.production, enemy, idx) + self._aid_over(enemy, idx, days, levels) / days
        rate = _take(self.rate, idx)
        if not truce:
            g_side = g_side - rate * s_enemy
            g_enemy = g_enemy - rate * s_side
        after_side = np.maximum(1e-9, s_side + days * g_side)
        after_enemy = np.maximum(1e-9, s_enemy + days * g_enemy)
        k = _take(self.k, idx)
        shift = war.contest_odds(after_side, after_enemy, k) - war.contest_odds(s_side, s_enemy, k)
        return np.clip(self.odds[idx, side, enemy] + shift, 0.01, 0.99)

    def _held(self, t, b: int, idx: np.ndarray, trust: np.ndarray) -> np.ndarray:
        first = self.first_opened[idx, t.n]
        start = np.where(first >= 0, first, self.day)
        t_norm = (self.day - start) / self._col(self.patience, b, idx)
        return self.strategies[b].remaining(np.asarray(t_norm, float), trust)

    def _band(self, link, idx: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        b, issue, fixed, low, high = link
        if fixed:
            return np.broadcast_to(_take(low, idx), (idx.size,)), np.broadcast_to(
                _take(high, idx), (idx.size,)
            )
        return bargaining.linkage_bound(self.position[idx, b, issue], held)

    def _delivered(self, t, b: int, idx: np.ndarray) -> np.ndarray:
        days = np.maximum(7, self.day - self.term_started[idx, t.n])
        promised = np.zeros(idx.size)
        background = np.zeros(idx.size)
        noise = _take(self.expected_noise, idx)
        for e in t.parties:
            if e not in self.enemies[b]:
                continue
            odds = self.odds[idx, b, e]
            for d in t.domains:
                promised = promised + days * war.intensity(self._col(self.intensity, d, idx), 1.0 - odds)
                background = background + days * noise
        excess = np.maximum(0.0, self.perceived[idx, t.n, b] - background)
        return bargaining.delivered_share(excess, promised)
