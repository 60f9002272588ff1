"""Computing an exercise's findings: run its arms and its class run, then fill in its templates.

Nothing here is typed in by hand: every number a handout states comes from :func:`compute`, which
runs the exercise's ensembles with the current model, so a handout rebuilt after the model or a
scenario changed states the new numbers. The arms' ensembles run on the batch engine by default
(``engine="mesa"``: the reference); the class run is always the mesa model's run 0 of the class code,
the run a student gets from ``run --code`` (its decisions are shown step by step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sim.experiments.engines import blocks, check_engine
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
    engine: str = "batch"
    """The engine the arms' ensembles ran on."""

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
    engine: str = "batch",
) -> Findings:
    """Run every arm on ``engine`` (``runs`` overrides each arm's number of runs) and the class run.

    ``on_run_done(k)`` is told of ``k`` more finished runs (a block's worth at a time).
    """
    check_engine(engine)
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
        rows: list[dict] = []
        for block in blocks(engine, sc, runs or arm.runs, arm.seed):
            rows += block.rows
            if on_run_done is not None:
                on_run_done(len(block.rows))
        arms[name] = ArmRuns(name, arm.label, sc, arm.seed, rows, list(arm.set))
    return Findings(loaded, arms, class_result, engine)


def planned_runs(loaded: LoadedExercise, runs: int | None = None) -> int:
    """How many ensemble runs :func:`compute` will make (for a progress bar)."""
    return sum(runs or arm.runs for arm in loaded.exercise.arms.values())
