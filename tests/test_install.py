"""A real install: build the wheel, install it into a fresh venv, and use it from another folder.

An editable install or a clone finds scenarios, exercises, the observed record and the seed article
beside the code whatever the packaging says; only a wheel in a clean venv shows what a user gets.
Slow (a venv and its dependencies, one to two minutes): marked ``install`` (and ``slow``), run by
.ci/run once; deselect locally with ``-m "not install"``. Needs only the package registry pip uses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ("leverage", "linkage", "monitoring", "sequencing", "territory")
pytestmark = [pytest.mark.install, pytest.mark.slow]

SKIP_TOP = {".git", ".venv", ".venv312", "build", "results", "handouts", "dist", "node_modules"}
"""Top-level entries of a working copy that are not source (venvs, outputs, stale builds)."""


def _source_copy(dest: Path) -> Path:
    """The working copy without venvs, outputs or a stale build/: a wheel built from it holds only
    what the packaging declares (an old build/lib can carry deleted files into a wheel)."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}}
        skip |= {n for n in names if n.endswith(".egg-info") or n == ".hypothesis"}
        if Path(folder) == ROOT:
            skip |= SKIP_TOP & set(names)
        return skip

    shutil.copytree(ROOT, dest, symlinks=True, ignore=ignore)
    return dest


def _env() -> dict[str, str]:
    """This environment without anything that would let the venv see the working copy's code."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["COLUMNS"] = "200"
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, (
        f"{args}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the venv's bin folder, an unrelated working folder, the wheel)."""
    tmp = tmp_path_factory.mktemp("install")
    src = _source_copy(tmp / "src")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "wheelhouse", src], cwd=tmp)
    (wheel,) = (tmp / "wheelhouse").glob("ceasefire_sim-*.whl")
    _run([sys.executable, "-m", "venv", tmp / "venv"], cwd=tmp)
    bin_ = tmp / "venv" / "bin"
    _run([bin_ / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], cwd=tmp)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return bin_, elsewhere, wheel


def test_the_wheel_holds_every_shipped_file(installed):
    """Every scenario, sweep spec, exercise, the record and the article under sim/data/ is packaged."""
    _, _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "sim" / "data").rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".md")
    }
    assert {"sim/data/scenarios/baseline.yaml", "sim/data/seed-article.md"} <= shipped
    assert shipped <= names, sorted(shipped - names)


def test_the_installed_package_is_used_not_the_clone(installed):
    bin_, elsewhere, _ = installed
    done = _run(
        [bin_ / "python", "-c", "import sim, sim.data; print(sim.__file__); print(sim.data.DATA)"], elsewhere
    )
    site = (bin_.parent / "lib").resolve()
    for line in done.stdout.split():
        assert Path(line).resolve().is_relative_to(site), (line, site)


def test_run_with_the_default_scenario_and_a_shipped_path(installed):
    bin_, elsewhere, _ = installed
    _run([bin_ / "ceasefire-sim", "run", "--runs", "3", "--no-report", "--out", "x"], elsewhere)
    assert len((elsewhere / "x" / "runs.csv").read_text().strip().splitlines()) == 1 + 3
    for arg in ("scenarios/variants/us_aid_halted.yaml", "us_aid_halted"):
        out = elsewhere / f"aid-{arg.count('/')}"
        _run([bin_ / "ceasefire-sim", "run", arg, "--runs", "2", "--no-report", "--out", out], elsewhere)
        assert json.loads((out / "scenario.json").read_text())["name"] == "us_aid_halted"


def test_exercise_list_shows_all_five(installed):
    bin_, elsewhere, _ = installed
    done = _run([bin_ / "ceasefire-sim", "exercise", "list"], elsewhere)
    for name in EXERCISES:
        assert name in done.stdout


def test_exercise_handout_quotes_the_seed_article(installed):
    bin_, elsewhere, _ = installed
    _run(
        [bin_ / "ceasefire-sim", "exercise", "handout", "sequencing", "--runs", "3", "--out", "h"], elsewhere
    )
    html = (elsewhere / "h" / "student" / "handout.html").read_text()
    assert "From the article" in html and "<blockquote><b>P" in html
    assert "(paragraph not found)" not in html


def test_validate_against_the_shipped_record(installed):
    bin_, elsewhere, _ = installed
    _run([bin_ / "ceasefire-sim", "validate", "--runs", "5", "--out", "v"], elsewhere)
    text = (elsewhere / "v" / "validation.json").read_text()
    assert json.loads(text) and '"runs": 5' in text


def test_scenario_show_by_name_and_by_shipped_path(installed):
    bin_, elsewhere, _ = installed
    for arg in ("baseline", "scenarios/baseline.yaml"):
        done = _run([bin_ / "ceasefire-sim", "scenario", "show", arg], elsewhere)
        assert "Seeded values and their provenance" in done.stdout


def test_the_python_api_writes_a_report(installed):
    bin_, elsewhere, _ = installed
    code = (
        "import sim; ens = sim.run('baseline', runs=2, seed=1); "
        "print(len(ens.runs), len(ens.days) > 0); print(ens.report('api'))"
    )
    done = _run([bin_ / "python", "-c", code], elsewhere)
    first, path = done.stdout.strip().splitlines()[-2:]
    assert first == "2 True"
    assert Path(path) == Path("api") / "report.html" and (elsewhere / path).stat().st_size > 100_000
