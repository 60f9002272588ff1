"""Standing orders: what a seat has decided in advance, so the class is asked only what matters.

A played game asked 154 daily comply-or-strike questions of 194; here a seat sets, per domain, an
order that holds until it changes it: ``comply``, ``respond`` in kind (strike in that domain only
on a day after it perceived a violation by that enemy in it: tit for tat, Axelrod 1984) or
``strike``. The mediator's levers are ``apply``, ``hold`` or left to its ``agent``; a withdrawal
when grievances pass the actor's tolerance is ``stay``, ``withdraw`` or the ``agent``'s call. Pure
functions: the seat asks them. An order governs the domains a truce covers; outside a truce the
actor's forces fight as its agent decides (the war goes on).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

COMPLIANCE = ("comply", "respond", "strike")
LEVER = ("agent", "apply", "hold")
WITHDRAW = ("agent", "stay", "withdraw")
LABELS = {
    "comply": "comply",
    "respond": "respond in kind (strike here the day after you perceive a violation here)",
    "strike": "strike",
    "agent": "leave it to my adviser (the agent)",
    "apply": "apply",
    "hold": "hold",
    "stay": "stay in the truce",
    "withdraw": "withdraw",
}


@dataclass(frozen=True)
class Orders:
    """A seat's standing orders (defaults: comply everywhere, levers and withdrawal to the agent)."""

    compliance: dict[str, str] = field(default_factory=dict)
    """Domain -> comply | respond | strike (a domain not listed: comply)."""
    levers: dict[str, str] = field(default_factory=dict)
    """Lever id -> agent | apply | hold (not listed: agent)."""
    withdraw: str = "agent"

    def changed(
        self,
        compliance: dict[str, str] | None = None,
        levers: dict[str, str] | None = None,
        withdraw: str | None = None,
    ) -> Orders:
        """These orders with some changed; a ValueError names an order that is not one."""
        for domain, order in (compliance or {}).items():
            if order not in COMPLIANCE:
                raise ValueError(f"order for {domain}: one of {', '.join(COMPLIANCE)} (got {order!r})")
        for lever, order in (levers or {}).items():
            if order not in LEVER:
                raise ValueError(f"order for lever {lever}: one of {', '.join(LEVER)} (got {order!r})")
        if withdraw is not None and withdraw not in WITHDRAW:
            raise ValueError(f"withdrawal order: one of {', '.join(WITHDRAW)} (got {withdraw!r})")
        return replace(
            self,
            compliance={**self.compliance, **(compliance or {})},
            levers={**self.levers, **(levers or {})},
            withdraw=self.withdraw if withdraw is None else withdraw,
        )


def strike_answer(order: str, perceived_yesterday: int) -> str:
    """``comply`` or ``strike`` under a compliance order, given the enemy's violations the actor
    perceived yesterday in the domain (``respond``: strike back the day after, only then)."""
    if order == "strike":
        return "strike"
    if order == "respond" and perceived_yesterday > 0:
        return "strike"
    return "comply"


def standing_answer(order: str) -> str | None:
    """A lever's or a withdrawal's answer under its order; None: the agent decides."""
    return None if order == "agent" else order
