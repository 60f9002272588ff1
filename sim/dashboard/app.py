"""The dashboard: mesa's SolaraViz page for a projector, with the report's plotly figures, offline.

``python run_sim.py app`` serves this file with Solara on localhost. The sidebar has a scenario
picker, the seed (a plain seed), sliders for key parameters bound through the same dotted paths as
``--set`` (:mod:`sim.dashboard.inputs`), and mesa's step / play / reset. The page shows the live
ensemble (:mod:`sim.dashboard.live`: 200 runs of the sidebar as it stands, redone as a slider
moves), then the single run's phase timeline, the war (the front, each side's strength and beliefs),
trust and violations, redrawn after each step. Everything it loads comes from the installed packages
(``solara-assets``): no request leaves the machine.

The status line lists the sliders moved for the run, and the values the picked scenario sets
itself. Each browser session has its own run, sidebar and ensemble.

▶ steps the run in mesa's own thread while the page redraws in another (whichever holds Solara's
render lock). So the page never reads the live model: after each whole day, under the model's lock,
the run so far is copied into a :class:`Shown`, and every figure and the status line draw from the
one ``Shown`` they pick up. A redraw sees a whole day or the one before, never a day half recorded.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import math
import threading
import time
import warnings
from functools import cached_property

warnings.filterwarnings("ignore", module="solara.validate_hooks")  # mesa's own hooks, not ours

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import solara  # noqa: E402
from mesa.visualization import SolaraViz, solara_viz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402
from plotly.graph_objs import FigureWidget  # noqa: E402

from sim.dashboard import live  # noqa: E402
from sim.dashboard.clicks import drop_stale_clicks  # noqa: E402
from sim.dashboard.inputs import DEFAULTS, SLIDERS, resolve, scenario_names, value_in  # noqa: E402
from sim.experiments.store import days_frame, events_frame  # noqa: E402
from sim.model.ceasefire import CeasefireModel  # noqa: E402
from sim.model.results import RunResult  # noqa: E402
from sim.plots import run as one  # noqa: E402
from sim.plots.style import DASHES, Labels, styled, time_axis  # noqa: E402

drop_stale_clicks()  # a click on a widget already re-rendered away is dropped, not a traceback

FIGURE_WIDTH = 900
"""Pixels: each figure has a full-width row of the page (see ``_full_width_rows``)."""


ROWS = (2, 36, 13, 13, 13, 13)
"""Grid rows (about 40 px each) of the page's components, in ``Page``'s order: the status line, the
live ensemble's two figures, the run's four."""


def _full_width_rows() -> None:
    """One figure per row, the page's full width: mesa lays components out two to a row, which
    halves the report's figures on a projector. Left as mesa's if its layout function moves."""

    def layout(n: int) -> list[dict]:
        heights = [ROWS[i] if i < len(ROWS) else 13 for i in range(n)]
        tops = [sum(heights[:i]) for i in range(n)]
        return [{"i": i, "w": 12, "h": heights[i], "moved": False, "x": 0, "y": tops[i]} for i in range(n)]

    if hasattr(solara_viz, "make_initial_grid_layout"):
        solara_viz.make_initial_grid_layout = layout


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


def _plain(value):
    """A sidebar value as the model gets it: mesa hands over a slider never moved as the reactive
    variable bound to it (see ``SIDEBAR``), a slider moved as its number."""
    return value.value if isinstance(value, solara.Reactive) else value


class DashboardModel(CeasefireModel):
    """A run of a scenario picked by name, with the sliders' values as ``--set`` overrides.

    Keyword names are the sliders' parameter paths (SolaraViz passes them as keyword arguments).
    """

    def __init__(self, scenario_name: str = "baseline", seed: str = "42", **kwargs: float) -> None:
        # not `scenario`: mesa 3.5's SolaraViz passes its own Scenario object under that name
        sliders = {p: float(_plain(v)) for p, v in kwargs.items() if p in SLIDERS}
        resolved = resolve(_plain(scenario_name), _plain(seed), sliders)
        self.notes: list[str] = resolved.notes
        sc = resolved.scenario
        super().__init__(sc, seed=resolved.seed, run=0)
        self.overrides = resolved.moved
        self.in_effect = {p: v for p in SLIDERS if (v := value_in(sc, p)) is not None}
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


def _unpacked(value):
    """Plotly's JSON with its packed arrays (``{"dtype", "bdata"}``, base64) as plain lists, NaN as
    null: the widget compares its traces' values with the defaults the browser computes, and a
    packed array is a dict where the browser answers with a list (an AssertionError in the server
    for the ensemble's bars and their intervals)."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).replace(" ", "").split(",")])
            return _unpacked(array.tolist())
        return {k: _unpacked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpacked(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _session_lock():
    """The lock Solara holds while it handles a message from this session's browser (None when not
    served: a test rendering in its own process, where no browser sends anything)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context().lock
    except (ImportError, RuntimeError):
        return contextlib.nullcontext()


@solara.component
def Plot(spec: str, css: str):
    """A figure (plotly JSON) on the page: one FigureWidget, its traces replaced under a lock.

    As ``solara.FigurePlotly`` does, a new figure goes into the same widget (layout, then the new
    traces added and the old cut), so the browser redraws in place. That happens in whichever thread
    renders: mesa's play thread while ▶ plays. The browser answers each change with the traces'
    computed defaults ("trace deltas"), which Solara handles in the thread serving the websocket,
    holding the session's lock; the handler walks the widget's traces. ``solara.FigurePlotly``
    swapped them without that lock, so the handler could catch a swap half-way and raise IndexError
    in the server (CI, Python 3.12). Here the swap takes the same lock: each sees the other whole.
    """
    widget = solara.use_memo(FigureWidget, [])

    def show() -> None:
        fig = go.Figure(_unpacked(json.loads(spec)))
        with _session_lock():
            widget.layout = fig.layout
            old = len(widget.data)
            widget.add_traces(fig.data)
            widget.data = widget.data[old:]

    solara.use_effect(show, [spec])
    solara.use_effect(lambda: widget.close, [])  # closed when the figure leaves the page
    return solara.Div(classes=[css], children=[widget])


def plot(fig: go.Figure, css: str):
    # through plotly's JSON encoder: the widget's own cannot send the calendar dates of the figures
    return Plot(fig.to_json(), css)


def _figure(model: DashboardModel, kind: str):
    update_counter.get()
    shown = model.shown  # read once: the model may step on while this draws
    if shown.day == 0:
        return solara.Text(f"{model.spec.title}, seed {model.seed_value}: press Step or ▶ to begin.")
    return plot(figure(model, shown, kind), "run-figure")


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


SIDEBAR: dict[str, solara.Reactive] = {
    "scenario_name": solara.reactive("baseline"),
    "seed": solara.reactive("42"),
    **{path: solara.reactive(DEFAULTS[path]) for path in SLIDERS},
}
"""The sidebar's inputs as they stand, one value per browser session (Solara keeps a module's
reactive variables per session). Bound to mesa's inputs as their values, so the live ensemble
follows a slider as it moves, while the single run takes the sliders on Reset, as mesa does."""


def ask() -> live.Ask:
    """What the sidebar asks for now (reading it makes the caller redraw when it changes)."""
    sliders = {p: SIDEBAR[p].value for p in SLIDERS}
    return live.Ask.of(SIDEBAR["scenario_name"].value, SIDEBAR["seed"].value, sliders)


DEBOUNCE = 0.1
"""Seconds an ensemble waits before it starts: a slider dragged through ten values runs once."""


@solara.component
def LiveEnsemble(model: DashboardModel):
    """200 runs of what the sidebar asks for, in a thread of their own, redone when it changes.

    Each change starts a new computation; one the sidebar has moved past stops at its next look
    (:func:`live.run`) and is never shown as current. While one runs, the last ensemble finished
    stays on the page under a line saying so; its caption always names the inputs it is for.
    """
    wanted = ask()

    def compute() -> live.Ensemble | str | None:
        def stale() -> bool:
            return not task.is_current()

        time.sleep(DEBOUNCE)
        try:
            return live.run(wanted, stale)
        except Exception as exc:  # the page says what failed, never a traceback
            return f"the live ensemble could not run ({exc})"

    task = solara.lab.use_task(compute, dependencies=[wanted], prefer_threaded=True)
    last = solara.use_ref(None)  # the last ensemble finished: it stays while the next one runs
    if task.finished and task.value is not None:
        last.current = task.value
    shown = last.current
    figures = solara.use_memo(
        lambda: live.figures(shown, FIGURE_WIDTH) if isinstance(shown, live.Ensemble) else [], [shown]
    )
    current = isinstance(shown, live.Ensemble) and shown.ask == wanted and not task.pending
    with solara.Column(classes=["live-ensemble"]):  # the same elements in the same order each time
        solara.Text("" if current else f"Running the live ensemble ({live.RUNS} runs) for the sidebar…")
        if isinstance(shown, live.Ensemble):
            solara.Text(" · ".join([shown.caption, *(f"Note: {note}" for note in shown.notes)]))
        elif isinstance(shown, str):
            solara.Text(f"Note: {shown}")
        for fig in figures:  # redrawn in place: the same two widgets for every ensemble
            plot(fig, "ensemble-figure")


model_params = {
    "scenario_name": {
        "type": "Select",
        "value": SIDEBAR["scenario_name"],
        "values": scenario_names(),
        "label": "scenario",
    },
    "seed": {"type": "InputText", "value": SIDEBAR["seed"], "label": "seed"},
    **{
        path: {
            "type": "SliderFloat",
            "value": SIDEBAR[path],
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
        components=[(Status, 0), (LiveEnsemble, 0), (Phases, 0), (War, 0), (Trust, 0), (Violations, 0)],
        model_params=model_params,
        name="Phased ceasefire: what if?",
    )
