"""The observed record: what actually happened to the phased ceasefire after 18 March 2025.

A dated list of events built from public sources, each with its URL and a short quote, marked
``confirmed``, ``reported`` (one side's claim) or ``uncertain``, and naming the model quantity it
bears on. It is the ground that pattern-oriented validation (Grimm et al. 2005) stands on: the
patterns a credible baseline should reproduce are derived from it (docs/validation.md). Checked like
a scenario: every problem names the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from sim.data import RECORD
from sim.scenario.loader import ScenarioError, problems_from, read_yaml

CALL = dt.date(2025, 3, 18)
"""Day 0 of the baseline: the call."""

Kind = Literal[
    "truce_start",
    "violation_claim",
    "truce_expiry",
    "talks",
    "condition",
    "exchange",
    "aid",
    "ceasefire_proposal",
    "short_truce",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    url: HttpUrl
    title: str = Field(min_length=3)
    published: dt.date
    quote: Annotated[str, Field(min_length=5, max_length=400)]


class Event(_Frozen):
    date: dt.date
    event: str = Field(min_length=5)
    actors: list[Literal["us", "russia", "ukraine", "eu", "saudi_arabia", "turkey", "un"]] = Field(
        min_length=1
    )
    kind: Kind
    informs: str = Field(min_length=3, description="the model quantity the event bears on")
    source: Source
    certainty: Literal["confirmed", "reported", "uncertain"]

    @model_validator(mode="after")
    def _published_after(self) -> Event:
        if self.source.published < self.date - dt.timedelta(days=1):
            raise ValueError(f"source.published: {self.source.published} is before the event ({self.date})")
        return self

    @property
    def day(self) -> int:
        """The model's day of the event (day 0: 18 March 2025; negative: context before the call)."""
        return (self.date - CALL).days


class Record(_Frozen):
    title: str
    compiled: dt.date
    note: str = ""
    events: list[Event] = Field(min_length=1)

    @model_validator(mode="after")
    def _in_order(self) -> Record:
        dates = [e.date for e in self.events]
        if dates != sorted(dates):
            first = next(i for i in range(1, len(dates)) if dates[i] < dates[i - 1])
            raise ValueError(
                f"events.{first}.date: events are in date order ({dates[first]} after {dates[first - 1]})"
            )
        return self

    def of_kind(self, *kinds: str, certain: bool = False) -> list[Event]:
        """Events of these kinds (``certain``: only confirmed ones)."""
        return [e for e in self.events if e.kind in kinds and (not certain or e.certainty == "confirmed")]


def load_record(path: Path = RECORD) -> Record:
    """Read and check the record; a :class:`ScenarioError` names file, line and field per problem."""
    src = read_yaml(Path(path), what="an observed record")
    try:
        return Record.model_validate(src.data)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, src, str(path))) from None
