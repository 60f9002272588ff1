"""Computing an exercise's findings: run its arms and its class run, then fill in its templates.

Nothing here is typed in by hand: every number a handout states comes from :func:`compute`, which
runs the exercise's ensembles with the current model, so a handout rebuilt after the model or a
scenario changed states the new numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sim.experiments.ensemble import run_one
from sim.model.results import NO_TRUCE, RunResult, run_row
from sim.scenario.schema import Scenario
from sim.teaching.exercise import CLASS_ARM, LoadedExercise
from sim.teaching.quantities import Quantity, measure
from sim.teaching.templates import Part, Ref, render, text_of


@dataclass
class ArmRuns:
    """The runs of one arm: its rows (one per run) and how they were made."""

    name: str
    label: str
    scenario: Scenario
    seed: int
    rows: list[dict]
    overrides: list[str] = field(default_factory=list)
    _cache: dict[str, Quantity] = field(default_factory=dict, repr=False)

    def quantity(self, ref: Ref) -> Quantity:
        key = str(ref.measure)
        if key not in self._cache:
            sc = self.scenario
            self._cache[key] = measure(self.rows, ref.measure, sc.outcomes, sc.start_date)
        return self._cache[key]


@dataclass
class Findings:
    """An exercise's computed runs; :meth:`render` fills in a template from them."""

    loaded: LoadedExercise
    arms: dict[str, ArmRuns]
    class_result: RunResult
    """Run 0 of the class code, with its days and events (for the handout's figures)."""

    def quantity(self, ref: Ref) -> Quantity:
        return self.arms[ref.arm].quantity(ref)

    def render(self, template: str) -> list[Part]:
        return render(template, self.quantity, outcome_names(self.loaded.class_scenario))

    def text(self, template: str) -> str:
        return text_of(self.render(template))

    @property
    def total_runs(self) -> int:
        return sum(len(a.rows) for a in self.arms.values())


def outcome_names(sc: Scenario) -> dict[str, str]:
    return {o: o.replace("_", " ") for o in [NO_TRUCE, *sc.outcomes]}


def compute(
    loaded: LoadedExercise,
    runs: int | None = None,
    on_run_done: Callable[[int], None] | None = None,
) -> Findings:
    """Run every arm (``runs`` overrides each arm's number of runs) and the class run."""
    ex = loaded.exercise
    code = ex.code
    class_result = run_one(loaded.class_scenario, code.seed, 0)
    arms = {
        CLASS_ARM: ArmRuns(
            CLASS_ARM, f"class run {ex.class_code}", loaded.class_scenario, code.seed, [run_row(class_result)]
        )
    }
    for name, arm in ex.arms.items():
        sc = loaded.arm_scenarios[name]
        rows = []
        for k in range(runs or arm.runs):
            rows.append(run_row(run_one(sc, arm.seed, k, record=False)))
            if on_run_done is not None:
                on_run_done(1)
        arms[name] = ArmRuns(name, arm.label, sc, arm.seed, rows, list(arm.set))
    return Findings(loaded, arms, class_result)


def planned_runs(loaded: LoadedExercise, runs: int | None = None) -> int:
    """How many ensemble runs :func:`compute` will make (for a progress bar)."""
    return sum(runs or arm.runs for arm in loaded.exercise.arms.values())
