"""Hostile input: no file a user or a stranger hands us crashes, hangs or exhausts the program.

Each file below is refused with exit code 2 and one line naming the file, no traceback, nothing
written. The refusals are by design, not by timeout: a FIFO or ``/dev/zero`` is never opened for a
blocking read, an alias bomb is measured on the node graph (never built), nesting is refused at the
limit while the document is composed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.data import BASELINE, EXERCISES, RECORD, SCENARIOS
from sim.experiments.sweep_spec import load_sweep
from sim.scenario import reading
from sim.scenario.loader import MAX_EXTENDS, ScenarioError, load_scenario
from sim.scenario.reading import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    MAX_NODES,
    MAX_PROBLEMS,
    Problem,
    parse_value,
    parse_yaml,
    read_text,
    read_yaml,
)
from sim.validation.observed import load_record

DEV_ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not DEV_ZERO.exists(), reason="no /dev/zero here")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges")


# -- hostile content ------------------------------------------------------------------------------
def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """ "Billion laughs": each level repeats the last ``width`` times (9**9 values from 800 bytes)."""
    lines = ["laugh0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"laugh{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def flow_bomb(levels: int = 9, width: int = 9) -> str:
    """The same bomb as one flow list, as a ``--set`` value."""
    items = ["&l0 [" + ", ".join(["lol"] * width) + "]"]
    items += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


def deep_flow(levels: int = 600) -> str:
    return "deep: " + "[" * levels + "]" * levels + "\n"


def deep_block(levels: int = 600) -> str:
    return (
        "deep:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(levels)) + "  " * (levels + 1) + "1\n"
    )


def long_list(items: int = MAX_ITEMS + 1) -> str:
    return "long: [" + ",".join(["0"] * items) + "]\n"


def baseline_with(old: str, new: str) -> str:
    text = BASELINE.read_text()
    assert old in text, old
    return text.replace(old, new, 1)


# -- what a refusal looks like --------------------------------------------------------------------
def invoke(*args: str | Path) -> tuple[int, str, str]:
    """Run the command line in this process; an exception that is not an exit fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"run_sim.py {args}: raised {result.exception!r}\n{result.output}")
    return result.exit_code, result.stdout, result.stderr


def assert_refused(args: list, names: str | Path, out: Path | None = None, says: str = "") -> str:
    """Exit 2, exactly one line on stderr naming ``names``, no traceback, ``out`` never created."""
    code, stdout, stderr = invoke(*args)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert code == 2, f"exit {code}\n{stdout}\n{stderr}"
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert "Traceback" not in stdout + stderr
    assert str(names) in lines[0], lines[0]
    assert says in lines[0], lines[0]
    if out is not None:
        assert not out.exists(), f"{out} was written"
    return lines[0]


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- scenario files -------------------------------------------------------------------------------
SCENARIO_CONTENT = {
    "alias_bomb": (alias_bomb(), "expand to more than"),
    "long_list": (long_list(), "entries in one mapping or list"),
    "deep_flow": (deep_flow(), f"more than {MAX_DEPTH} levels"),
    "deep_block": (deep_block(), f"more than {MAX_DEPTH} levels"),
    "control_char": (baseline_with("title: ", "title: \x01"), "U+0001"),
    "escape_sequence": (baseline_with("title: ", "title: \x1b[2J"), "U+001B"),
    "nul_byte": (baseline_with("seed: ", "seed: \x00"), "U+0000"),
    "c1_control": (baseline_with("title: ", "title: \x9b"), "U+009B"),
    "set_tag": (
        re.sub(r"(?m)^outcomes: \[(.*?)\].*$", r"outcomes: !!set {\1}", BASELINE.read_text()),
        "!!set is not allowed",
    ),
    "set_tag_in_a_list": (
        baseline_with("parties: [russia, ukraine]", "parties: !!set {russia, ukraine}"),
        "!!set",
    ),
    "python_tag": (
        baseline_with("seed: 20250318", "seed: !!python/object/apply:os.getcwd []"),
        "not allowed",
    ),
    "custom_tag": (baseline_with("seed: 20250318", "seed: !mine 20250318"), "!mine is not allowed"),
    "binary_tag": (baseline_with("title: ", "title: !!binary aGVsbG8= #"), "!!binary"),
    "omap_tag": (baseline_with("outcomes: [", "outcomes: !!omap [{a: 1}] #["), "!!omap"),
    "merge_key": (
        baseline_with("horizon_days: 180", "horizon_days: 180\nx: &m {a: 1}\ny: {<<: *m}"),
        "merge",
    ),
    "recursive_alias": (baseline_with("horizon_days: 180", "horizon_days: 180\nloop: &x [*x]"), "itself"),
    "two_documents": (BASELINE.read_text() + "\n---\nname: other\n", "not valid YAML"),
}


@pytest.mark.parametrize("kind", sorted(SCENARIO_CONTENT))
def test_a_hostile_scenario_file_is_refused_in_one_line(tmp_path, kind):
    text, says = SCENARIO_CONTENT[kind]
    bad = write(tmp_path / "bad.yaml", text)
    out = tmp_path / "out"
    assert_refused(["run", bad, "--runs", "1", "--out", out], bad, out, says)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = write(tmp_path / "big.yaml", "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    out = tmp_path / "out"
    assert_refused(["run", big, "--runs", "1", "--out", out], big, out, "too large")


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    bad = write(tmp_path / "latin1.yaml", "name: a\ntitle: caf\xe9\n".encode("latin-1"))
    line = assert_refused(["scenario", "validate", bad], bad, says="not UTF-8")
    assert line.startswith(f"{bad}:2 ")


def test_a_byte_order_mark_and_windows_line_ends_are_fine(tmp_path):
    text = BASELINE.read_text().replace("\n", "\r\n")
    ok = write(tmp_path / "bom.yaml", b"\xef\xbb\xbf" + text.encode())
    assert load_scenario(ok) == load_scenario(BASELINE)


def _special(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A path that is not a regular file, and what the refusal says it is."""
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(tmp_path / "scenario.yaml")
        return tmp_path / "scenario.yaml", "named pipe"
    if kind == "dev_zero":
        if not DEV_ZERO.exists():
            pytest.skip("no /dev/zero here")
        return DEV_ZERO, "a device"
    if kind == "symlink_loop":
        if os.name == "nt":
            pytest.skip("symbolic links need privileges")
        (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
        (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
        return tmp_path / "a.yaml", "loop of symbolic links"
    (tmp_path / "folder.yaml").mkdir()
    return tmp_path / "folder.yaml", "a folder"


SPECIAL = ["fifo", "dev_zero", "symlink_loop", "folder"]


@pytest.mark.parametrize("kind", SPECIAL)
def test_a_special_file_as_the_scenario_is_refused_unread(tmp_path, kind):
    """The command line may name it as no file at all; the loader says what it is."""
    path, says = _special(kind, tmp_path)
    out = tmp_path / "out"
    assert_refused(["run", path, "--runs", "1", "--out", out], path, out)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.file == str(path) and says in problem.message


def test_infinity_is_refused_with_its_field_path(tmp_path):
    text = baseline_with("cost_of_war: {value: 1.0", "cost_of_war: {value: .inf")
    bad = write(tmp_path / "inf.yaml", text)
    out = tmp_path / "out"
    line = assert_refused(["run", bad, "--runs", "1", "--out", out], bad, out, "finite number")
    assert "dynamics.cost_of_war.value" in line
    assert line.startswith(f"{bad}:{text[: text.index('.inf')].count(chr(10)) + 1} ")


def test_nan_is_refused_with_its_field_path(tmp_path):
    bad = write(tmp_path / "nan.yaml", baseline_with("strength: {value: 0.3", "strength: {value: .nan"))
    line = assert_refused(["scenario", "validate", bad], bad, says="finite number")
    assert "monitoring.strength.value" in line


def test_a_far_future_start_date_is_refused_before_anything_runs(tmp_path):
    bad = write(tmp_path / "future.yaml", baseline_with("start_date: 2025-03-18", "start_date: 9999-12-01"))
    out = tmp_path / "out"
    line = assert_refused(["run", bad, "--runs", "1", "--out", out], bad, out, "start_date")
    assert "2200-12-31" in line


def test_a_run_that_would_end_after_2200_is_refused(tmp_path):
    bad = write(tmp_path / "late.yaml", baseline_with("start_date: 2025-03-18", "start_date: 2200-10-01"))
    assert_refused(["scenario", "validate", bad], bad, says="horizon_days")


# -- extends --------------------------------------------------------------------------------------
def _extends(tmp_path: Path, base: str | Path, name: str = "variant.yaml") -> Path:
    return write(tmp_path / name, f"extends: {base}\nname: variant\n")


def test_an_extends_chain_longer_than_the_limit_is_refused(tmp_path):
    n = 1200
    for i in range(n):
        write(tmp_path / f"v{i}.yaml", f"extends: v{i + 1}.yaml\n")
    write(tmp_path / f"v{n}.yaml", BASELINE.read_text())
    out = tmp_path / "out"
    line = assert_refused(["run", tmp_path / "v0.yaml", "--runs", "1", "--out", out], "v", out, "longer than")
    assert f"{MAX_EXTENDS} files" in line


def test_a_short_extends_chain_still_loads(tmp_path):
    for i in range(MAX_EXTENDS - 1):
        write(tmp_path / f"v{i}.yaml", f"extends: v{i + 1}.yaml\n")
    write(tmp_path / f"v{MAX_EXTENDS - 1}.yaml", BASELINE.read_text())
    assert load_scenario(tmp_path / "v0.yaml") == load_scenario(BASELINE)


def test_an_extends_cycle_is_refused(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\n")
    assert_refused(["scenario", "validate", tmp_path / "a.yaml"], "b.yaml", says="extends itself")


def test_extends_of_a_file_that_is_not_yaml_is_refused_unread(tmp_path):
    secret = write(tmp_path / "passwords.txt", "name: hunter2-SECRET\n")
    variant = _extends(tmp_path, secret)
    line = assert_refused(["scenario", "validate", variant], variant, says="not a scenario file")
    assert "hunter2" not in line


def test_extends_of_a_yaml_file_that_is_not_a_scenario_echoes_nothing_of_it(tmp_path):
    secret = write(tmp_path / "credentials.yaml", "password: hunter2-SECRET\ntoken: [hunter2-SECRET]\n")
    variant = _extends(tmp_path, secret)
    line = assert_refused(["scenario", "validate", variant], secret, says="not a scenario file")
    assert "hunter2" not in line and "password" not in line


def test_extends_of_a_base_with_wrong_values_names_them_but_echoes_nothing(tmp_path):
    base = write(tmp_path / "base.yaml", "name: base\ntitle: [hunter2-SECRET]\nseed: hunter2-SECRET\n")
    variant = _extends(tmp_path, base.name)
    code, stdout, stderr = invoke("scenario", "validate", variant)
    assert code == 2 and "Traceback" not in stdout + stderr and "hunter2" not in stdout + stderr
    assert f"{base}:2  title  Input should be a valid string" in stderr.splitlines()


def test_extends_of_broken_yaml_names_the_line_but_echoes_nothing(tmp_path):
    secret = write(tmp_path / "broken.yaml", "name: ok\ntitle: *hunter2SECRET\n")
    variant = _extends(tmp_path, secret)
    line = assert_refused(["scenario", "validate", variant], f"{secret}:2", says="not valid YAML")
    assert "hunter2" not in line


@needs_fifo
def test_extends_of_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "base.yaml"
    os.mkfifo(fifo)
    variant = _extends(tmp_path, fifo.name)
    out = tmp_path / "out"
    assert_refused(["run", variant, "--runs", "1", "--out", out], fifo, out, "named pipe")


@needs_dev_zero
def test_extends_of_dev_zero_is_refused_unread(tmp_path):
    variant = _extends(tmp_path, DEV_ZERO)
    assert_refused(["scenario", "validate", variant], variant, says="not a scenario file")


@needs_symlinks
def test_extends_of_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "x.yaml").symlink_to(tmp_path / "y.yaml")
    (tmp_path / "y.yaml").symlink_to(tmp_path / "x.yaml")
    variant = _extends(tmp_path, "x.yaml")
    assert_refused(["scenario", "validate", variant], "x.yaml", says="symbolic links")


def test_extends_of_a_base_with_a_control_character_is_refused(tmp_path):
    base = write(tmp_path / "base.yaml", baseline_with("title: ", "title: \x07"))
    variant = _extends(tmp_path, base.name)
    assert_refused(["scenario", "validate", variant], f"{base}:", says="U+0007")


def test_extends_of_an_alias_bomb_is_refused(tmp_path):
    write(tmp_path / "bomb.yaml", alias_bomb())
    variant = _extends(tmp_path, "bomb.yaml")
    assert_refused(["scenario", "validate", variant], "bomb.yaml", says="expand to more than")


# -- --set ----------------------------------------------------------------------------------------
SET_VALUES = {
    "alias_bomb": (flow_bomb(), "expand to more than"),
    "set_tag": ("!!set {a, b}", "!!set"),
    "python_tag": ("!!python/object/apply:os.getcwd []", "not allowed"),
    "control_char": ("1\x1b[2J", "U+001B"),
    "too_long": ("1" * (reading.MAX_VALUE_CHARS + 1), "too long"),
    "deep": ("[" * 200 + "]" * 200, f"more than {MAX_DEPTH} levels"),
    "infinity": (".inf", "finite number"),
    "nan": (".nan", "finite number"),
}


@pytest.mark.parametrize("kind", sorted(SET_VALUES))
def test_a_hostile_set_value_is_refused_in_one_line(tmp_path, kind):
    value, says = SET_VALUES[kind]
    out = tmp_path / "out"
    args = ["run", "--runs", "1", "--set", f"dynamics.cost_of_war={value}", "--out", out]
    line = assert_refused(args, "--set", out, says)
    assert "dynamics.cost_of_war" in line and len(line) < 1000


# -- sweep specs ----------------------------------------------------------------------------------
def _spec(tmp_path: Path, text: str) -> Path:
    return write(tmp_path / "spec.yaml", text)


SPEC = f"scenario: {BASELINE}\nreplicates: 1\naxes:\n  monitoring.strength: [0.2, 0.4]\n"
SPECS = {
    "alias_bomb": (SPEC + alias_bomb(), "expand to more than"),
    "control_char": (SPEC.replace("replicates", "\x02replicates"), "U+0002"),
    "set_tag": (SPEC.replace("[0.2, 0.4]", "!!set {0.2, 0.4}"), "!!set"),
    "range_infinite": (SPEC.replace("[0.2, 0.4]", "{low: 0.1, high: .inf}"), "finite number"),
    "value_nan": (SPEC.replace("[0.2, 0.4]", "[0.2, .nan]"), "finite number"),
    "deep": (SPEC + deep_flow(), "levels"),
    "scenario_dev_zero": (SPEC.replace(str(BASELINE), "/dev/zero"), "not a scenario file"),
}


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_a_hostile_sweep_spec_is_refused_in_one_line(tmp_path, kind):
    text, says = SPECS[kind]
    spec = _spec(tmp_path, text)
    out = tmp_path / "out"
    assert_refused(["sweep", spec, "--out", out, "--workers", "1"], spec, out, says)


@needs_fifo
def test_a_fifo_as_the_sweep_spec_is_refused(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    assert_refused(["sweep", fifo, "--out", out], fifo, out)  # the command line may call it no file
    with pytest.raises(ScenarioError, match="named pipe"):
        load_sweep(fifo)


@needs_fifo
def test_a_fifo_as_the_sweeps_scenario_is_refused(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    spec = _spec(tmp_path, SPEC.replace(str(BASELINE), "scenario.yaml"))
    out = tmp_path / "out"
    assert_refused(["sweep", spec, "--out", out], fifo, out, "named pipe")


def test_a_sweep_scenario_that_is_not_yaml_is_refused_unread(tmp_path):
    write(tmp_path / "notes.txt", "hunter2-SECRET\n")
    spec = _spec(tmp_path, SPEC.replace(str(BASELINE), "notes.txt"))
    line = assert_refused(["sweep", spec, "--out", tmp_path / "out"], spec, says="not a scenario file")
    assert "hunter2" not in line


def test_a_sweep_scenario_with_foreign_keys_echoes_nothing_of_it(tmp_path):
    write(tmp_path / "notes.yaml", "api_key: hunter2-SECRET\n")
    spec = _spec(tmp_path, SPEC.replace(str(BASELINE), "notes.yaml"))
    line = assert_refused(["sweep", spec, "--out", tmp_path / "out"], "notes.yaml", says="not a scenario")
    assert "hunter2" not in line


# -- exercises ------------------------------------------------------------------------------------
SEQUENCING = (EXERCISES / "sequencing.yaml").read_text()
EXERCISE_FILES = {
    "alias_bomb": (SEQUENCING + alias_bomb(), "expand to more than"),
    "control_char": (SEQUENCING.replace("topic: ", "topic: \x1b]8;;http://x\x1b\\", 1), "U+001B"),
    "set_tag": (
        SEQUENCING.replace("paragraphs: [", "paragraphs: !!set {", 1).replace("P12]", "P12}", 1),
        "!!set",
    ),
    "deep": (SEQUENCING + deep_block(), "levels"),
}


@pytest.mark.parametrize("kind", sorted(EXERCISE_FILES))
def test_a_hostile_exercise_is_refused_in_one_line(tmp_path, kind):
    text, says = EXERCISE_FILES[kind]
    bad = write(tmp_path / "bad.yaml", text)
    out = tmp_path / "out"
    assert_refused(["exercise", "handout", bad, "--out", out], bad, out, says)


@needs_fifo
def test_a_fifo_as_the_exercise_is_refused(tmp_path):
    fifo = tmp_path / "exercise.yaml"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    assert_refused(["exercise", "handout", fifo, "--out", out], fifo, out, "named pipe")


# -- predictions and moves files (text) -----------------------------------------------------------
def _text_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files = {
        "control_char": (write(tmp_path / "ctrl.txt", "Table 1 | result | baseline@43\x1b[2J\n"), "U+001B"),
        "too_large": (write(tmp_path / "big.txt", "# x\n" * (MAX_FILE_BYTES // 4 + 1)), "too large"),
        "not_utf8": (write(tmp_path / "latin.txt", b"# caf\xe9\n"), "not UTF-8"),
        "folder": (tmp_path, "a folder"),
    }
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.txt")
        files["fifo"] = (tmp_path / "fifo.txt", "named pipe")
    if DEV_ZERO.exists():
        files["dev_zero"] = (DEV_ZERO, "a device")
    return files


TEXT_KINDS = ["control_char", "too_large", "not_utf8", "folder", "fifo", "dev_zero"]


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_a_hostile_predictions_file_is_refused_in_one_line(tmp_path, kind):
    files = _text_files(tmp_path)
    if kind not in files:
        pytest.skip(f"no {kind} on this system")
    path, says = files[kind]
    out = tmp_path / "out"
    assert_refused(["exercise", "debrief", "sequencing", path, "--out", out], path, out, says)


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_a_hostile_moves_file_is_refused_in_one_line(tmp_path, kind):
    files = _text_files(tmp_path)
    if kind not in files:
        pytest.skip(f"no {kind} on this system")
    path, says = files[kind]
    out = tmp_path / "out"
    assert_refused(["play", "--as", "us", "--days", "5", "--moves", path, "--out", out], path, out, says)


def test_a_moves_file_of_many_bad_lines_reports_a_bounded_number(tmp_path):
    moves = write(tmp_path / "moves.txt", "nonsense\n" * 5000)
    code, _, stderr = invoke("play", "--as", "us", "--days", "5", "--moves", moves, "--out", tmp_path / "out")
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == MAX_PROBLEMS + 1 and "4980 more problems" in lines[-1]
    assert not (tmp_path / "out").exists()


# -- the observed record --------------------------------------------------------------------------
RECORD_TEXT = RECORD.read_text()
RECORDS = {
    "alias_bomb": (RECORD_TEXT + alias_bomb(), "expand to more than"),
    "control_char": (RECORD_TEXT.replace("title: ", "title: \x00", 1), "U+0000"),
    "set_tag": (RECORD_TEXT.replace("actors: [us, ukraine]", "actors: !!set {us, ukraine}", 1), "!!set"),
    "long_list": (RECORD_TEXT + long_list(), "entries"),
}


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_a_hostile_observed_record_is_refused_with_one_problem(tmp_path, kind):
    text, says = RECORDS[kind]
    bad = write(tmp_path / "record.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_record(bad)
    (problem,) = info.value.problems
    assert problem.file == str(bad) and says in problem.message


@pytest.mark.parametrize("special", ["fifo", "dev_zero"])
def test_a_special_file_as_the_observed_record_is_refused(tmp_path, special):
    if special == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        path = tmp_path / "record.yaml"
        os.mkfifo(path)
    else:
        if not DEV_ZERO.exists():
            pytest.skip("no /dev/zero here")
        path = DEV_ZERO
    with pytest.raises(ScenarioError) as info:
        load_record(path)
    (problem,) = info.value.problems
    assert problem.file == str(path) and "not a regular file" in problem.message


# -- reading.py's limits, at their edges ----------------------------------------------------------
def _nested(levels: int) -> str:
    """A mapping nested so that its deepest value lies ``levels`` levels down (the root is level 1)."""
    return "a: " + "[" * (levels - 2) + "1" + "]" * (levels - 2) + "\n"


def test_nesting_up_to_the_limit_reads_and_one_more_level_is_refused():
    assert parse_yaml(_nested(MAX_DEPTH), "x").data
    with pytest.raises(ScenarioError, match="levels deep"):
        parse_yaml(_nested(MAX_DEPTH + 1), "x")


def test_a_list_up_to_the_limit_reads_and_one_more_entry_is_refused():
    assert len(parse_yaml(long_list(MAX_ITEMS), "x").data["long"]) == MAX_ITEMS
    with pytest.raises(ScenarioError, match="entries"):
        parse_yaml(long_list(MAX_ITEMS + 1), "x")


def test_aliases_are_counted_expanded_and_refused_before_anything_is_built(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("an alias bomb must be refused on its node graph, not built")

    monkeypatch.setattr(reading.PlainLoader, "construct_document", never)
    with pytest.raises(ScenarioError, match="expand to more than") as info:
        parse_yaml(alias_bomb(), "bomb.yaml")
    assert info.value.problems[0].line is not None


def test_aliases_within_the_budget_read_as_shared_plain_data():
    per = MAX_NODES // 10 - 2  # each of ten aliases expands to a list of `per` scalars plus itself
    text = "base: &b [" + ",".join(["1"] * per) + "]\nuse: [" + ", ".join(["*b"] * 8) + "]\n"
    data = parse_yaml(text, "x").data
    assert len(data["use"]) == 8 and data["use"][0] == [1] * per


def test_the_expanded_depth_of_aliases_counts_too():
    text = "a0: &a0 " + "[" * 30 + "1" + "]" * 30 + "\na1: &a1 " + "[" * 30 + "*a0" + "]" * 30 + "\n"
    with pytest.raises(ScenarioError, match="levels deep"):
        parse_yaml(text, "x")


@pytest.mark.parametrize(
    "text", ["a: !!set {x}", "a: !!omap [{x: 1}]", "a: !!pairs [{x: 1}]", "a: !!binary aGk=", "a: !x 1"]
)
def test_only_plain_data_tags_are_allowed(text):
    with pytest.raises(ScenarioError, match="not allowed"):
        parse_yaml(text, "x")


def test_plain_data_reads_as_the_safe_loader_reads_it():
    text = "a: !!str 1\nb: 2025-03-18\nc: [1, 2.5, true, null, ~, 'q']\nd: {e: 0x10}\nf: !!float 1\n"
    assert parse_yaml(text, "x").data == yaml.safe_load(text)


@pytest.mark.parametrize(
    "path",
    sorted(SCENARIOS.rglob("*.yaml")) + sorted(EXERCISES.glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_every_shipped_file_reads_exactly_as_before(path):
    assert read_yaml(path).data == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_read_text_caps_the_size_and_keeps_tabs_and_line_ends(tmp_path):
    ok = write(tmp_path / "ok.txt", "a\tb\r\nc\n")
    assert read_text(ok) == "a\tb\r\nc\n"
    with pytest.raises(ScenarioError, match="too large"):
        read_text(ok, max_bytes=4)


def test_a_control_character_is_reported_at_its_line_and_column(tmp_path):
    bad = write(tmp_path / "bad.txt", "first\nsec\x7fond\n")
    with pytest.raises(ScenarioError) as info:
        read_text(bad)
    (problem,) = info.value.problems
    assert problem.line == 2 and "(U+007F) in column 4" in problem.message


def test_a_problem_is_always_one_line_with_its_control_characters_shown():
    shown = str(Problem("f.yaml", 3, "a.b", "bad 'x\ny\x1b[2J'"))
    assert "\n" not in shown and "\x1b" not in shown
    assert shown.startswith("f.yaml:3  a.b  bad")


def test_many_problems_are_capped_with_a_count():
    err = ScenarioError([Problem("f", i, "", "bad") for i in range(1, 101)])
    assert len(err.problems) == MAX_PROBLEMS + 1 and "80 more problems" in err.problems[-1].message


def test_parse_value_reads_plain_values_and_refuses_the_rest():
    assert parse_value("[1, 0.5, x]") == [1, 0.5, "x"]
    assert parse_value("2025-03-18").isoformat() == "2025-03-18"
    for bad in ("!!set {a}", "[1, 2", "a\x00", "[" * 100 + "]" * 100):
        with pytest.raises(ValueError):
            parse_value(bad)
