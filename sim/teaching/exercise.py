"""Exercise files: a class ready to teach, as data (YAML in ``exercises/``), checked like a scenario.

An exercise names a class code (the run the whole class looks at), the ensembles ("arms") its
findings compare, role cards, a prediction step, tasks, questions and the instructor's debrief. Its
findings are templates (``sim.teaching.templates``) the simulator fills in when a handout is built.
Every problem, in the file or in what it refers to (a scenario, a phase, an override, a paragraph),
is reported with the file, the line and the field, like a scenario's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.model.ceasefire import CeasefireModel
from sim.model.results import run_row
from sim.scenario.class_code import ClassCode, find_scenario, parse_seed
from sim.scenario.loader import Problem, ScenarioError, Source, _at, load_scenario, problems_from, read_yaml
from sim.scenario.schema import MAX_SEED, SEED_PARAGRAPHS, Identifier, Role, Scenario
from sim.teaching.quantities import check_measure
from sim.teaching.templates import Ref, parse_ref, placeholders

CLASS_ARM = "class"
"""The reserved arm name of the class run: run 0 of the class code."""
Text = Annotated[str, Field(min_length=3)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Arm(_Frozen):
    """An ensemble a finding measures: a scenario (by name), overrides, a seed and a number of runs."""

    label: Text = Field(description="a short name for tables and figures, e.g. 'phased (baseline)'")
    scenario: Identifier = Field(description="a scenario's name, found in scenarios/")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    runs: Annotated[int, Field(ge=1, le=5000)] = 200
    set: list[str] = Field(default_factory=list, description="PATH=VALUE overrides, as for --set")


class RoleCard(_Frozen):
    """What every player knows about a role (public) and what only its player reads (confidential)."""

    name: str | None = Field(default=None, description="for a role that is not an actor of the scenario")
    public: Text
    confidential: Text
    optional: bool = Field(default=False, description="a seat filled only when a table has players to spare")


class Prediction(_Frozen):
    """A bet placed before anything is run, and the measure that settles it."""

    id: Identifier
    question: Text
    answer: str = Field(description="ARM.MEASURE, e.g. phased.reached.full_ceasefire")


class Task(_Frozen):
    """Something to do: an ensemble to run (an arm) or a slider to move on the class run."""

    do: Text
    run: Identifier | None = Field(default=None, description="an arm whose command the handout prints")
    set: list[str] = Field(default_factory=list, description="PATH=VALUE: sliders to move on the class run")


class Try(_Frozen):
    """A thing to try, and optionally what the model gives when one does (a template)."""

    do: Text
    finding: str | None = None


class InjectStrike(_Frozen):
    """What an inject does in a live class: a strike at every table, through the model's monitoring."""

    attacker: Identifier
    domain: Identifier
    target: Identifier | None = Field(default=None, description="default: each enemy of the attacker")


class Inject(_Frozen):
    """News the instructor reads out during play, and optionally what the model says of it."""

    day: Annotated[int, Field(ge=0, le=3650)]
    text: Text
    finding: str | None = None
    strike: InjectStrike | None = Field(
        default=None,
        description="in a class session: also this strike at every table, the day after it fires",
    )


class Situation(_Frozen):
    intro: Text
    paragraphs: list[str] = Field(min_length=1, description="seed-article paragraph ids, e.g. P5")

    @field_validator("paragraphs")
    @classmethod
    def _known(cls, ids: list[str]) -> list[str]:
        bad = [p for p in ids if p not in SEED_PARAGRAPHS]
        if bad:
            raise ValueError(f"unknown paragraph(s) {', '.join(bad)}: the seed article has P0 to P13")
        return ids


class Exercise(_Frozen):
    name: Identifier
    title: Text
    topic: Text
    decision: Text = Field(max_length=300, description="the decision point, in one sentence")
    learning_goals: list[Text] = Field(min_length=1)
    situation: Situation
    class_code: str = Field(description="SCENARIO@SEED: the run the whole class looks at")
    arms: dict[Identifier, Arm] = Field(min_length=1)
    roles: dict[Identifier, RoleCard]
    predictions: list[Prediction] = Field(min_length=1)
    tasks: list[Task] = Field(min_length=1)
    notice: list[Text] = Field(min_length=1, description="things to notice (templates)")
    try_: list[Try] = Field(default_factory=list, alias="try")
    questions: list[Text] = Field(min_length=1, description="debrief questions for students")
    debrief: list[Text] = Field(min_length=1, description="the instructor's computed findings (templates)")
    injects: list[Inject] = Field(default_factory=list)
    instructor_notes: str = ""

    @field_validator("class_code")
    @classmethod
    def _code(cls, text: str) -> str:
        code = parse_seed(text)
        if code.scenario is None:
            raise ValueError(f"expected SCENARIO@SEED such as baseline@42, got {text!r}")
        return text

    @field_validator("decision")
    @classmethod
    def _one_sentence(cls, text: str) -> str:
        body = text.strip().rstrip(".?!")
        if any(mark in body for mark in (". ", "? ", "! ")):
            raise ValueError("the decision point is one sentence")
        return text

    @model_validator(mode="after")
    def _names(self) -> Exercise:
        problems = []
        if CLASS_ARM in self.arms:
            problems.append(f"arms.{CLASS_ARM}: '{CLASS_ARM}' is the class run's name; choose another")
        ids = [p.id for p in self.predictions]
        for i, p in enumerate(self.predictions):
            if ids.count(p.id) > 1:
                problems.append(f"predictions.{i}.id: {p.id!r} is used twice")
        if self.roles and all(card.optional for card in self.roles.values()):
            problems.append("roles: at least one role must not be optional (every table seats it)")
        for i, t in enumerate(self.tasks):
            if t.run is not None and t.run not in self.arms:
                problems.append(f"tasks.{i}.run: no arm {t.run!r} (arms: {', '.join(self.arms)})")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def code(self) -> ClassCode:
        return parse_seed(self.class_code)


@dataclass(frozen=True)
class LoadedExercise:
    """An exercise with everything it refers to resolved: its scenarios, loaded and overridden."""

    exercise: Exercise
    path: Path
    class_scenario: Scenario
    class_file: Path
    arm_scenarios: dict[str, Scenario]
    arm_files: dict[str, Path]

    def scenario_of(self, arm: str) -> Scenario:
        return self.class_scenario if arm == CLASS_ARM else self.arm_scenarios[arm]

    @property
    def name(self) -> str:
        return self.exercise.name


def load_exercise(path: Path, scenarios: Path) -> LoadedExercise:
    """Read, validate and resolve an exercise; a :class:`ScenarioError` lists every problem."""
    name = str(path)
    src = read_yaml(Path(path), what="an exercise")
    try:
        ex = Exercise.model_validate(src.data)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, src, name)) from None
    problems: list[Problem] = []

    def scenario(key: tuple, scenario_name: str, overrides: list[str]) -> tuple[Path, Scenario] | None:
        try:
            file = find_scenario(scenario_name, scenarios)
        except ValueError as exc:
            problems.append(_at(src, name, key, str(exc)))
            return None
        try:
            return file, load_scenario(file, overrides)
        except ScenarioError as exc:
            for p in exc.problems:
                where = f"{p.file}:{p.line}" if p.line else p.file
                problems.append(_at(src, name, key, f"{where} {p.path}: {p.message}"))
            return None

    code = ex.code
    found = scenario(("class_code",), code.scenario or "", [])
    arms = {a: scenario(("arms", a), arm.scenario, arm.set) for a, arm in ex.arms.items()}
    if found is None or any(v is None for v in arms.values()):
        raise ScenarioError(problems)
    class_file, class_sc = found
    loaded = LoadedExercise(
        ex,
        Path(path),
        class_sc,
        class_file,
        {a: v[1] for a, v in arms.items()},
        {a: v[0] for a, v in arms.items()},
    )
    problems += _reference_problems(loaded, src)
    if problems:
        raise ScenarioError(problems)
    return loaded


def _reference_problems(ld: LoadedExercise, src: Source) -> list[Problem]:
    """Roles, slider overrides, injects and every template's placeholders, checked against the runs."""
    ex, name, problems = ld.exercise, str(ld.path), []

    def at(key: tuple, message: str) -> None:
        problems.append(_at(src, name, key, message))

    actors = ld.class_scenario.actors
    for a, card in ex.roles.items():
        if a not in actors and not card.name:
            at(("roles", a), f"{a!r} is not an actor of {ld.class_scenario.name}: give the role a 'name'")
    for a, actor in actors.items():
        if a not in ex.roles and actor.role in (Role.BELLIGERENT, Role.MEDIATOR):
            at(("roles",), f"no role card for {a} ({actor.name}), an actor of {ld.class_scenario.name}")
    for i, task in enumerate(ex.tasks):
        if task.set:
            try:
                load_scenario(ld.class_file, task.set)
            except ScenarioError as exc:
                for p in exc.problems:
                    at(("tasks", i, "set"), f"{p.path}: {p.message}")
    for i, inject in enumerate(ex.injects):
        if inject.day > ld.class_scenario.horizon_days:
            at(
                ("injects", i, "day"),
                f"day {inject.day} is after the run ends (day {ld.class_scenario.horizon_days})",
            )
        strike = inject.strike
        if strike is not None:
            sc = ld.class_scenario
            if strike.attacker not in sc.belligerents:
                at(
                    ("injects", i, "strike", "attacker"),
                    f"{strike.attacker!r} is not a belligerent of {sc.name}",
                )
            elif strike.target is not None and strike.target not in sc.enemies(strike.attacker):
                at(
                    ("injects", i, "strike", "target"),
                    f"{strike.target!r} is not an enemy of {strike.attacker}",
                )
            if strike.domain not in sc.domains:
                at(("injects", i, "strike", "domain"), f"{strike.domain!r} is not a domain of {sc.name}")

    columns: dict[str, tuple[str, ...]] = {}
    templates: list[tuple[tuple, str]] = [(("notice", i), t) for i, t in enumerate(ex.notice)]
    templates += [(("debrief", i), t) for i, t in enumerate(ex.debrief)]
    templates += [(("try", i, "finding"), t.finding) for i, t in enumerate(ex.try_) if t.finding]
    templates += [(("injects", i, "finding"), t.finding) for i, t in enumerate(ex.injects) if t.finding]
    templates += [(("instructor_notes",), ex.instructor_notes)] if ex.instructor_notes else []
    for key, text in templates:
        try:
            for ph in placeholders(text):
                if ph.op and CLASS_ARM in (ph.left.arm, ph.right.arm):
                    raise ValueError(
                        f"{ph.left} {ph.op} {ph.right}: a difference or comparison needs two ensembles; "
                        f"'{CLASS_ARM}' is one run"
                    )
                for ref in (ph.left, ph.right):
                    if ref is not None:
                        _check_ref(ld, ref, columns)
        except ValueError as exc:
            at(key, str(exc))
    answers = {}
    for i, p in enumerate(ex.predictions):
        try:
            ref = parse_ref(p.answer)
            _check_ref(ld, ref, columns)
            answers[str(ref)] = p.id
        except ValueError as exc:
            at(("predictions", i, "answer"), str(exc))
    for i, text in enumerate(ex.notice):  # the student handout must not settle the bets it asks for
        try:
            refs = [r for ph in placeholders(text) for r in (ph.left, ph.right) if r is not None]
        except ValueError:
            continue  # reported above
        for ref in refs:
            if str(ref) in answers:
                at(
                    ("notice", i),
                    f"{{{ref}}} is the answer to the bet {answers[str(ref)]!r}: students read it",
                )
    return problems


def _check_ref(ld: LoadedExercise, ref: Ref, columns: dict[str, tuple[str, ...]]) -> None:
    arms = [CLASS_ARM, *ld.exercise.arms]
    if ref.arm not in arms:
        raise ValueError(f"{ref}: no arm {ref.arm!r} (arms: {', '.join(arms)})")
    sc = ld.scenario_of(ref.arm)
    if ref.arm not in columns:
        columns[ref.arm] = row_columns(sc)
    check_measure(ref.measure, list(sc.phases), sc.outcomes, columns[ref.arm])


def row_columns(scenario: Scenario) -> tuple[str, ...]:
    """The columns of a run's row for this scenario (its actors, phases and issues name some)."""
    return tuple(run_row(CeasefireModel(scenario, seed=0, run=0, horizon=1, record=False).run()))


def exercise_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def find_exercise(name: str, folder: Path) -> Path:
    """An exercise by its file name (stem) or its ``name``; a ValueError lists those there are."""
    as_path = Path(name)
    if as_path.suffix in (".yaml", ".yml") and os.path.lexists(as_path):
        return as_path  # reading it refuses what is not a regular file, by name
    files = exercise_files(folder)
    for f in files:
        if f.stem == name:
            return f
    for f in files:
        try:
            data = read_yaml(f, what="an exercise").data
        except ScenarioError:
            continue
        if data.get("name") == name:
            return f
    known = ", ".join(f.stem for f in files) or "none"
    raise ValueError(f"no exercise {name!r} in {folder} (there are: {known})")
