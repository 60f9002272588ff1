"""Concession strategies: how much of an actor's opening demand it still holds as talks go on.

After Faratin, Sierra & Jennings (1998), "Negotiation decision functions for autonomous agents": a
time-dependent tactic keeps the share a(t) = 1 - t**e of the way from its floor to its opening demand,
at normalised time t in [0, 1]. Here t is the days a phase has been negotiated over the actor's
``patience_days`` (talks have no fixed deadline), capped at 1. Each strategy is a small class with a
display name, declared traits and one decision method; YAML names it by its key in STRATEGIES.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np


class ConcessionStrategy:
    """The share of its opening demand (over its floor) an actor still holds."""

    name: ClassVar[str]
    traits: ClassVar[dict[str, object]]

    def remaining(self, t: float, trust: float) -> float:
        """Share in [0, 1] still held at normalised time ``t`` with ``trust`` in the other side."""
        raise NotImplementedError


class TimeDependent(ConcessionStrategy):
    """Faratin et al.'s polynomial tactic a(t) = 1 - t**e."""

    exponent: ClassVar[float]
    traits: ClassVar[dict[str, object]] = {"stochastic": False, "reacts_to": frozenset({"time"})}

    def remaining(self, t: float, trust: float) -> float:
        if isinstance(t, np.ndarray):
            return 1.0 - np.clip(t, 0.0, 1.0) ** self.exponent
        t = min(max(t, 0.0), 1.0)
        return 1.0 - t**self.exponent


class Boulware(TimeDependent):
    """Holds firm until late, then concedes fast (e = 4: a(0.5) = 0.9375)."""

    name = "Boulware"
    exponent = 4.0


class Linear(TimeDependent):
    """Concedes evenly over its patience (e = 1: a(0.5) = 0.5)."""

    name = "Linear"
    exponent = 1.0


class Conceder(TimeDependent):
    """Concedes most of the way early (e = 0.25: a(0.5) ≈ 0.159)."""

    name = "Conceder"
    exponent = 0.25


class Reciprocal(ConcessionStrategy):
    """Concedes only as far as it trusts the other side: a(t) = 1 - t * trust.

    A behaviour-dependent tactic in Faratin et al.'s sense, reduced to one signal: the trust the
    actor has built from the other side's perceived compliance.
    """

    name = "Reciprocal"
    traits: ClassVar[dict[str, object]] = {
        "stochastic": False,
        "reacts_to": frozenset({"time", "trust"}),
    }

    def remaining(self, t: float, trust: float) -> float:
        if isinstance(t, np.ndarray) or isinstance(trust, np.ndarray):
            return 1.0 - np.clip(t, 0.0, 1.0) * np.clip(trust, 0.0, 1.0)
        t = min(max(t, 0.0), 1.0)
        return 1.0 - t * min(max(trust, 0.0), 1.0)


class Hardliner(ConcessionStrategy):
    """Never moves from its opening demand: the no-concession benchmark."""

    name = "Hardliner"
    traits: ClassVar[dict[str, object]] = {"stochastic": False, "reacts_to": frozenset()}

    def remaining(self, t: float, trust: float) -> float:
        if isinstance(t, np.ndarray):
            return np.ones_like(t)
        return 1.0


STRATEGIES: dict[str, type[ConcessionStrategy]] = {
    "boulware": Boulware,
    "linear": Linear,
    "conceder": Conceder,
    "reciprocal": Reciprocal,
    "hardliner": Hardliner,
}
