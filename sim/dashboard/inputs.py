"""What the dashboard's sidebar asks for, and how it becomes a scenario and a seed.

The sliders are bound through the same dotted paths as ``--set``. A slider left at its starting
value (the baseline's) keeps the chosen scenario's own value, so picking ``third_party_monitoring`` is
not undone by the monitoring slider; a slider moved applies to whichever scenario is picked. The
single run and the live ensemble both resolve the sidebar here, so they always run the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.data import BASELINE, SCENARIOS
from sim.scenario.class_code import find_scenario
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.schema import Scenario, value_at

SLIDERS: dict[str, tuple[str, float, float, float]] = {
    "monitoring.strength": ("monitoring strength", 0.0, 1.0, 0.05),
    "monitoring.false_alarm_rate": ("false alarm rate", 0.0, 0.5, 0.01),
    "actors.us.aid.to_kyiv.flow": ("US aid to Kyiv (strength a day)", 0.0, 0.005, 0.0002),
    "actors.russia.forces.believed_odds": (
        "Russia's believed odds of winning a day's fighting",
        0.05,
        0.95,
        0.05,
    ),
    "dynamics.cost_of_war": ("costs of war (scale)", 0.0, 4.0, 0.1),
    "actors.us.levers.normalisation.strength": ("US normalisation offer (strength)", 0.0, 0.1, 0.005),
    "actors.us.levers.concession_pressure.strength": ("US pressure on Kyiv (strength)", 0.0, 0.1, 0.005),
    "actors.russia.positions.security_guarantees": (
        "Russia's position on security guarantees (its condition follows)",
        0.0,
        1.0,
        0.05,
    ),
    "issues.sanctions_relief.third_party.controlled": (
        "sanctions relief the US can deliver without the EU",
        0.0,
        1.0,
        0.05,
    ),
    "dynamics.hostility": ("trust lost per strike received during talks", 0.0, 0.02, 0.001),
    "actors.russia.compliance": ("Russia's disposition to comply", 0.0, 1.0, 0.05),
    "actors.ukraine.compliance": ("Ukraine's disposition to comply", 0.0, 1.0, 0.05),
}
"""Parameter path -> (label, min, max, step): the sliders, each bound through its ``--set`` path."""


def scenario_names() -> list[str]:
    """The scenarios in scenarios/ and scenarios/variants/ by name (sweep specs left out)."""
    names = []
    for path in sorted(SCENARIOS.glob("*.yaml")) + sorted(SCENARIOS.glob("variants/*.yaml")):
        try:
            names.append(load_scenario(path).name)
        except ScenarioError:
            continue
    return names


def slider_defaults() -> dict[str, float]:
    """Each slider's starting value: the baseline's value at its path."""
    sc = load_scenario(BASELINE)
    return {path: value_at(sc, path) for path in SLIDERS}


DEFAULTS = slider_defaults()


def value_in(sc: Scenario, path: str) -> float | None:
    """A slider's value in a scenario, or None where the scenario has no such parameter (an actor or
    issue of the baseline it lacks): the page lists what it can, never a traceback."""
    try:
        return float(value_at(sc, path))
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


@dataclass
class Resolved:
    """The sidebar made runnable: the scenario with the sliders moved applied, and a valid seed."""

    scenario: Scenario
    moved: list[tuple[str, float]]
    seed: int
    notes: list[str] = field(default_factory=list)
    """Why something asked for was not used (a page must never turn into a traceback)."""


def resolve(scenario_name: str, seed: str, sliders: Mapping[str, float]) -> Resolved:
    """The scenario picked by name with the sliders moved from the baseline's values as ``--set``
    overrides, and the seed typed; the baseline and seed 42 (with a note) where these do not load."""
    notes: list[str] = []
    moved = [(p, float(v)) for p, v in sliders.items() if p in SLIDERS and abs(float(v) - DEFAULTS[p]) > 1e-9]
    try:
        sc = load_scenario(find_scenario(scenario_name, SCENARIOS), moved)
    except (ValueError, ScenarioError) as exc:
        notes.append(f"could not load {scenario_name!r} with the sliders ({exc}); showing the baseline")
        sc, moved = load_scenario(BASELINE), []
    try:
        seed_value = int(str(seed).strip())
        if not 0 <= seed_value < 2**63:
            raise ValueError
    except ValueError:
        seed_value = 42
        notes.append(f"seed {str(seed)!r} is not a whole number from 0: using 42")
    return Resolved(sc, moved, seed_value, notes)
