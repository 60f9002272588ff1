"""A table's game: its seats, the injects fired at it, and the model replayed from its answers.

A seat that must answer stops the model mid-day (:class:`~sim.classroom.seat.Wait`); once it has,
the table is rebuilt and replayed from day 0 with every answer so far. Replay is exact (the agents
draw their random numbers whoever answers) and cheap (a run is milliseconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sim.classroom.seat import Asked, Seat, Wait
from sim.classroom.views import PhaseLine, TableState
from sim.model.ceasefire import CeasefireModel
from sim.model.results import NO_TRUCE, RunResult, run_row
from sim.play.game import hidden_strategies
from sim.play.news import News, day_news, visible
from sim.scenario.schema import Incident, Scenario

if TYPE_CHECKING:
    from sim.classroom.session import ClassSession

RUN = 0
"""The run every table plays (the class code's run 0, as ``play`` and the exercises' class run)."""


class Table:
    """One table's game: its seats, the injects fired at it, and the model replayed from its answers."""

    def __init__(self, number: int, session: ClassSession, seats: dict[str, Seat]) -> None:
        self.number = number
        self.name = f"Table {number}"
        self.session = session
        self.seats = seats
        self.dropped: dict[str, Seat] = {}
        """Seats nobody had joined when the class started: their agents play them."""
        self.incidents: list[Incident] = []
        self.inject_news: list[News] = []
        self.scenario: Scenario | None = None
        """The scenario as played (hidden strategies drawn): fixed when the first round starts."""
        self.strategies: dict[str, str] = {}
        self.model: CeasefireModel | None = None
        self.waiting: Asked | None = None
        self.stale = False
        """An answer came in while the class was paused: the model must be replayed to go on."""
        self.deals: list[tuple[int, str, dict[str, float]]] = []
        """(day, phase, package) of every agreement the table signed."""
        self.in_force: dict[tuple[str, int, tuple[tuple[str, float], ...]], int] = {}
        """(phase, the day its term started, its terms) -> days in force so far: what a role's
        points are earned on."""
        self._news: tuple[int, int, list[News]] | None = None

    # -- the game ---------------------------------------------------------------------------------
    @property
    def played(self) -> list[str]:
        """Actors whose decisions go through a seat (joined when the game started)."""
        return list(self.seats)

    def start(self) -> None:
        """Fix who plays: seats nobody joined go to agents with hidden strategies, as in ``play``."""
        s = self.session
        self.dropped = {a: seat for a, seat in self.seats.items() if not seat.joined}
        self.seats = {a: seat for a, seat in self.seats.items() if seat.joined}
        self.scenario, self.strategies = hidden_strategies(s.scenario, s.seed, self.played)
        self._build()

    def _build(self) -> None:
        assert self.scenario is not None
        sc = self.scenario.model_copy(update={"incidents": [*self.scenario.incidents, *self.incidents]})
        self.model = CeasefireModel(sc, seed=self.session.seed, run=RUN, record=True, players=self.seats)
        self.deals = []
        self.in_force = {}
        self._news = None

    def run_to(self, target: int) -> None:
        """Play on to day ``target`` (or the horizon), stopping where a seat must answer."""
        if self.model is None or self.waiting is not None or self.stale:
            self.waiting = None
            self.stale = False
            self._build()  # replay: every answer so far is in the seats' moves
        m = self.model
        assert m is not None
        target = min(target, m.horizon)
        while m.day < target:
            try:
                m.step()
            except Wait as wait:
                self.waiting = wait.asked
                return
            for t in m.tracks:
                if t.agreed_day == m.day and t.package:
                    self.deals.append((m.day, t.id, dict(t.package)))
                if t.in_force and t.package:
                    terms = tuple(sorted((k, v) for k, v in t.package.items() if k in t.spec.terms))
                    key = (t.id, t.term_started, terms)
                    self.in_force[key] = self.in_force.get(key, 0) + 1

    @property
    def day(self) -> int:
        """Days fully played (a table waiting on an answer is partway through the next)."""
        if self.model is None:
            return 0
        return self.model.day - (1 if self.waiting is not None or self.stale else 0)

    def fire(self, incident: Incident | None, news: News) -> None:
        """An inject: news at the table and, with a strike, the strike on the next day."""
        self.inject_news.append(news)
        if incident is not None:
            self.incidents.append(incident)
            if self.model is not None and self.waiting is None and not self.stale:
                self.model.incidents.setdefault(incident.day, []).append(incident)

    def replayed_row(self, days: int) -> dict | None:
        """The table's runs.csv row as ``play --days DAYS --moves`` gives it: the game replayed from
        its answers on a model whose horizon is ``days`` (a table waiting mid-day is cut before it)."""
        if self.scenario is None:
            return None
        sc = self.scenario.model_copy(update={"incidents": [*self.scenario.incidents, *self.incidents]})
        m = CeasefireModel(sc, seed=self.session.seed, run=RUN, horizon=days, record=True, players=self.seats)
        while m.day < days:
            m.step()
        row = run_row(m.recorder.result())
        m.release()
        return row

    def result(self) -> RunResult | None:
        return None if self.model is None else self.model.recorder.result()

    # -- what it shows ----------------------------------------------------------------------------
    def news(self) -> list[News]:
        m = self.model
        if m is None:
            return list(self.inject_news)
        events = m.recorder.events
        if self._news is None or self._news[:2] != (id(m), len(events)):
            names = {a: x.name for a, x in m.actors.items()}
            titles = {t.id: t.spec.title for t in m.tracks}
            by_person = set().union(*(seat.by_person for seat in self.seats.values()))
            items = day_news(events, names, titles, by_person, self.session.round_days) + self.inject_news
            items.sort(key=lambda n: n.day)
            self._news = (id(m), len(events), items)
        return self._news[2]

    def state(self, audience: str | None) -> TableState:
        s, m = self.session, self.model
        day = self.day
        if m is None:
            phases = tuple(PhaseLine(p.title, "not started") for p in s.scenario.phases.values())
            outcome, front = NO_TRUCE, ""
        else:
            phases = tuple(PhaseLine(t.spec.title, t.status.value.replace("_", " ")) for t in m.tracks)
            outcome = str(run_row(m.recorder.result())["outcome"]) if m.day else NO_TRUCE
            front = "; ".join(
                f"{m.actors[x].name} holds {f.held_by(x):.0%} of the contested zone"
                for (x, _y), f in m.battlefield.fronts.items()
            )
        waiting = None if self.waiting is None else s.scenario.actors[self.waiting.actor].name
        return TableState(
            number=self.number,
            name=self.name,
            day=day,
            date=s.date(day),
            status=self.status(),
            phases=phases,
            seats=tuple((a, seat.name, seat.joined, seat.agent) for a, seat in self.seats.items()),
            waiting_for=waiting,
            outcome=outcome,
            front=front,
            news=tuple(visible(self.news(), audience, s.revealed)),
        )

    def status(self) -> str:
        s = self.session
        if self.model is None:
            return "not started"
        if self.waiting is not None:
            return f"waiting for {s.scenario.actors[self.waiting.actor].name}"
        if self.model.day >= self.model.horizon:
            return "ended"
        if s.ended:
            return "ended"
        if s.paused:
            return "paused"
        return "round over" if self.model.day >= s.target_day else "playing"

    def timeline(self) -> pd.DataFrame:
        """Each phase's status per day so far (long form), for the projector's timelines."""
        m = self.model
        rows: list[tuple[int, str, str]] = []
        if m is not None:
            days = m.recorder.days
            n = len(days.get("day", []))
            for t in m.tracks:
                col = days.get(f"{t.id}_status", [])
                rows += [(int(days["day"][i]), t.id, str(col[i])) for i in range(min(n, len(col)))]
        return pd.DataFrame(rows, columns=["day", "phase", "status"])
