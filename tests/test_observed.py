"""The observed record: it loads, every event cites a source with a quote, and errors name lines."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.scenario.loader import ScenarioError
from sim.validation.observed import CALL, RECORD, load_record


def test_the_record_loads_and_cites_every_event():
    record = load_record()
    assert len(record.events) >= 12
    for e in record.events:
        assert e.source.url.scheme == "https" and e.source.quote.strip()
        assert dt.date(2025, 3, 1) <= e.date <= dt.date(2025, 12, 31)
        assert e.day == (e.date - CALL).days
    kinds = {e.kind for e in record.events}
    assert {"truce_start", "violation_claim", "talks", "condition", "exchange"} <= kinds


def test_a_broken_record_names_the_line(tmp_path):
    lines = RECORD.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if 'url: "https://' in line)
    lines[first] = lines[first].replace('url: "https://', 'url: "nowhere://', 1)
    broken = tmp_path / "broken.yaml"
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as err:
        load_record(broken)
    (problem,) = err.value.problems
    assert problem.line == first + 1 and "url" in problem.path
