"""What the batch engine's parts share: the rules as array functions, phase codes and their
transition table, the block's output, and small array helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model import bargaining as _bargaining
from sim.model import rules as _rules
from sim.model import war as _war
from sim.model.phases import TRANSITIONS, PhaseEvent, PhaseStatus

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
