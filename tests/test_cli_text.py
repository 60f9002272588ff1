"""Text from files reaches the terminal as literal text: markup shown, control codes neutralised, capped.

A scenario's title, an actor's name, a phase's title or an exercise's title may hold rich markup
(``[/]`` crashed ``scenario show``; ``[link=...]`` planted a hidden hyperlink) or raw escape sequences
(``ESC [2J`` clears the screen, OSC 8 plants a link). Every command that prints such text must exit 0,
show the markup as typed, show each control character as ``\\xNN`` and never write an ESC byte; a
1 MB title must be cut to a bounded size rather than rendered (it used to take a minute, or hang).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from sim.cli import app
from sim.data import BASELINE, EXERCISES
from sim.scenario.loader import load_scenario
from sim.text import MAX_SHOWN

MARKUP = "[bold red]T[/] [link=http://evil]x[/link]"
"""Rich markup, shown as typed (parsed, ``[/]`` alone would crash and the link would hide)."""
ESCAPES_YAML = r"\e[2J \e]8;;http://x\a click \e]8;;\a [/]"
"""Escape sequences as a YAML double-quoted string writes them: clear screen, an OSC 8 link."""
ESCAPES_SHOWN = r"\x1b[2J \x1b]8;;http://x\x07 click \x1b]8;;\x07 [/]"
"""The same, as the terminal must show them: each control character as \\xNN."""


def _hostile(who: str) -> str:
    """A YAML double-quoted scalar with markup and escapes, marked with ``who`` (title, actor...)."""
    return f'"{MARKUP} {who} {ESCAPES_YAML}"'


def _shown(who: str) -> str:
    return f"{MARKUP} {who} {ESCAPES_SHOWN}"


def _replace_description(text: str, new: str) -> str:
    """The baseline's folded description block replaced by ``new`` (a YAML scalar)."""
    return re.sub(
        r"^description: >-\n(?:  .*\n)+", lambda _: f"description: {new}\n", text, count=1, flags=re.M
    )


def _scenario(tmp_path: Path, title: str) -> Path:
    """A copy of the baseline with hostile text in its title, description, an actor's name and a
    phase's title (``title`` is the YAML scalar for the title)."""
    text = BASELINE.read_text(encoding="utf-8")
    edits = [
        ("title: Phased ceasefire after the 18 March 2025 US-Russia call", f"title: {title}"),
        ("    name: Ukraine", f"    name: {_hostile('ACTOR')}"),
        ("    title: Energy and infrastructure truce", f"    title: {_hostile('PHASE')}"),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    text = _replace_description(text, _hostile("DESCRIPTION"))
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = _scenario(tmp_path, _hostile("TITLE"))
    sc = load_scenario(path)  # the escapes really are control characters once loaded
    assert "\x1b[2J" in sc.title and "\x1b]8;;http://x\x07" in sc.actors["ukraine"].name
    assert "\x1b" in sc.phases["energy_truce"].title and "\x1b" in (sc.description or "")
    return path


@contextlib.contextmanager
def _plain_wide_consoles() -> Iterator[None]:
    """The commands' consoles without colour (a terminal running pytest -s would colour them: ESC
    bytes of ours) and wide enough that a table cell is not wrapped (the text is checked whole)."""
    consoles = {
        id(v): v
        for name, module in list(sys.modules.items())
        if name.startswith("sim.") and module is not None
        for v in vars(module).values()
        if isinstance(v, Console)
    }.values()
    saved = [(c, c._color_system, c._width) for c in consoles]
    try:
        for c in consoles:
            c._color_system = None
            c.width = 20_000
        yield
    finally:
        for c, colour, width in saved:
            c._color_system, c._width = colour, width


def invoke(*args: str | Path, cwd: Path | None = None, stdin: str | None = None):
    """The command in this process; its result, after checking it exited 0 and wrote no ESC byte."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_plain_wide_consoles())
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output, "a raw escape sequence reached the terminal"
    assert "\x07" not in result.output
    return result


def test_scenario_show_prints_markup_and_escapes_as_text(hostile):
    output = invoke("scenario", "show", hostile).output
    for who in ("TITLE", "DESCRIPTION", "ACTOR", "PHASE"):
        assert _shown(who) in output, who


def test_scenario_validate_prints_a_hostile_file_name_as_text(hostile, tmp_path):
    odd = tmp_path / "[red]x[bold] \x1b[2J.yaml"  # markup, in a name (no "/")
    odd.write_text(hostile.read_text(encoding="utf-8"), encoding="utf-8")
    output = invoke("scenario", "validate", odd).output
    assert "[red]x[bold] \\x1b[2J.yaml: valid" in output


def test_trace_of_a_hostile_scenario(hostile):
    output = invoke("trace", hostile, "--days", "3").output
    assert output.startswith("# baseline: seed") and "# outcome:" in output


def test_run_prints_the_title_as_text(hostile, tmp_path):
    output = invoke("run", hostile, "--runs", "2", "--no-report", "--out", tmp_path / "out").output
    assert _shown("TITLE") in output
    assert (tmp_path / "out" / "summary.json").is_file()


def test_validate_of_a_hostile_scenario(hostile, tmp_path):
    output = invoke("validate", hostile, "--runs", "2", "--out", tmp_path / "v").output
    assert "ALL AT ONCE" in output and (tmp_path / "v" / "validation.html").is_file()


def test_play_shows_views_and_debrief_as_text(hostile, tmp_path):
    """At the terminal (views, prompts) and in the debrief, the hostile actor name and phase title."""
    args = ["play", "--as", "ukraine", "--scenario", hostile, "--seed", "42", "--days", "10"]
    output = invoke(*args, "--compare", "2", "--out", tmp_path / "g", stdin="view\nquit\n").output
    assert _shown("ACTOR") in output and _shown("PHASE") in output
    assert "Debrief:" in output and (tmp_path / "g" / "debrief.txt").is_file()


def test_play_replay_warns_with_a_hostile_moves_path(hostile, tmp_path):
    moves = tmp_path / "[red]m[bold] \x1b[2J.txt"
    moves.write_text("# game: seed=7\n", encoding="utf-8")
    args = ["play", "--as", "ukraine", "--scenario", hostile, "--seed", "42", "--days", "10"]
    result = invoke(*args, "--moves", moves, "--compare", "2", "--out", tmp_path / "g")
    assert "[red]m[bold] \\x1b[2J.txt was recorded with seed 7" in result.output


def test_exercise_show_and_validate_print_hostile_text_as_text(tmp_path):
    text = (EXERCISES / "sequencing.yaml").read_text(encoding="utf-8")
    old = 'title: "Sequencing: a phased truce, or a comprehensive ceasefire first?"'
    assert old in text
    exercise = tmp_path / "hostile.yaml"
    exercise.write_text(text.replace(old, f"title: {_hostile('EXERCISE')}", 1), encoding="utf-8")
    assert _shown("EXERCISE") in invoke("exercise", "show", exercise, cwd=tmp_path).output
    assert "hostile.yaml: valid" in invoke("exercise", "validate", exercise, cwd=tmp_path).output


def test_a_one_megabyte_title_is_cut_short(tmp_path):
    """Shown capped to a bounded line, in a table as on its own; the rest is said to be elided."""
    path = _scenario(tmp_path, "A" * 1_000_000)
    run = ["run", path, "--runs", "1", "--no-report", "--out", tmp_path / "o"]
    for args in (["scenario", "show", path], run):
        output = invoke(*args).output
        title = next(line for line in output.splitlines() if "AAAA" in line)
        assert MAX_SHOWN <= title.count("A") < 50_000 and "more characters" in title
        assert len(output) < 500_000
