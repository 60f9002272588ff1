"""Computing an exercise's findings: run its arms and its class run, then fill in its templates.

Nothing here is typed in by hand: every number a handout states comes from :func:`compute`, which
runs the exercise's ensembles with the current model, so a handout rebuilt after the model or a
scenario changed states the new numbers. The arms' ensembles run on the batch engine by default
(``engine="mesa"``: the reference); the class run is always the mesa model's run 0 of the class code,
the run a student gets from ``run --code`` (its decisions are shown step by step).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sim.experiments.engines import blocks, check_engine
from sim.experiments.ensemble import run_one
from sim.experiments.manifest import scenario_sha256
from sim.model.results import NO_TRUCE, RunResult, run_row
from sim.scenario.schema import Scenario
from sim.teaching.exercise import CLASS_ARM, LoadedExercise, Prediction
from sim.teaching.predictions import answer_kind
from sim.teaching.quantities import Quantity, measure
from sim.teaching.templates import Part, Ref, parse_ref, render, text_of

Runs = int | Mapping[str, int] | None
"""Runs per ensemble: one number for every arm, a number per arm, or None for each arm's own."""
RECORD_FORMAT = 1


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


def runs_of(loaded: LoadedExercise, runs: Runs, arm: str) -> int:
    """The runs ``arm`` gets: ``runs`` for it if given, else the arm's own number."""
    if isinstance(runs, Mapping):
        return int(runs.get(arm) or loaded.exercise.arms[arm].runs)
    return runs or loaded.exercise.arms[arm].runs


def compute(
    loaded: LoadedExercise,
    runs: Runs = None,
    on_run_done: Callable[[int], None] | None = None,
    engine: str = "batch",
) -> Findings:
    """Run every arm on ``engine`` (``runs`` overrides the arms' numbers of runs) and the class run.

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
        for block in blocks(engine, sc, runs_of(loaded, runs, name), arm.seed):
            rows += block.rows
            if on_run_done is not None:
                on_run_done(len(block.rows))
        arms[name] = ArmRuns(name, arm.label, sc, arm.seed, rows, list(arm.set))
    return Findings(loaded, arms, class_result, engine)


def planned_runs(loaded: LoadedExercise, runs: Runs = None) -> int:
    """How many ensemble runs :func:`compute` will make (for a progress bar)."""
    return sum(runs_of(loaded, runs, arm) for arm in loaded.exercise.arms)


# -- the answer key and the ensemble it was computed from ----------------------------------------
def answer_template(loaded: LoadedExercise, p: Prediction) -> str:
    """The template of a bet's answer, as the answer key and the debrief print it."""
    return "{" + p.answer + ("|count" if answer_kind(loaded, p.answer) == "label" else "|ci") + "}"


def answer_parts(f: Findings, p: Prediction) -> list[Part]:
    return f.render(answer_template(f.loaded, p))


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _number(x: object) -> float | str | None:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x if isinstance(x, int | float | str) or x is None else str(x)


def ensemble_record(f: Findings, exercise_bytes: bytes, built: str = "", version: str = "") -> dict:
    """What a handout's answer key was computed from, and what it printed (``instructor/ensemble.json``):
    the debrief recomputes with the same runs and engine and compares (:func:`record_differences`)."""
    ld = f.loaded
    answers = {}
    for p in ld.exercise.predictions:
        q = f.quantity(parse_ref(p.answer))
        answers[p.id] = {
            "measure": p.answer,
            "text": text_of(answer_parts(f, p)),
            "value": _number(q.value),
            "low": _number(q.low),
            "high": _number(q.high),
        }
    return {
        "format": RECORD_FORMAT,
        "exercise": ld.name,
        "exercise_sha256": file_sha256(exercise_bytes),
        "engine": f.engine,
        "class_code": ld.exercise.class_code,
        "arms": {
            name: {
                "runs": len(a.rows),
                "seed": a.seed,
                "scenario": a.scenario.name,
                "set": list(a.overrides),
                "scenario_sha256": scenario_sha256(a.scenario),
            }
            for name, a in f.arms.items()
            if name != CLASS_ARM
        },
        "answers": answers,
        "built": built,
        "version": version,
    }


def recorded_runs(record: Mapping) -> dict[str, int]:
    """Runs per arm a record's answer key was computed from."""
    return {name: int(arm["runs"]) for name, arm in record.get("arms", {}).items()}


def setup_differences(
    loaded: LoadedExercise, record: Mapping, exercise_bytes: bytes, runs: int | None, engine: str | None
) -> list[str]:
    """What differs, before anything runs, between the debrief asked for and the handout's ensemble:
    the runs or engine asked for, the exercise file, an ensemble's scenario. One sentence each."""
    out = []
    if record.get("exercise") != loaded.name:
        out.append(f"the ensemble record is of exercise {record.get('exercise')!r}, not {loaded.name!r}")
    had = recorded_runs(record)
    if runs is not None and any(n != runs for n in had.values()):
        kept = ", ".join(sorted({str(n) for n in had.values()}))
        out.append(f"--runs {runs}: the answer key was computed from {kept} runs per ensemble")
    if engine is not None and engine != record.get("engine"):
        out.append(f"--engine {engine}: the answer key was computed on the {record.get('engine')} engine")
    if record.get("exercise_sha256") != file_sha256(exercise_bytes):
        out.append(f"the exercise file {loaded.path} changed since the handout was built")
    arms = loaded.exercise.arms
    if set(had) != set(arms):
        out.append(f"the exercise's ensembles are now {', '.join(arms)} (the handout had {', '.join(had)})")
    for name, arm in record.get("arms", {}).items():
        sc = loaded.arm_scenarios.get(name)
        if sc is not None and scenario_sha256(sc) != arm.get("scenario_sha256"):
            out.append(f"the scenario of ensemble {name!r} ({sc.name}) changed since the handout was built")
        elif name in arms and arms[name].seed != arm.get("seed"):
            out.append(f"the seed of ensemble {name!r} changed since the handout was built")
    return out


def answer_differences(f: Findings, record: Mapping) -> list[str]:
    """The bets' answers that differ from the ones the answer key printed."""
    out = []
    printed = record.get("answers", {})
    for p in f.loaded.exercise.predictions:
        now = text_of(answer_parts(f, p))
        was = printed.get(p.id, {}).get("text")
        if was is None:
            out.append(f"the answer to {p.id!r} was not in the answer key; now: {now}")
        elif was != now:
            out.append(f"the answer to {p.id!r} is now {now}; the answer key printed {was}")
    return out
