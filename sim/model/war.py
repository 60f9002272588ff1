"""Rules of the war the talks happen in: contests, attrition, beliefs and what fighting on is worth.

Pure functions of numbers (no state, no random draws), each with the source of its form. They take
floats (the mesa engine, one run) or numpy arrays of runs (the batch engine) alike: the one branch
each keeps for arrays does the same arithmetic, so both engines apply one set of rules.
"""

from __future__ import annotations

from typing import cast

import numpy as np


def contest_odds(effort_a: float, effort_b: float, decisiveness: float = 1.0) -> float:
    """Chance side a wins a contest: e_a**k / (e_a**k + e_b**k).

    The ratio-form contest success function (Tullock 1980; Hirshleifer 1989, "Conflict and rent-seeking
    success functions"). ``decisiveness`` k > 1 makes a small edge in effort decide more.
    """
    a, b = effort_a**decisiveness, effort_b**decisiveness
    total = a + b
    if isinstance(total, np.ndarray):
        return cast(float, np.where(total == 0.0, 0.5, a / np.where(total == 0.0, 1.0, total)))
    return 0.5 if total == 0.0 else a / total


def attrition(strength: float, enemy_effort: float, rate: float) -> float:
    """Strength lost in a day of ground fighting: proportional to the enemy's effort, never below 0.

    Lanchester's (1916) aimed-fire law in discrete time: each side's losses scale with what the other
    side brings to bear.
    """
    loss = rate * enemy_effort
    if isinstance(loss, np.ndarray) or isinstance(strength, np.ndarray):
        return np.minimum(strength, loss)
    return min(strength, loss)


def intensity(base: float, believed_odds: float) -> float:
    """The fighting intensity a side chooses in a domain: its base rate, more when it expects to win.

    Scaled by 0.5 + the believed odds (1 at even odds), capped at 1: an optimist presses on, a
    pessimist husbands its forces (Slantchev 2003: fighting as a function of expected success).
    """
    x = base * (0.5 + believed_odds)
    if isinstance(x, np.ndarray):
        return np.minimum(x, 1.0)
    return 1.0 if x > 1.0 else x


def belief_update(wins: float, losses: float, won: float, lost: float, memory: float) -> tuple[float, float]:
    """A Beta belief about the odds of winning a day's contest, after the day's outcome.

    Bayesian learning from battle outcomes (Filson & Werner 2002; Slantchev 2003): each day adds its
    win or loss to the Beta counts. Past evidence is discounted by ``memory`` (a forgetting factor), so
    the belief follows a war whose balance shifts instead of freezing on old battles.
    """
    return memory * wins + won, memory * losses + lost


def believed(wins: float, losses: float) -> float:
    """The mean of the Beta belief: the believed chance of winning a day's contest."""
    return wins / (wins + losses)


def war_value_per_day(
    believed_odds: float,
    front_intensity: float,
    front_step: float,
    stake: float,
    coercion_value: float,
    cost: float,
) -> float:
    """What one more day of war is worth to a side (Fearon 1995; Powell 2004: p·V − c, per day).

    The expected territorial gain (win a day: the front moves ``front_step`` its way; lose: the other
    way, so (2p − 1)·step), valued at ``stake`` per whole contested zone; plus the coercive value of the
    damage it inflicts (Schelling 1966, the power to hurt); less the costs it bears.
    """
    return front_intensity * (2.0 * believed_odds - 1.0) * front_step * stake + coercion_value - cost


def power_shift_value(
    odds_after_truce: float,
    odds_after_war: float,
    front_intensity: float,
    front_step: float,
    stake: float,
    planning_days: float,
) -> float:
    """What a truce's shift in the balance of forces is worth after it ends (Powell 2006).

    During a truce there is no attrition, while production and aid go on: a side whose relative
    strength grows less under a truce than under war (aid flowing to its enemy) loses, for the rest
    of its planning horizon, the territorial value of the odds it gave up. This is the commitment
    problem of shifting power: why the side in the lead refuses a pause that lets the other rearm.
    """
    return (odds_after_truce - odds_after_war) * 2.0 * front_intensity * front_step * stake * planning_days


def learned_position(
    initial: float, enemy_ideal: float, prior_odds: float, odds: float, rate: float
) -> float:
    """A side's position on the war's stake after it learns how the war goes (Slantchev 2003).

    It moves toward the enemy's ideal as its believed odds fall below what it believed at the start
    (and back toward its own as they rise), by ``rate`` per unit of belief revised; never past either
    ideal.
    """
    x = initial + rate * (prior_odds - odds) * (enemy_ideal - initial)
    if isinstance(x, np.ndarray):
        return np.clip(x, np.minimum(initial, enemy_ideal), np.maximum(initial, enemy_ideal))
    lo, hi = (initial, enemy_ideal) if initial <= enemy_ideal else (enemy_ideal, initial)
    return lo if x < lo else hi if x > hi else x


def ripeness(cost_rate: float, gain_rate: float) -> float:
    """How much a side hurts relative to what fighting on still gains it: cost / (cost + gain⁺).

    Zartman's (2000) hurting stalemate, graded: 1 when fighting on gains nothing, 0 when costs are nil.
    A *mutually* hurting stalemate is both sides above one half while the front is flat.
    """
    if isinstance(cost_rate, np.ndarray) or isinstance(gain_rate, np.ndarray):
        total = cost_rate + np.maximum(gain_rate, 0.0)
        return np.where(total <= 0.0, 0.0, cost_rate / np.where(total <= 0.0, 1.0, total))
    g = gain_rate if gain_rate > 0.0 else 0.0
    total = cost_rate + g
    return 0.0 if total <= 0.0 else cost_rate / total
