"""Experimental designs: the parameter values of each design point, and SALib's problem.

Pure functions of a spec: the same spec always gives the same points in the same order, so a sweep
can be resumed, split across executors, and analysed by SALib in the order it sampled.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sim.experiments.sweep_spec import Range, SweepSpec


@dataclass(frozen=True)
class Design:
    """Design points (one dict of axis -> value each) and the raw sample matrix SALib analyses."""

    kind: str
    axes: list[str]
    points: list[dict[str, object]]
    matrix: np.ndarray | None  # rows = points, in SALib's order; None for grid
    problem: dict | None  # SALib's problem dict (names, bounds); None for grid
    levels: int = 4  # Morris grid levels


def salib_problem(spec: SweepSpec) -> dict:
    """Bounds per axis: a range's [low, high]; a list's index range [0, n) (floored when decoded)."""
    bounds = [[a.low, a.high] if isinstance(a, Range) else [0.0, float(len(a))] for a in spec.axes.values()]
    return {"num_vars": len(spec.axes), "names": list(spec.axes), "bounds": bounds}


def build_design(spec: SweepSpec, integer_axes: frozenset[str] = frozenset()) -> Design:
    """The design's points. Grid: the full product; lhs/sobol/morris: SALib's samplers, seeded."""
    names = list(spec.axes)
    if spec.design == "grid":
        levels = [_grid_values(axis) for axis in spec.axes.values()]
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels)]
        return Design("grid", names, [_typed(p, integer_axes) for p in points], None, None)
    problem = salib_problem(spec)
    if spec.design == "lhs":
        from SALib.sample import latin

        matrix = latin.sample(problem, spec.samples, seed=spec.seed)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed)
    else:
        from SALib.sample import morris

        matrix = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
    return Design(spec.design, names, _decode(spec, matrix, integer_axes), matrix, problem, spec.levels)


def _grid_values(axis: list | Range) -> list:
    if isinstance(axis, Range):
        return [float(v) for v in np.linspace(axis.low, axis.high, axis.steps)]
    return list(axis)


def _decode(spec: SweepSpec, matrix: np.ndarray, integer_axes: frozenset[str]) -> list[dict[str, object]]:
    """The sample matrix's rows as points: a range's value, or a list's value at the floored index.

    Column by column (a 20,000-point design decodes in well under a second, not row by row in seconds).
    """
    columns: list[list] = []
    for (name, axis), x in zip(spec.axes.items(), np.asarray(matrix, dtype=float).T, strict=True):
        if isinstance(axis, Range):
            values: list = x.tolist()
        else:
            index = np.minimum(np.floor(x).astype(int), len(axis) - 1).tolist()
            values = [axis[i] for i in index]
        columns.append(_typed_column(values, name in integer_axes))
    names = list(spec.axes)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _typed(point: dict[str, object], integer_axes: frozenset[str]) -> dict[str, object]:
    """Integer parameters (days, counts) take the nearest integer of a continuous draw."""
    return {k: round(v) if k in integer_axes and isinstance(v, float) else v for k, v in point.items()}


def _typed_column(values: list, integer: bool) -> list:
    """:func:`_typed` for one axis's column of values."""
    if not integer:
        return values
    return [round(v) if isinstance(v, float) else v for v in values]


def expected_size(spec: SweepSpec) -> int:
    """Points a design will have, without sampling (for plans and tests)."""
    d = len(spec.axes)
    if spec.design == "grid":
        n = 1
        for axis in spec.axes.values():
            n *= axis.steps if isinstance(axis, Range) else len(axis)
        return n
    if spec.design == "lhs":
        return spec.samples
    if spec.design == "sobol":
        return spec.samples * (d + 2)
    return spec.samples * (d + 1)


MAX_POINTS = 100_000
"""Design points a sweep may have: the plan holds every point in memory and the schema checks each
combination before anything runs (a few milliseconds a point), so a larger design is split instead."""
MAX_RUNS = 1_000_000
"""Runs (points x replicates) a sweep may have: days of computing on a workstation; split it."""


def size_problem(spec: SweepSpec) -> str | None:
    """Why a design is too large to plan (one line), from its size alone: nothing is sampled or built."""
    points = expected_size(spec)
    runs = points * spec.replicates
    if points > MAX_POINTS:
        return (
            f"the design has {_count(points)} points, more than the {MAX_POINTS:,} a sweep may have: "
            f"refused before planning (nothing was run); use fewer steps, samples or axes, or split it"
        )
    if runs > MAX_RUNS:
        return (
            f"the plan has {_count(runs)} runs ({points:,} points x {spec.replicates:,} replicates), more "
            f"than the {MAX_RUNS:,} a sweep may have: refused before planning (nothing was run); use "
            f"fewer replicates or points, or split it"
        )
    return None


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"about {float(n):.1e}"
