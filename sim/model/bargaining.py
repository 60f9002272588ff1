"""Rules of the bargaining: what a package is worth, the mediator's single text, conditions, answers.

Pure functions of numbers, each with the source of its form. The valuation of a truce against the
war it interrupts is assembled in ``sim.model.agents`` (mesa) and ``sim.model.batch`` (arrays) from
these and ``sim.model.war``; like those, they take floats or numpy arrays of runs alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np


def issue_gain(x: float, status_quo: float, ideal: float, salience: float) -> float:
    """What moving one issue from the status quo to ``x`` is worth: salience x closeness gained.

    Linear-loss spatial utility over issues whose saliences sum to 1 (Bueno de Mesquita; KTAB's SMP),
    not renormalised per package, so gains of different phases share one scale with the war's values.
    """
    return salience * (abs(status_quo - ideal) - abs(x - ideal))


def package_gain(
    package: Mapping[str, float],
    status_quo: Mapping[str, float],
    ideal: Mapping[str, float],
    salience: Mapping[str, float],
) -> float:
    """The package's gain over the status quo on its issues, for one actor."""
    return sum(issue_gain(x, status_quo[i], ideal[i], salience[i]) for i, x in package.items())


def linkage_bound(ideal: float, held: float) -> tuple[float, float]:
    """The band a linked term must fall in for the actor to consider the package: (low, high).

    A linked issue is not traded against others (P10: "provided that security guarantees were taken
    into account"): the actor requires the term within a distance of its ideal that grows as it
    concedes: the share of its demand it has given up (1 - ``held``, its concession strategy,
    Faratin et al. 1998) of the longest way a term can lie from its ideal. Holding all of it, it
    insists on its ideal; conceded fully, it accepts any term. Derived from the actor's own position
    and concession, not a constant: move its ideal and the condition moves with it.
    """
    if isinstance(ideal, np.ndarray) or isinstance(held, np.ndarray):
        radius = (1.0 - held) * np.maximum(ideal, 1.0 - ideal)
        return np.maximum(0.0, ideal - radius), np.minimum(1.0, ideal + radius)
    radius = (1.0 - held) * max(ideal, 1.0 - ideal)
    return max(0.0, ideal - radius), min(1.0, ideal + radius)


def single_text_step(
    text: float, ideal: float, weight: float, step: float, low: float = 0.0, high: float = 1.0
) -> float:
    """One revision of the mediator's single negotiating text on one term (Raiffa 1982).

    After a refusal the mediator moves the term toward the refusing party's ideal by ``step`` times
    that party's relative salience on it (``weight``): concessions go where the refuser cares most.
    A party's counter is met halfway by the same rule with weight 1/2 (see the model).
    """
    x = text + step * weight * (ideal - text)
    if isinstance(x, np.ndarray):
        return np.clip(x, low, high)
    return low if x < low else high if x > high else x


def p_accept(gain: float, demand: float, noise: float) -> float:
    """Chance an actor accepts: the threshold "gain at least its demand", blurred by a small noise.

    Logit choice (McFadden 1974) with a small scale: at ``noise`` = 0.01, a package 0.03 short of the
    demand is accepted 5% of the time, one 0.03 above it 95%. The noise is documented as what it is:
    unmodelled motives near indifference, not a source of deals.
    """
    z = (gain - demand) / noise
    if isinstance(z, np.ndarray):
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic, without overflow for large |z|
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def delivered_share(perceived: float, promised_quiet: float) -> float:
    """Share of a truce's promised quiet it actually delivered, as the party perceived it.

    ``promised_quiet``: the strikes the enemy would have made in the truce's domains over the term
    without it; ``perceived``: the violations perceived over the term. A truce violated as often as
    the war struck delivered nothing (the basis of renewal: Fortna 2004 on the durability of peace).
    """
    if isinstance(perceived, np.ndarray) or isinstance(promised_quiet, np.ndarray):
        safe = np.where(promised_quiet <= 0.0, 1.0, promised_quiet)
        return np.where(promised_quiet <= 0.0, 1.0, np.maximum(0.0, 1.0 - perceived / safe))
    if promised_quiet <= 0.0:
        return 1.0
    share = 1.0 - perceived / promised_quiet
    return 0.0 if share < 0.0 else share
