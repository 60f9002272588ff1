"""The dashboard: mesa's SolaraViz page for a projector, with the report's plotly figures, offline.

``python run_sim.py app`` serves this file with Solara on localhost. The sidebar has a scenario
picker, the seed (a plain seed), sliders for key parameters bound through the same dotted paths as
``--set``, and mesa's step / play / reset; the page shows the run's phase timeline, the war (the
front, each side's strength and beliefs), trust and violations, redrawn after each step. Everything
it loads comes from the installed packages (``solara-assets``): no request leaves the machine.

A slider left at its starting value (the baseline's) keeps the chosen scenario's own value, so
picking ``third_party_monitoring`` is not undone by the monitoring slider; a slider moved applies to
whichever scenario is picked. The status line lists both: the sliders moved, and the values the
picked scenario sets itself. Each browser session has its own run.

▶ steps the run in mesa's own thread while the page redraws in another (whichever holds Solara's
render lock). So the page never reads the live model: after each whole day, under the model's lock,
the run so far is copied into a :class:`Shown`, and every figure and the status line draw from the
one ``Shown`` they pick up. A redraw sees a whole day or the one before, never a day half recorded.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import warnings
from functools import cached_property

warnings.filterwarnings("ignore", module="solara.validate_hooks")  # mesa's own hooks, not ours

import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import solara  # noqa: E402
from mesa.visualization import SolaraViz, solara_viz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.data import BASELINE, SCENARIOS  # noqa: E402
from sim.experiments.store import days_frame, events_frame  # noqa: E402
from sim.model.ceasefire import CeasefireModel  # noqa: E402
from sim.model.results import RunResult  # noqa: E402
from sim.plots import run as one  # noqa: E402
from sim.plots.style import DASHES, Labels, styled, time_axis  # noqa: E402
from sim.scenario.class_code import find_scenario  # noqa: E402
from sim.scenario.loader import ScenarioError, load_scenario  # noqa: E402
from sim.scenario.schema import value_at  # noqa: E402

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
FIGURE_WIDTH = 900
"""Pixels: each figure has a full-width row of the page (see ``_full_width_rows``)."""


def _full_width_rows() -> None:
    """One figure per row, the page's full width: mesa lays components out two to a row, which
    halves the report's figures on a projector. Left as mesa's if its layout function moves."""
    if hasattr(solara_viz, "make_initial_grid_layout"):
        solara_viz.make_initial_grid_layout = lambda n: [
            {"i": i, "w": 12, "h": 13 if i else 2, "moved": False, "x": 0, "y": 13 * i} for i in range(n)
        ]


_full_width_rows()


class Shown:
    """The run as it stood after a whole day: what the page draws, copied so a step cannot change it.

    The model appends each day's columns one by one, so a page reading the live model while mesa's
    play thread steps it once found columns of different lengths. A ``Shown`` is made after the day,
    under the model's lock, from copies; the page only ever reads a ``Shown``, never the model.
    """

    def __init__(self, day: int, result: RunResult) -> None:
        self.day = day
        self.result = dataclasses.replace(
            result, days={k: list(v) for k, v in result.days.items()}, events=list(result.events)
        )

    @cached_property
    def days(self) -> pd.DataFrame:
        return days_frame([self.result])

    @cached_property
    def events(self) -> pd.DataFrame:
        return events_frame([self.result])


def _value(sc, path: str) -> float | None:
    """A slider's value in a scenario, or None where the scenario has no such parameter (an actor or
    issue of the baseline it lacks): the page lists what it can, never a traceback."""
    try:
        return float(value_at(sc, path))
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


class DashboardModel(CeasefireModel):
    """A run of a scenario picked by name, with the sliders' values as ``--set`` overrides.

    Keyword names are the sliders' parameter paths (SolaraViz passes them as keyword arguments).
    """

    def __init__(self, scenario_name: str = "baseline", seed: str = "42", **kwargs: float) -> None:
        # not `scenario`: mesa 3.5's SolaraViz passes its own Scenario object under that name
        self.notes: list[str] = []
        moved = [
            (p, float(v)) for p, v in kwargs.items() if p in SLIDERS and abs(float(v) - DEFAULTS[p]) > 1e-9
        ]
        try:
            sc = load_scenario(find_scenario(scenario_name, SCENARIOS), moved)
        except (ValueError, ScenarioError) as exc:  # a page must never turn into a traceback
            self.notes.append(
                f"could not load {scenario_name!r} with the sliders ({exc}); showing the baseline"
            )
            sc, moved = load_scenario(BASELINE), []
        try:
            seed_value = int(str(seed).strip())
            if not 0 <= seed_value < 2**63:
                raise ValueError
        except ValueError:
            seed_value = 42
            self.notes.append(f"seed {str(seed)!r} is not a whole number from 0: using 42")
        super().__init__(sc, seed=seed_value, run=0)
        self.overrides = moved
        self.in_effect = {p: v for p in SLIDERS if (v := _value(sc, p)) is not None}
        self.labels = Labels.of(sc)
        self._lock = threading.Lock()  # one step at a time: mesa's play thread, or a Step click
        self.shown = Shown(self.day, self.result())

    def step(self) -> None:
        """One day, then a copy of the run so far for the page (see :class:`Shown`)."""
        with self._lock:
            if self.day >= self.horizon:
                self.running = False
                return
            super().step()
            self.shown = Shown(self.day, self.result())


def war_figure(days: pd.DataFrame, labels: Labels) -> go.Figure:
    """The war the talks happen in: the front (share of the contested zone the first of a pair holds),
    each belligerent's strength, and what each believes its odds of winning a day's fighting are."""
    fig = go.Figure()
    actors = list(labels.actors)
    dates = [labels.date(d) for d in days["day"]]
    pairs = [(a, b) for a in actors for b in actors if a != b]
    for a, b in pairs:
        col = f"territory_{a}_{b}"
        if col in days:
            name = f"share of the contested zone {labels.actor(a)} holds"
            fig.add_scatter(
                x=dates,
                y=days[col],
                mode="lines",
                name=name,
                meta=name,
                line={"color": "#000000", "width": 4},
                hovertemplate="%{meta}: %{y:.1%}<extra>%{x|%d %b %Y}</extra>",
            )
    for a in actors:
        colour = labels.actor_colours.get(a, "#000000")
        if f"strength_{a}" in days:
            name = f"{labels.actor(a)}'s strength"
            fig.add_scatter(
                x=dates,
                y=days[f"strength_{a}"],
                mode="lines",
                name=name,
                meta=name,
                line={"color": colour, "width": 3},
                hovertemplate="%{meta}: %{y:.3f}<extra>%{x|%d %b %Y}</extra>",
            )
        for i, b in enumerate(x for x in actors if f"belief_{a}_{x}" in days):
            name = f"{labels.actor(a)} believes it wins a day against {labels.actor(b)}"
            fig.add_scatter(
                x=dates,
                y=days[f"belief_{a}_{b}"],
                mode="lines",
                name=name,
                meta=name,
                line={"color": colour, "width": 2, "dash": DASHES[(i + 1) % len(DASHES)]},
                hovertemplate="%{meta}: %{y:.0%}<extra>%{x|%d %b %Y}</extra>",
            )
    fig.update_yaxes(title="share, strength or odds", rangemode="tozero")
    time_axis(fig)
    return styled(fig, "How does the war go? (the front, each side's strength and what it believes)")


def figure(model: DashboardModel, shown: Shown, kind: str) -> go.Figure:
    """One of the page's figures (``timeline``, ``trust``, ``violations``, ``war``), drawn from ``shown``
    only."""
    days, events, labels = shown.days, shown.events, model.labels
    if kind == "timeline":
        fig = one.timeline_figure(one.timeline_frame(days, list(model.spec.phases)), events, labels)
    elif kind == "trust":
        fig = one.trust_figure(one.trust_frame(days, list(labels.actors)), events, labels)
    elif kind == "war":
        fig = war_figure(days, labels)
    else:
        fig = one.violations_figure(one.violations_frame(days, list(labels.domains)), events, labels)
    fig.update_layout(width=FIGURE_WIDTH, height=440, meta={"day": shown.day})
    return fig


def _figure(model: DashboardModel, kind: str):
    update_counter.get()
    shown = model.shown  # read once: the model may step on while this draws
    if shown.day == 0:
        return solara.Text(f"{model.spec.title}, seed {model.seed_value}: press Step or ▶ to begin.")
    fig = figure(model, shown, kind)
    # through plotly's JSON encoder: the widget's own cannot send the calendar dates of the figures
    return solara.FigurePlotly(go.Figure(json.loads(fig.to_json())))


@solara.component
def Phases(model: DashboardModel):
    return _figure(model, "timeline")


@solara.component
def Trust(model: DashboardModel):
    return _figure(model, "trust")


@solara.component
def Violations(model: DashboardModel):
    return _figure(model, "violations")


@solara.component
def War(model: DashboardModel):
    return _figure(model, "war")


@solara.component
def Status(model: DashboardModel):
    update_counter.get()
    moved = ", ".join(f"{p}={v:g}" for p, v in model.overrides) or "none"
    mine = {p for p, _ in model.overrides}
    kept = ", ".join(  # values the picked scenario sets itself, unlike the baseline's under the sliders
        f"{p}={v:g}" for p, v in model.in_effect.items() if p not in mine and abs(v - DEFAULTS[p]) > 1e-9
    )
    text = (
        f"Day {model.shown.day} of {model.horizon} · scenario {model.spec.name} · seed {model.seed_value} · "
        f"sliders moved: {moved}"
    )
    if kept:
        text += f" · the scenario's own: {kept}"
    with solara.Column():  # plain text: Markdown would fetch KaTeX from a CDN
        solara.Text(text)
        for note in model.notes:
            solara.Text(f"Note: {note}")


model_params = {
    "scenario_name": {"type": "Select", "value": "baseline", "values": scenario_names(), "label": "scenario"},
    "seed": {"type": "InputText", "value": "42", "label": "seed"},
    **{
        path: {
            "type": "SliderFloat",
            "value": DEFAULTS[path],
            "min": lo,
            "max": hi,
            "step": step,
            "label": label,
        }
        for path, (label, lo, hi, step) in SLIDERS.items()
    },
}


@solara.component
def Page():
    """One run per browser session: two students (or a reload) never step each other's run."""
    model = solara.use_memo(lambda: DashboardModel(seed="42"), [])
    return SolaraViz(
        model,
        components=[(Status, 0), (Phases, 0), (War, 0), (Trust, 0), (Violations, 0)],
        model_params=model_params,
        name="Phased ceasefire: what if?",
    )
