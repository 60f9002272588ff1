"""The comparative-statics library (sim.experiments.statics) and its script: small and fast.

The full table is the script's job (scripts/comparative_statics.py, minutes); here: the section
writer touches only the marked section, paired differences pair the same runs, verdicts read
synthetic responses right, every lever's paths exist, and a tiny run of one lever end to end.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sim.experiments import statics
from sim.model.ceasefire import CeasefireModel
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


# -- the section writer ---------------------------------------------------------------------------


def test_replace_section_rewrites_only_between_the_markers():
    before = "# Title\n\nprose with <!-- not a marker -->\n\n"
    after = "\n\n## Next\n\ntrailing text, no newline at the end"
    text = before + statics.BEGIN + "\nold table\n| a | b |\n" + statics.END + after
    new = statics.replace_section(text, "| new | table |\n")
    assert new.startswith(before + statics.BEGIN)
    assert new.endswith(statics.END + after)
    assert "old table" not in new and "| new | table |" in new
    assert statics.replace_section(new, "| new | table |\n") == new  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "no markers at all",
        f"{statics.BEGIN} only the start",
        f"{statics.END} before {statics.BEGIN}",
        f"{statics.BEGIN}{statics.END}{statics.BEGIN}{statics.END}",
    ],
)
def test_replace_section_refuses_missing_or_misplaced_markers(text):
    with pytest.raises(ValueError):
        statics.replace_section(text, "x")


def test_the_odd_has_exactly_one_statics_section():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert text.count(statics.BEGIN) == 1 and text.count(statics.END) == 1
    assert text.index(statics.BEGIN) < text.index(statics.END)


# -- paired differences ---------------------------------------------------------------------------


def test_paired_difference_pairs_run_by_run():
    rng = np.random.default_rng(1)
    base = rng.normal(size=400) * 10.0  # large run-to-run spread, common to both levels
    shifted = base + 0.1
    c = statics.paired_difference(shifted, base)
    assert c.mean == pytest.approx(0.1) and c.low == pytest.approx(0.1) and c.high == pytest.approx(0.1)
    # the same shift against an independent sample of the same spread is lost in the noise
    unpaired = statics.paired_difference(shifted, rng.permutation(base))
    assert unpaired.sign == 0
    with pytest.raises(ValueError):
        statics.paired_difference(np.zeros(3), np.zeros(4))


def test_identical_levels_give_exactly_zero_contrasts():
    """Common random numbers: a level that sets a value to what it already is reproduces every run."""
    scenario = load_scenario(BASELINE)
    cost = scenario.dynamics.cost_of_war.value
    lever = statics.Lever(
        "same",
        ("dynamics.cost_of_war",),
        "no change",
        (
            statics.Level("base", cost),
            statics.Level("again", cost + 1e-12, (("dynamics.cost_of_war", cost),)),
        ),
        (statics.Expectation("no_truce", 0, "nothing changes"),),
    )
    res = statics.measure(lever, BASELINE, runs=4, horizon=40)
    for key in statics.OUTCOMES:
        a, b = (lv.values[key] for lv in res.levels)
        np.testing.assert_array_equal(a, b)
    (reading,) = res.readings
    contrast = reading.vs_base[1]
    assert contrast is not None and (contrast.mean, contrast.low, contrast.high) == (0.0, 0.0, 0.0)
    assert reading.verdict == "matches (no effect)"


# -- verdicts -------------------------------------------------------------------------------------


def _levels(means, n=300, seed=3):
    noise = np.random.default_rng(seed).normal(size=n)  # the same runs at every level
    return [m + 0.1 * noise for m in means]


@pytest.mark.parametrize(
    ("means", "baseline", "direction", "verdict"),
    [
        ([0.0, 1.0, 2.0], 1, +1, "matches"),
        ([0.0, 1.0, 2.0], 1, -1, "opposite"),
        ([2.0, 1.0, 0.0], 0, -1, "matches"),
        ([0.0, 2.0, 0.0], 1, +1, "non-monotone"),
        ([1.0, 0.0, 1.0], 0, -1, "non-monotone"),
        ([1.0, 1.0, 1.0], 1, +1, "no significant effect"),
        ([1.0, 1.0, 1.0], 1, 0, "matches (no effect)"),
        ([0.0, 1.0], 1, 0, "effect where none expected"),
    ],
)
def test_classify(means, baseline, direction, verdict):
    assert statics.classify(_levels(means), baseline, direction)[0] == verdict


def test_classify_names_the_turning_level():
    verdict, detail = statics.classify(_levels([0.0, 2.0, 0.0]), 0, 1, ["low", "mid", "high"])
    assert verdict == "non-monotone" and detail == "peak at mid"


# -- outcomes -------------------------------------------------------------------------------------


def test_truce_days_is_the_union_of_the_phases_days_in_force(baseline):
    for run in range(3):
        result = CeasefireModel(baseline, run=run, horizon=90, record=True).run()
        union = statics.truce_days(result)
        per_phase = [info["days_in_force"] for info in result.phases.values()]
        assert max(per_phase) <= union <= min(sum(per_phase), 90)
        # against the day columns: a day with any phase in force
        statuses = [result.days[f"{p}_status"] for p in result.phases]
        any_in_force = sum(any(s[d] in statics.IN_FORCE for s in statuses) for d in range(90))
        assert union == any_in_force


# -- the levers -----------------------------------------------------------------------------------


def test_every_lever_names_real_paths_and_valid_levels():
    levers = statics.default_levers(BASELINE)
    names = [lv.name for lv in levers]
    assert len(set(names)) == len(names)
    for lever in levers:
        assert [lv.x for lv in lever.levels] == sorted(lv.x for lv in lever.levels), lever.name
        assert sum(lv.is_baseline for lv in lever.levels) == 1, lever.name
        assert len(lever.levels) >= 2 and lever.expectations and lever.channel
        for exp in lever.expectations:
            assert exp.outcome in statics.OUTCOMES and exp.direction in (-1, 0, 1) and exp.why
        for level in lever.levels:
            assert {p for p, _ in level.overrides} <= set(lever.paths)
            load_scenario(BASELINE, [f"{p}={v!r}" for p, v in level.overrides])  # validates


def test_the_issue_levers_are_all_there():
    text = " ".join(lv.name.lower() for lv in statics.default_levers(BASELINE))
    for word in (
        "costs of war",
        "aid flow",
        "aid continues",
        "ukraine's strength",
        "russia's strength",
        "guarantee",
        "monitoring",
        "leverage",
        "territorial",
        "duration",
        "sanctions",
    ):
        assert word in text, word


def test_a_tiny_run_of_one_lever_and_its_table():
    (lever,) = [lv for lv in statics.default_levers(BASELINE) if lv.name == "costs of war"]
    cache: dict = {}
    res = statics.measure(lever, BASELINE, runs=3, horizon=30, cache=cache)
    assert len(cache) == len(lever.levels)
    assert [r.expectation for r in res.readings] == list(lever.expectations)
    for reading in res.readings:
        assert len(reading.means) == len(lever.levels)
        assert reading.vs_base[lever.baseline] is None
        assert reading.verdict in (
            "matches",
            "opposite",
            "no significant effect",
            "non-monotone",
            "effect where none expected",
            "matches (no effect)",
        )
    statics.measure(lever, BASELINE, runs=3, horizon=30, cache=cache)
    assert len(cache) == len(lever.levels)  # nothing run twice
    table = statics.markdown_table([res])
    assert table.count("\n") == 2 + len(lever.expectations)
    assert "costs of war" in table and "dynamics.cost_of_war" in table
    assert statics.section([res]).count(table) == 1


def test_the_script_rewrites_the_section_of_a_document(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "comparative_statics", ROOT / "scripts" / "comparative_statics.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    doc = tmp_path / "doc.md"
    doc.write_text(f"head\n{statics.BEGIN}\nold\n{statics.END}\ntail\n", encoding="utf-8")
    assert script.main(["--runs", "2", "--only", "aid continues", "--doc", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(f"head\n{statics.BEGIN}\n") and text.endswith(f"{statics.END}\ntail\n")
    assert "old" not in text and "US aid continues" in text
    out = capsys.readouterr()
    assert "US aid continues" in out.out and "[1/1]" in out.err


def test_round_answers_read_who_refused():
    answers = statics.round_answers(BASELINE, (), "full_ceasefire", runs=2, horizon=40)
    assert {"russia", "ukraine"} <= set(answers)
    for party in answers.values():
        assert party.rounds > 0 and 0.0 <= party.accepted <= 1.0 and 0.0 <= party.unmet <= 1.0
    (lever,) = [lv for lv in statics.default_levers(BASELINE) if lv.name.startswith("US aid continues")]
    res = statics.measure(lever, BASELINE, runs=2, horizon=40)
    reading = next(r for r in res.readings if r.expectation.outcome == "full_ceasefire")
    statics.diagnose(res, reading, BASELINE, runs=2, horizon=40)
    assert reading.diagnosis is not None and len(reading.diagnosis) == len(lever.levels)
    table = statics.diagnosis_table(reading)
    assert table.count("\n") == 2 + len(lever.levels) and "russia" in table
