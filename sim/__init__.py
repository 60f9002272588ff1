"""ceasefire-sim: an agent-based simulator of phased ceasefire negotiations, seeded from evidence.

The Python API (docs/api.md), for notebooks and scripts::

    import sim
    sc = sim.load_scenario("baseline")
    ens = sim.run(sc, runs=200, seed=42, set={"monitoring.strength": 0.8})
    ens.runs, ens.days, ens.events  # pandas DataFrames
    ens.report()                    # the path of a self-contained report.html

The names are loaded on first use (PEP 562), so ``import sim.scenario.schema`` (or the command line's
``--help``) does not pay for pandas, plotly and mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and editors; at run time ``__getattr__`` imports sim.api
    from typing import Any

    from sim.api import (
        Ensemble,
        JobError,
        ScenarioError,
        SweepResult,
        UnknownScenario,
        load_scenario,
        run,
        scenarios,
        sweep,
        sweeps,
        validate,
    )

__all__ = [
    "Ensemble",
    "JobError",
    "ScenarioError",
    "SweepResult",
    "UnknownScenario",
    "load_scenario",
    "run",
    "scenarios",
    "sweep",
    "sweeps",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim import api

        value = getattr(api, name)
        globals()[name] = value  # once loaded, a plain attribute
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The API and the loaded subpackages (not this module's own helpers)."""
    return sorted({*__all__, *(k for k in globals() if k[0] != "_" and k not in _HELPERS)})


_HELPERS = frozenset({"TYPE_CHECKING", "annotations"})
