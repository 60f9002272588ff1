"""``run`` streams its tables block by block: the same files as an ensemble held whole, flat memory,
and ``--engine`` (recorded in the manifest; a bad value is one line and exit 2)."""

from __future__ import annotations

import functools
import json
import tracemalloc

import pandas as pd
import pytest

import sim
import sim.jobs.run as job
from sim.experiments.engines import blocks
from sim.experiments.ensemble import frame_summary, run_ensemble
from sim.experiments.store import days_frame, events_frame, runs_frame
from sim.jobs import run_to_folder

SEED, DAYS = 11, 40


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Category columns as text: a streamed file's categories are those of all its blocks, in any order."""
    return df.astype({c: str for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 5 runs, so a dozen runs stream as three blocks (the last one short)."""
    monkeypatch.setattr(job, "blocks", functools.partial(blocks, size=5))


def test_streamed_folder_equals_the_ensemble_held_whole(tmp_path, baseline, small_blocks):
    runs = 12
    outcome = run_to_folder(
        baseline, runs, scenario_file="baseline", seed=SEED, days=DAYS, out=tmp_path / "o", report=False
    )
    held = run_ensemble(baseline, runs, SEED, DAYS)
    folder = outcome.folder
    assert (folder / "runs.csv").read_text() == runs_frame(held.rows).to_csv(index=False)
    days = pd.read_parquet(folder / "days.parquet")
    pd.testing.assert_frame_equal(_plain(days), _plain(days_frame(held.results)))
    assert [c for c in days.columns if isinstance(days[c].dtype, pd.CategoricalDtype)] == [
        f"{p}_status" for p in baseline.phases
    ]
    events = pd.read_parquet(folder / "events.parquet")
    pd.testing.assert_frame_equal(events, events_frame(held.results))
    summary = json.loads((folder / "summary.json").read_text())
    expected = json.loads(json.dumps(held.summary))
    assert {k: summary[k] for k in expected} == expected
    assert summary["manifest"]["engine"] == "mesa" and summary["days"] == DAYS
    assert frame_summary(baseline, outcome.runs, SEED) == held.summary


def test_parquet_has_one_row_group_per_block(tmp_path, baseline, small_blocks):
    import pyarrow.parquet as pq

    outcome = run_to_folder(
        baseline, 12, scenario_file="baseline", seed=SEED, days=10, out=tmp_path / "o", report=False
    )
    assert pq.ParquetFile(outcome.folder / "days.parquet").metadata.num_row_groups == 3


def test_batch_engine_is_recorded_and_writes_the_same_columns(tmp_path, baseline):
    kw = {"scenario_file": "baseline", "seed": SEED, "days": 20, "report": False}
    mesa = run_to_folder(baseline, 6, out=tmp_path / "m", **kw)
    batch = run_to_folder(baseline, 6, out=tmp_path / "b", engine="batch", **kw)
    assert batch.manifest.details["engine"] == "batch" and batch.engine == "batch"
    summary = json.loads((batch.folder / "summary.json").read_text())
    assert summary["manifest"]["engine"] == "batch" and "batch" in summary["manifest"]["reproduce"]
    for name in ("days.parquet", "events.parquet"):
        a, b = (pd.read_parquet(o.folder / name) for o in (mesa, batch))
        assert list(a.columns) == list(b.columns), name
    assert list(mesa.runs.columns) == list(batch.runs.columns)
    assert len(pd.read_parquet(batch.folder / "days.parquet")) == 6 * 20


def test_run_engine_flag(tmp_path, cli):
    bad = cli("run", "--runs", "2", "--engine", "numpy", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "--engine: 'numpy' is not one of mesa, batch"
    assert not (tmp_path / "x").exists()
    ok = cli(
        "run", "--runs", "3", "--days", "15", "--engine", "batch", "--no-report", "--out", str(tmp_path / "b")
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads((tmp_path / "b" / "summary.json").read_text())["manifest"]["engine"] == "batch"
    assert "batch" in cli("run", "--help").stdout


def test_api_engine(tmp_path):
    ens = sim.run("baseline", runs=4, seed=3, days=15, engine="batch", progress=False)
    assert ens.engine == "batch" and ens.manifest().details["engine"] == "batch"
    assert len(ens.days) == 4 * 15 and len(ens.runs) == 4
    folder = ens.save(tmp_path / "s")
    assert json.loads((folder / "summary.json").read_text())["manifest"]["engine"] == "batch"
    assert sim.run("baseline", runs=1, days=5, progress=False).manifest().details["engine"] == "mesa"
    with pytest.raises(ValueError, match="engine"):
        sim.run("baseline", runs=1, engine="numpy")


def _peak_mib(folder, scenario, runs: int) -> float:
    tracemalloc.start()
    try:
        folder.mkdir()
        job.stream_run_tables(folder, scenario, runs, SEED, 20, "mesa")
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_memory_is_flat_in_the_number_of_runs(tmp_path, baseline):
    """Held whole, 200 runs took four times the memory of 50; streamed, about one block's worth (of 50)."""
    small = _peak_mib(tmp_path / "a", baseline, 50)
    large = _peak_mib(tmp_path / "b", baseline, 200)
    assert large < 2 * small, (small, large)


def test_report_reads_the_stored_days_a_few_columns_at_a_time(tmp_path, baseline, small_blocks):
    """The report's ensemble figures from the stored table (chunked, arrays) equal those from it in memory."""
    from sim.plots import ensemble as ens
    from sim.reports import build

    outcome = run_to_folder(
        baseline, 12, scenario_file="baseline", seed=SEED, days=DAYS, out=tmp_path / "o", report=False
    )
    table = build.DayTable(outcome.folder / "days.parquet")
    days = pd.read_parquet(outcome.folder / "days.parquet")
    phases = list(baseline.phases)
    assert table.grid is not None and table.last_day() == DAYS
    chunked = build.occupancy(table, phases)
    pd.testing.assert_frame_equal(chunked, ens.occupancy_frame(days, phases))
    for columns, weekly in (
        ({"a": "trust_russia_ukraine", "b": "cost_ukraine"}, False),
        ({"true": "violations_true", "perceived": "violations_perceived"}, True),
    ):
        pd.testing.assert_frame_equal(
            build.fan(table, columns, weekly=weekly), ens.fan_frame(days, columns, weekly=weekly), rtol=1e-12
        )
    run = int(days["run"].iloc[-1])
    pd.testing.assert_frame_equal(
        table.read(run=run), days[days["run"] == run].reset_index(drop=True), check_categorical=False
    )
