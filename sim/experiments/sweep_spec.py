"""Sweep specs: which parameters to vary, how (the design), and how many seeds per point.

A spec is YAML validated by pydantic like a scenario, with the same one-line errors. Axes are the
dotted parameter paths of ``--set``; every value an axis can take is checked against the scenario's
schema before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from sim.scenario.loader import (
    SCENARIO_SUFFIXES,
    Problem,
    ScenarioError,
    load_source,
    problems_from,
    read_yaml,
    validate,
)
from sim.scenario.paths import apply_override as _apply
from sim.scenario.paths import number_at
from sim.scenario.schema import MAX_SEED, Scenario


class SweepSpecError(ScenarioError):
    """A sweep spec is invalid; ``problems`` says every way it is."""


class Range(BaseModel):
    """A continuous axis: any value in [low, high]; a grid takes ``steps`` evenly spaced values."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    low: float
    high: float
    steps: Annotated[int, Field(ge=2, le=1000)] = 5

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"range reversed or empty: low {self.low:g} must be below high {self.high:g}")
        return self


_VALUES, _RANGE = "[values]", "[range]"
"""Tags of the two kinds of axis: a list chooses the values, a mapping is a range (one error, not two)."""


def _axis_kind(value: Any) -> str | None:
    if isinstance(value, list):
        return _VALUES
    return _RANGE if isinstance(value, dict | Range) else None


Axis = Annotated[
    Annotated[list[Any], Field(min_length=1), Tag(_VALUES)] | Annotated[Range, Tag(_RANGE)],
    Discriminator(
        _axis_kind,
        custom_error_type="axis_kind",
        custom_error_message="expected a list of values or a range {low: ..., high: ...}",
    ),
]


class SweepSpec(BaseModel):
    """What to sweep. ``scenario`` is relative to the spec file's folder, or absolute."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    name: str | None = Field(default=None, description="defaults to the spec file's stem")
    scenario: str
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    replicates: Annotated[int, Field(ge=1, le=100_000)] = 10
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[int, Field(ge=1, le=1_000_000)] = 64
    levels: Annotated[int, Field(ge=2, le=100)] = Field(default=4, description="Morris grid levels")
    days: Annotated[int, Field(ge=1, le=3650)] | None = None
    axes: dict[str, Axis] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _design_needs_ranges(self) -> SweepSpec:
        if self.design != "grid" and not self.axes:
            raise ValueError(f"design {self.design!r} needs at least one axis")
        if self.design == "sobol" and (self.samples & (self.samples - 1) or self.samples < 8):
            raise ValueError(f"samples: a sobol design needs a power of 2, at least 8 (got {self.samples})")
        if self.design == "morris" and self.samples < 2:
            raise ValueError(f"samples: a morris design needs at least 2 trajectories (got {self.samples})")
        return self


class LoadedSweep(BaseModel):
    """A validated spec with its resolved scenario: everything a sweep needs, and picklable."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    spec: SweepSpec
    spec_path: str
    scenario_path: str
    scenario_data: dict
    scenario: Scenario
    integer_axes: frozenset[str]

    @property
    def name(self) -> str:
        return self.spec.name or Path(self.spec_path).stem

    def fingerprint(self) -> str:
        """Hash of what fixes the results: spec and scenario content (not paths or executors)."""
        content = json.dumps(
            {
                "spec": self.spec.model_dump(mode="json", exclude={"name"}),
                "scenario": self.scenario.model_dump(mode="json"),
            },
            sort_keys=True,
        )
        return hashlib.sha256(content.encode()).hexdigest()


def load_sweep(path: Path | str) -> LoadedSweep:
    """Read and check a sweep spec and its scenario; :class:`SweepSpecError` lists the problems."""
    path = Path(path)
    try:
        src = read_yaml(path, what="sweep spec")
    except ScenarioError as exc:
        raise SweepSpecError(exc.problems) from None
    try:
        spec = SweepSpec.model_validate(src.data)
    except ValidationError as exc:
        raise SweepSpecError(problems_from(exc, src, str(path), tags={_VALUES, _RANGE})) from None
    scenario_path = Path(spec.scenario)
    if not scenario_path.is_absolute():
        scenario_path = path.parent / scenario_path
    where = src.lines.get(("scenario",), (str(path), None))[1]
    if not os.path.lexists(scenario_path):
        raise SweepSpecError([Problem(str(path), where, "scenario", f"no such file: {scenario_path}")])
    if scenario_path.suffix.lower() not in SCENARIO_SUFFIXES:
        message = f"{scenario_path}: not a scenario file (a scenario is a .yaml or .yml file)"
        raise SweepSpecError([Problem(str(path), where, "scenario", message)])
    try:
        base = load_source(scenario_path, referenced=True)
        scenario = validate(base, str(scenario_path))
    except ScenarioError as exc:
        raise SweepSpecError(exc.problems) from None
    problems: list[Problem] = []
    integer_axes = set()
    seen: dict[str, str] = {}
    for axis, values in spec.axes.items():
        line = src.lines.get(("axes", axis), (str(path), None))[1]
        probe = values if isinstance(values, list) else [values.low, values.high]
        canonical = axis.removesuffix(".value")
        clash = next(
            (
                other
                for key, other in seen.items()
                if key == canonical or key.startswith(canonical + ".") or canonical.startswith(key + ".")
            ),
            None,
        )
        if clash is not None:
            problems.append(
                Problem(str(path), line, f"axes.{axis}", f"names the same parameter as axis {clash!r}")
            )
            continue
        seen[canonical] = axis
        try:
            current = number_at(base.data, axis)
        except KeyError as exc:
            problems.append(Problem(str(path), line, f"axes.{axis}", exc.args[0]))
            continue
        if not _is_number(current):
            problems.append(
                Problem(
                    str(path),
                    line,
                    f"axes.{axis}",
                    f"not a number in the scenario (it is {current!r}): axes vary "
                    f"numbers (see `run_sim.py scenario show` for their paths)",
                )
            )
            continue
        wrong = [v for v in probe if not _is_number(v)]
        if wrong:
            problems.append(Problem(str(path), line, f"axes.{axis}", f"value {wrong[0]!r} is not a number"))
            continue
        if isinstance(current, int) and not isinstance(current, bool):
            integer_axes.add(axis)
            if isinstance(values, Range):
                probe = [round(values.low), round(values.high)]
        for value in probe:
            data = json.loads(json.dumps(base.data, default=str))
            try:
                _apply(data, axis, value, origin="sweep axis")
                Scenario.model_validate(data)
            except (KeyError, ValueError) as exc:
                msg = exc.args[0] if isinstance(exc, KeyError) else _first_error(exc)
                problems.append(Problem(str(path), line, f"axes.{axis}", f"value {value!r}: {msg}"))
                break
    if problems:
        raise SweepSpecError(problems)
    return LoadedSweep(
        spec=spec,
        spec_path=str(path),
        scenario_path=str(scenario_path),
        scenario_data=json.loads(json.dumps(base.data, default=str)),
        scenario=scenario,
        integer_axes=frozenset(integer_axes),
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _first_error(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(k) for k in err["loc"])
        return f"{err['msg'].removeprefix('Value error, ')} (at {loc})" if loc else err["msg"]
    return str(exc)


ISSUE_SCALE = (".positions.", ".status_quo", "battlefield.territory.")
"""Paths of values on an issue's own scale (positions, status quo, territory held): 0 and 1 are
ordinary values there, so they vary by a fixed step, not in proportion."""


def assumption_axes(
    scenario_data: dict,
    scenario: Scenario,
    spread: float = 0.5,
    unit_spread: float = 0.1,
    positions: bool = True,
) -> dict[str, dict]:
    """A range around every value of a scenario that is an assumption (for a Sobol screen).

    - Values on an issue's scale (positions, status quo, territory held) vary by +/- ``unit_spread``
      within [0, 1]. With ``positions``, actors' positions seeded with evidence vary too: a quote
      fixes the direction of a position, the number is our coding of it.
    - Other values the schema bounds to [0, 1] (chances, rates, shares) vary by +/- ``unit_spread``,
      but at most by ``spread`` times their distance to the nearer bound: a small rate varies in
      proportion (a front step of 0.001 between 0.0005 and 0.0015, not up to 0.1), a value near 1 in
      proportion to its distance to 1 (a belief memory of 0.99, about 100 days, between 0.985 and
      0.995). A value at a bound (a capability of 1, the reference) is held.
    - Other numbers vary by a factor 1 -/+ ``spread``; integers (days, counts) are rounded, at least 1.
    - A floor demand varies from its value up to the lowest opening demand of the design, so no
      combination has a floor above the opening demand.

    Saliences are left out (they must sum to 1, so one cannot vary alone), as are zero-valued
    numbers off the issue scale (no scale to vary them by).
    """
    from sim.scenario.schema import seeded_values

    seeded_paths = seeded_values(scenario)
    axes: dict[str, dict] = {}
    floors: dict[str, float] = {}
    for path, seeded in seeded_paths:
        on_issue_scale = any(tag in f"{path}." for tag in ISSUE_SCALE)
        varied = seeded.assumption is not None or (positions and ".positions." in f"{path}.")
        if not varied or ".salience." in f".{path}.":
            continue
        v = seeded.value
        raw = number_at(scenario_data, path)
        if path.endswith(".concession.floor_demand"):
            floors[path] = float(v)
            continue
        if isinstance(raw, int) and not isinstance(raw, bool):
            if v < 2:
                continue
            low, high = max(1, round(v * (1 - spread))), round(v * (1 + spread))
        elif on_issue_scale:
            low, high = max(0.0, v - unit_spread), min(1.0, v + unit_spread)
        elif _is_unit(scenario, path):
            step = min(unit_spread, spread * min(v, 1.0 - v))
            low, high = v - step, v + step
        elif v == 0:
            continue
        else:
            low, high = sorted((v * (1 - spread), v * (1 + spread)))
        if low < high and _valid(scenario, path, low) and _valid(scenario, path, high):
            axes[path] = {"low": round(low, 6), "high": round(high, 6)}
    for path, v in floors.items():
        opening = path.removesuffix("floor_demand") + "opening_demand"
        ceiling = axes[opening]["low"] if opening in axes else number_at(scenario_data, opening)
        if v < ceiling:
            axes[path] = {"low": round(v, 6), "high": round(ceiling, 6)}
    order = {path: i for i, (path, _) in enumerate(seeded_paths)}  # a floor back beside its opening
    return dict(sorted(axes.items(), key=lambda kv: order[kv[0]]))


def _is_unit(scenario: Scenario, path: str) -> bool:
    """Whether the schema bounds this seeded value to [0, 1] (probe: does 1.5 fail validation?)."""
    return not _valid(scenario, path, 1.5)


def _valid(scenario: Scenario, path: str, value: float) -> bool:
    data = json.loads(json.dumps(scenario.model_dump(mode="json")))
    try:
        _apply(data, path, value)
        Scenario.model_validate(data)
    except (KeyError, ValueError):
        return False
    return True
