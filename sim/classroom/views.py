"""What the class's pages show, as data: a seat's view, a table at a glance, the console, the
projector and the agents' ensemble. Frozen: a page draws from one view and never from the game."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.classroom.orders import Orders
from sim.classroom.seat import Asked
from sim.play.news import News


@dataclass(frozen=True)
class ScoredDeal:
    """An agreement reached at a table, in each role's points (the role cards' points sheets)."""

    day: int
    phase: str
    package: dict[str, float]
    points: dict[str, float]
    """Actor name -> points (empty when the points sheets are not available)."""


@dataclass(frozen=True)
class PhaseLine:
    title: str
    status: str


@dataclass(frozen=True)
class SeatView:
    """Everything one seat may see: its own actor's view, never another's."""

    table: int
    table_name: str
    actor: str
    name: str
    day: int
    date: str
    round: int
    horizon: int
    status: str
    observation: tuple[str, ...]
    pending: tuple[Asked, ...]
    orders: Orders
    domains: tuple[str, ...]
    levers: dict[str, str]
    """Lever id -> what it is (a mediator's seat)."""
    agent_played: bool
    news: tuple[News, ...]
    scored: tuple[ScoredDeal, ...]
    revealed: tuple[str, ...]
    """After the facilitator reveals: the agents' hidden strategies and the truth behind perceptions,
    then what actually happened in 2025 (the epilogue)."""
    tally: tuple[str, ...] = ()
    """The seat's points so far: its table's deals on its points sheet, less a mediator's levers."""


@dataclass(frozen=True)
class TableState:
    """A table at a glance: public state, and for the console who is seated and whom it waits for."""

    number: int
    name: str
    day: int
    date: str
    status: str
    phases: tuple[PhaseLine, ...]
    seats: tuple[tuple[str, str, bool, bool], ...]
    """(actor id, name, joined, played by its agent)."""
    waiting_for: str | None
    outcome: str
    """The outcome on the day reached (as runs.csv names it)."""
    front: str
    news: tuple[News, ...]


@dataclass(frozen=True)
class ConsoleView:
    class_code: str
    exercise: str
    round: int
    day: int
    horizon: int
    round_days: int
    paused: bool
    revealed: bool
    ended: bool
    tables: tuple[TableState, ...]
    injects: tuple[tuple[int, int, str, int | None], ...]
    """(index, the exercise's day, text, day fired or None)."""
    codes: tuple[tuple[int, str, str, str], ...]
    """(table, actor id, actor name, seat code): the slips to hand out."""
    epilogue: tuple[str, ...] = ()
    """What actually happened, beside the class's and the model's outcomes (once revealed)."""


@dataclass(frozen=True)
class Ensemble:
    """The agents' runs of the class code (the scenario's own strategies), for the projector."""

    runs: int
    occupancy: pd.DataFrame
    outcomes: pd.DataFrame
    """Outcome shares on the last day (95% intervals)."""
    last_day: int
    reached: dict[str, float]
    """Phase -> share of runs in which it was in force at some point by the record's last day
    (``patterns.HORIZON``), the window the epilogue compares."""
    by_day: pd.DataFrame
    """(run, day, outcome): each run's outcome on each day, to set a table mid-game against."""
    outcome_ids: tuple[str, ...]

    def outcomes_on(self, day: int) -> pd.DataFrame:
        """Outcome shares (95% intervals) on ``day``: where a table at that day stands among the runs."""
        from sim.plots import ensemble as ens

        rows = self.by_day[self.by_day["day"] == min(max(day, 0), self.last_day)]
        return ens.outcomes_frame(rows, list(self.outcome_ids))


@dataclass(frozen=True)
class ProjectorView:
    class_code: str
    round: int
    day: int
    tables: tuple[TableState, ...]
    timelines: dict[int, pd.DataFrame]
    """Table -> its phases' status per day (long form: day, phase, status)."""
    ensemble: Ensemble | None
    outcome_names: dict[str, str]
    phase_titles: dict[str, str]
    epilogue: tuple[str, ...] = ()
    """What actually happened, beside the class's and the model's outcomes (once revealed)."""


@dataclass(frozen=True)
class Login:
    kind: str
    """``seat``, ``facilitator`` or ``projector``."""
    table: int | None = None
    actor: str | None = None
