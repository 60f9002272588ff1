"""The block: the day's agenda over every run, and what a run leaves (rows, day columns, events)."""

from __future__ import annotations

import math

import numpy as np

from sim.model.batch.common import (
    STATUSES,
    BatchOutput,
)
from sim.model.batch.talks import Talks
from sim.model.results import COUNTED, NO_TRUCE


class Block(Talks):
    """The state of a block of runs of one structure, and the day's agenda applied to all of them."""

    def run(self) -> BatchOutput:
        while self.day < self.horizon:
            self.step()
        return self.output()

    def step(self) -> None:
        """One day for every run, in the mesa model's order (a settled run only counts its days)."""
        self.day += 1
        self._reset_day()
        self._agreed_truces()
        self._fight()
        self._battle()
        self._monitor()
        self._update_trust()
        self._costs_and_ripeness()
        self._negotiate()
        self._humanitarian()
        self._lifecycle()
        self.terr_end[:, :, self.day] = self.held_by_a
        self.days_in_force += self.in_force
        self._record_day()

    def _record_day(self) -> None:
        T = self.totals
        T["strikes"] += self.strikes
        true = self.viol.sum(axis=(0, 1, 2))
        T["violations_true"] += true
        T["violations_detected"] += self.detected
        T["false_accusations"] += self.false_acc
        T["disputed_incidents"] += self.disputed
        T["misattributed"] += self.misattributed
        T["claims"] += self.claims_today
        T["stalemate_days"] += self.stalemate  # as the mesa model: a settled run keeps its last value
        if not self.record:
            return
        c, j = self.day_cols, self.day - 1
        c["day"][:, j] = self.day
        names = np.asarray([s.value for s in STATUSES], object)
        for t in self.ph:
            c[f"{t.id}_status"][:, j] = names[self.status[:, t.n]]
        c["strikes"][:, j] = self.strikes
        c["violations_true"][:, j] = true
        c["violations_detected"][:, j] = self.detected
        c["false_accusations"][:, j] = self.false_acc
        c["violations_perceived"][:, j] = self.detected + self.false_acc
        for n, d in enumerate(self.domains):
            c[f"violations_true_{d}"][:, j] = self.viol[:, :, n].sum(axis=(0, 1))
            c[f"violations_perceived_{d}"][:, j] = self.seen_in[:, :, n].sum(axis=(0, 1))
        c["disputed_incidents"][:, j] = self.disputed
        c["misattributed"][:, j] = self.misattributed
        c["claims"][:, j] = self.claims_today
        c["exchanges"][:, j] = self.exchanges_today
        c["prisoners_exchanged"][:, j] = self.exchanged
        c["wounded_handed_over"][:, j] = self.wounded
        c["stalemate"][:, j] = self.stalemate
        for i, (x, y) in enumerate(self.pairs):
            c[f"territory_{self.bel[x]}_{self.bel[y]}"][:, j] = self.held_by_a[:, i]
        for i, b in enumerate(self.bel):
            for o in self.enemies[i]:
                c[f"trust_{b}_{self.bel[o]}"][:, j] = self.trust[:, i, o]
                c[f"belief_{b}_{self.bel[o]}"][:, j] = self.odds[:, i, o]
            c[f"cost_{b}"][:, j] = self.cost[:, i]
            c[f"ripeness_{b}"][:, j] = self.ripeness[:, i]
            c[f"pressure_{b}"][:, j] = self.pressure_on[:, i].sum(axis=1)
            c[f"demand_{b}"][:, j] = self.last_demand[:, i]
            c[f"prisoners_held_{b}"][:, j] = self.held[:, i]
            c[f"strength_{b}"][:, j] = self.strength[:, i]
            c[f"aid_received_{b}"][:, j] = self.delivered_today[:, i]
            c[f"claims_{b}"][:, j] = self.claims_total[:, i]

    def _format_events(self) -> dict[str, np.ndarray]:
        """The events as columns (``run``, ``seed``, then EVENT_FIELDS), ordered by run then day.

        Kept sparse while running (one entry per group of runs an event concerns) and spread into
        one row per run only here, at write time, as whole arrays.
        """
        from sim.model.results import EVENT_FIELDS

        numeric = EVENT_FIELDS[4:12]
        if not self.events:
            cols = {
                k: np.empty(0, np.int64 if k in ("run", "day") else float if k in numeric else object)
                for k in ("run", "day", "actor", "phase", "event", *numeric, "detail")
            }
        else:
            groups = self.events
            sizes = np.asarray([g[1].size for g in groups])
            most = int(sizes.max())
            nan = np.full(most, math.nan)  # one buffer; a group without the number takes a view of it

            def spread(values: list) -> np.ndarray:  # one value per group, repeated over its runs
                return np.repeat(np.asarray(values, dtype=object), sizes)

            cols = {
                "run": self.run_ids[np.concatenate([g[1] for g in groups])],
                "day": np.repeat(np.asarray([g[0] for g in groups], np.int64), sizes),
                "actor": spread([g[2] for g in groups]),
                "phase": spread([g[3] for g in groups]),
                "event": np.concatenate(
                    [np.broadcast_to(np.asarray(g[4], object), (g[1].size,)) for g in groups]
                ),
                "detail": spread([g[6] for g in groups]),
            }
            for k in numeric:
                cols[k] = np.concatenate(
                    [
                        nan[: g[1].size]
                        if k not in g[5]
                        else np.broadcast_to(np.asarray(g[5][k], float), (g[1].size,))
                        for g in groups
                    ]
                )
        order = np.lexsort((cols["day"], cols["run"]))  # stable: a day's events keep their order
        out = {"run": cols["run"][order], "seed": np.full(order.size, self.seed, np.int64)}
        for k in EVENT_FIELDS:
            out[k] = cols[k][order]
        return out

    def output(self) -> BatchOutput:
        """One ``runs.csv`` row per run (``sim.model.results.run_row``'s keys and meanings).

        Built as columns, then zipped into rows: 10,000 rows in a few tens of milliseconds.
        """
        sc = self.scenarios[0]
        R, T = self.R, self.totals
        names = np.asarray([x.value for x in STATUSES], object)
        by_rank = sorted(self.ph, key=lambda t: t.rank)
        outcome = np.full(R, NO_TRUCE, object)
        furthest = np.full(R, -1)
        for t in by_rank:  # the furthest phase wins: later in rank order overwrites
            outcome[self.in_force[:, t.n]] = t.spec.outcome
            furthest[self.entered_day[:, t.n] >= 0] = t.n
        cols: dict[str, list] = {
            "run": self.run_ids.tolist(),
            "seed": [self.seed] * R,
            "outcome": outcome.tolist(),
            "furthest_phase": np.asarray([*self.phases, "none"], object)[furthest].tolist(),
        }
        for t in self.ph:
            e = self.entered_day[:, t.n]
            cols[f"{t.id}_entered_day"] = [None if x < 0 else x for x in e.tolist()]
            cols[f"{t.id}_days_in_force"] = self.days_in_force[:, t.n].tolist()
            cols[f"{t.id}_final_status"] = names[self.status[:, t.n]].tolist()
        true, detected, false = T["violations_true"], T["violations_detected"], T["false_accusations"]
        cols.update(
            violations_true=true.tolist(),
            violations_detected=detected.tolist(),
            violations_undetected=(true - detected).tolist(),
            false_accusations=false.tolist(),
            violations_perceived=(detected + false).tolist(),
        )
        for k in COUNTED:  # in runs.csv's order after the violations above
            if k not in cols:
                cols[k] = T[k].tolist()
        cols["prisoners_exchanged"] = self.exchanged.tolist()
        cols["wounded_handed_over"] = self.wounded.tolist()
        cols["days"] = [self.horizon] * R
        signed = np.full((R, len(self.issues)), np.nan)
        for t in self.ph:
            m = (furthest == t.n) & self.has_package[:, t.n]
            signed[m] = self.package[m, t.n]
        for i, issue in enumerate(self.issues):
            cols[f"package_{issue}"] = signed[:, i].tolist()
        stake = sc.battlefield.stake_issue
        for i, b in enumerate(self.bel):
            for o in self.enemies[i]:
                cols[f"final_trust_{b}_{self.bel[o]}"] = self.trust[:, i, o].tolist()
            cols[f"final_cost_{b}"] = self.cost[:, i].tolist()
            cols[f"final_strength_{b}"] = self.strength[:, i].tolist()
            for o in self.enemies[i]:
                cols[f"final_belief_{b}_{self.bel[o]}"] = self.odds[:, i, o].tolist()
            cols[f"final_position_{b}_{stake}"] = self.position[:, i, self.stake_issue].tolist()
        for i, (x, y) in enumerate(self.pairs):
            cols[f"final_territory_{self.bel[x]}_{self.bel[y]}"] = self.held_by_a[:, i].tolist()
        keys = list(cols)
        rows = [dict(zip(keys, values, strict=True)) for values in zip(*cols.values(), strict=True)]
        return BatchOutput(
            self.run_ids.tolist(),
            [self.seed] * R,
            [x.start_date for x in self.scenarios],
            rows,
            self.day_cols if self.record else None,
            self._format_events() if self.record else None,
        )
