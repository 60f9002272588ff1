"""Fighting, the battlefield, monitoring, trust and ripeness: the day's first steps, for every run."""

from __future__ import annotations

import numpy as np

from sim.model.batch.common import (
    NEGOTIATING,
    _expand,
    _poisson,
    rules,
    war,
)
from sim.model.batch.lifecycle import Phases


class Fighting(Phases):
    """Steps 1-6 of the day: strikes, the battle, perception, trust and grievance, costs and ripeness."""

    def _covered(self) -> np.ndarray:
        """(a, b, domain, runs): a truce in force covers fighting in the domain between a and b."""
        B, D = len(self.bel), len(self.domains)
        cov = np.zeros((B, B, D, self.R), bool)
        force = np.ascontiguousarray(self.in_force.T)
        for (d, a, b), qs in self.cover.items():
            for q in qs:
                cov[a, b, d] |= force[q]
        return cov

    def _fight(self) -> None:
        """Step 1, for every run at once: each belligerent strikes or holds in each domain, per enemy.

        Outside a truce at the intensity its belief chooses; inside one with ``rules.p_violate`` of
        that (a truce restrains the strikes it would make at war, it never adds to them).
        One uniform per (attacker, enemy, domain) and day, as the mesa model draws one.
        """
        cov = self.cov = self._covered()
        d_ = self.dyn
        detection = rules.p_detect(self.mon_strength)
        u = self.u
        D = len(self.domains)
        live = self.live
        weights = [
            getattr(d_, k)
            for k in (
                "spoiler_rate",
                "temptation_weight",
                "compliance_weight",
                "retaliation_weight",
                "deterrence_weight",
                "pressure_weight",
            )
        ]
        for a in range(len(self.bel)):
            pressure = self.pressure_on[:, a].sum(axis=1)
            for e in self.enemies[a]:
                odds = self.odds[:, a, e]
                covered = cov[a, e]  # (domains, runs)
                s = self.slot[("fight", a, e)]
                draw = u[s : s + D]
                p = self.intensity_dm * (0.5 + odds)
                if covered.any():
                    p_truce = rules.p_violate(
                        self.military_dm * 2.0 * odds,
                        self._col(self.compliance, a),
                        self.trust[:, a, e],
                        self.grievance[a, e],
                        detection,
                        pressure,
                        *weights,
                    )
                    p = np.where(covered, rules.truce_violation(p, p_truce), p)
                hit = live & (draw < p)
                self._strike(hit, a, e, covered)
                if self.front is not None:
                    self.fought[:, a, e] |= hit[self.front] & ~covered[self.front]
        for _j, a, d, targets in self.incidents.get(self.day, ()):
            for e in targets:
                hit = np.zeros((D, self.R), bool)
                hit[d] = self.live
                self._strike(hit, a, e, cov[a, e])

    def _strike(self, hit: np.ndarray, a: int, e: int, covered: np.ndarray) -> None:
        """Strikes (domains x runs) by a on e: their cost to e, violations where a truce covers them."""
        self.strikes += hit.sum(axis=0)
        odds = war.contest_odds(self.strength[:, a], self.strength[:, e])  # rules.strike_damage, per domain
        self.cost_today[:, e] += (hit * self.damage_dm).sum(axis=0) * 2.0 * odds
        self.viol[a, e] += hit & covered
        self.struck[e, a] += (hit & ~covered).sum(axis=0)

    def _battle(self) -> None:
        """Flows of strength (production, aid after its lag), then a contest on every open front."""
        live = self.live
        levels = self._levels(None, self.all)
        delivered = np.zeros_like(self.strength)
        col = self.off + self.day
        for n, (to, issue, flow, lag) in enumerate(self.aid):
            hist = self.aid_hist[n]
            arrive = hist[self.all, col - lag]
            hist[:, col] = np.where(live, levels[issue], hist[:, col - 1])
            self.aid_cs[n][:, col] = self.aid_cs[n][:, col - 1] + hist[:, col]
            delivered[:, to] += flow * arrive
        self.aid_day = self.day
        self.strength += np.where(live[:, None], self.production + delivered, 0.0)
        self.delivered_today = np.where(live[:, None], delivered, self.delivered_today)
        if self.front is None:
            return
        f = self.front
        for i, (a, b) in enumerate(self.pairs):
            open_front = live & ~self.cov[a, b, f]
            fa, fb = self.fought[:, a, b], self.fought[:, b, a]
            go = open_front & (fa | fb)
            if not go.any():
                continue
            sa, sb = self.strength[:, a], self.strength[:, b]
            ea = sa * np.where(fa, 1.0, 0.5)
            eb = sb * np.where(fb, 1.0, 0.5)
            a_wins = self.u[self.slot[("contest", i)]] < war.contest_odds(ea, eb, self.k)
            move = np.where(a_wins, self.front_step, -self.front_step)
            self.held_by_a[:, i] = np.where(
                go, np.clip(self.held_by_a[:, i] + move, 0.0, 1.0), self.held_by_a[:, i]
            )
            loss_a = war.attrition(sa, eb, self.rate)
            loss_b = war.attrition(sb, ea, self.rate)
            self.strength[:, a] = np.where(go, sa - loss_a, sa)
            self.strength[:, b] = np.where(go, sb - loss_b, sb)
            for side, enemy, won in ((a, b, a_wins), (b, a, ~a_wins)):
                w, lo = war.belief_update(
                    self.wins[:, side, enemy],
                    self.losses[:, side, enemy],
                    won * 1.0,
                    (~won) * 1.0,
                    self.memory,
                )
                self.wins[:, side, enemy] = np.where(go, w, self.wins[:, side, enemy])
                self.losses[:, side, enemy] = np.where(go, lo, self.losses[:, side, enemy])
                self.odds[:, side, enemy] = war.believed(
                    self.wins[:, side, enemy], self.losses[:, side, enemy]
                )
            self.totals["front_days"] += go

    def _levels(self, package: np.ndarray | None, idx: np.ndarray) -> dict[int, np.ndarray]:
        """The aid issues' levels for runs ``idx``: status quo, truces in force, then ``package``."""
        out = {}
        for issue in self.aid_issues:
            x = self.status_quo[idx, issue].copy()
            for t in self.ph:
                if issue in t.issues:
                    m = self.in_force[idx, t.n] & self.has_package[idx, t.n]
                    x = np.where(m, self.package[idx, t.n, issue], x)
            if package is not None:
                v = package[:, issue]
                x = np.where(np.isnan(v), x, v)
            out[issue] = x
        return out

    def _monitor(self) -> None:
        """What each side comes to believe happened under the truces (CeasefireModel._monitor).

        A true violation is detected with the monitoring strength and then misattributed with its
        chance (one uniform: below p·(1 - w) detected and blamed right, below p detected and
        misattributed); disputed incidents are blamed by both sides; false alarms blame one side for
        nothing; public claims follow what was perceived, more as grievance grows.
        """
        u = self.u
        strength = self.mon_strength
        p_detect = rules.p_detect(strength)
        p_wrong = rules.clamp(self.misattribution * (1.0 - strength))
        B, D = len(self.bel), len(self.domains)
        seen_in = self.seen_in
        for a in range(B):
            for e in self.enemies[a]:
                v = self.viol[a, e]
                if not v.any():
                    continue
                s = self.slot[("detect", a, e)]
                draw = u[s : s + D]
                one = v > 0
                ok = one & (draw < p_detect * (1.0 - p_wrong))
                wrong = one & ~ok & (draw < p_detect)
                extra = v - one
                for j in range(int(extra.max())):  # injects on top of a fight's violation: each its own
                    more = extra > j
                    d2 = self._inject_draws()[j, e]
                    ok2 = more & (d2 < p_detect * (1.0 - p_wrong))
                    wrong = wrong | (more & ~ok2 & (d2 < p_detect))
                    self.detected += ok2.sum(axis=0)
                    seen_in[e, a] += ok2
                self.misattributed += wrong.sum(axis=0)
                self.detected += ok.sum(axis=0)
                seen_in[e, a] += ok
        p_false = rules.p_false_alarm(self.false_rate, strength)
        p_disputed = rules.p_false_alarm(self.disputed_rate, strength)
        for i, (a, b) in enumerate(self.pairs):
            covered = self.cov[a, b] & self.live
            if not covered.any():
                continue
            s = self.slot[("disputed", i)]
            disputed = covered & (u[s : s + D] < p_disputed)
            self.disputed += disputed.sum(axis=0)
            seen_in[a, b] += disputed
            seen_in[b, a] += disputed
            for w, (victim, accused) in enumerate(((a, b), (b, a))):
                s = self.slot[("false", i, w)]
                f = covered & (u[s : s + D] < p_false)
                self.false_acc += f.sum(axis=0)
                seen_in[victim, accused] += f
        self.seen = seen_in.sum(axis=2)
        for t in self.ph:  # what each party perceived of the truces in force (their own domains)
            f = self.in_force[:, t.n]
            if not f.any():
                continue
            for v in t.parties:
                n = np.zeros(self.R, np.int64)
                for acc in t.parties:
                    if acc != v:
                        for d in t.domains:
                            n += seen_in[v, acc, d]
                self.perceived[:, t.n, v] += np.where(f, n, 0)
        if np.any(np.asarray(self.claim_rate) > 0.0):
            for b in range(B):
                seen = self.seen[b].sum(axis=0)
                if not seen.any():
                    continue
                grudge = self.grievance[b].sum(axis=(0, 1)) / np.maximum(self.tolerance_of(b), 1e-9)
                lam = self.claim_rate * seen * (1.0 + grudge)
                n = _poisson(lam, u[self.slot[("claims", b)]])
                self.claims_total[:, b] += n
                self.claims_today += n

    def _update_trust(self) -> None:
        d = self.dyn
        B = len(self.bel)
        in_truce = np.zeros((self.R, B, B), bool)
        talking = np.zeros((self.R, B, B), bool)
        for t in self.ph:
            f = self.in_force[:, t.n]
            g = self.status[:, t.n] == NEGOTIATING
            for x, y in t.pairs:
                in_truce[:, x, y] |= f
                talking[:, x, y] |= g
        live = self.live
        for b in range(B):
            for o in self.enemies[b]:
                seen = self.seen[b, o]
                calm = (seen == 0) & in_truce[:, b, o]
                trust = rules.trust_update(
                    self.trust[:, b, o],
                    self.trust0[:, b, o],
                    seen,
                    calm,
                    d.trust_gain,
                    d.trust_loss,
                    d.trust_drift,
                )
                struck = np.where(talking[:, b, o], self.struck[b, o], 0)
                trust = trust * (1.0 - d.hostility) ** struck
                self.trust[:, b, o] = np.where(live, trust, self.trust[:, b, o])
        g = rules.grievance_update(self.grievance, self.seen_in, d.forgiveness)
        g = np.where(g < 1e-3, 0.0, g)  # the mesa model drops a grievance this small
        self.grievance = np.where(live, g, self.grievance)

    def _costs_and_ripeness(self) -> None:
        live = self.live
        decay = 1.0 - self.dyn.pressure_decay
        self.pressure_on = np.where(
            live[:, None, None], self.pressure_on * _expand(decay, 2), self.pressure_on
        )
        all_ripe = np.ones(self.R, bool)
        for b in range(len(self.bel)):
            cost = self.cost_today[:, b] * self.dyn.cost_of_war
            self.cost[:, b] += np.where(live, cost, 0.0)
            gain_rate = np.zeros(self.R)
            for e in self.enemies[b]:
                gain_rate = gain_rate + (2.0 * self.odds[:, b, e] - 1.0) * self.front_step * self._col(
                    self.stake, b
                )
            r = war.ripeness(cost / self._col(self.resolve, b), gain_rate)
            self.ripeness[:, b] = np.where(live, r, self.ripeness[:, b])
            all_ripe &= r > 0.5
        flat = np.ones(self.R, bool)  # every front's last two weeks moved at most two days' ground
        for i in range(len(self.pairs)):
            if self.day - 1 < 15:
                flat[:] = False
                break
            moved = np.abs(self.terr_end[:, i, self.day - 1] - self.terr_end[:, i, self.day - 15])
            flat &= moved <= 2 * self.front_step + 1e-12
        self.stalemate = np.where(live, all_ripe & flat, self.stalemate)
