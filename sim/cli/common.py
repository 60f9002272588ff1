"""What the commands share: the consoles, loading a scenario or exiting with its problems, --seed."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from sim.cli.exits import fail
from sim.data import BASELINE, SCENARIOS, resolve_scenario, resolve_sweep
from sim.experiments.engines import ENGINES, Engine, check_engine
from sim.scenario.class_code import find_scenario, parse_seed
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

DEFAULT_SCENARIO = BASELINE
SEED_HELP = "ensemble seed, or a class code SCENARIO@SEED such as baseline@42 (default: the scenario's)"
ENGINE_HELP = f"simulation engine: {' or '.join(ENGINES)}"
"""--engine's help; each command adds which is its default and why."""
out = Console(soft_wrap=True)  # plain lines are not hard-wrapped: they stay greppable
err = Console(stderr=True)


def scenario_path_or_exit(arg: Path | str) -> Path:
    """The file a SCENARIO argument means: a path, a shipped path (``scenarios/...``) or a name."""
    try:
        return resolve_scenario(arg)
    except ValueError as exc:
        raise fail([str(exc)]) from None


def sweep_path_or_exit(arg: Path | str) -> Path:
    """The file a SPEC argument means: a path, a shipped path (``scenarios/sweeps/...``) or a name."""
    try:
        return resolve_sweep(arg)
    except ValueError as exc:
        raise fail([str(exc)]) from None


def load_or_exit(path: Path, overrides: list[str] | None = None) -> Scenario:
    """Load a scenario named by a path, a shipped path or a name; its problems end the command."""
    try:
        return load_scenario(scenario_path_or_exit(path), overrides or [])
    except ScenarioError as exc:
        raise fail(exc.problems) from None


def scenario_and_seed(
    path: Path | None, seed: str | None, overrides: list[str] | None
) -> tuple[Path, Scenario, int]:
    """The scenario file, the scenario and the seed, from ``--seed`` as a seed or a class code.

    A class code names the scenario: without a SCENARIO argument it finds the file in scenarios/;
    with one, the names must agree (a code is meant to give everyone the same runs).
    """
    try:
        code = parse_seed(seed) if seed is not None else None
        if path is None:
            path = find_scenario(code.scenario, SCENARIOS) if code and code.scenario else DEFAULT_SCENARIO
        else:
            path = resolve_scenario(path)
    except ValueError as exc:
        raise fail([str(exc)]) from None
    sc = load_or_exit(path, overrides)
    if code and code.scenario and code.scenario != sc.name:
        raise fail(
            [f"--seed {code}: the class code is for scenario {code.scenario!r}, but {path} is {sc.name!r}"]
        )
    return path, sc, sc.seed if code is None else code.seed


def engine_or_exit(engine: str) -> Engine:
    """``--engine``'s value, or one line naming the engines and exit 2 (not a usage box)."""
    try:
        return check_engine(engine)
    except ValueError as exc:
        raise fail([f"--{exc}"]) from None
