"""The batch engine: a block of runs advanced together as numpy arrays, by the mesa model's rules.

The mesa model (:mod:`sim.model.ceasefire`) is the reference driver: one run, agents, every decision
with its reasons. This driver keeps the state of many runs as arrays (runs x actors x ...), phase
status as codes moved through the same transition table, and applies the same pure rules
(``sim.model.war``, ``bargaining``, ``rules``, ``strategies``: they take arrays as well as floats)
in the same order of the day. Negotiation, renewal and withdrawal are evaluated only on the runs
whose round or term it is. A sweep's runs may carry different parameter values (one scenario per
run): every number is an array over the runs; what must be shared is the structure (actors, phases,
domains, issues, levers, aid lines, incidents), and :func:`run_batch` groups runs by it.

Random numbers: run ``k`` of seed ``S`` draws from its own counter-based generator (numpy's Philox,
keyed by ``SeedSequence(S, spawn_key=(k, "batch"))``), in fixed slots per day (one per possible
draw: a domain's strike, a violation's detection, a party's answer...), so run ``k`` is the same
run however the block is cut, in any process. The draws differ from the mesa engine's (its streams
are drawn in the order decisions happen): the engines are equal in distribution, not bit for bit.

Recording keeps the per-day columns of ``days.parquet`` and a sparse set of events (phase moves,
answers, renewals, withdrawals, levers and exchanges, not each day's strike-or-comply decisions),
as arrays formatted at write time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import numpy as np

from sim.model import bargaining as _bargaining
from sim.model import rules as _rules
from sim.model import war as _war
from sim.model.ceasefire import benchmark_compromise
from sim.model.phases import TRANSITIONS, IllegalTransition, PhaseEvent, PhaseStatus
from sim.model.results import NO_TRUCE
from sim.model.strategies import STRATEGIES
from sim.scenario.schema import Concession, Phase, Scenario

# The rules are typed for floats (the mesa engine's use); here they take arrays of runs, which they
# handle by the same arithmetic (tests/test_batch.py checks both give the same numbers).
bargaining: Any = _bargaining
rules: Any = _rules
war: Any = _war

STATUSES = list(PhaseStatus)
CODE = {s: i for i, s in enumerate(STATUSES)}
EVENTS = list(PhaseEvent)
NOT_STARTED, NEGOTIATING, IN_FORCE, RENEWED = (CODE[s] for s in STATUSES[:4])
TABLE = np.full((len(STATUSES), len(EVENTS)), -1, dtype=np.int8)
"""The lifecycle's transition table as codes: status x event -> status (-1: illegal)."""
for _s, _row in TRANSITIONS.items():
    for _e, _t in _row.items():
        TABLE[CODE[_s], EVENTS.index(_e)] = CODE[_t]
LOGGED = {
    PhaseEvent.OPEN: "open",
    PhaseEvent.REOPEN: "reopen",
    PhaseEvent.ABANDON: "abandon",
    PhaseEvent.RENEW: "renewed",
    PhaseEvent.EXPIRE: "expired",
}
"""Phase moves logged as the mesa model names them (agreement and collapse have their own events)."""
CHUNK_DAYS = 30
"""Days of random numbers drawn at once per run (memory: runs x days x slots x 8 bytes)."""


@dataclass
class BatchOutput:
    """A block's runs: one ``runs.csv`` row per run; recording, day columns and events.

    ``days``: column -> array of shape (runs, days) (status columns hold the status strings);
    ``events``: column -> array, one entry per event (``run``, ``seed``, then EVENT_FIELDS).
    """

    runs: list[int]
    seeds: list[int]
    start_dates: list[dt.date]
    rows: list[dict]
    days: dict[str, np.ndarray] | None = None
    events: dict[str, np.ndarray] | None = None


def structure(scenario: Scenario, horizon: int | None = None) -> str:
    """What runs of one block must share: ids, parties, links and which optional values are set."""
    s = scenario
    key = {
        "horizon": horizon or s.horizon_days,
        "actors": [
            (a, x.role.value, s.enemies(a), sorted(x.levers), [(k, v.to, v.issue) for k, v in x.aid.items()])
            for a, x in s.actors.items()
        ],
        "levers": [[(k, v.target) for k, v in x.levers.items()] for x in s.actors.values()],
        "issues": [(i, x.third_party is None) for i, x in s.issues.items()],
        "domains": [(d, x.front) for d, x in s.domains.items()],
        "phases": [
            (
                p,
                x.outcome,
                x.core_issue,
                x.terms,
                x.domains,
                x.parties,
                x.prerequisites,
                x.terminal,
                x.renewable,
                x.duration_days is None,
                x.agreed_on_day is None,
                x.talks_abandoned_after_days is None,
                x.reopens_after_days is None,
                [(k.actor, k.issue, k.at_most is None, k.at_least is None) for k in x.linkage],
            )
            for p, x in s.phases.items()
        ],
        "outcomes": s.outcome_rank(),
        "stake": s.battlefield.stake_issue,
        "territory": sorted(s.battlefield.territory),
        "incidents": [(i.day, i.attacker, i.domain, i.target) for i in s.incidents],
        "scheduled": [(e.day, e.wounded_from) for e in s.humanitarian.scheduled],
        "held": sorted(s.humanitarian.prisoners_held),
        "brokered": s.humanitarian.brokered is None,
        "strategies": [x.concession.strategy for x in s.actors.values() if x.concession],
        "trust": [sorted(x.trust) for x in s.actors.values()],
        "dynamics": [k for k, _ in s.dynamics],
    }
    return json.dumps(key, sort_keys=True, default=str)


def run_batch(
    scenarios: Sequence[Scenario],
    runs: Sequence[int],
    seed: int,
    horizon: int | None = None,
    record: bool = False,
) -> BatchOutput:
    """Runs ``runs`` (one scenario each) to the horizon; runs of different structure go in groups."""
    runs = list(runs)
    if len(scenarios) != len(runs):
        raise ValueError(f"{len(scenarios)} scenarios for {len(runs)} runs")
    if not runs:
        return BatchOutput([], [], [], [], {} if record else None, {} if record else None)
    keys: dict[int, str] = {}
    groups: dict[str, list[int]] = {}
    for i, sc in enumerate(scenarios):
        k = keys.get(id(sc))
        if k is None:
            k = keys[id(sc)] = structure(sc, horizon)
        groups.setdefault(k, []).append(i)
    parts = [
        (idx, Block([scenarios[i] for i in idx], [runs[i] for i in idx], seed, horizon, record).run())
        for idx in groups.values()
    ]
    if len(parts) == 1:
        return parts[0][1]
    order = np.argsort(np.concatenate([np.asarray(idx) for idx, _ in parts]), kind="stable")
    rows = [r for _, out in parts for r in out.rows]
    days = events = None
    if record:
        cols = list(parts[0][1].days or {})
        if any(list(out.days or {}) != cols for _, out in parts):
            raise ValueError("runs of different structure cannot share one days table; run them apart")
        days = {c: np.concatenate([out.days[c] for _, out in parts])[order] for c in cols}  # type: ignore[index]
        fields = list(parts[0][1].events or {})
        events = {k: np.concatenate([out.events[k] for _, out in parts]) for k in fields}  # type: ignore[index]
        by_run = np.lexsort((events["day"], events["run"]))
        events = {k: v[by_run] for k, v in events.items()}
    return BatchOutput(
        [runs[i] for i in range(len(runs))],
        [seed] * len(runs),
        [sc.start_date for sc in scenarios],
        [rows[j] for j in order],
        days,
        events,
    )


class Params:
    """Every number of the block's scenarios as an array over runs (a scalar when all runs share it)."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        uniques: dict[int, int] = {}
        self.uniques: list[Scenario] = []
        idx = []
        for sc in scenarios:
            if id(sc) not in uniques:
                uniques[id(sc)] = len(self.uniques)
                self.uniques.append(sc)
            idx.append(uniques[id(sc)])
        self.idx = np.asarray(idx)

    def col(self, fn: Callable[..., float], dtype: type = float) -> np.ndarray:
        """Shape (runs,), or a 0-d array when every run shares the value."""
        values: np.ndarray = np.asarray([fn(s) for s in self.uniques], dtype=dtype)
        if len(values) == 1 or np.all(values == values[0]):
            return values[0]
        return values[self.idx]

    def rows(self, fn: Callable[..., list[float]], dtype: type = float) -> np.ndarray:
        """Like :meth:`cols`, from one call per scenario returning all its values at once."""
        values: np.ndarray = np.asarray([fn(s) for s in self.uniques], dtype=dtype)
        if len(values) == 1 or np.all(values == values[0]):
            return values[0]
        return values[self.idx]

    def cols(self, fn: Callable[..., float], keys: Sequence, dtype: type = float) -> np.ndarray:
        """Shape (runs, len(keys)), or (len(keys),) when every run shares the values."""
        values: np.ndarray = np.asarray([[fn(s, k) for k in keys] for s in self.uniques], dtype=dtype)
        if len(values) == 1 or np.all(values == values[0]):
            return values[0]
        return values[self.idx]


class Block:
    """The state of a block of runs of one structure, and the day's agenda applied to all of them."""

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

    # -- random numbers ------------------------------------------------------------------------------
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
        if getattr(self, "_inject_day", None) != self.day:
            B, D = len(self.bel), len(self.domains)
            draws = np.stack([g.random((self.most_injects, B, D)) for g in self.inject_gens], axis=-1)
            self._inject_u, self._inject_day = draws, self.day
        return self._inject_u

    # -- state -----------------------------------------------------------------------------------------
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
        self.gain = np.zeros((R, Pn, B))
        """The gain behind each party's last answer in each phase (counts deals signed at a loss)."""
        # totals
        self.totals = {
            k: np.zeros(R, np.int64)
            for k in (
                "strikes",
                "violations_true",
                "violations_detected",
                "false_accusations",
                "disputed_incidents",
                "misattributed",
                "claims",
                "front_days",
                "stalemate_days",
                "signed",
                "signed_against_interest",
                "renewed",
                "renewed_against_interest",
            )
        }
        self.day_cols: dict[str, np.ndarray] = {}
        self.events: list[tuple] = []
        if self.record:
            for c in self._day_columns():
                self.day_cols[c] = np.zeros((R, self.horizon), _day_dtype(c))

    # -- the run -----------------------------------------------------------------------------------------
    def run(self) -> BatchOutput:
        while self.day < self.horizon:
            self.step()
        return self.output()

    def step(self) -> None:
        """One day for every run, in the mesa model's order (a settled run only counts its days)."""
        self.day += 1
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

    # -- phases ------------------------------------------------------------------------------------------
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

    # -- fighting ----------------------------------------------------------------------------------------
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

        Outside a truce at the intensity its belief chooses; inside one with ``rules.p_violate``.
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
                    p = np.where(covered, p_truce, p)
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

    # -- monitoring and trust ----------------------------------------------------------------------------
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

    def tolerance_of(self, b: int) -> np.ndarray:
        return self._col(self.tolerance, b)

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

    # -- valuing a package against the war ----------------------------------------------------------------
    def _col(self, arr: np.ndarray, j: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Column ``j`` of a per-run parameter (runs, k) or a shared one (k,), for runs ``idx``."""
        x = arr[..., j]
        if idx is not None and np.ndim(x) > 0:
            return x[idx]
        return x

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

    # -- negotiation -------------------------------------------------------------------------------------
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
            accepted = self.u[self.slot[("answer", t.n, b)], idx] < p
            refused[:, b] = ~accepted
            vetoed[:, b] = unmet
            self.gain[idx, t.n, b] = gain
            gains.append(gain)
            if self.record:
                self._event(
                    idx,
                    self.bel[b],
                    t.n,
                    np.where(accepted, "accept", "reject"),
                    p=p,
                    utility=gain,
                    reservation=demand,
                    trust=trust,
                    score=gain - demand,
                )
        agreed = ~refused[:, t.parties].any(axis=1)
        signed = idx[agreed]
        if signed.size:
            self.totals["signed"][signed] += 1
            loss = np.stack(gains, axis=1)[agreed].min(axis=1) < 0.0
            self.totals["signed_against_interest"][signed] += loss
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

    # -- humanitarian track ------------------------------------------------------------------------------
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

    # -- the truce lifecycle ------------------------------------------------------------------------------
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
        for b in t.parties:
            delivered = self._delivered(t, b, idx)
            gain, trust = self._value(t, b, idx, package, delivered, renewal=True)
            floor = self._col(self.floor, b, idx)
            p = bargaining.p_accept(gain, floor, _take(self.dyn.acceptance_noise, idx))
            yes = self.u[self.slot[("answer", t.n, b)], idx] < p
            self.gain[idx, t.n, b] = gain
            gains.append(gain)
            if self.record:
                self._event(
                    idx,
                    self.bel[b],
                    t.n,
                    np.where(yes, "renew", "let_expire"),
                    p=p,
                    utility=gain,
                    reservation=np.broadcast_to(floor, (idx.size,)),
                    trust=trust,
                    score=gain - floor,
                )
            renew &= yes
        r = idx[renew]
        if r.size:
            self.totals["renewed"][r] += 1
            self.totals["renewed_against_interest"][r] += np.stack(gains, axis=1)[renew].min(axis=1) < 0.0
            self.move(t, r, PhaseEvent.RENEW)
            self.expires_day[r, t.n] = self.day + _take(t.duration, r)
            self.term_started[r, t.n] = self.day
            self.perceived[r, t.n] = 0
        x = idx[~renew]
        if x.size:
            self.move(t, x, PhaseEvent.EXPIRE)
            self._schedule_reopen(t, x)

    # -- recording ---------------------------------------------------------------------------------------
    def _day_columns(self) -> list[str]:
        """The day columns, in the order of ``RunRecorder._day_columns``."""
        cols = ["day"] + [f"{p}_status" for p in self.phases]
        cols += [
            "strikes",
            "violations_true",
            "violations_detected",
            "false_accusations",
            "violations_perceived",
        ]
        for d in self.domains:
            cols += [f"violations_true_{d}", f"violations_perceived_{d}"]
        cols += [
            "disputed_incidents",
            "misattributed",
            "claims",
            "exchanges",
            "prisoners_exchanged",
            "wounded_handed_over",
            "stalemate",
        ]
        cols += [f"territory_{self.bel[a]}_{self.bel[b]}" for a, b in self.pairs]
        for i, b in enumerate(self.bel):
            cols += [f"trust_{b}_{self.bel[o]}" for o in self.enemies[i]]
            cols += [f"belief_{b}_{self.bel[o]}" for o in self.enemies[i]]
            cols += [
                f"{k}_{b}"
                for k in (
                    "cost",
                    "ripeness",
                    "pressure",
                    "demand",
                    "prisoners_held",
                    "strength",
                    "aid_received",
                    "claims",
                )
            ]
        return cols

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

    def _event(self, idx: np.ndarray, actor: str, phase: int, event, *, detail: str = "", **numbers) -> None:
        """Append events for runs ``idx`` (arrays, formatted at write time)."""
        if idx.size == 0:
            return
        self.events.append(
            (self.day, idx.copy(), actor, self.phases[phase] if phase >= 0 else "", event, numbers, detail)
        )

    def _format_events(self) -> dict[str, np.ndarray]:
        """The events as columns (``run``, ``seed``, then EVENT_FIELDS), ordered by run then day.

        Kept sparse while running (one entry per group of runs an event concerns) and spread into
        one row per run only here, at write time, as whole arrays.
        """
        from sim.model.results import EVENT_FIELDS

        numeric = EVENT_FIELDS[4:12]
        parts: dict[str, list[np.ndarray]] = {
            k: [] for k in ("run", "day", "actor", "phase", "event", *numeric, "detail")
        }
        for day, idx, actor, phase, event, numbers, detail in self.events:
            n = idx.size
            parts["run"].append(self.run_ids[idx])
            parts["day"].append(np.full(n, day, np.int64))
            parts["actor"].append(np.full(n, actor, object))
            parts["phase"].append(np.full(n, phase, object))
            parts["event"].append(np.broadcast_to(np.asarray(event, object), (n,)))
            for k in numeric:
                value = numbers.get(k)
                parts[k].append(
                    np.full(n, math.nan) if value is None else np.broadcast_to(np.asarray(value, float), (n,))
                )
            parts["detail"].append(np.full(n, detail, object))
        if not self.events:
            cols = {
                k: np.empty(0, np.int64 if k in ("run", "day") else float if k in numeric else object)
                for k in parts
            }
        else:
            cols = {k: np.concatenate(v) for k, v in parts.items()}
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
        for k in (
            "strikes",
            "disputed_incidents",
            "misattributed",
            "claims",
            "front_days",
            "stalemate_days",
            "signed",
            "signed_against_interest",
            "renewed",
            "renewed_against_interest",
        ):
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


COUNTS = (
    "day",
    "strikes",
    "violations_",
    "false_accusations",
    "disputed_incidents",
    "misattributed",
    "claims",
    "exchanges",
    "prisoners_",
    "wounded_handed_over",
)
"""Day columns that count (integers in the mesa model's days table too)."""


def _day_dtype(column: str) -> type:
    if column.endswith("_status"):
        return object
    if column == "stalemate":
        return bool
    return np.int64 if column.startswith(COUNTS) else float


def _in_order(values: dict[str, float], keys: Sequence[str]) -> list[float]:
    return [values[k] for k in keys]


def _take(x, idx: np.ndarray):
    """A per-run parameter for runs ``idx`` (a shared scalar stays a scalar)."""
    return x[idx] if np.ndim(x) > 0 else x


def _expand(x, dims: int):
    """A per-run parameter shaped to broadcast against (runs, ...) arrays of ``dims`` more axes."""
    return x.reshape((-1,) + (1,) * dims) if np.ndim(x) > 0 else x


def _poisson(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson draws by sequential inversion of one uniform each (Devroye 1986, X.3.3).

    Each run uses its own slot's uniform, so the draw is counter-based like every other; the
    search runs only over the runs still short of their uniform.
    """
    lam = np.broadcast_to(np.asarray(lam, float), u.shape)
    out = np.zeros(u.shape, np.int64)
    idx = np.nonzero(lam > 0.0)[0]
    lam_i, u_i = lam[idx], u[idx]
    p = np.exp(-lam_i)
    cdf = p.copy()
    k = 0
    while idx.size and k < 10_000:
        more = u_i > cdf
        idx, lam_i, u_i, p, cdf = idx[more], lam_i[more], u_i[more], p[more], cdf[more]
        k += 1
        out[idx] = k
        p = p * lam_i / k
        cdf = cdf + p
    return out
