"""Figure builders on small fixed data: the frames hold the right numbers, the figures the right
traces, axes and labels (STYLE.md 12: unit-test the frames, smoke-test each figure)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.plots import ensemble as ens
from sim.plots import run as one
from sim.plots import sweep as sw
from sim.plots.events import explain
from sim.plots.style import STATUS_COLOURS, Labels


@pytest.fixture(scope="module")
def labels(baseline) -> Labels:
    return Labels.of(baseline)


def days_of_one_run() -> pd.DataFrame:
    status = ["negotiating"] * 3 + ["in_force"] * 4 + ["collapsed"] * 2 + ["in_force"]
    return pd.DataFrame(
        {
            "run": 0,
            "day": range(1, 11),
            "energy_truce_status": status,
            "maritime_truce_status": ["not_started"] * 10,
            "trust_russia_ukraine": np.linspace(0.1, 0.5, 10),
            "trust_ukraine_russia": np.linspace(0.2, 0.3, 10),
            "cost_russia": np.arange(10.0),
            "cost_ukraine": np.arange(10.0) * 2,
            "violations_true_energy": [0, 0, 0, 1, 0, 2, 0, 0, 0, 0],
            "violations_perceived_energy": [0, 0, 0, 1, 1, 1, 0, 0, 0, 1],
            "prisoners_exchanged": [0, 350, 350, 350, 350, 350, 700, 700, 700, 700],
            "wounded_handed_over": [0, 23, 23, 23, 23, 23, 23, 23, 23, 23],
        }
    )


EVENTS = pd.DataFrame(
    [
        (0, 4, "enter_force", "", "energy_truce", math.nan, math.nan, math.nan, ""),
        (0, 4, "strike", "ukraine", "energy_truce", 0.3, math.nan, math.nan, "energy vs russia"),
        (0, 4, "perceive", "russia", "energy_truce", 0.3, math.nan, math.nan, "ukraine energy detected"),
        (0, 5, "perceive", "ukraine", "energy_truce", 0.1, math.nan, math.nan, "russia energy false"),
        (0, 6, "reject", "ukraine", "maritime_truce", 0.02, 0.16, 0.2, ""),
        (0, 7, "accept", "russia", "maritime_truce", 0.8, 0.49, 0.25, ""),
        (
            0,
            8,
            "withdraw",
            "russia",
            "energy_truce",
            math.nan,
            math.nan,
            math.nan,
            "perceived violations by ukraine beyond tolerance 4",
        ),
        (
            0,
            2,
            "exchange",
            "russia",
            "",
            math.nan,
            math.nan,
            math.nan,
            "scheduled exchange: 175 for 175 with ukraine",
        ),
    ],
    columns=["run", "day", "event", "actor", "phase", "p", "utility", "reservation", "detail"],
)


def test_timeline_frame_cuts_each_phase_into_unbroken_stretches():
    frame = one.timeline_frame(days_of_one_run(), ["energy_truce", "maritime_truce"])
    energy = frame[frame["phase"] == "energy_truce"]
    assert energy[["status", "first_day", "last_day", "days"]].values.tolist() == [
        ["negotiating", 1, 3, 3],
        ["in_force", 4, 7, 4],
        ["collapsed", 8, 9, 2],
        ["in_force", 10, 10, 1],
    ]
    assert frame.loc[frame["phase"] == "maritime_truce", "days"].tolist() == [10]


def test_timeline_figure_has_a_bar_per_state_in_scenario_order_and_explained_turning_points(labels):
    frame = one.timeline_frame(days_of_one_run(), ["energy_truce", "maritime_truce"])
    fig = one.timeline_figure(frame, EVENTS, labels)
    bars = [t for t in fig.data if t.type == "bar"]
    assert {t.name for t in bars} == {"negotiating", "in force", "collapsed", "not started"}
    in_force = next(t for t in bars if t.name == "in force")
    assert in_force.marker.color == STATUS_COLOURS["in_force"]
    assert list(in_force.base) == [str(labels.date(4)), str(labels.date(10))]  # day d drawn at date(d)
    assert list(in_force.x) == [4 * 86_400_000, 1 * 86_400_000]  # durations in ms on a date axis
    assert fig.layout.yaxis.categoryarray == (labels.phase("energy_truce"), labels.phase("maritime_truce"))
    marks = next(t for t in fig.data if t.name == "turning points")
    assert any("enters into force" in h for h in marks.hovertext)
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.title.text.endswith("?")


def test_events_read_as_sentences(labels):
    rows = EVENTS.to_dict("records")
    perceived = explain(rows[2], labels)
    assert perceived.startswith("day 4 (22 Mar 2025): Russia perceives a strike by Ukraine (energy: ")
    assert "detected by monitoring: a true violation" in perceived
    assert "a false alarm: no such strike happened" in explain(rows[3], labels)
    assert (
        "Ukraine rejects the Black Sea maritime truce package: its value 0.16 < reservation 0.20"
        in explain(rows[4], labels)
    )
    assert (
        "Russia withdraws from the Energy and infrastructure truce: perceived violations by Ukraine"
        in explain(rows[6], labels)
    )
    assert explain(rows[7], labels).endswith("Russia and Ukraine exchange prisoners, 175 for 175 (scheduled)")


def test_run_frames_hold_the_days_numbers(labels):
    days = days_of_one_run()
    trust = one.trust_frame(days, ["us", "russia", "ukraine"])
    assert set(zip(trust["actor"], trust["other"], strict=True)) == {
        ("russia", "ukraine"),
        ("ukraine", "russia"),
    }
    viol = one.violations_frame(days, ["energy", "naval"])
    last = viol[viol["day"] == 10].set_index("kind")["cumulative"]
    assert last.to_dict() == {"true": 3, "perceived": 4}
    fig = one.violations_figure(viol, EVENTS, labels)
    strikes = next(t for t in fig.data if t.mode == "markers")
    assert "Ukraine strikes Russia (energy: " in strikes.hovertext[0]
    offers = one.offers_frame(EVENTS)
    assert offers["event"].tolist() == ["reject", "accept"]
    fig = one.offers_figure(offers, labels)
    assert {t.name for t in fig.data} >= {"package value to Ukraine", "Russia's reservation value"}
    fig = one.trust_figure(trust, EVENTS, labels)
    assert fig.layout.yaxis.range == (0, 1)
    seen = [t for t in fig.data if t.name and "perceives" in t.name]
    assert len(seen) == 2 and all(len(t.x) == 1 for t in seen)
    assert (
        one.costs_figure(one.costs_frame(days), labels).data[1].line.color == labels.actor_colours["ukraine"]
    )
    fig = one.exchanges_figure(one.exchanges_frame(days), EVENTS, labels)
    assert fig.data[0].y[-1] == 700


def test_violations_fall_back_to_totals_for_older_folders():
    days = pd.DataFrame({"day": [1, 2], "violations_true": [1, 1], "violations_perceived": [0, 2]})
    frame = one.violations_frame(days, ["energy"])
    assert set(frame["domain"]) == {"all"}
    assert frame.groupby("kind")["cumulative"].max().to_dict() == {"perceived": 2, "true": 2}


def ensemble_days(n_runs: int = 4) -> pd.DataFrame:
    rows = []
    for run in range(n_runs):
        for day in range(1, 15):
            status = "in_force" if day > run + 1 else "negotiating"
            rows.append(
                {
                    "run": run,
                    "day": day,
                    "energy_truce_status": status,
                    "violations_true": run,
                    "violations_perceived": 2 * run,
                    "trust_russia_ukraine": 0.1 * run,
                }
            )
    return pd.DataFrame(rows)


def test_occupancy_shares_sum_to_one_each_day(labels):
    occ = ens.occupancy_frame(ensemble_days(), ["energy_truce"])
    assert np.allclose(occ.groupby("day")["share"].sum(), 1.0)
    day2 = occ[occ["day"] == 2].set_index("status")["share"].to_dict()
    assert day2 == {"in_force": 0.25, "negotiating": 0.75}
    fig = ens.occupancy_figure(occ, labels)
    assert {t.name for t in fig.data} == {"negotiating", "in force"}
    assert all(t.stackgroup == "p1" for t in fig.data)


def test_fan_frame_takes_quantiles_across_runs_and_full_weeks_only(labels):
    days = ensemble_days()
    fan = ens.fan_frame(days, {"trust": "trust_russia_ukraine"})
    assert np.allclose(fan["q50"], np.median([0.0, 0.1, 0.2, 0.3]))
    assert np.allclose(fan["q05"], np.quantile([0.0, 0.1, 0.2, 0.3], 0.05))
    weekly = ens.fan_frame(days, {"true": "violations_true"}, weekly=True)
    assert weekly["day"].tolist() == [1, 8]  # two full weeks of 14 days
    assert np.allclose(weekly["q50"], 7 * 1.5)
    fig = ens.fan_figure(
        fan, labels, title="t?", y_title="y", colours={"trust": "#0072B2"}, names={"trust": "Trust"}
    )
    assert len(fig.data) == 7  # three bands (two traces each) and the median
    assert fig.data[-1].name == "Trust: median"


def runs_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": [0, 1, 2, 3, 4],
            "outcome": ["partial_truce", "partial_truce", "partial_truce", "no_truce", "full_ceasefire"],
            "furthest_phase": ["maritime_truce"] * 3 + ["energy_truce", "full_ceasefire"],
            "energy_truce_entered_day": [3, 4, 5, 6, 2],
            "maritime_truce_entered_day": [30, 31, 35, None, 20],
            "full_ceasefire_entered_day": [None, None, None, None, 90],
            "violations_true": [40, 44, 60, 80, 10],
            "violations_perceived": [50, 53, 70, 90, 12],
            "prisoners_exchanged": [1050, 1050, 700, 350, 1400],
            "final_trust_russia_ukraine": [0.3, 0.35, 0.2, 0.1, 0.6],
        }
    )


def test_flow_counts_every_run_at_every_stage(labels):
    phases = ["energy_truce", "maritime_truce", "full_ceasefire"]
    flow = ens.flow_frame(runs_table(), phases)
    assert flow.groupby(flow["source"].str.split(":").str[0])["runs"].sum().tolist() == [5, 5, 5]
    assert flow[flow["target"] == "outcome:no_truce"]["runs"].sum() == 1
    fig = ens.flow_figure(flow, labels, 5)
    assert fig.data[0].type == "sankey"
    assert sum(fig.data[0].link.value) == 15


def test_outcome_shares_carry_wilson_intervals(labels):
    frame = ens.outcomes_frame(runs_table(), list(labels.outcomes))
    row = frame.set_index("outcome").loc["partial_truce"]
    assert row["share"] == 0.6 and row["runs"] == 3
    assert 0.2 < row["low"] < 0.6 < row["high"] < 0.95
    fig = ens.outcomes_figure(frame, labels, "14 September 2025")
    assert list(fig.data[0].x) == ["no truce", "partial truce", "full ceasefire", "peace framework"]
    assert fig.layout.yaxis.tickformat == ".0%"


def test_entry_frame_leaves_out_runs_that_never_entered(labels):
    entry = ens.entry_frame(runs_table(), ["maritime_truce", "full_ceasefire"])
    assert entry.groupby("phase").size().to_dict() == {"full_ceasefire": 1, "maritime_truce": 4}
    fig = ens.entry_figure(entry, labels, ["maritime_truce", "full_ceasefire"], 5)
    assert "(1 of 5 runs)" in fig.data[1].name


def test_representative_runs_follow_the_documented_rule():
    picked = ens.representative_runs(runs_table(), ["energy_truce", "maritime_truce", "full_ceasefire"])
    # typical: modal outcome partial_truce; of runs 0-2 run 1 sits on the medians
    assert picked[0][0] == 1 and picked[0][1].startswith("typical")
    # contrast: run 4 is the only one that reached the full ceasefire
    assert picked[1][0] == 4 and picked[1][1].startswith("contrast")


def sweep_runs(n_per_cell: int = 40) -> pd.DataFrame:
    """Two axes: 'a' decides the outcome exactly, 'b' does nothing."""
    rows = []
    rng = np.random.default_rng(np.random.SeedSequence(5))
    for a in (0.0, 1.0):
        for b in (0.1, 0.2, 0.3):
            for _ in range(n_per_cell):
                rows.append(
                    {
                        "point": int(a * 3 + b * 10),
                        "axis:a": a,
                        "axis:b": b,
                        "axis:c": rng.uniform(),
                        "outcome": "partial_truce" if a == 1.0 else "no_truce",
                        "energy_truce_entered_day": 3 if a == 1.0 else None,
                        "violations_true": 10,
                    }
                )
    return pd.DataFrame(rows)


def test_sweep_frames_give_shares_intervals_and_scores(labels):
    runs = sweep_runs()
    marks = sw.indicators(runs, ["no_truce", "partial_truce"], ["energy_truce"])
    heat = sw.heatmap_frame(runs, "a", "b", marks)
    cell = heat[(heat["x"] == 1.0) & (heat["y"] == 0.2) & (heat["metric"] == "share_partial_truce")].iloc[0]
    assert cell["share"] == 1.0 and cell["runs"] == 40 and 0.9 < cell["low"] < 1.0
    assert sw.headline_metric(heat) in marks.columns
    fig = sw.heatmap_figure(heat, "a", "b", labels)
    assert sum(bool(t.visible) for t in fig.data) == 1
    assert len(fig.layout.updatemenus[0].buttons) == 3
    response = sw.response_frame(runs, ["a", "b", "c"], marks)
    assert response[response["axis"] == "c"]["level"].nunique() == sw.BINS  # continuous axis: binned
    assert sw.response_figure(response, labels).layout.yaxis.tickformat == ".0%"
    scores = sw.scoring_frame(runs, ["a", "b"], marks).set_index(["axis", "metric"])["eta2"]
    assert scores[("a", "share_partial_truce")] == pytest.approx(1.0)
    assert scores[("b", "share_partial_truce")] == pytest.approx(0.0, abs=1e-12)
    assert sw.top_axes(runs, ["a", "b", "c"], marks, k=1) == ["a"]
    assert sw.scoring_figure(sw.scoring_frame(runs, ["a", "b"], marks), labels).data[0].type == "heatmap"
    par = sw.parallel_frame(runs, ["a", "b"], limit=100)
    assert len(par) <= 100
    fig = sw.parallel_figure(par, ["a", "b"], labels, len(runs))
    assert [d.label for d in fig.data[0].dimensions][-1] == "outcome"


def test_sensitivity_bars_pick_the_outcome_with_a_menu(labels):
    indices = pd.DataFrame(
        {
            "outcome": ["share_no_truce"] * 2 + ["reached_energy_truce"] * 2,
            "axis": ["a", "b", "a", "b"],
            "S1": [0.5, 0.0, 0.1, 0.2],
            "S1_conf": [0.1] * 4,
            "ST": [0.6, 0.01, 0.1, 0.3],
            "ST_conf": [0.1] * 4,
        }
    )
    fig = sw.sensitivity_figure(indices, labels)
    assert len(fig.data) == 4 and sum(bool(t.visible) for t in fig.data) == 2
    visible = [t for t in fig.data if t.visible]
    assert {t.name for t in visible} == {"total order ST", "first order S1"}


def test_labels_escape_scenario_text(baseline):
    hostile = baseline.model_copy(update={"title": "<script>alert(1)</script>"})
    assert Labels.of(hostile).title == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_trust_pairs_match_actor_ids_that_contain_underscores(labels):
    days = pd.DataFrame({"day": [1], "trust_north_korea_ukraine": [0.2], "trust_ukraine_north_korea": [0.3]})
    frame = one.trust_frame(days, ["north_korea", "ukraine", "us"])
    assert set(zip(frame["actor"], frame["other"], strict=True)) == {
        ("north_korea", "ukraine"),
        ("ukraine", "north_korea"),
    }


def test_representative_runs_do_not_depend_on_row_order():
    phases = ["energy_truce", "maritime_truce", "full_ceasefire"]
    tied = runs_table().assign(  # partial truce and no truce tie, two runs each
        outcome=["partial_truce", "no_truce", "partial_truce", "no_truce", "full_ceasefire"]
    )
    forward = ens.representative_runs(tied, phases)
    backward = ens.representative_runs(tied.iloc[::-1], phases)
    assert forward == backward
    assert forward[0][1].startswith("typical: ends in partial_truce")  # the tie goes to run 0's outcome


def test_entry_figure_keeps_a_phase_no_run_reached(labels):
    entry = ens.entry_frame(
        runs_table().assign(peace_framework_entered_day=None),
        ["maritime_truce", "full_ceasefire", "peace_framework"],
    )
    fig = ens.entry_figure(entry, labels, ["maritime_truce", "full_ceasefire", "peace_framework"], 5)
    assert any("(0 of 5 runs)" in c for c in fig.layout.yaxis.categoryarray)


def test_continuous_axes_bin_by_design_point_and_name_bins_by_range():
    values = pd.Series(np.repeat(np.linspace(0.0, 1.0, 30), 4))  # 30 points x 4 replicates
    level, names = sw.levels(values), sw.level_names(values)
    assert level.nunique() == sw.BINS
    assert (level.groupby(values).nunique() == 1).all()  # replicates of a point share a bin
    assert names.iloc[0] == "0–0.138"  # the first 5 of 30 points


def test_fan_frame_of_runs_shorter_than_a_week_is_empty_not_an_error():
    days = ensemble_days().query("day <= 5")
    assert ens.fan_frame(days, {"true": "violations_true"}, weekly=True).empty
