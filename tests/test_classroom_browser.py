"""The classroom in real browsers: a facilitator and three seats play three rounds of a three-table class.

Two ``classroom`` servers run (offline: outbound requests go to a dead proxy, and the browser aborts
and records any request not to localhost). The first is the class: a wrong code and the other
session's codes get the clear refusal page; the facilitator and table 1's United States, Russia and
Ukraine join from their own browser contexts; each seat sets a standing order; three rounds are
played, each seat answering the decisions put to it (a counter, a tabled package, acceptances); an
inject with a strike is fired; the projector (its own code) shows the three tables and the
ensemble. No seat's page ever holds another seat's private lines, nor the facilitator's; no page
shows a traceback. Then the facilitator saves, and the command the console prints replays table 1
from the command line to the same runs.csv row as the session's.

Screenshots of a seat, the console and the projector go to the test's folder, and to
``CLASSROOM_SCREENSHOTS`` (e.g. ``docs/img``) when that is set. Waits are generous, never asserted.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, ROOT, free_port, wait_until

playwright = pytest.importorskip("playwright.sync_api")

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
START = 180.0  # seconds: generous waits on a busy 2-core machine; never asserted on
EXERCISE = "monitoring"  # its inject carries a strike
SEATS = ("United States", "Russia", "Ukraine")
REFUSED = "This code is not valid for this session"
ROUNDS = 3
CODE_LINE = re.compile(r"^(facilitator|projector|table \d+ [^:]+):\s+(\S+)\s*$", re.M)
PRIVATE = re.compile(
    r"^(Day \d+ \(.*You are |Your trust |Violations by \S+ you perceived|The front with |You perceived \d+ )"
)
"""Lines of a seat's page that only its own actor may see, each naming that actor or its enemies."""
FACILITATOR_ONLY = ("no real strike", "was below its reservation", "its gain ", "met its reservation")
PYTHON_ERROR = re.compile(r"Traceback|\b\w+Error:")

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="runs servers in sessions of their own")

FOLLOW_PYTEST = (  # the same process, told by the kernel to stop (SIGTERM) if pytest dies
    "import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGTERM); "
    "os.getppid() == int(sys.argv[1]) or sys.exit('pytest is gone'); os.execv(sys.argv[2], sys.argv[2:])"
)


def _offline_env() -> dict[str, str]:
    dead = "http://127.0.0.1:9"  # nothing listens: any request to the internet fails at once
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


@contextlib.contextmanager
def _classroom(tmp: Path, name: str):
    """A ``classroom`` server in a session of its own, killed whole on the way out; yields its URL,
    its codes (from its terminal) and its log."""
    port, log, out = free_port(), tmp / f"{name}.log", tmp / f"{name}-saved"
    args = [sys.executable, str(ROOT / "run_sim.py"), "classroom", EXERCISE, "--tables", "3"]
    args += ["--round-days", "7", "--port", str(port), "--out", str(out)]
    with log.open("w") as sink:  # a file, not a pipe nobody reads
        proc = subprocess.Popen(
            [sys.executable, "-c", FOLLOW_PYTEST, str(os.getpid()), *args],
            env=_offline_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp,
        )
    try:
        yield proc, port, log, out
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _up(proc: subprocess.Popen, port: int, log: Path) -> tuple[str, dict[str, str]]:
    """Wait for the server to answer; its URL and codes ('facilitator', 'table 1 Russia', ...)."""
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return url, dict(CODE_LINE.findall(log.read_text()))
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the classroom did not start (exit {proc.poll()}): {log.read_text()[-2000:]}")


def _text(page) -> str:
    return page.locator("body").inner_text()


def _join(new_page, url: str, code: str):
    page = new_page()
    page.goto(url)
    box = page.get_by_label("code")
    box.wait_for(timeout=START * 1000)
    box.fill(code)
    page.get_by_role("button", name="Join").click()
    return page


def _refused(page) -> None:
    page.get_by_text(REFUSED).wait_for(timeout=60_000)
    assert not PYTHON_ERROR.search(_text(page)), _text(page)[:2000]


def _table_one(console) -> tuple[int, str]:
    """Table 1's day and status, as the console shows them."""
    card = console.locator(".table-card").first.inner_text()
    match = re.search(r"Table 1 · day (\d+) \([^)]*\) · ([^\n]+)", card)
    assert match, card
    return int(match.group(1)), match.group(2).strip()


def _answer(name: str, page, answered: dict[str, int]) -> bool:
    """Answer the decision on a seat's page if there is one: Russia counters first then accepts, the
    mediator tables (with a term of its own the first time), Ukraine accepts. Whether it answered."""
    card = page.locator(".decision")
    if card.count() == 0:
        return False
    card = card.first
    buttons = [b.strip().lower() for b in card.get_by_role("button").all_inner_texts()]
    if not buttons:  # drawn half-way: look again
        return False
    n = answered.get(name, 0)
    inputs = card.locator("input")
    if "counter" in buttons and name == "Russia" and n == 0 and inputs.count():
        inputs.first.fill("0.3")
        choice = "counter"
    elif "table" in buttons:
        if n == 0 and inputs.count():
            inputs.first.fill("0.2")
        choice = "table"
    elif "accept" in buttons:
        choice = "accept"
    else:
        choice = buttons[0]
    try:  # the card may be redrawn under the click (another seat answered): try again next look
        card.get_by_role("button", name=re.compile(f"^{choice}$", re.I)).click(timeout=10_000)
    except playwright.Error:
        return False
    answered[name] = n + 1
    return True


def _marked(page) -> list:
    """The tables (name, day) the projector's outcome bar marks (``layout.meta.tables``, set by the page)."""
    shown = page.evaluate(
        "() => Array.from(document.querySelectorAll('.ensemble-figure .js-plotly-plot'))"
        ".map(d => (d.layout && d.layout.meta) ? d.layout.meta.tables : null).filter(x => x)"
    )
    return re.findall(r"(Table \d+) day (\d+)", shown[0]) if shown else []


def _private_lines(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        line = re.sub(r"^day \d+: ", "", line.strip())
        if PRIVATE.match(line):
            out.add(line)
    return out


def _shoot(page, name: str, tmp: Path) -> None:
    page.screenshot(path=str(tmp / f"classroom-{name}.png"), full_page=False)
    if os.environ.get("CLASSROOM_SCREENSHOTS"):
        folder = Path(os.environ["CLASSROOM_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"classroom-{name}.png"), full_page=False)


def test_a_three_table_class_plays_three_rounds_privately_and_replays(tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CEASEFIRE_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (CEASEFIRE_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("needs Chromium (.ci/run installs Debian's chromium)")
    outside: list[str] = []
    errors: list[str] = []
    with contextlib.ExitStack() as stack:
        proc, port, log, out = stack.enter_context(_classroom(tmp_path, "class"))
        other = stack.enter_context(_classroom(tmp_path, "other"))
        url, codes = _up(proc, port, log)
        _other_url, other_codes = _up(*other[:3])
        wanted = {"facilitator", "projector", *(f"table {t} {s}" for t in (1, 2, 3) for s in SEATS)}
        assert wanted <= set(codes), sorted(codes)
        assert len(set(codes.values())) == len(codes), "codes repeat"
        assert not set(codes.values()) & set(other_codes.values())

        p = stack.enter_context(playwright.sync_playwright())
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        stack.callback(browser.close)

        def route(r):
            if r.request.url.startswith(LOCAL):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        def new_page():
            context = browser.new_context(viewport={"width": 1400, "height": 1000})  # a browser each
            page = context.new_page()
            page.route("**/*", route)
            page.on("pageerror", lambda e: errors.append(str(e)))
            return page

        # codes that open nothing here: a made-up one, and the other session's seat and facilitator
        for wrong in ("ABCD-EFGH-JKMN", other_codes["table 1 Russia"], other_codes["facilitator"]):
            _refused(_join(new_page, url, wrong))
        other[0].send_signal(signal.SIGTERM)  # no longer needed: frees its CPU for the class

        console = _join(new_page, url, codes["facilitator"])
        console.get_by_text("Facilitator ·").wait_for(timeout=60_000)
        seats = {s: _join(new_page, url, codes[f"table 1 {s}"]) for s in SEATS}
        for name, page in seats.items():
            page.locator(".seat-header").wait_for(timeout=60_000)
            assert name in page.locator(".seat-header").inner_text()
        projector = _join(new_page, url, codes["projector"])
        projector.locator(".projector").wait_for(timeout=60_000)

        # a standing order from each seat, before the first round
        seats["Russia"].locator(".order-energy").get_by_role("button", name="respond").click()
        seats["Ukraine"].locator(".order-naval").get_by_role("button", name="respond").click()
        seats["United States"].locator(".order-normalisation").get_by_role("button", name="hold").click()
        assert seats["United States"].locator(".order-withdraw").count() == 0  # a mediator has no grievances
        for name, order, label in (
            ("Russia", "energy", "respond in kind"),
            ("Ukraine", "naval", "respond in kind"),
            ("United States", "normalisation", "hold"),
        ):
            seats[name].locator(f".order-{order} .order-label").get_by_text(label).wait_for(timeout=60_000)

        seen: dict[str, set[str]] = {s: set() for s in SEATS}
        pages: dict[str, list[str]] = {s: [] for s in SEATS}
        answered: dict[str, int] = {}
        shot = False

        def look() -> None:
            for name, page in seats.items():
                text = _text(page)
                pages[name].append(text)
                seen[name] |= _private_lines(text)

        for round_no in range(1, ROUNDS + 1):
            if round_no == 2:  # the exercise's inject, with its strike at every table
                console.locator(".inject").first.get_by_role("button", name="Fire").click()
                console.get_by_text(re.compile(r"fired on day \d+")).wait_for(timeout=60_000)
            console.get_by_role("button", name="Advance round").click()
            console.get_by_text(re.compile(rf"· round {round_no} \(")).wait_for(timeout=60_000)
            deadline = time.monotonic() + START
            while time.monotonic() < deadline:
                day, status = _table_one(console)
                if status in ("round over", "ended") and day >= min(7 * round_no, 180):
                    break
                for name, page in seats.items():
                    if name == "United States" and not shot and page.locator(".decision").count():
                        time.sleep(2)  # a settled page for the picture: the mediator asked to table
                        _shoot(page, "seat", tmp_path)
                        shot = True
                    if _answer(name, page, answered):
                        look()
                time.sleep(0.5)
            else:
                shown = "\n---\n".join(_text(page)[:1500] for page in seats.values())
                pytest.fail(f"round {round_no} did not end: table 1 {_table_one(console)}\n{shown}")
            look()
        assert answered, "no seat was asked anything in three rounds"

        # the inject reached the seats' news, and the projector shows three tables and the ensemble
        wait_until(lambda: "News (inject)" in _text(seats["Ukraine"]), timeout=START)
        wait_until(lambda: projector.locator(".projector .table-card").count() == 3, timeout=START)
        wait_until(lambda: projector.locator(".ensemble-figure .js-plotly-plot").count() == 2, timeout=START)
        final = f"round {ROUNDS} · day {7 * ROUNDS}"
        wait_until(lambda: final in projector.locator(".projector-header").inner_text(), timeout=START)
        wait_until(
            lambda: _marked(projector) == [(f"Table {n}", str(7 * ROUNDS)) for n in (1, 2, 3)], timeout=START
        )
        assert all(f"Table {n}" in _text(projector) for n in (1, 2, 3))
        _shoot(projector, "projector", tmp_path)
        _shoot(console, "console", tmp_path)

        # privacy: no seat's page held another seat's private lines, or the facilitator's
        for name in SEATS:
            mine = " ".join(pages[name])
            assert f"You are {name}." in mine
            for other_name in SEATS:
                if other_name == name:
                    continue
                assert f"You are {other_name}" not in mine, (name, other_name)
                leaked = {line for line in seen[other_name] if line in mine}
                assert not leaked, (name, other_name, sorted(leaked)[:5])
            assert not any(s in mine for s in FACILITATOR_ONLY), name
            assert not any(code in mine for code in codes.values()), name

        # the facilitator reveals: the seats now read the truth behind what they perceived
        console.get_by_role("button", name="Reveal").click()
        wait_until(lambda: "Revealed" in _text(seats["Russia"]), timeout=START)

        # save, then replay table 1 with the command the console shows
        console.get_by_role("button", name="Save").click()
        replay = console.locator(".replay").filter(has_text="table 1:")
        replay.wait_for(timeout=120_000)
        command = shlex.split(replay.inner_text().split(":", 1)[1])
        assert command[0] == "ceasefire-sim" and command[1] == "play", command
        done = subprocess.run(
            [sys.executable, str(ROOT / "run_sim.py"), *command[1:], "--compare", "5"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
            env=_offline_env(),
        )
        assert done.returncode == 0, done.stderr[-3000:]
        replayed = Path(command[command.index("--out") + 1])
        replayed = replayed if replayed.is_absolute() else tmp_path / replayed
        session_rows = list(csv.DictReader((out / "table-1" / "runs.csv").open()))
        replay_rows = list(csv.DictReader((replayed / "runs.csv").open()))
        assert replay_rows == session_rows

        for page in [console, projector, *seats.values()]:
            assert not PYTHON_ERROR.search(_text(page)), _text(page)[:3000]
    assert outside == [], outside
    assert errors == [], errors
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
