"""Scenario files: every shipped file loads and runs; bad ones give one clear line per problem."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASELINE, ROOT, run_cli

from sim.model.ceasefire import CeasefireModel
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.schema import seeded_values

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))
SCENARIOS = [p for p in SCENARIOS if "sweeps" not in p.parts and "observed" not in p.parts]
LINE = re.compile(r"^(?P<file>\S+?):(?P<line>\d+)  (?P<path>\S+)  (?P<msg>.+)$")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_scenario_loads_and_runs(path):
    scenario = load_scenario(path)
    result = CeasefireModel(scenario, run=0, horizon=10).run()
    assert len(result.days["day"]) == 10


def test_at_least_three_variants():
    assert len(list((ROOT / "scenarios" / "variants").glob("*.yaml"))) >= 3


def test_every_seeded_value_has_provenance(baseline):
    values = seeded_values(baseline)
    assert len(values) > 100
    for path, v in values:
        assert (v.evidence is None) != (v.assumption is None), path


def test_baseline_seeds_the_article(baseline):
    assert {"us", "russia", "ukraine"} <= set(baseline.actors)
    assert list(baseline.phases) == ["energy_truce", "maritime_truce", "full_ceasefire", "peace_framework"]
    assert baseline.phases["full_ceasefire"].duration_days.value == 30
    first = baseline.humanitarian.scheduled[0]
    assert first.prisoners_each.value == 175 and first.wounded.value == 23
    assert str(baseline.start_date) == "2025-03-18"
    cited = {v.evidence.source for _, v in seeded_values(baseline) if v.evidence}
    for paragraph in ("P5", "P9", "P10", "P11", "P12", "P13"):
        assert f"seed-article#{paragraph}" in cited


def test_variant_adds_an_actor_by_yaml_alone():
    eu = load_scenario(ROOT / "scenarios" / "variants" / "eu_actor.yaml")
    assert "eu" in eu.actors and eu.actors["eu"].role == "mediator"


def test_override_is_validated_and_recorded(baseline):
    s = load_scenario(BASELINE, ["phases.full_ceasefire.duration_days=60"])
    assert s.phases["full_ceasefire"].duration_days.value == 60
    assert "--set" in s.phases["full_ceasefire"].duration_days.assumption
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, ["actors.russia.positions.military_aid=1.5"])
    assert "actors.russia.positions.military_aid.value" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, ["actors.russia.positions.nonsense=0.1"])
    assert "unknown parameter path" in str(info.value)


def _variant(tmp_path: Path, edit) -> Path:
    text = BASELINE.read_text()
    new = edit(text)
    assert new != text or not text, "the edit changed nothing"
    path = tmp_path / "bad.yaml"
    path.write_text(new)
    return path


def _line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[: text.index(needle, start)].count("\n") + 1


BAD = {
    "bad_yaml": (lambda t: t.replace("seed: 20250318", "seed: [20250318"), "", "not valid YAML"),
    "unknown_field": (
        lambda t: t.replace("horizon_days: 180", "horizon_days: 180\ncolour: red"),
        "colour",
        "unknown field",
    ),
    "out_of_range": (
        lambda t: t.replace("capability: {value: 0.6,", "capability: {value: 1.7,"),
        "actors.russia.capability.value",
        "less than or equal to 1",
    ),
    "saliences_not_one": (
        lambda t: t.replace(
            "energy_truce: {value: 0.05, assumption", "energy_truce: {value: 0.25, assumption"
        ),
        "actors.russia",
        "saliences must sum to 1",
    ),
    "unknown_actor_in_trust": (
        lambda t: t.replace(
            '      ukraine: {value: 0.15, assumption: "deep mistrust',
            '      belarus: {value: 0.15, assumption: "deep mistrust',
        ),
        "actors.russia.trust",
        "unknown actor 'belarus'",
    ),
    "missing_prerequisite": (
        lambda t: t.replace("prerequisites: [full_ceasefire]", "prerequisites: [armistice]"),
        "phases.peace_framework.prerequisites",
        "unknown phase 'armistice'",
    ),
    "wrong_type": (
        lambda t: t.replace("horizon_days: 180", "horizon_days: half a year"),
        "horizon_days",
        "valid integer",
    ),
    "empty_file": (lambda t: "", "", "empty"),
    "duplicate_key": (
        lambda t: t.replace("horizon_days: 180", "horizon_days: 180\nseed: 1"),
        "seed",
        "duplicate key",
    ),
    "missing_provenance": (
        lambda t: t.replace(
            "prisoners_each: {value: 175, evidence: {source: seed-article#P11, "
            'quote: "agreed to exchange 175 prisoners"}}',
            "prisoners_each: {value: 175}",
        ),
        "humanitarian.scheduled.0.prisoners_each",
        "exactly one of 'evidence'",
    ),
    "unknown_paragraph": (
        lambda t: t.replace("source: seed-article#P13", "source: seed-article#P99", 1),
        "",
        "paragraphs P0 to P13",
    ),
    "unknown_strategy": (
        lambda t: t.replace("strategy: boulware", "strategy: stubborn"),
        "actors.russia.concession",
        "unknown strategy 'stubborn'",
    ),
    "prerequisite_cycle": (
        lambda t: t.replace(
            "    prerequisites: [energy_truce]\n    opens_day: {value: 5",
            "    prerequisites: [full_ceasefire]\n    opens_day: {value: 5",
        ).replace(
            "    prerequisites: [energy_truce]\n    opens_day: {value: 0",
            "    prerequisites: [maritime_truce]\n    opens_day: {value: 0",
        ),
        "phases",
        "cycle",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_scenario_gives_exit_2_and_one_line_per_problem(tmp_path, kind):
    edit, path_part, message = BAD[kind]
    bad = _variant(tmp_path, edit) if kind != "empty_file" else tmp_path / "empty.yaml"
    if kind == "empty_file":
        bad.write_text("")
    result = run_cli("scenario", "validate", str(bad))
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines, "no problem reported"
    assert "Traceback" not in result.output
    hits = [ln for ln in lines if message in ln and path_part in ln]
    assert hits, f"expected {path_part!r} and {message!r} in:\n{result.stderr}"
    m = LINE.match(hits[0])
    assert m, f"not of the form file:line  path  message: {hits[0]!r}"
    assert m["file"] == str(bad)
    assert 1 <= int(m["line"]) <= max(1, bad.read_text().count("\n") + 1)


def test_error_line_points_at_the_bad_value(tmp_path):
    bad = _variant(tmp_path, BAD["out_of_range"][0])
    text = bad.read_text()
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    (problem,) = info.value.problems
    assert problem.line == _line_of(text, "capability: {value: 1.7")


def test_validate_passes_all_shipped_scenarios():
    result = run_cli("scenario", "validate", *map(str, SCENARIOS))
    assert result.exit_code == 0, result.output


def test_bad_input_in_a_subprocess_has_no_traceback(tmp_path):
    # a subprocess on purpose: what a user sees, with nothing between the command and the terminal
    bad = _variant(tmp_path, BAD["unknown_field"][0])
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "run_sim.py"),
            "run",
            str(bad),
            "--runs",
            "1",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "colour" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_show_lists_provenance():
    result = run_cli("scenario", "show", str(BASELINE))
    assert result.exit_code == 0
    assert "seed-article#P11" in result.output and "assumption:" in result.output
    assert "full_ceasefire" in result.output


HOSTILE_YAML = {
    "impossible_date": ("start_date: 2025-03-18", "start_date: 2025-02-30", "cannot read"),
    "python_tag": ("seed: 20250318", "seed: !!python/name:os.system", "not valid YAML"),
    "bad_int_tag": ("seed: 20250318", "seed: !!int abc", "cannot read"),
    "complex_key": ("horizon_days: 180", "horizon_days: 180\n? [a, b]\n: 1", "plain name"),
    "recursive_alias": ("horizon_days: 180", "horizon_days: 180\nloop: &x [*x]", "refers to itself"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_YAML))
def test_hostile_yaml_gives_exit_2_not_a_traceback(tmp_path, kind):
    old, new, message = HOSTILE_YAML[kind]
    bad = _variant(tmp_path, lambda t: t.replace(old, new, 1))
    result = run_cli("scenario", "validate", str(bad), str(BASELINE))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{BASELINE}: valid" in result.output  # one bad file does not stop the others


SEMANTIC = {
    "mediator_as_party": (
        lambda t: t.replace(
            "    parties: [russia, ukraine]\n    opens_day: {value: 0, evidence: {source: seed-article#P5",
            "    parties: [russia, us]\n    opens_day: {value: 0, evidence: {source: seed-article#P5",
            1,
        ),
        "phases.energy_truce.parties",
        "is a mediator",
    ),
    "linkage_by_non_party": (
        lambda t: t.replace(
            "      - actor: russia\n        issue: security_guarantees",
            "      - actor: us\n        issue: security_guarantees",
        ),
        "phases.full_ceasefire.linkage",
        "not among the phase's parties",
    ),
    "exchange_on_day_0": (
        lambda t: t.replace("    - day: 1\n", "    - day: 0\n"),
        "humanitarian.scheduled.0.day",
        "greater than or equal to 1",
    ),
    "unknown_opponent": (
        lambda t: t.replace(
            "    compliance: {value: 0.5,", "    opponents: [belarus]\n    compliance: {value: 0.5,"
        ),
        "actors.russia.opponents",
        "unknown belligerent 'belarus'",
    ),
    "outcome_not_listed": (
        lambda t: t.replace(
            "outcomes: [partial_truce, full_ceasefire, peace_framework]",
            "outcomes: [partial_truce, full_ceasefire]",
        ),
        "phases.peace_framework.outcome",
        "not in outcomes",
    ),
}


@pytest.mark.parametrize("kind", sorted(SEMANTIC))
def test_semantic_errors_are_caught_before_running(tmp_path, kind):
    edit, path, message = SEMANTIC[kind]
    bad = _variant(tmp_path, edit)
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    hits = [p for p in info.value.problems if p.path == path and message in p.message]
    assert hits, "\n".join(map(str, info.value.problems))
    assert hits[0].line is not None and hits[0].file == str(bad)


def test_salience_error_points_at_the_salience_block(tmp_path):
    bad = _variant(tmp_path, BAD["saliences_not_one"][0])
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    (problem,) = info.value.problems
    assert problem.path == "actors.russia.salience"
    assert bad.read_text().splitlines()[problem.line - 1].strip() == "salience:"


def test_every_bad_file_error_lands_on_its_line(tmp_path):
    # the line of each problem holds the key of the field it names (or, for a value, the value)
    for kind in (
        "unknown_field",
        "out_of_range",
        "unknown_actor_in_trust",
        "missing_prerequisite",
        "wrong_type",
        "duplicate_key",
        "missing_provenance",
        "unknown_strategy",
    ):
        bad = _variant(tmp_path, BAD[kind][0])
        try:
            load_scenario(bad)
        except ScenarioError as exc:
            lines = bad.read_text().splitlines()
            for p in exc.problems:
                last = p.path.split(".")[-1]
                if last == "value":
                    last = p.path.split(".")[-2]
                assert last in lines[p.line - 1], (kind, str(p), lines[p.line - 1])
        else:
            raise AssertionError(f"{kind} loaded")


def test_set_errors_name_the_override_not_the_file():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, ["actors.russia.positions.military_aid=1.5"])
    (problem,) = info.value.problems
    assert problem.file == "--set" and problem.line is None


def test_set_on_the_value_key_rewrites_provenance():
    s = load_scenario(BASELINE, ["actors.russia.positions.military_aid.value=0.3"])
    v = s.actors["russia"].positions["military_aid"]
    assert v.value == 0.3 and "--set" in v.assumption and v.evidence is None


def test_set_list_index_out_of_range_says_so():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, ["phases.full_ceasefire.linkage.5.at_most=0.1"])
    assert "a list of 1" in str(info.value)


def test_opponents_limit_who_fights_whom(tmp_path):
    # an ally that fights only Russia, not Ukraine: it never strikes its ally
    ally = tmp_path / "ally.yaml"
    text = (ROOT / "scenarios" / "variants" / "eu_actor.yaml").read_text()
    text = text.replace("    role: mediator\n", "    role: belligerent\n    opponents: [russia]\n", 1)
    text = text.replace(
        "    levers:\n      sanctions_held:",
        "    concession:\n"
        "      strategy: linear\n"
        "      opening_demand: {value: 0.1, assumption: test}\n"
        "      floor_demand: {value: 0.0, assumption: test}\n"
        "      patience_days: {value: 60, assumption: test}\n"
        "    compliance: {value: 0.9, assumption: test}\n"
        "    violation_tolerance: {value: 4.0, assumption: test}\n"
        "    forces:\n"
        "      production: {value: 0.001, assumption: test}\n"
        "      stake: {value: 0.5, assumption: test}\n"
        "      believed_odds: {value: 0.5, assumption: test}\n"
        "      belief_days: {value: 30, assumption: test}\n"
        "    levers:\n      sanctions_held:",
        1,
    )
    text = text.replace(
        '      russia: {value: 0.1, assumption: "deep mistrust"}',
        '      russia: {value: 0.1, assumption: "deep mistrust"}\n      us: {value: 0.6, assumption: test}',
        1,
    )
    text += "  russia:\n    trust:\n      eu: {value: 0.1, assumption: test}\n"
    ally.write_text(text.replace("extends: ../baseline.yaml", f"extends: {BASELINE}"))
    s = load_scenario(ally)
    assert s.enemies("eu") == ["russia"]
    assert s.enemies("ukraine") == ["russia"] and set(s.enemies("russia")) == {"ukraine", "eu"}
    model = CeasefireModel(s, run=0, horizon=20)
    result = model.run()
    assert "trust_eu_russia" in result.days and "trust_eu_ukraine" not in result.days
    # a front, and beliefs about it, only between enemies
    assert "belief_eu_russia" in result.days and "belief_eu_ukraine" not in result.days
    assert "territory_russia_eu" in result.days or "territory_eu_russia" in result.days
    assert not any(k.startswith("territory_") and "eu" in k and "ukraine" in k for k in result.days)
    assert not any(e[1] == "eu" and "vs ukraine" in e[-1] for e in result.events)
