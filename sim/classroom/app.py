"""The classroom's pages: join with a code, then a seat, the facilitator's console or the projector.

``ceasefire-sim classroom`` serves this module with Solara (:mod:`sim.classroom.serve` installs the
class session first). There is one page, which switches on the code a browser entered: a seat code
opens that seat's view, the facilitator's code the console (which can show the projector view too),
the projector's code the projector view. What a browser entered is kept per browser session; the
class session is one object in this process, shared by every browser, with its own lock.

A seat's page is drawn only from ``session.seat_view(table, actor)``: what its actor perceives, its
decisions, its orders, its news, its scored deals; nothing of another seat's or the facilitator's.
Pages follow the session by its ``version``: each page looks every ``POLL`` seconds and redraws when
it moved. Text from files and from the model is shown as text (Vue escapes it), never as markup.
No traceback reaches a page: a handler's error is one line on the page (a ``SessionError``'s own
message, or a plain "something went wrong" with the details logged in the server's terminal).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import solara

from sim.classroom.orders import COMPLIANCE, LABELS, LEVER, WITHDRAW
from sim.classroom.session import SessionError
from sim.dashboard.app import Plot
from sim.dashboard.clicks import drop_stale_clicks
from sim.plots import ensemble as ens
from sim.plots.style import STATUS_COLOURS, Labels, esc

log = logging.getLogger("sim.classroom")
drop_stale_clicks()  # a student's click on a button a round or an answer just removed is dropped

POLL = 1.0
"""Seconds between a page's looks at the session's version."""
REFUSED = "This code is not valid for this session."
FAILED = "Something went wrong here; the details are in the server's terminal."
FIGURE_WIDTH = 680
FIGURE_HEIGHT = 600
NEWS_SHOWN = 60
"""News items a page lists at most, the latest first."""

_SESSION = None
_OUT: Path | None = None


def install(session, out: Path | None) -> None:
    """The class session every page shows, and the folder Save writes to (None: the session's default)."""
    global _SESSION, _OUT
    _SESSION, _OUT = session, out


def session():
    if _SESSION is None:  # served without sim.classroom.serve: no session to show
        raise SessionError("no class session: start it with ceasefire-sim classroom")
    return _SESSION


# -- per browser session ---------------------------------------------------------------------------
login = solara.reactive(None)
"""What this browser entered (the session's ``Login``), or None: the join page."""
notice = solara.reactive("")
"""One line for this browser: a refused code, a refused answer."""
show_projector = solara.reactive(False)
"""The facilitator's console showing the projector view instead."""
saved = solara.reactive(None)
"""What Save wrote, for the console."""


def safely(action: Callable[[], object]) -> Callable[[], None]:
    """A click handler that never lets an exception reach the page: a SessionError's message is shown,
    anything else is logged here and a plain line shown."""

    def run() -> None:
        try:
            action()
            notice.set("")
        except SessionError as exc:
            notice.set(str(exc).splitlines()[0] if str(exc) else FAILED)
        except Exception:
            log.exception("classroom: a page's action failed")
            notice.set(FAILED)

    return run


def use_version() -> int:
    """The session's version, redrawn as it moves: a thread of this page looks every ``POLL`` s."""
    s = _SESSION
    version, set_version = solara.use_state(s.version if s is not None else 0)

    def start() -> Callable[[], None]:
        stop = threading.Event()

        def watch() -> None:
            seen = None
            while not stop.wait(POLL):
                now = s.version if s is not None else 0
                if now != seen:
                    try:
                        set_version(now)
                        seen = now
                    except Exception:  # a page closing under us: the next look tells
                        log.debug("classroom: a page could not redraw", exc_info=True)

        threading.Thread(target=watch, name="classroom-watch", daemon=True).start()
        return stop.set

    solara.use_effect(start, [])
    return version


CSS = """
.classroom { font-size: 16px; max-width: 1500px; margin: 0 auto; }
.classroom h2 { font-size: 24px; margin: 8px 0; }
.classroom h3 { font-size: 19px; margin: 6px 0; }
.classroom .line { white-space: pre-wrap; font-family: monospace; font-size: 14px; line-height: 1.35; }
.classroom .notice { color: #8a1c1c; font-weight: bold; font-size: 18px; }
.classroom .muted { color: #555; }
.classroom .card { border: 1px solid #bbb; border-radius: 6px; padding: 8px 12px; margin: 6px 0; }
.classroom .news { max-height: 420px; overflow-y: auto; }
.classroom .tables { display: flex; gap: 12px; flex-wrap: wrap; }
.classroom .tables > div { flex: 1 1 260px; }
.classroom .status { font-weight: bold; }
"""


def Lines(lines: list[str], css: str = "line") -> None:
    """Text lines as text (escaped by the front-end), one element each."""
    for text in lines:
        solara.Text(str(text), classes=[css])


# -- join ------------------------------------------------------------------------------------------
@solara.component
def Join():
    typed = solara.use_reactive("")

    def enter() -> None:
        try:
            login.set(session().login(typed.value))
            notice.set("")
        except SessionError:
            notice.set(REFUSED)
        except Exception:
            log.exception("classroom: login failed")
            notice.set(FAILED)

    with solara.Column(classes=["join"]):
        solara.HTML(tag="h2", unsafe_innerHTML="Join the class")
        solara.Text("Enter the code you were given: a seat's, the facilitator's or the projector's.")
        solara.InputText("code", value=typed, on_value=lambda _: enter(), continuous_update=False)
        solara.Button("Join", on_click=enter, color="primary", classes=["join-button"])
        if notice.value:
            solara.Text(notice.value, classes=["notice"])


# -- a seat ----------------------------------------------------------------------------------------
def _answer(table: int, actor: str, key: str, text: str) -> None:
    session().answer(table, actor, key, text)


@solara.component
def Decision(table: int, actor: str, asked):
    """One decision waiting for this seat: its lines, a button per option, inputs for a counter."""
    values = solara.use_reactive({})
    issues = list(asked.issues or ())

    def terms() -> str:
        given = {i: str(values.value.get(i, "")).strip() for i in issues}
        return " ".join(f"{i}={v}" for i, v in given.items() if v)

    with solara.Column(gap="4px", classes=["card", "decision"]):
        solara.Text(f"Day {asked.day}: {asked.subject}", classes=["status"])
        Lines(list(asked.lines))
        termed = [o for o in asked.options if o in ("counter", "table")]
        if termed and issues:
            solara.Text(f"For {' or '.join(termed)}: the terms you want, from 0 to 1 (blank: as proposed)")
            with solara.Row():
                for issue in issues:
                    solara.InputText(
                        issue,
                        value=str(values.value.get(issue, "")),
                        on_value=lambda v, i=issue: values.set({**values.value, i: v}),
                        continuous_update=True,
                    )
        with solara.Row():
            for option in asked.options:
                if option in termed:
                    click = safely(
                        lambda o=option: _answer(table, actor, asked.key, f"{o} {terms()}".strip())
                    )
                else:
                    click = safely(lambda o=option: _answer(table, actor, asked.key, o))
                solara.Button(option, on_click=click, color="primary" if option == "accept" else None)


def _order(table: int, actor: str, **change) -> Callable[[str], None]:
    def pick(value: str) -> None:
        safely(lambda: session().set_orders(table, actor, **{k: v(value) for k, v in change.items()}))()

    return pick


@solara.component
def Order(label: str, now: str, options: tuple[str, ...], pick: Callable[[str], None], css: str):
    """One standing order: what it is and what it says now, and a button per choice."""
    with solara.Column(gap="2px", classes=["order", css]):
        solara.Text(f"{label}: {LABELS.get(now, now)}", classes=["order-label"])
        solara.ToggleButtonsSingle(value=now, values=list(options), on_value=pick, dense=True)


@solara.component
def StandingOrders(table: int, actor: str, view):
    """The seat's standing orders, editable at any time: they hold until changed."""
    orders = view.orders
    with solara.Column(gap="10px", classes=["card", "orders"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Standing orders (they hold until you change them)")
        for domain in view.domains:
            Order(
                f"strikes in {domain}",
                orders.compliance.get(domain, "comply"),
                COMPLIANCE,
                _order(table, actor, compliance=lambda v, d=domain: {d: v}),
                f"order-{domain}",
            )
        for lever, what in view.levers.items():
            Order(
                f"lever {lever} ({what})",
                orders.levers.get(lever, "agent"),
                LEVER,
                _order(table, actor, levers=lambda v, lv=lever: {lv: v}),
                f"order-{lever}",
            )
        if view.domains:  # a party to a truce; a mediator has no grievances to act on
            Order(
                "if grievances pass your tolerance",
                orders.withdraw,
                WITHDRAW,
                _order(table, actor, withdraw=lambda v: v),
                "order-withdraw",
            )


@solara.component
def Seat(table: int, actor: str):
    use_version()
    try:
        view = session().seat_view(table, actor)
    except SessionError as exc:
        solara.Text(str(exc), classes=["notice"])
        return
    with solara.Column(classes=["seat-view"]):
        played = " · played by its agent" if view.agent_played else ""
        solara.Text(
            f"{view.table_name} · {view.name} · round {view.round} · day {view.day} of {view.horizon} "
            f"({view.date}) · {view.status}{played}",
            classes=["status", "seat-header"],
        )
        if notice.value:
            solara.Text(notice.value, classes=["notice"])
        with solara.Columns([3, 2]):
            with solara.Column():
                solara.HTML(tag="h3", unsafe_innerHTML="Decisions waiting for you")
                if not view.pending:
                    solara.Text("Nothing waits for you now.", classes=["muted", "no-pending"])
                for asked in view.pending:
                    Decision(table, actor, asked).key(asked.key)
                if view.observation:
                    solara.HTML(tag="h3", unsafe_innerHTML="What you perceive")
                    with solara.Column(gap="2px", classes=["card", "observation"]):
                        Lines(list(view.observation))
                if view.revealed:
                    solara.HTML(tag="h3", unsafe_innerHTML="Revealed")
                    with solara.Column(classes=["card", "revealed"]):
                        Lines(list(view.revealed), "revealed-line")
            with solara.Column():
                if view.agent_played:
                    solara.Text("Your seat is played by its agent.", classes=["muted"])
                else:
                    StandingOrders(table, actor, view)
                solara.HTML(tag="h3", unsafe_innerHTML="News")
                with solara.Column(gap="4px", classes=["card", "news"]):
                    if not view.news:
                        solara.Text("No news yet.", classes=["muted"])
                    for item in reversed(view.news[-NEWS_SHOWN:]):
                        solara.Text(f"day {item.day}: {item.text}", classes=["news-item"])
                solara.HTML(tag="h3", unsafe_innerHTML="Your points")
                with solara.Column(classes=["card", "tally"]):
                    Lines(list(view.tally), "tally-line")
                    for deal in view.scored:
                        Lines([_deal_line(deal)])


def _deal_line(deal) -> str:
    terms = ", ".join(f"{i}={v:.2f}" for i, v in deal.package.items())
    points = ", ".join(f"{who} {p:+.0f}" for who, p in deal.points.items())
    return f"signed day {deal.day}: {deal.phase} ({terms})" + (f": on the sheet {points}" if points else "")


# -- the facilitator's console ---------------------------------------------------------------------
def _seat_state(joined: bool, agent: bool, waiting: bool) -> str:
    if agent:
        return "agent"
    return ("joined" if joined else "not joined") + (" · waiting for its answer" if waiting else "")


@solara.component
def TableCard(t, console: bool):
    with solara.Column(gap="4px", classes=["card", "table-card"]):
        solara.Text(f"{t.name} · day {t.day} ({t.date}) · {t.status}", classes=["status"])
        Lines([f"{p.title}: {p.status}" for p in t.phases], "phase-line")
        if t.front:
            solara.Text(t.front, classes=["muted"])
        if console:
            s = session()
            if not t.seats:
                solara.Text("every seat played by its agent", classes=["muted"])
            for actor, name, joined, agent in t.seats:
                with solara.Row(classes=["seat-row"]):
                    solara.Text(f"{name}: {_seat_state(joined, agent, t.waiting_for == name)}")
                    if not agent:
                        solara.Button(
                            "hand to the agent",
                            small=True,
                            on_click=safely(lambda n=t.number, a=actor: s.hand_to_agent(n, a)),
                        )
        else:
            for item in t.news[-3:]:
                solara.Text(f"day {item.day}: {item.text}", classes=["news-item"])


def _save() -> None:
    out = _OUT or Path("results") / f"classroom-{dt.datetime.now():%Y%m%d-%H%M%S}"
    saved.set([(n, str(folder), command) for n, folder, command in session().save(out)])


@solara.component
def Console():
    use_version()
    s = session()
    view = s.console()
    if view.round > 0:
        start_ensemble()
    state = "ended" if view.ended else "paused" if view.paused else "running" if view.round else "not started"
    with solara.Column(classes=["console"]):
        solara.Text(
            f"Facilitator · {view.exercise} · class code {view.class_code} · round {view.round} "
            f"({view.round_days} days each) · day {view.day} of {view.horizon} · {state}"
            + (" · revealed" if view.revealed else ""),
            classes=["status", "console-header"],
        )
        if notice.value:
            solara.Text(notice.value, classes=["notice"])
        with solara.Row():
            solara.Button("Advance round", on_click=safely(s.advance_round), color="primary")
            if view.paused:
                solara.Button("Resume", on_click=safely(s.resume))
            else:
                solara.Button("Pause", on_click=safely(s.pause))
            solara.Button("Reveal", on_click=safely(s.reveal))
            solara.Button("End", on_click=safely(s.end))
            solara.Button("Save", on_click=safely(_save))
            solara.Button("Projector view", on_click=lambda: show_projector.set(True))
        if saved.value:
            with solara.Column(classes=["card", "saved"]):
                solara.Text("Saved. Each table replays from the command line with:")
                for number, _folder, command in saved.value:
                    solara.Text(f"table {number}: {command}", classes=["line", "replay"])
        with solara.Columns([3, 1]):
            with solara.Column(), solara.Div(classes=["tables"]):
                for t in view.tables:
                    TableCard(t, True)
            with solara.Column():
                solara.HTML(tag="h3", unsafe_innerHTML="Injects")
                for i, day, text, fired in view.injects:
                    with solara.Row(classes=["inject"]):
                        solara.Button(
                            "Fire" if fired is None else f"fired on day {fired}",
                            disabled=fired is not None,
                            on_click=safely(lambda i=i: s.fire_inject(i)),
                        )
                        solara.Text(f"(day {day} in the exercise) {text}")
        solara.HTML(tag="h3", unsafe_innerHTML="News, with reasons")
        items = sorted(((n.day, t.name, n.text) for t in view.tables for n in t.news), key=lambda x: -x[0])
        with solara.Column(gap="4px", classes=["card", "news"]):
            for day, name, text in items[:NEWS_SHOWN]:
                solara.Text(f"{name} · day {day}: {text}", classes=["news-item"])


# -- the projector ---------------------------------------------------------------------------------
_ensemble_started = threading.Event()


def start_ensemble() -> None:
    """Compute the class's ensemble once, in a thread (the first round fixes the hidden strategies)."""
    if _ensemble_started.is_set():
        return
    _ensemble_started.set()

    def work() -> None:
        try:
            session().ensemble()
        except Exception:
            log.exception("classroom: the ensemble could not run")

    threading.Thread(target=work, name="classroom-ensemble", daemon=True).start()


def _labels() -> Labels:
    return Labels.of(session().scenario)


def marked_outcomes(view, labels: Labels) -> go.Figure:
    """The ensemble's outcome bar with each table's outcome (on the day it reached) marked on its bar."""
    e = view.ensemble
    day = min(t.day for t in view.tables)  # the runs on the tables' day, not at the horizon
    when = f"{labels.date(min(day, e.last_day)):%d %B %Y}"
    fig = ens.outcomes_figure(e.outcomes_on(day), labels, when)
    fig.update_layout(title_text=f"Where the agents' runs stand on {when} (day {day}; 95% intervals)")
    stacked: dict[str, int] = {}
    for t in view.tables:
        n = stacked.get(t.outcome, 0)
        stacked[t.outcome] = n + 1
        fig.add_annotation(
            x=labels.outcome(t.outcome),
            y=0.06 + 0.1 * n,
            text=f"<b>{esc(t.name)}</b> (day {t.day})",
            showarrow=False,
            bgcolor="#ffffff",
            bordercolor="#000000",
            font={"size": 15},
        )
    marked = "; ".join(f"{t.name} day {t.day}: {t.outcome}" for t in view.tables)  # for tests
    fig.update_layout(width=FIGURE_WIDTH, height=FIGURE_HEIGHT, title_font_size=15, meta={"tables": marked})
    return fig


STRIPS = (0.88, 0.62, 0.36, 0.1)
"""Heights in a phase's panel of the tables' strips (the fifth table and on reuse them)."""


def marked_occupancy(view, labels: Labels) -> go.Figure:
    """The ensemble's phase occupancy, with each table's own course drawn over it: a strip of squares
    per table and phase, coloured by the phase's status at that table day by day."""
    e = view.ensemble
    fig = ens.occupancy_figure(e.occupancy, labels)
    phases = list(dict.fromkeys(e.occupancy["phase"]))
    for k, t in enumerate(view.tables):
        frame = view.timelines.get(t.number)
        if frame is None or frame.empty:
            continue
        y = STRIPS[k % len(STRIPS)]
        for row, phase in enumerate(phases, start=1):
            here = frame[frame["phase"] == phase]
            if here.empty:
                continue
            fig.add_scatter(
                x=[labels.date(d) for d in here["day"]],
                y=[y] * len(here),
                mode="markers",
                marker={
                    "symbol": "square",
                    "size": 8,
                    "color": [STATUS_COLOURS.get(s, "#000000") for s in here["status"]],
                    "line": {"width": 1, "color": "#000000"},
                },
                name=t.name,
                showlegend=False,
                meta=esc(t.name),
                hovertemplate="%{meta}<extra>%{x|%d %b %Y}</extra>",
                row=row,
                col=1,
            )
            fig.add_annotation(
                x=labels.date(int(here["day"].iloc[-1])),
                y=y,
                text=f"<b>{esc(t.name)}</b>",
                xanchor="left",
                xshift=8,
                showarrow=False,
                bgcolor="#ffffff",
                font={"size": 12},
                row=row,
                col=1,
            )
    fig.update_layout(
        width=FIGURE_WIDTH, height=max(FIGURE_HEIGHT, 130 * len(phases) + 140), title_font_size=15
    )
    return fig


def _figures(view, labels: Labels) -> tuple[str, str]:
    """The projector's two figures as plotly JSON (drawn again only when a table moves)."""
    return marked_outcomes(view, labels).to_json(), marked_occupancy(view, labels).to_json()


@solara.component
def Projector():
    use_version()
    view = session().projector()
    if view.round > 0:
        start_ensemble()
    labels = solara.use_memo(_labels, [])
    moved = (id(view.ensemble), tuple((t.number, t.day, t.outcome) for t in view.tables))
    figures = solara.use_memo(lambda: _figures(view, labels) if view.ensemble is not None else None, [moved])
    with solara.Column(classes=["projector"]):
        solara.Text(
            f"Class {view.class_code} · round {view.round} · day {view.day}",
            classes=["status", "projector-header"],
        )
        with solara.Div(classes=["tables"]):
            for t in view.tables:
                TableCard(t, False)
        if figures is None:
            solara.Text(
                "The ensemble the tables are placed in is computed once the first round starts.",
                classes=["muted"],
            )
        else:
            solara.Text(
                f"The tables in the agents' ensemble ({view.ensemble.runs} runs of {view.class_code}): "
                "each table is marked on the outcome it has reached so far, and its phases' course drawn "
                "as a strip of squares over the ensemble's.",
                classes=["status"],
            )
            with solara.Row():
                Plot(figures[0], "ensemble-figure")
                Plot(figures[1], "ensemble-figure")


# -- the page --------------------------------------------------------------------------------------
@solara.component
def Shown():
    who = login.value
    if who is None:
        return Join()
    if who.kind == "seat":
        return Seat(who.table, who.actor)
    if who.kind == "facilitator" and not show_projector.value:
        return Console()
    with solara.Column():
        if who.kind == "facilitator":
            solara.Button("Back to the console", on_click=lambda: show_projector.set(False))
        Projector()


@solara.component
def Guard(children: list | None = None):
    """The page's error boundary: an error while drawing is logged here and the page says so in one
    line, with a button to draw it again; never a traceback."""
    error, clear = solara.use_exception()
    if error is not None:
        log.error("classroom: a page failed to draw", exc_info=error)
        with solara.Column():
            solara.Text(FAILED, classes=["notice"])
            solara.Button("Try again", on_click=clear)
        return
    solara.Column(children=children or [])


@solara.component
def Page():
    solara.Title("Ceasefire class")
    solara.Style(CSS)
    with solara.Column(classes=["classroom"]), Guard():
        Shown()
