"""The epilogue "What actually happened": the observed record beside a class's and the model's outcomes.

Read from the observed record (``sim.validation.observed``), never from the YAML by hand: per phase
whether it entered into force in reality, when, and when it ended (or that the record does not say),
with the validation pattern that states the same fact (``sim.validation.patterns``); then the few
dated events a debrief needs (truce starts, lapses, rejections, conditions, exchanges), each with its
source. Events tie to a phase by the phase id the record's ``informs`` field names.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sim.validation.observed import CALL, Event, Record, load_record
from sim.validation.patterns import HORIZON, PATTERNS

MAX_EVENTS = 10
WARRING = ("russia", "ukraine")
"""The record's parties to the war: a truce is in force in reality once both have a start on record."""
END_OF_RECORD = CALL + dt.timedelta(days=HORIZON)
"""30 June 2025: the last day several sources cover (``patterns.HORIZON``)."""
CERTAINTY = {
    "confirmed": "confirmed",
    "reported": "reported: one side's claim or an inferred date",
    "uncertain": "uncertain",
}


@dataclass(frozen=True)
class KeyEvent:
    """A dated event of the record, with its source."""

    date: dt.date
    day: int
    """Days after the call (day 0: 18 March 2025)."""
    text: str
    url: str
    source_title: str
    certainty: str
    kind: str


@dataclass(frozen=True)
class PhaseReality:
    """What became of one phase in reality."""

    phase: str
    title: str
    entered: bool | None
    """True: in force at some point; False: not by the end of the record; None: the record is silent."""
    entered_date: dt.date | None
    ended_date: dt.date | None
    """When it was last reported ending (None: in force at the end, never entered, or unknown)."""
    summary: str
    observed: tuple[str, ...]
    """What the validation patterns say of it (their ``observed`` text)."""
    gaps: tuple[str, ...]

    @property
    def entered_day(self) -> int | None:
        return None if self.entered_date is None else (self.entered_date - CALL).days

    @property
    def ended_day(self) -> int | None:
        return None if self.ended_date is None else (self.ended_date - CALL).days


@dataclass(frozen=True)
class Epilogue:
    title: str
    compiled: dt.date
    phases: tuple[PhaseReality, ...]
    events: tuple[KeyEvent, ...]
    gaps: str
    """The record's own statement of what it does not know."""


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _mentions(e: Event, phase: str) -> bool:
    return phase in e.informs


def _parenthetical(e: Event) -> str | None:
    text = e.informs
    return text[text.index("(") + 1 : text.rindex(")")] if "(" in text and ")" in text else None


def phase_reality(record: Record, phase: str, title: str) -> PhaseReality:
    """One phase in reality: in force from the day both warring sides' truce starts are on record
    (the first start if they never both are), ended on its last expiry on record; else not in force
    by the record's end (30 June 2025), or unknown when the record never names it."""
    starts = [e for e in record.of_kind("truce_start") if _mentions(e, f"{phase} entered")]
    expiries = [e for e in record.of_kind("truce_expiry") if _mentions(e, phase)]
    observed = tuple(p.observed for p in PATTERNS if phase in p.id)
    mentioned = [e for e in record.events if _mentions(e, phase)]
    if starts:
        joined: set[str] = set()
        entered = starts[0]
        for e in starts:
            joined |= set(e.actors)
            entered = e
            if set(WARRING) <= joined:
                break
        later = [p for e in starts if e.date > entered.date and (p := _parenthetical(e))]
        ended = expiries[-1] if expiries else None
        since = f"in force from {_date(entered.date)} (day {(entered.date - CALL).days})"
        summary = (
            f"{since}; ended by {_date(ended.date)} (day {(ended.date - CALL).days}), not renewed"
            if ended
            else f"{since}; the record does not say when it ended"
        )
        gaps = tuple(later) if ended else (*later, "no end on record")
        return PhaseReality(
            phase, title, True, entered.date, ended.date if ended else None, summary, observed, gaps
        )
    if not mentioned and not observed:
        return PhaseReality(
            phase, title, None, None, None, "the record says nothing of it", (), ("not in the record",)
        )
    last = mentioned[-1].date if mentioned else None
    summary = f"never in force by {_date(END_OF_RECORD)} (day {HORIZON})"
    gaps = () if last is None else (f"last on record {_date(last)} (day {(last - CALL).days})",)
    return PhaseReality(phase, title, False, None, None, summary, observed, gaps)


def _key(e: Event) -> KeyEvent:
    return KeyEvent(e.date, e.day, e.event, str(e.source.url), e.source.title, e.certainty, e.kind)


def key_events(record: Record, phases: Mapping[str, str]) -> list[Event]:
    """The events a debrief needs, in date order (at most :data:`MAX_EVENTS`), by priority: per phase
    its first truce start and its last expiry, its first condition, its first and last rejection on
    record; then the first prisoner exchange and the first short unilateral truce."""
    picked: list[Event] = []

    def add(e: Event | None) -> None:
        if e is not None and e not in picked and e.day >= 0:
            picked.append(e)

    def first(events: list[Event]) -> Event | None:
        return events[0] if events else None

    def last(events: list[Event]) -> Event | None:
        return events[-1] if events else None

    for phase in phases:
        add(first([e for e in record.of_kind("truce_start") if _mentions(e, f"{phase} entered")]))
        add(last([e for e in record.of_kind("truce_expiry") if _mentions(e, phase)]))
    for phase in phases:
        add(first([e for e in record.of_kind("condition") if _mentions(e, phase)]))
        refused = [e for e in record.events if _mentions(e, f"{phase} reached (no)")]
        add(first(refused))
        add(last(refused))
    add(first(record.of_kind("exchange")))
    add(first(record.of_kind("short_truce")))
    return sorted(picked[:MAX_EVENTS], key=lambda e: e.date)


def epilogue(phases: Mapping[str, str] | None = None, record: Record | None = None) -> Epilogue:
    """The epilogue for these phases (id -> title; default: the baseline scenario's)."""
    if phases is None:
        from sim.data import BASELINE
        from sim.scenario.loader import load_scenario

        phases = {p: ph.title for p, ph in load_scenario(BASELINE, []).phases.items()}
    record = load_record() if record is None else record
    return Epilogue(
        title="What actually happened",
        compiled=record.compiled,
        phases=tuple(phase_reality(record, p, t) for p, t in phases.items()),
        events=tuple(_key(e) for e in key_events(record, phases)),
        gaps=record.note,
    )


def _brief(text: str, limit: int = 150) -> str:
    """An event's text for a handout: whole when short, else cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def _site(url: str, title: str) -> str:
    """A source's link text: its title, or its site when the record has no headline for it."""
    return urlsplit(url).netloc.removeprefix("www.") if title.startswith("(") else title


def _reality(p: PhaseReality) -> str:
    return p.summary[0].upper() + p.summary[1:]


def epilogue_lines(ep: Epilogue) -> list[str]:
    """The epilogue as plain text (the terminal, the classroom page)."""
    lines = [ep.title]
    for p in ep.phases:
        extra = f" [{'; '.join(p.gaps)}]" if p.gaps else ""
        why = f" Record: {'; '.join(p.observed)}." if p.entered is False and p.observed else ""
        lines.append(f"{p.title}: {p.summary}.{why}{extra}")
    for e in ep.events:
        mark = "" if e.certainty == "confirmed" else f" ({CERTAINTY[e.certainty]})"
        lines.append(f"{_date(e.date)} (day {e.day}): {_brief(e.text)}{mark} Source: {e.url}")
    lines.append(f"The record (compiled {_date(ep.compiled)}): {ep.gaps}")
    return lines


def epilogue_html(
    ep: Epilogue,
    class_outcomes: Mapping[str, str] | None = None,
    model_outcomes: Mapping[str, str] | None = None,
) -> str:
    """A compact section (under half an A4 page): per phase reality, and the class's and the model's
    outcomes when given (short strings by phase id), then the dated events with their sources."""
    e = html.escape
    cols = [("In reality", None)]
    if class_outcomes is not None:
        cols.append(("In your class", class_outcomes))
    if model_outcomes is not None:
        cols.append(("In the model's runs", model_outcomes))
    head = "".join(f'<th style="text-align:left">{e(c)}</th>' for c, _ in cols)
    rows = []
    for p in ep.phases:
        reality = e(_reality(p))
        if p.entered is False and p.observed:
            reality += f": {e('; '.join(p.observed))}"
        if p.gaps:
            reality += f" <small>({e('; '.join(p.gaps))})</small>"
        cells = [reality] + [e(given.get(p.phase, "–")) for _, given in cols[1:] if given is not None]
        rows.append(
            f'<tr><th style="text-align:left">{e(p.title)}</th>{"".join(f"<td>{c}</td>" for c in cells)}</tr>'
        )
    items = []
    for ev in ep.events:
        mark = (
            ""
            if ev.certainty == "confirmed"
            else f' <small class="certainty">({e(CERTAINTY[ev.certainty])})</small>'
        )
        items.append(
            f"<li><b>{e(_date(ev.date))}</b> (day {ev.day}): {e(_brief(ev.text))}{mark} "
            f'<a href="{e(ev.url, quote=True)}" rel="noopener">{e(_site(ev.url, ev.source_title))}</a></li>'
        )
    return (
        '<section class="epilogue" style="font-size:9pt;line-height:1.25;page-break-inside:avoid">'
        f'<h2 style="margin:0 0 3pt">{e(ep.title)}</h2>'
        '<table style="border-collapse:collapse;width:100%;font-size:8.5pt">'
        f'<thead><tr><th style="text-align:left">Phase</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<ol style="margin:3pt 0 0;padding-left:14pt">{"".join(items)}</ol>'
        f'<p style="margin:2pt 0 0"><small>From the observed record (compiled {e(_date(ep.compiled))}): '
        f"{e(ep.gaps)}</small></p>"
        "</section>"
    )
