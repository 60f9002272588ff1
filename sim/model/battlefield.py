"""The battlefield's state in one run: strength stocks and flows, fronts, aid pipelines and beliefs.

The model holds one :class:`Battlefield`; the rules it applies are the pure functions of
``sim.model.war``. Truth lives here (strengths, territory); each belligerent's belief about its odds
is kept beside it and learned only from the fighting it sees.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from sim.model import war
from sim.scenario.schema import Scenario


@dataclass
class Front:
    """The contested zone between two belligerents: the share ``a`` holds, and its recent course."""

    a: str
    b: str
    held_by_a: float
    recent: deque = field(default_factory=lambda: deque(maxlen=15))

    def held_by(self, side: str) -> float:
        return self.held_by_a if side == self.a else 1.0 - self.held_by_a

    def flat(self, step: float) -> bool:
        """Little net movement over the last two weeks: at most two days' worth of ground."""
        return (
            len(self.recent) == self.recent.maxlen
            and abs(self.recent[-1] - self.recent[0]) <= 2 * step + 1e-12
        )


@dataclass
class AidLine:
    """A donor's aid to one belligerent: the day's decision enters a pipeline, arrives after a lag."""

    donor: str
    to: str
    issue: str
    flow: float
    pipeline: deque


class Battlefield:
    """Strengths, fronts, aid and beliefs; one contest a day on every front where anyone fights."""

    def __init__(self, scenario: Scenario, enemy_pairs: list[tuple[str, str]]) -> None:
        bf = scenario.battlefield
        self.k = bf.decisiveness.value
        self.step = bf.front_step.value
        self.rate = bf.attrition.value
        self.memory = bf.belief_memory.value
        self.planning_days = bf.planning_days.value
        self.learning = bf.position_learning.value
        self.stake_issue = bf.stake_issue
        self.front_domain = next((d for d, dom in scenario.domains.items() if dom.front), None)
        self.strength: dict[str, float] = {}
        self.production: dict[str, float] = {}
        self.stake: dict[str, float] = {}
        self.prior: dict[str, float] = {}
        for b in scenario.belligerents:
            spec = scenario.actors[b]
            assert spec.forces is not None  # the schema requires forces of a belligerent
            self.strength[b] = spec.capability.value
            self.production[b] = spec.forces.production.value
            self.stake[b] = spec.forces.stake.value
            self.prior[b] = spec.forces.believed_odds.value
        self.counts: dict[tuple[str, str], list[float]] = {}
        """(side, enemy) -> [wins, losses]: the side's Beta belief about its odds against the enemy."""
        for a, b in enemy_pairs:
            for side, enemy in ((a, b), (b, a)):
                forces = scenario.actors[side].forces
                assert forces is not None
                n, p = forces.belief_days.value, forces.believed_odds.value
                self.counts[(side, enemy)] = [p * n, (1.0 - p) * n]
        self.odds: dict[tuple[str, str], float] = {k: war.believed(*c) for k, c in self.counts.items()}
        """(side, enemy) -> the side's believed odds: the Beta mean, kept current as counts change."""
        self.fronts: dict[tuple[str, str], Front] = {}
        for a, b in enemy_pairs:
            if a in bf.territory:
                held = bf.territory[a].value
            elif b in bf.territory:
                held = 1.0 - bf.territory[b].value
            else:
                held = 0.5
            self.fronts[(a, b)] = Front(a, b, held)
        status_quo = {k: i.status_quo.value for k, i in scenario.issues.items()}
        self.aid: list[AidLine] = []
        for donor, actor in scenario.actors.items():
            for line in actor.aid.values():
                lag = line.lag_days.value
                level = status_quo[line.issue]  # what was decided before day 0 is already under way
                self.aid.append(
                    AidLine(donor, line.to, line.issue, line.flow.value, deque([level] * lag, maxlen=lag))
                )
        self.delivered_today: dict[str, float] = dict.fromkeys(self.strength, 0.0)

    # -- what the belligerents believe ------------------------------------------------------------
    def believed(self, side: str, enemy: str) -> float:
        return self.odds[(side, enemy)]

    def true_odds(self, side: str, enemy: str) -> float:
        return war.contest_odds(self.strength[side], self.strength[enemy], self.k)

    def aid_rate(self, to: str, levels: dict[str, float]) -> float:
        """Strength per day the donors' current decisions will deliver to ``to`` (after their lags)."""
        return sum(line.flow * levels[line.issue] for line in self.aid if line.to == to)

    def aid_over(self, to: str, days: int, levels: dict[str, float]) -> float:
        """Aid ``to`` receives over the next ``days``: what is already in the pipelines (decided
        earlier), then ``levels`` once their lag has passed."""
        total = 0.0
        for line in self.aid:
            if line.to != to:
                continue
            lag = len(line.pipeline)
            ahead = min(lag, days)
            in_pipeline = sum(islice(line.pipeline, ahead))  # a deque: index from the left only
            total += line.flow * (in_pipeline + max(0, days - lag) * levels[line.issue])
        return total

    def project(self, side: str, enemy: str, days: int, truce: bool, aid_levels: dict[str, float]) -> float:
        """The side's believed odds after ``days`` of truce (no attrition) or of war, flows going on.

        Aid follows ``aid_levels`` only once the pipeline's lag has passed (what is in the pipeline
        arrives first). Its belief now, moved by the change in the true contest odds the projected
        stocks imply.
        """
        days = int(days)
        if days <= 0:
            return self.believed(side, enemy)
        s_side, s_enemy = self.strength[side], self.strength[enemy]
        g_side = self.production[side] + self.aid_over(side, days, aid_levels) / days
        g_enemy = self.production[enemy] + self.aid_over(enemy, days, aid_levels) / days
        if not truce:
            g_side -= self.rate * s_enemy
            g_enemy -= self.rate * s_side
        after_side = max(1e-9, s_side + days * g_side)
        after_enemy = max(1e-9, s_enemy + days * g_enemy)
        shift = war.contest_odds(after_side, after_enemy, self.k) - self.true_odds(side, enemy)
        p = self.believed(side, enemy) + shift
        return 0.01 if p < 0.01 else 0.99 if p > 0.99 else p

    # -- the day ---------------------------------------------------------------------------------
    def flows(self, levels: dict[str, float]) -> None:
        """Production, and aid arriving: what donors decided ``lag`` days ago, at today's level."""
        delivered = dict.fromkeys(self.strength, 0.0)
        for line in self.aid:
            level = line.pipeline[0]
            line.pipeline.append(levels[line.issue])
            delivered[line.to] += line.flow * level
        for b in self.strength:
            self.strength[b] += self.production[b] + delivered[b]
        self.delivered_today = delivered

    def contest(self, a: str, b: str, fought_a: bool, fought_b: bool, rng: np.random.Generator) -> str:
        """A day of ground fighting between a and b: who wins, the front's move, losses, learning.

        A side that does not attack defends with half its strength. The winner, drawn from the
        contest success function, moves the front one step its way; both lose strength in
        proportion to the other's effort; both update their beliefs from the outcome.
        """
        front = self.fronts[(a, b)]
        effort_a = self.strength[a] * (1.0 if fought_a else 0.5)
        effort_b = self.strength[b] * (1.0 if fought_b else 0.5)
        a_wins = rng.random() < war.contest_odds(effort_a, effort_b, self.k)
        move = self.step if a_wins else -self.step
        front.held_by_a = min(1.0, max(0.0, front.held_by_a + move))
        loss_a = war.attrition(self.strength[a], effort_b, self.rate)
        loss_b = war.attrition(self.strength[b], effort_a, self.rate)
        self.strength[a] -= loss_a
        self.strength[b] -= loss_b
        for side, enemy, won in ((a, b, a_wins), (b, a, not a_wins)):
            counts = self.counts[(side, enemy)]
            counts[0], counts[1] = war.belief_update(
                counts[0], counts[1], float(won), float(not won), self.memory
            )
            self.odds[(side, enemy)] = war.believed(counts[0], counts[1])
        return a if a_wins else b

    def end_day(self) -> None:
        for front in self.fronts.values():
            front.recent.append(front.held_by_a)
