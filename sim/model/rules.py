"""The model's rules: small pure functions that return numbers and probabilities.

Nothing here draws random numbers (the model samples with the run's generators) or reads the model's
state, so each rule can be tested exactly, alone. Each docstring names the source of its form. They
take floats (the mesa engine) or numpy arrays of runs (the batch engine) alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from sim.model import war


def clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(x, np.ndarray):
        return np.clip(x, low, high)
    return low if x < low else high if x > high else x


def logistic(z: float) -> float:
    """The logistic function, guarded against overflow for large |z|."""
    if isinstance(z, np.ndarray):
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def weighted_compromise(
    positions: Iterable[float], capabilities: Iterable[float], saliences: Iterable[float]
) -> float:
    """The capability x salience weighted mean of positions on one issue.

    The naive benchmark of spatial bargaining (Achen 2006; Thomson et al. 2006 on EU decisions): it
    predicts outcomes as well as far more elaborate models. With all weights zero: the plain mean.
    """
    xs, ws = list(positions), [c * s for c, s in zip(capabilities, saliences, strict=True)]
    total = sum(ws)
    if total <= 0.0:
        return sum(xs) / len(xs)
    return sum(x * w for x, w in zip(xs, ws, strict=True)) / total


def demand(opening: float, floor: float, remaining: float) -> float:
    """Reservation level: the floor plus the share of the way to the opening demand still held.

    Faratin, Sierra & Jennings (1998): x(t) = floor + a(t) (opening - floor), a from the strategy.
    """
    return floor + remaining * (opening - floor)


def p_violate(
    temptation: float,
    compliance: float,
    trust: float,
    grievance: float,
    detection: float,
    pressure: float,
    spoiler_rate: float,
    temptation_weight: float,
    compliance_weight: float,
    retaliation_weight: float,
    deterrence_weight: float,
    pressure_weight: float,
) -> float:
    """Chance a belligerent strikes, on one day, in a domain a truce covers.

    A logit of the military gain against the actor's disposition to comply (its propensity and its
    trust that the other side complies), plus retaliation for perceived violations (grievance, which
    forgiveness erodes: Axelrod's reciprocity), less deterrence by the chance of being caught
    (monitoring raises the reputation cost: Fortna 2004) and mediator pressure. ``spoiler_rate`` is a
    floor of violations no leader decides (local commanders, spoilers).
    """
    z = (
        temptation_weight * temptation
        + retaliation_weight * grievance
        - compliance_weight * 0.5 * (compliance + trust)
        - deterrence_weight * detection
        - pressure_weight * pressure
    )
    return spoiler_rate + (1.0 - spoiler_rate) * logistic(z)


def truce_violation(wartime: float, unrestrained: float) -> float:
    """Chance of a violation under a truce: of the strikes it would make at war (``wartime``, the
    domain's intensity, capped at 1), the share the truce fails to restrain (``unrestrained``, from
    :func:`p_violate`). A truce lowers the fighting, never raises it (Fortna 2004). Floats or arrays.
    """
    if isinstance(wartime, np.ndarray):
        return np.minimum(wartime, 1.0) * unrestrained
    return (1.0 if wartime > 1.0 else wartime) * unrestrained


def p_detect(strength: float) -> float:
    """Chance a true violation is detected and attributed to its author: the monitoring strength."""
    return clamp(strength)


def p_false_alarm(rate: float, strength: float) -> float:
    """Daily chance an incident in a truce domain is wrongly blamed on the other side.

    Without monitors, claims are immediate, mutual and unverifiable; a monitor that verifies
    incidents removes a share ``strength`` of the false ones.
    """
    return clamp(rate * (1.0 - strength))


def trust_update(
    trust: float,
    baseline: float,
    perceived_violations: int,
    calm: bool,
    gain: float,
    loss: float,
    drift: float,
) -> float:
    """Tomorrow's trust in one other actor, in [0, 1].

    Perceived compliance (a calm day under a truce) closes a share ``gain`` of the gap to full trust;
    each perceived violation removes a share ``loss`` of what is left; and trust drifts a share
    ``drift`` back to its initial level. Asymmetric (loss > gain) as trust is "hard to build, easy to
    destroy" (Slovic 1993); the multiplicative forms keep it in [0, 1] without clipping.
    """
    t = trust
    if isinstance(t, np.ndarray):  # calm a mask, perceived_violations counts: the same steps, per run
        t = t + np.where(calm, gain * (1.0 - t), 0.0)
        t = t * (1.0 - loss) ** perceived_violations
        return np.clip(t + drift * (baseline - t), 0.0, 1.0)
    if calm:
        t += gain * (1.0 - t)
    if perceived_violations:
        t *= (1.0 - loss) ** perceived_violations
    t += drift * (baseline - t)
    return clamp(t)


def grievance_update(grievance: float, perceived_violations: int, forgiveness: float) -> float:
    """Grievance toward another actor: perceived violations accumulate, forgiveness erodes them."""
    return grievance * (1.0 - forgiveness) + perceived_violations


def p_exchange(trust: float, base_rate: float, brokered: float = 0.0) -> float:
    """Daily chance of a prisoner exchange: cheap, verifiable and reciprocal, it needs little trust.

    A share ``brokered`` of the base rate comes from a third party that arranges exchanges whatever
    the parties' trust (the UAE and Turkey in 2025); the rest rises with trust.
    """
    return clamp(base_rate * (brokered + (1.0 - brokered) * trust))


def exchange_size(batch: int, held_by_a: int, held_by_b: int) -> int:
    """Prisoners each side releases: one for one, never more than either side holds."""
    if isinstance(held_by_a, np.ndarray) or isinstance(held_by_b, np.ndarray):
        return np.maximum(0, np.minimum(np.minimum(batch, held_by_a), held_by_b))
    return max(0, min(batch, held_by_a, held_by_b))


def strike_damage(damage: float, attacker_capability: float, target_capability: float) -> float:
    """Cost one strike inflicts: the domain's damage, scaled by the attacker's odds (today's strengths).

    Twice the odds, so that equal capabilities give the domain's damage exactly.
    """
    return damage * 2.0 * war.contest_odds(attacker_capability, target_capability)
