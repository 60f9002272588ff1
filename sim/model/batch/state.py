"""A block's state: its parameters as arrays, its runs' random numbers in daily slots, the state
the day's steps change, and the day's scratch counts.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any, cast

import numpy as np

from sim.model.batch.common import (
    CHUNK_DAYS,
    _day_dtype,
    _in_order,
    rules,
)
from sim.model.batch.params import Params
from sim.model.ceasefire import benchmark_compromise
from sim.model.results import COUNTED, day_columns
from sim.model.strategies import STRATEGIES
from sim.scenario.schema import Concession, Phase, Scenario


class BlockState:
    """A block of runs of one structure: parameters, state and random numbers (the day's steps come
    in the subclasses: Phases, Fighting, Valuation, Talks, Block)."""

    def __init__(
        self, scenarios: Sequence[Scenario], runs: Sequence[int], seed: int, horizon: int | None, record: bool
    ) -> None:
        sc = scenarios[0]
        self.scenarios = scenarios
        self.run_ids = np.asarray(runs, dtype=np.int64)
        self.seed = int(seed)
        self.record = record
        self.horizon = horizon or sc.horizon_days
        R = self.R = len(runs)
        self.all = np.arange(R)
        P = self.par = Params(scenarios)
        self.actors = list(sc.actors)
        self.bel = list(sc.belligerents)
        B = len(self.bel)
        self.bi = {b: i for i, b in enumerate(self.bel)}
        self.enemies = [[self.bi[e] for e in sc.enemies(b)] for b in self.bel]
        self.pairs = [
            (i, j) for i in range(B) for j in range(i + 1, B) if j in self.enemies[i]
        ]  # the model's enemy_pairs
        self.issues = list(sc.issues)
        self.ii = {k: i for i, k in enumerate(self.issues)}
        self.domains = list(sc.domains)
        D = len(self.domains)
        self.di = {d: i for i, d in enumerate(self.domains)}
        self.phases = list(sc.phases)
        self.specs = [sc.phases[p] for p in self.phases]
        self.front = next((self.di[d] for d, x in sc.domains.items() if x.front), None)

        # -- parameters ----------------------------------------------------------------------------
        self.dyn = SimpleNamespace(
            **{k: P.col(lambda s, k=k: getattr(s.dynamics, k).value) for k, _ in sc.dynamics}
        )
        self.intensity = P.cols(lambda s, d: s.domains[d].intensity.value, self.domains)
        self.military_value = P.cols(lambda s, d: s.domains[d].military_value.value, self.domains)
        self.damage = P.cols(lambda s, d: s.domains[d].damage.value, self.domains)
        # the same, domains first, to broadcast against the day's (domains, runs) arrays
        self.intensity_dm, self.military_dm, self.damage_dm = (
            x.T if x.ndim == 2 else x[:, None] for x in (self.intensity, self.military_value, self.damage)
        )
        self.mon_strength = P.col(lambda s: s.monitoring.strength.value)
        self.false_rate = P.col(lambda s: s.monitoring.false_alarm_rate.value)
        self.disputed_rate = P.col(lambda s: s.monitoring.disputed_rate.value)
        self.misattribution = P.col(lambda s: s.monitoring.misattribution.value)
        self.claim_rate = P.col(lambda s: s.monitoring.claim_rate.value)
        self.expected_noise = rules.p_false_alarm(self.false_rate, self.mon_strength) + rules.p_false_alarm(
            self.disputed_rate, self.mon_strength
        )

        def act(f: Callable[[Any], Any]) -> np.ndarray:  # a belligerent has every optional field
            return P.cols(lambda s, b: f(s.actors[b]), self.bel)

        self.resolve = act(lambda a: a.resolve.value)
        self.opening = act(lambda a: a.concession.opening_demand.value)
        self.floor = act(lambda a: a.concession.floor_demand.value)
        self.patience = act(lambda a: a.concession.patience_days.value)
        self.compliance = act(lambda a: a.compliance.value)
        self.tolerance = act(lambda a: a.violation_tolerance.value)
        self.production = act(lambda a: a.forces.production.value)
        self.stake = act(lambda a: a.forces.stake.value)
        self.prior = act(lambda a: a.forces.believed_odds.value)
        self.strategies: list[Any] = [  # typed for floats; called here with arrays of runs
            STRATEGIES[cast(Concession, sc.actors[b].concession).strategy]() for b in self.bel
        ]
        n_issues = len(self.issues)
        self.position0 = np.stack(
            [
                np.broadcast_to(
                    P.cols(lambda s, i, b=b: s.actors[b].positions[i].value, self.issues), (R, n_issues)
                )
                for b in self.bel
            ],
            axis=1,
        ).copy()  # (R, B, I)
        self.salience = np.stack(
            [
                np.broadcast_to(
                    P.cols(
                        lambda s, i, b=b: s.actors[b].salience[i].value if i in s.actors[b].salience else 0.0,
                        self.issues,
                    ),
                    (R, n_issues),
                )
                for b in self.bel
            ],
            axis=1,
        )
        self.status_quo = np.broadcast_to(
            P.cols(lambda s, i: s.issues[i].status_quo.value, self.issues), (R, n_issues)
        )
        self.compromise = np.broadcast_to(
            P.rows(lambda s: _in_order(benchmark_compromise(s), self.issues)), (R, n_issues)
        )
        trust0 = np.full((R, B, B), 0.5)
        for i, b in enumerate(self.bel):
            for o, _ in sc.actors[b].trust.items():
                if o in self.bi:
                    trust0[:, i, self.bi[o]] = P.col(lambda s, b=b, o=o: s.actors[b].trust[o].value)
        self.trust0 = trust0
        bfs = sc.battlefield
        self.k = P.col(lambda s: s.battlefield.decisiveness.value)
        self.front_step = P.col(lambda s: s.battlefield.front_step.value)
        self.rate = P.col(lambda s: s.battlefield.attrition.value)
        self.memory = P.col(lambda s: s.battlefield.belief_memory.value)
        self.planning = P.col(lambda s: s.battlefield.planning_days.value, int)
        self.learning = P.col(lambda s: s.battlefield.position_learning.value)
        self.stake_issue = self.ii[bfs.stake_issue]
        self.learns = bool(np.any(np.asarray(self.learning) > 0.0))
        # aid lines: (to, issue, flow, lag)
        self.aid = []
        for a, actor in sc.actors.items():
            for line_id in actor.aid:
                line = actor.aid[line_id]
                self.aid.append(
                    (
                        self.bi[line.to],
                        self.ii[line.issue],
                        P.col(lambda s, a=a, line_id=line_id: s.actors[a].aid[line_id].flow.value),
                        np.broadcast_to(
                            P.col(
                                lambda s, a=a, line_id=line_id: s.actors[a].aid[line_id].lag_days.value, int
                            ),
                            (R,),
                        ),
                    )
                )
        self.aid_issues = sorted({issue for _, issue, _, _ in self.aid})
        # mediators' levers: (mediator id, lever id, target, strength, credibility)
        self.levers = []
        for a, actor in sc.actors.items():
            if actor.role.value == "belligerent":
                continue
            for lever_id, lever in actor.levers.items():
                self.levers.append(
                    (
                        a,
                        lever_id,
                        self.bi[lever.target],
                        lever.kind,
                        P.col(lambda s, a=a, lever_id=lever_id: s.actors[a].levers[lever_id].strength.value),
                        P.col(
                            lambda s, a=a, lever_id=lever_id: s.actors[a].levers[lever_id].credibility.value
                        ),
                    )
                )
        self.mediators = [a for a, spec in sc.actors.items() if spec.role.value != "belligerent"]
        # phases

        def opt(f: Callable[..., Any]) -> np.ndarray:
            return P.col(lambda s, f=f: -1 if f(s) is None else f(s).value, int)

        self.ph = []
        for n, (p, spec) in enumerate(zip(self.phases, self.specs, strict=True)):

            def g(s: Scenario, p: str = p) -> Phase:
                return s.phases[p]

            terms = [self.ii[t] for t in spec.terms]
            core = self.ii[spec.core_issue] if spec.core_issue else None
            links = []
            for li, link in enumerate(spec.linkage):
                low = P.col(
                    lambda s, p=p, li=li: (
                        s.phases[p].linkage[li].at_least.value if s.phases[p].linkage[li].at_least else 0.0
                    )
                )
                high = P.col(
                    lambda s, p=p, li=li: (
                        s.phases[p].linkage[li].at_most.value if s.phases[p].linkage[li].at_most else 1.0
                    )
                )
                fixed = link.at_most is not None or link.at_least is not None
                links.append((self.bi[link.actor], self.ii[link.issue], fixed, low, high))
            third = []
            for term in spec.terms:
                tp = sc.issues[term].third_party
                if tp is not None:
                    third.append(
                        (
                            self.ii[term],
                            P.col(lambda s, term=term: s.issues[term].third_party.controlled.value),
                            P.col(lambda s, term=term: s.issues[term].third_party.consent.value),
                        )
                    )
            self.ph.append(
                SimpleNamespace(
                    n=n,
                    id=p,
                    spec=spec,
                    parties=[self.bi[x] for x in spec.parties],
                    domains=[self.di[d] for d in spec.domains],
                    terms=terms,
                    core=core,
                    issues=([core] if core is not None else []) + terms,
                    links=links,
                    linked={self.ii[k.issue] for k in spec.linkage},
                    third=third,
                    prereq=[self.phases.index(q) for q in spec.prerequisites],
                    opens=P.col(lambda s, g=g: g(s).opens_day.value, int),
                    interval=P.col(lambda s, g=g: g(s).round_interval_days.value, int),
                    abandon=opt(lambda s, g=g: g(s).talks_abandoned_after_days),
                    duration=opt(lambda s, g=g: g(s).duration_days),
                    reopens=opt(lambda s, g=g: g(s).reopens_after_days),
                    agreed=opt(lambda s, g=g: g(s).agreed_on_day),
                    has_duration=spec.duration_days is not None,
                    terminal=spec.terminal,
                    renewable=spec.renewable,
                    rank=(sc.outcome_rank()[spec.outcome], n),
                    pairs=[
                        (x, y)
                        for x in [self.bi[q] for q in spec.parties]
                        for y in [self.bi[q] for q in spec.parties]
                        if x != y
                    ],
                )
            )
        for t in self.ph:  # days its truce covers in a valuation: its term, else the planning horizon
            t.days = np.broadcast_to(np.where(t.duration >= 0, t.duration, self.planning), (R,)).astype(float)
            t.share = np.minimum(1.0, t.days / self.planning) if t.has_duration else 1.0
        # which phases cover (domain, a, b)
        self.cover = {
            (d, a, b): [t.n for t in self.ph if d in t.domains and a in t.parties and b in t.parties]
            for d in range(D)
            for a in range(B)
            for b in range(B)
            if a != b
        }
        h = sc.humanitarian
        self.held0 = np.stack(
            [
                np.broadcast_to(
                    P.col(
                        lambda s, b=b: (
                            s.humanitarian.prisoners_held[b].value
                            if b in s.humanitarian.prisoners_held
                            else 0
                        ),
                        int,
                    ),
                    (R,),
                )
                for b in self.bel
            ],
            axis=1,
        )
        self.base_rate = P.col(lambda s: s.humanitarian.base_rate.value)
        self.batch_size = P.col(lambda s: s.humanitarian.batch_size.value, int)
        self.boost = P.col(lambda s: s.humanitarian.trust_boost.value)
        self.brokered = P.col(
            lambda s: s.humanitarian.brokered.value if s.humanitarian.brokered is not None else 0.0
        )
        self.scheduled = [
            (
                e.day,
                P.col(lambda s, j=j: s.humanitarian.scheduled[j].prisoners_each.value, int),
                P.col(lambda s, j=j: s.humanitarian.scheduled[j].wounded.value, int),
                self.bi[e.wounded_from],
            )
            for j, e in enumerate(h.scheduled)
        ]
        self.incidents: dict[int, list] = {}
        for j, inc in enumerate(sc.incidents):
            targets = [inc.target] if inc.target else sc.enemies(inc.attacker)
            self.incidents.setdefault(inc.day, []).append(
                (j, self.bi[inc.attacker], self.di[inc.domain], [self.bi[t] for t in targets])
            )
        self._slots()
        self._state()

    def _slots(self) -> None:
        """One slot per draw a day can make, named, so a run's numbers never depend on the block.

        A slot of width D holds one uniform per domain. A phase's answer and its renewal share a
        slot: a phase is never both in a round and at its term on one day.
        """
        B, D = len(self.bel), len(self.domains)
        names: list[tuple[tuple, int]] = []
        names += [(("fight", b, e), D) for b in range(B) for e in self.enemies[b]]
        names += [(("detect", b, e), D) for b in range(B) for e in self.enemies[b]]
        names += [(("contest", i), 1) for i in range(len(self.pairs))]
        names += [(("disputed", i), D) for i in range(len(self.pairs))]
        names += [(("false", i, w), D) for i in range(len(self.pairs)) for w in range(2)]
        names += [(("claims", b), 1) for b in range(B)]
        names += [(("consent", t.n, i), 1) for t in self.ph for i, _, _ in t.third]
        names += [(("answer", t.n, b), 1) for t in self.ph for b in t.parties]
        names += [(("lever", j), 1) for j in range(len(self.levers))]
        names += [(("exchange", i), 1) for i in range(len(self.pairs))]
        self.slot = {}
        n = 0
        for name, width in names:
            self.slot[name] = n
            n += width
        self.n_slots = n
        tag = zlib.crc32(b"batch")
        self.gens = [
            np.random.Generator(np.random.Philox(np.random.SeedSequence(self.seed, spawn_key=(int(k), tag))))
            for k in self.run_ids
        ]
        self._chunk_start = -1
        self._u: np.ndarray | None = None
        self._inject_day = -1
        self._inject_u = np.empty(0)
        self.most_injects = max((len(v) for v in self.incidents.values()), default=0)
        self.inject_gens = (
            [  # injects' detections draw from a stream of their own: they shift no other draw
                np.random.Generator(
                    np.random.Philox(np.random.SeedSequence(self.seed, spawn_key=(int(k), tag, 1)))
                )
                for k in self.run_ids
            ]
            if self.most_injects
            else []
        )

    def draws(self) -> np.ndarray:
        """Today's uniforms, (slots, runs): each run's own Philox stream, read in chunks of days.

        Each 64-bit Philox output gives two uniforms of 32 bits (resolution 2**-32, far below any
        probability the model compares with), which halves the generator's work.
        """
        start = (self.day - 1) // CHUNK_DAYS * CHUNK_DAYS
        if start != self._chunk_start:
            n = min(CHUNK_DAYS, self.horizon - start)
            half = (n * self.n_slots + 1) // 2
            if self._u is None or self._u.shape[0] != n:  # kept: fresh pages cost as much as the draws
                self._raw = np.empty((self.R, 2 * half), np.uint32)
                self._u = np.empty((n, self.n_slots, self.R))  # (days, slots, runs): runs last
            words = self._raw.view(np.uint64)
            for r, g in enumerate(self.gens):
                words[r] = g.bit_generator.random_raw(half)
            per_run = self._raw[:, : n * self.n_slots].reshape(self.R, n, self.n_slots)
            for r0 in range(0, self.R, 64):  # transposed in tiles: ten times faster than at once
                self._u[:, :, r0 : r0 + 64] = per_run[r0 : r0 + 64].transpose(1, 2, 0)
            self._u *= 2.0**-32
            self._chunk_start = start
        assert self._u is not None
        return self._u[self.day - 1 - start]

    def _inject_draws(self) -> np.ndarray:
        """Today's uniforms for injects' detections, (injects, targets, domains, runs), drawn once a day."""
        if self._inject_day != self.day:
            B, D = len(self.bel), len(self.domains)
            draws = np.stack([g.random((self.most_injects, B, D)) for g in self.inject_gens], axis=-1)
            self._inject_u, self._inject_day = draws, self.day
        return self._inject_u

    def _state(self) -> None:
        R, B, D, Pn, n_issues = self.R, len(self.bel), len(self.domains), len(self.ph), len(self.issues)
        sc = self.scenarios[0]
        P = self.par
        self.day = 0
        self.settled = np.zeros(R, bool)
        self.strength = np.stack(
            [np.broadcast_to(P.col(lambda s, b=b: s.actors[b].capability.value), (R,)) for b in self.bel],
            axis=1,
        ).astype(float)
        n = self.held_prior_days = np.stack(
            [
                np.broadcast_to(P.col(lambda s, b=b: s.actors[b].forces.belief_days.value), (R,))
                for b in self.bel
            ],
            axis=1,
        )
        p = np.broadcast_to(self.prior, (R, B))
        self.wins = np.zeros((R, B, B))
        self.losses = np.zeros((R, B, B))
        for b in range(B):
            for e in self.enemies[b]:
                self.wins[:, b, e] = p[:, b] * n[:, b]
                self.losses[:, b, e] = (1.0 - p[:, b]) * n[:, b]
        self.odds = np.where(
            self.wins + self.losses > 0, self.wins / np.maximum(self.wins + self.losses, 1e-300), 0.5
        )
        self.held_by_a = np.zeros((R, len(self.pairs)))
        for i, (a, b) in enumerate(self.pairs):
            an, bn = self.bel[a], self.bel[b]
            if an in sc.battlefield.territory:
                self.held_by_a[:, i] = P.col(lambda s, an=an: s.battlefield.territory[an].value)
            elif bn in sc.battlefield.territory:
                self.held_by_a[:, i] = 1.0 - P.col(lambda s, bn=bn: s.battlefield.territory[bn].value)
            else:
                self.held_by_a[:, i] = 0.5
        self.terr_end = np.zeros((R, len(self.pairs), self.horizon + 1))
        self.terr_end[:, :, 0] = np.nan
        # aid: levels decided per day (column OFF + day), with prefix sums for windows
        self.off = max([int(np.max(lag)) for _, _, _, lag in self.aid], default=0) + 1
        width = self.off + self.horizon + 1
        self.aid_hist = []
        self.aid_cs = []
        for _, issue, _, _ in self.aid:
            hist = np.zeros((R, width))
            hist[:, : self.off + 1] = self.status_quo[:, issue][:, None]
            self.aid_hist.append(hist)
            self.aid_cs.append(np.cumsum(hist, axis=1))  # kept current as each day's decision is added
        self.aid_day = 0
        """The last day whose aid decision entered the pipelines (today's, once the day's flows ran)."""
        self.delivered_today = np.zeros((R, B))
        self.trust = self.trust0.copy()
        self.grievance = np.zeros((B, B, D, R))
        """Grievance of a toward b per domain, runs last (the day's hot arrays keep runs contiguous)."""
        self.cost = np.zeros((R, B))
        self.ripeness = np.zeros((R, B))
        self.pressure_on = np.zeros((R, B, Pn))
        self.position = self.position0.copy()
        self.last_demand = np.full((R, B), np.nan)
        self.claims_total = np.zeros((R, B), np.int64)
        self.held = self.held0.astype(np.int64).copy()
        self.exchanged = np.zeros(R, np.int64)
        self.wounded = np.zeros(R, np.int64)
        self.stalemate = np.zeros(R, bool)
        # phases
        self.status = np.zeros((R, Pn), np.int8)
        self.in_force = np.zeros((R, Pn), bool)
        self.opened_day = np.zeros((R, Pn), np.int64)
        self.first_opened = np.full((R, Pn), -1, np.int64)
        self.next_round = np.zeros((R, Pn), np.int64)
        self.entered_day = np.full((R, Pn), -1, np.int64)
        self.agreed_day = np.full((R, Pn), -1, np.int64)
        self.days_in_force = np.zeros((R, Pn), np.int64)
        self.expires_day = np.full((R, Pn), -1, np.int64)
        self.reopen_day = np.full((R, Pn), -1, np.int64)
        self.term_started = np.zeros((R, Pn), np.int64)
        self.consented = np.zeros((R, Pn), bool)
        self.text_set = np.zeros((R, Pn), bool)
        self.text = np.zeros((R, Pn, n_issues))
        self.package = np.full((R, Pn, n_issues), np.nan)
        self.has_package = np.zeros((R, Pn), bool)
        self.perceived = np.zeros((R, Pn, B), np.int64)
        # totals
        self.totals = {k: np.zeros(R, np.int64) for k in COUNTED}
        self.day_cols: dict[str, np.ndarray] = {}
        self.events: list[tuple] = []
        if self.record:
            for c in self._day_columns():
                self.day_cols[c] = np.zeros((R, self.horizon), _day_dtype(c))

    def _reset_day(self) -> None:
        """The day's random numbers and scratch counts (what the day's steps add to)."""
        B, D = len(self.bel), len(self.domains)
        R = self.R
        self.u = self.draws()
        self.strikes = np.zeros(R, np.int64)
        self.viol = np.zeros((B, B, D, R), np.int64)
        self.struck = np.zeros((B, B, R), np.int64)
        self.cost_today = np.zeros((R, B))
        self.seen = np.zeros((B, B, R), np.int64)
        self.seen_in = np.zeros((B, B, D, R), np.int64)
        self.detected = np.zeros(R, np.int64)
        self.false_acc = np.zeros(R, np.int64)
        self.disputed = np.zeros(R, np.int64)
        self.misattributed = np.zeros(R, np.int64)
        self.claims_today = np.zeros(R, np.int64)
        self.exchanges_today = np.zeros(R, np.int64)
        self.fought = np.zeros((R, B, B), bool)
        self.pressed = np.zeros((R, B), bool)
        self.live = ~self.settled
        self.cov = np.zeros((B, B, D, R), bool)

    def _col(self, arr: np.ndarray, j: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Column ``j`` of a per-run parameter (runs, k) or a shared one (k,), for runs ``idx``."""
        x = arr[..., j]
        if idx is not None and np.ndim(x) > 0:
            return x[idx]
        return x

    def tolerance_of(self, b: int) -> np.ndarray:
        return self._col(self.tolerance, b)

    def _day_columns(self) -> list[str]:
        """The day columns, as the mesa engine's recorder names and orders them."""
        fronts = [(self.bel[a], self.bel[b]) for a, b in self.pairs]
        enemies = {b: [self.bel[o] for o in self.enemies[i]] for i, b in enumerate(self.bel)}
        return day_columns(self.phases, self.domains, fronts, enemies)

    def _event(self, idx: np.ndarray, actor: str, phase: int, event, *, detail: str = "", **numbers) -> None:
        """Append events for runs ``idx`` (arrays, formatted at write time)."""
        if idx.size == 0:
            return
        self.events.append(
            (self.day, idx.copy(), actor, self.phases[phase] if phase >= 0 else "", event, numbers, detail)
        )
