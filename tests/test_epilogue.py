"""The epilogue: its facts are the observed record's, and they agree with the validation patterns."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_points import _rendered_mm

from sim.teaching.epilogue import END_OF_RECORD, epilogue, epilogue_html, epilogue_lines
from sim.validation.observed import CALL, load_record
from sim.validation.patterns import PATTERNS, evaluate

PHASE_PATTERNS = [
    p.id for p in PATTERNS if p.id != "violations_claimed_within_a_week" and "exchange" not in p.id
]


@pytest.fixture(scope="module")
def ep():
    return epilogue()


def test_events_come_from_the_record(ep):
    record = load_record().events
    assert 6 <= len(ep.events) <= 10
    assert [e.date for e in ep.events] == sorted(e.date for e in ep.events)
    for e in ep.events:
        same = [r for r in record if r.date == e.date and str(r.source.url) == e.url and r.event == e.text]
        assert len(same) == 1, e  # the date, URL and text are the record's own
        assert e.certainty == same[0].certainty and e.source_title == same[0].source.title
        assert e.day == (e.date - CALL).days
    kinds = {e.kind for e in ep.events}
    assert {"truce_start", "truce_expiry", "exchange", "ceasefire_proposal", "condition"} <= kinds


def test_phases_reality_matches_the_validation_patterns(ep):
    """Reality as a run: each phase in force from its entry to its end; every pattern about the
    phases holds on it (they were derived from the same record)."""
    assert [p.phase for p in ep.phases] == [
        "energy_truce",
        "maritime_truce",
        "full_ceasefire",
        "peace_framework",
    ]
    horizon = (END_OF_RECORD - CALL).days + 1
    row = {f"{p.phase}_entered_day": p.entered_day for p in ep.phases}
    days: dict[str, list] = {"day": list(range(1, horizon + 1))}
    for p in ep.phases:
        end = p.ended_day if p.ended_day is not None else horizon + 1
        days[f"{p.phase}_status"] = [
            "in_force" if p.entered_day is not None and p.entered_day <= d < end else "expired"
            for d in days["day"]
        ]
    days["violations_perceived_energy"] = [0] * horizon
    days["exchanges"] = [0] * horizon
    verdicts = evaluate(row, days)
    for pattern in PHASE_PATTERNS:
        assert verdicts[pattern], pattern
    energy = ep.phases[0]
    assert energy.entered and energy.entered_day == 1 and energy.ended_day == 31
    assert all(p.entered is False for p in ep.phases[1:])


def test_unknown_phases_are_unknown_not_invented():
    ep = epilogue({"energy_truce": "Energy", "grain_deal": "A grain deal"})
    grain = ep.phases[1]
    assert grain.entered is None and "says nothing" in grain.summary
    assert [p.title for p in ep.phases] == ["Energy", "A grain deal"]


def test_columns_appear_only_when_given(ep):
    plain = epilogue_html(ep)
    assert "What actually happened" in plain and "In reality" in plain
    assert "In your class" not in plain and "In the model" not in plain
    both = epilogue_html(
        ep,
        class_outcomes={"energy_truce": "entered in 3 of 4 tables"},
        model_outcomes={"energy_truce": "in force in 41% of runs (95% CI 34-48%)"},
    )
    assert "In your class" in both and "In the model&#x27;s runs" in both
    assert "entered in 3 of 4 tables" in both and "41% of runs" in both
    only_model = epilogue_html(ep, model_outcomes={"full_ceasefire": "never"})
    assert "In your class" not in only_model and "In the model" in only_model


def test_sources_are_linked_with_noopener(ep):
    page = epilogue_html(ep)
    links = re.findall(r'<a href="([^"]+)" rel="noopener">', page)
    assert len(links) == len(ep.events)
    assert "reported: one side" in page  # certainty is marked


def test_html_escapes_everything(ep):
    bad = "<script>alert(1)</script>"
    hostile = dataclasses.replace(
        ep,
        events=(dataclasses.replace(ep.events[0], text=bad, url='https://x.example/"><script>'),),
        phases=(dataclasses.replace(ep.phases[0], title=bad),),
        gaps=bad,
    )
    page = epilogue_html(hostile, {"energy_truce": bad}, {"energy_truce": bad})
    assert "<script>" not in page and page.count("&lt;script&gt;") >= 5


def test_lines(ep):
    lines = epilogue_lines(ep)
    assert lines[0] == "What actually happened"
    assert any(
        line.startswith("Energy and infrastructure truce: in force from 19 March 2025 (day 1)")
        for line in lines
    )
    assert sum("Source: https://" in line for line in lines) == len(ep.events)


def test_fits_in_half_an_a4_page(ep):
    long = "entered in 3 of 4 tables, median day 12; collapsed in 2"
    page = epilogue_html(
        ep,
        {p.phase: long for p in ep.phases},
        {p.phase: "in force in 41% of runs (95% CI 34-48%)" for p in ep.phases},
    )
    assert _rendered_mm(page) < 148.5
