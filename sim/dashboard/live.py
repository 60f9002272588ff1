"""The live ensemble: 200 runs of what the sidebar asks for, redone as a slider moves.

Where people look, the single run is one story among many; the ensemble shows how often each phase
is negotiated, in force or broken day by day, and how the runs end, with the report's own figures
(:mod:`sim.plots.ensemble`). It runs on the ``batch`` engine, built for exactly this: a block of runs
as arrays, whose cost is per simulated day more than per run: so the runs go as one block. The page
calls :func:`run` in a thread of its own and asks before and after the block whether the sidebar
has moved on, so a stale computation stops early and is never shown as current.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from sim.dashboard.inputs import resolve
from sim.experiments.engines import run_block
from sim.model.results import NO_TRUCE
from sim.plots import ensemble as ens
from sim.plots.style import Labels

RUNS = 200
ENGINE = "batch"


@dataclass(frozen=True)
class Ask:
    """The sidebar's inputs, as the ensemble's key: a new ``Ask`` is a new ensemble."""

    scenario_name: str
    seed: str
    sliders: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, scenario_name: str, seed: str, sliders: Mapping[str, float]) -> Ask:
        return cls(str(scenario_name), str(seed), tuple(sorted((p, float(v)) for p, v in sliders.items())))


@dataclass(frozen=True, eq=False)  # equal only to itself: a page memoises its figures on it
class Ensemble:
    """The runs of one ``Ask``: who they are, how long they took, and what the figures draw."""

    ask: Ask
    scenario: str
    seed: int
    moved: tuple[tuple[str, float], ...]
    runs: int
    seconds: float
    occupancy: pd.DataFrame
    outcomes: pd.DataFrame
    labels: Labels
    last_day: int
    notes: tuple[str, ...] = ()

    @property
    def caption(self) -> str:
        """One line naming the inputs, the runs and the time they took (on this machine)."""
        moved = ", ".join(f"{p}={v:g}" for p, v in self.moved) or "none"
        return (
            f"Live ensemble: {self.runs} runs of {self.scenario}, seed {self.seed}, sliders moved: {moved} "
            f"· {self.runs} runs in {self.seconds:.2f} s ({ENGINE} engine)"
        )


def run(ask: Ask, stale: Callable[[], bool] = lambda: False, runs: int = RUNS) -> Ensemble | None:
    """The ``runs`` runs of ``ask`` (runs 0.. of its seed), or None if ``stale()`` turned true first."""
    started = time.perf_counter()
    resolved = resolve(ask.scenario_name, ask.seed, dict(ask.sliders))
    sc = resolved.scenario
    phases = list(sc.phases)
    status = [f"{p}_status" for p in phases]
    if stale():
        return None
    block = run_block(ENGINE, sc, range(runs), resolved.seed, record=True)
    if stale() or block.days is None:
        return None
    frame = block.days[["run", "day", *status]].astype({c: str for c in status})
    return Ensemble(
        ask=ask,
        scenario=sc.name,
        seed=resolved.seed,
        moved=tuple(resolved.moved),
        runs=runs,
        seconds=time.perf_counter() - started,
        occupancy=ens.occupancy_frame(frame, phases),
        outcomes=ens.outcomes_frame(pd.DataFrame(block.rows), [NO_TRUCE, *sc.outcomes]),
        labels=Labels.of(sc),
        last_day=int(frame["day"].max()),
        notes=tuple(resolved.notes),
    )


def figures(ensemble: Ensemble, width: int) -> list[go.Figure]:
    """The outcome shares and the phase occupancy, as in the report, tagged with the ensemble's
    inputs (``layout.meta.ensemble``) so a page (and its tests) can tell which inputs it shows."""
    labels = ensemble.labels
    out = [
        ens.outcomes_figure(ensemble.outcomes, labels, f"{labels.date(ensemble.last_day):%d %B %Y}"),
        ens.occupancy_figure(ensemble.occupancy, labels),
    ]
    for fig in out:
        fig.update_layout(width=width, meta={"ensemble": ensemble.caption.split(" · ")[0]})
    return out
