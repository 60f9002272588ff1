"""Validation: each pattern on hand-made run tables, the naive baseline, and validate end to end."""

from __future__ import annotations

import json

import pytest
from conftest import BASELINE, ROOT

from sim.scenario.loader import load_scenario
from sim.validation.patterns import PATTERNS, evaluate, nothing_changes

PHASES = ["energy_truce", "maritime_truce", "full_ceasefire", "peace_framework"]


def run(
    entered: dict[str, int | None],
    energy_status_until: int = 0,
    perceived: dict[int, int] | None = None,
    exchange_days: tuple[int, ...] = (1,),
    horizon: int = 120,
) -> tuple[dict, dict]:
    """A hand-made run: phases' entry days, the energy truce in force until a day, perceived energy
    violations on given days, exchanges on given days."""
    row = {f"{p}_entered_day": entered.get(p) for p in PHASES}
    days = {"day": list(range(1, horizon + 1))}
    e = entered.get("energy_truce")
    days["energy_truce_status"] = [
        "in_force" if e is not None and e <= d <= energy_status_until else "negotiating" for d in days["day"]
    ]
    for p in PHASES[1:]:
        days[f"{p}_status"] = ["negotiating"] * horizon
    days["violations_perceived_energy"] = [(perceived or {}).get(d, 0) for d in days["day"]]
    days["exchanges"] = [1 if d in exchange_days else 0 for d in days["day"]]
    return row, days


def test_the_observed_course_reproduces_every_pattern():
    """A run that does what the record shows passes all seven patterns."""
    row, days = run(
        {"energy_truce": 1}, energy_status_until=31, perceived={2: 1}, exchange_days=(1, 32, 66, 83)
    )
    assert evaluate(row, days) == {p.id: True for p in PATTERNS}


@pytest.mark.parametrize(
    ("pattern", "kwargs"),
    [
        ("energy_truce_within_a_week", {"entered": {"energy_truce": 8}, "energy_status_until": 31}),
        ("violations_claimed_within_a_week", {"entered": {"energy_truce": 1}, "perceived": {9: 3}}),
        ("energy_truce_lapsed_within_35_days", {"entered": {"energy_truce": 1}, "energy_status_until": 40}),
        ("no_maritime_truce_within_60_days", {"entered": {"energy_truce": 1, "maritime_truce": 60}}),
        ("no_full_ceasefire_by_june", {"entered": {"energy_truce": 1, "full_ceasefire": 104}}),
        ("exchanges_continue", {"entered": {"energy_truce": 1}, "exchange_days": (1, 32, 105)}),
        ("no_peace_framework_by_june", {"entered": {"energy_truce": 1, "peace_framework": 90}}),
    ],
)
def test_each_pattern_fails_where_the_run_departs_from_the_record(pattern, kwargs):
    base = {"energy_status_until": 31, "perceived": {2: 1}, "exchange_days": (1, 32, 66)}
    row, days = run(**{**base, **kwargs})
    assert evaluate(row, days)[pattern] is False


def test_nothing_changes_reproduces_only_the_patterns_of_no_agreement():
    hits = evaluate(*nothing_changes(PHASES))
    assert {k for k, v in hits.items() if v} == {
        "no_maritime_truce_within_60_days",
        "no_full_ceasefire_by_june",
        "no_peace_framework_by_june",
    }


def test_validate_and_calibrate_end_to_end(tmp_path, cli):
    out = tmp_path / "v"
    proc = cli("validate", "--runs", "8", "--calibrate", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "validation.json").read_text())
    first = summary["validated"][0]
    assert set(first["patterns"]) == {p.id for p in PATTERNS} and first["runs"] == 8
    assert 0.0 <= first["all_at_once"][0] <= 1.0
    assert set(first["naive_as_good_or_better_on"]) == {k for k, v in first["nothing_changes"].items() if v}
    html = (out / "validation.html").read_text()
    assert html.count('class="plotly-graph-div"') == 6 and "as well or better" in html
    calibrated = load_scenario(out / "calibrated.yaml")
    assert calibrated.name == "baseline_calibrated"
    assert calibrated.monitoring.false_alarm_rate.evidence.source == "docs/validation.md#calibration"
    assert [v["scenario"] for v in summary["validated"]] == ["baseline", "baseline_calibrated"]


def test_the_committed_calibrated_scenario_changes_only_assumptions_the_article_leaves_open():
    base = load_scenario(BASELINE)
    cal = load_scenario(ROOT / "scenarios" / "calibrated" / "baseline_2025.yaml")
    assert base.monitoring.false_alarm_rate.assumption and base.dynamics.acceptance_noise.assumption
    for v in (cal.monitoring.false_alarm_rate, cal.dynamics.acceptance_noise):
        assert v.evidence is not None and v.evidence.source == "docs/validation.md#calibration"
    rest = cal.model_dump()
    rest["monitoring"]["false_alarm_rate"] = base.model_dump()["monitoring"]["false_alarm_rate"]
    rest["dynamics"]["acceptance_noise"] = base.model_dump()["dynamics"]["acceptance_noise"]
    for key in ("name", "title"):
        rest[key] = base.model_dump()[key]
    assert rest == base.model_dump()


def test_a_renewed_truce_is_still_in_force():
    row, days = run({"energy_truce": 1}, energy_status_until=31, perceived={2: 1}, exchange_days=(1, 32, 66))
    days["energy_truce_status"] = [
        "renewed" if 31 <= d <= 60 else s
        for d, s in zip(days["day"], days["energy_truce_status"], strict=True)
    ]
    assert evaluate(row, days)["energy_truce_lapsed_within_35_days"] is False


def test_a_scenario_too_short_is_refused_and_nothing_written(tmp_path, cli):
    short = tmp_path / "short.yaml"
    short.write_text(f"extends: {BASELINE}\nname: short\nhorizon_days: 60\n")
    for args, message in (([str(short)], "at least 105 days"), (["--runs", "0"], "--runs")):
        proc = cli("validate", *args, "--out", str(tmp_path / "x"))
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()


def test_the_figures_data_set_the_record_beside_the_ensemble():
    """The figures' frames (the CSVs behind them): every pattern and all at once; the record's course
    (the energy moratorium in force to day 31, nothing else ever); exchanges drawn to day 110."""
    from sim.plots import validation as vp
    from sim.validation.validate import validate

    v = validate(load_scenario(BASELINE), 3)
    shares = vp.patterns_frame(v)
    assert list(shares["pattern"]) == [p.text for p in PATTERNS] + ["all at once"]
    assert shares["share"].between(0, 1).all() and (shares["low"] <= shares["high"]).all()
    course = vp.course_frame(v.occupancy, list(v.scenario.phases))
    energy = course[course["phase"] == "energy_truce"]
    assert (energy["observed_in_force"] == (energy["day"] <= 31)).all()
    assert (course[course["phase"] != "energy_truce"]["observed_in_force"] == 0).all()
    assert vp.exchanges_frame(v.exchanges)["day"].max() == 110


def test_the_engine_is_chosen_recorded_and_checked(tmp_path, cli):
    from sim.validation.validate import summary, validate

    sc = load_scenario(BASELINE)
    on = {engine: validate(sc, 4, 1, engine=engine) for engine in ("mesa", "batch")}
    for engine, v in on.items():
        assert v.engine == engine and summary(v)["engine"] == engine and len(v.table) == 4
        assert set(v.occupancy.columns) == {"day", *PHASES}
    assert validate(sc, 2, 1).engine == "batch"  # the default
    out = tmp_path / "v"
    proc = cli("validate", "--runs", "3", "--engine", "mesa", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    document = json.loads((out / "validation.json").read_text())
    assert document["manifest"]["engine"] == "mesa" and document["validated"][0]["engine"] == "mesa"
    bad = cli("validate", "--runs", "3", "--engine", "fast", "--out", str(tmp_path / "w"))
    assert bad.returncode == 2 and "--engine" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()
