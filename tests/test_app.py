"""The dashboard in a real browser, and the ``app`` command's server lifetime.

In the browser: it loads offline, a slider moves, Step redraws the plots, and ▶ plays sixty days and
more with the figures following, with no error on the page. The server runs with every outbound
connection sent to a dead proxy (no internet), and the browser (Playwright driving the system's
Chromium: no browser download) aborts and records any request that is not to localhost; both must
find nothing to fetch from outside. In this process: the page's figures drawn over and over while
a thread steps the run, each of whole days.

The server never outlives ``app``: stopped by SIGTERM, SIGINT or Ctrl-C (SIGINT to the whole process
group), or killed outright, ``app`` leaves nothing listening on its port and no process behind. Every
``app`` here runs in a session of its own, killed whole in a ``finally`` should a test fail half-way.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM, ROOT, free_port, wait_until

playwright = pytest.importorskip("playwright.sync_api")

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
DAY = re.compile(r"Day (\d+) of (\d+)")
START = 120.0  # seconds: generous waits for a busy 2-core machine; never asserted on
PLAY_DAYS = 60
KINDS = ("timeline", "war", "trust", "violations")  # the run's figures, top to bottom
FIGURES = len(KINDS)
RUN_PLOTS = ".run-figure .js-plotly-plot"  # the single run's figures (the live ensemble's are apart)
ENSEMBLE_PLOTS = ".ensemble-figure .js-plotly-plot"

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for leftover processes in /proc")


def _listening(port: int) -> bool:
    """Whether anything accepts connections on the port."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _group(pgid: int) -> list[str]:
    """The live processes of a process group (zombies left out: they hold nothing), as 'pid name'."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if rest[0] != "Z" and int(rest[2]) == pgid:
            found.append(f"{stat.parent.name} {name}")
    return found


FOLLOW_PYTEST = (  # then exec: the same process, told by the kernel to stop (SIGTERM) if pytest dies
    "import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGTERM); "
    "os.getppid() == int(sys.argv[1]) or sys.exit('pytest is gone'); os.execv(sys.argv[2], sys.argv[2:])"
)


def _start(port: int, log: Path) -> subprocess.Popen:
    """``run_sim.py app`` in a session of its own, offline: outbound requests go to a dead proxy.

    Should pytest itself be killed (no ``finally`` runs), ``app`` is stopped by the kernel and takes
    its server with it (PR_SET_PDEATHSIG, set before exec)."""
    dead = "http://127.0.0.1:9"  # nothing listens: any request to the internet fails at once
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    app = [sys.executable, str(ROOT / "run_sim.py"), "app", "--port", str(port)]
    with log.open("w") as out:  # a file, not a pipe nobody reads: a full pipe would stall the server
        return subprocess.Popen(
            [sys.executable, "-c", FOLLOW_PYTEST, str(os.getpid()), *app],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_up(proc: subprocess.Popen, port: int, log: Path) -> str:
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return url
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the dashboard did not start (exit {proc.poll()}): {log.read_text()[-2000:]}")


def _wait_gone(proc: subprocess.Popen, port: int) -> tuple[int | None, bool, list[str]]:
    """Wait (generously) for ``app`` to end, its port to close and its group to empty; what is left."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None and not _listening(port) and not _group(proc.pid):
            break
        time.sleep(0.25)
    return proc.poll(), _listening(port), _group(proc.pid)


@contextlib.contextmanager
def _app(tmp: Path) -> Iterator[tuple[subprocess.Popen, int, str, Path]]:
    """A started ``app``; whatever a test did, its whole process group is killed on the way out."""
    port, log = free_port(), tmp / "app.log"
    proc = _start(port, log)
    try:
        yield proc, port, _wait_up(proc, port, log), log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, subprocess.Popen]]:
    """One dashboard for the browser tests, stopped by SIGTERM to ``app`` alone at the end, which must
    take its server with it."""
    if CHROMIUM is None:
        if os.environ.get("CEASEFIRE_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (CEASEFIRE_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("needs Chromium (.ci/run installs Debian's chromium)")
    with _app(tmp_path_factory.mktemp("app")) as (proc, port, url, log):
        yield url, proc
        assert proc.poll() is None, f"the server died during the tests: {log.read_text()[-2000:]}"
        proc.send_signal(signal.SIGTERM)
        code, listening, left = _wait_gone(proc, port)
        assert code is not None, "app did not stop on SIGTERM"
        assert not listening, f"port {port} still open after app stopped"
        assert left == [], f"processes left behind by app: {left}"
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@contextlib.contextmanager
def _browser(url: str, outside: list[str], failed: list[str], errors: list[str]):
    """Chromium with every request not to localhost aborted (and recorded)."""

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def new_page(**kwargs):
            page = browser.new_page(**kwargs)
            page.route("**/*", route)
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            return page

        try:
            yield new_page
        finally:
            browser.close()


def _day(page) -> int:
    match = DAY.search(page.get_by_text(DAY).first.inner_text())
    assert match, "no status line"
    return int(match.group(1))


def _plot_days(page) -> list:
    """The day each of the run's figures was drawn for (``layout.meta.day``, set by the dashboard)."""
    return page.evaluate(
        f"() => Array.from(document.querySelectorAll('{RUN_PLOTS}'))"
        ".map(d => (d.layout && d.layout.meta) ? d.layout.meta.day : null)"
    )


def _ensembles_shown(page) -> list:
    """The inputs each of the live ensemble's figures was drawn for (``layout.meta.ensemble``)."""
    return page.evaluate(
        f"() => Array.from(document.querySelectorAll('{ENSEMBLE_PLOTS}'))"
        ".map(d => (d.layout && d.layout.meta) ? d.layout.meta.ensemble : null)"
    )


def _no_error_shown(page) -> None:
    text = page.locator("body").inner_text()
    assert "Traceback" not in text, text[:3000]
    assert not re.search(r"\w*Error\b", text), text[:3000]


def test_the_dashboard_runs_offline_a_slider_moves_and_step_redraws(server):
    url, proc = server
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    with _browser(url, outside, failed, errors) as new_page:
        page = new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_text("press Step").first.wait_for(timeout=90_000)
        assert page.locator(RUN_PLOTS).count() == 0

        slider = page.get_by_role("slider", name="monitoring strength")
        assert slider.get_attribute("aria-valuenow") == "0.3"  # the baseline's value
        slider.focus()
        for _ in range(10):
            slider.press("ArrowRight")
        for _ in range(100):  # the slider's value reaches the server, and the page shows it
            if slider.get_attribute("aria-valuenow") == "0.8":
                break
            time.sleep(0.1)
        assert slider.get_attribute("aria-valuenow") == "0.8"
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("sliders moved: monitoring.strength=0.8").wait_for(timeout=30_000)

        page.get_by_role("button", name="Step").click()
        page.get_by_text("Day 1 of 180").wait_for(timeout=30_000)
        plots = page.locator(RUN_PLOTS)
        plots.first.wait_for(timeout=30_000)
        page.wait_for_function(f"() => document.querySelectorAll('{RUN_PLOTS}').length == {FIGURES}")
        assert plots.count() == FIGURES
        before = [plots.nth(i).inner_html() for i in range(FIGURES)]
        for _ in range(5):
            page.get_by_role("button", name="Step").click()
        page.get_by_text("Day 6 of 180").wait_for(timeout=120_000)
        for _ in range(300):  # each figure is redrawn for day 6
            if _plot_days(page) == [6] * FIGURES:
                break
            time.sleep(0.1)
        assert _plot_days(page) == [6] * FIGURES
        after = [plots.nth(i).inner_html() for i in range(FIGURES)]
        assert before[0] != after[0]  # the phase timeline has grown by five days
        assert before[1] != after[1]  # and the war's figure: the front, strengths and beliefs
        other = new_page()  # another student, or a reload: a run of its own, not this one
        other.goto(url)
        other.get_by_text("Day 0 of 180").wait_for(timeout=90_000)
        other.get_by_role("button", name="Step").click()
        other.get_by_text("Day 1 of 180").wait_for(timeout=30_000)
        page.get_by_text("Day 6 of 180").wait_for(timeout=5_000)  # unchanged by the other page's step
        other.close()
        _no_error_shown(page)
    assert outside == [], f"requests left localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert errors == [], f"errors on the page: {errors}"
    assert proc.poll() is None  # the server is still up


def test_play_runs_sixty_days_and_more_with_the_figures_following_then_pauses(server):
    """▶ steps the run in mesa's own thread while the page redraws from another: every redraw must
    see whole days (it once turned the page into 'All arrays must be of the same length')."""
    url, proc = server
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    with _browser(url, outside, failed, errors) as new_page:
        page = new_page(viewport={"width": 1400, "height": 4000})  # the ensemble and the run in view
        page.goto(url)
        page.get_by_text("Day 0 of 180").wait_for(timeout=90_000)
        # mesa's slowest play (a step each 500 ms): the page shows days behind the model, and a fast
        # machine once stepped to the end (day 180, ❚❚ disabled) before the pause got there
        interval = page.get_by_role("slider", name="Play Interval (ms)")
        interval.focus()
        interval.press("End")
        wait_until(lambda: float(interval.get_attribute("aria-valuenow") or 0) >= 400)
        page.get_by_role("button", name="▶").click()
        page.get_by_role("button", name="❚❚").wait_for(timeout=30_000)

        seen: set[int] = set()  # the days the figures were drawn for while playing
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and _day(page) < PLAY_DAYS:
            seen.update(d for d in _plot_days(page) if d is not None)
            _no_error_shown(page)
            time.sleep(0.25)
        assert _day(page) >= PLAY_DAYS, f"played only to day {_day(page)}"
        # the page may show days behind the model's (a busy machine draws slowly), so the run may even
        # reach its end before the pause lands: mesa then disables ❚❚, and a forced click does nothing
        page.get_by_role("button", name="❚❚").click(force=True)
        wait_until(lambda: page.get_by_role("button", name="▶").count() == 1 or _day(page) == 180)

        # paused: the page catches up with the model's last day, and then stays there
        days = [_day(page)]
        wait_until(lambda: days.append(_day(page)) or days[-3:] == [days[-1]] * 3, every=1.0)
        day = days[-1]
        wait_until(lambda: _plot_days(page) == [day] * FIGURES)  # every figure drawn for that day
        assert PLAY_DAYS <= day <= 180
        time.sleep(2.0)
        assert _day(page) == day, "the run went on after pause"
        assert len(seen) >= 3, f"the figures were not redrawn while playing: drawn for days {sorted(seen)}"
        _no_error_shown(page)
        if os.environ.get("CEASEFIRE_SCREENSHOT"):  # a file to look at: CEASEFIRE_SCREENSHOT=out.png
            page.screenshot(path=os.environ["CEASEFIRE_SCREENSHOT"])
    assert outside == [], f"requests left localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert errors == [], f"errors on the page: {errors}"
    assert proc.poll() is None  # the server is still up


def test_the_live_ensemble_shows_and_follows_a_slider_and_the_seed(server):
    """The live ensemble (outcome shares, phase occupancy) is on the page from the start, and moving a
    slider, with no Reset, redraws it for the new value; so does a new seed. The run itself takes the
    sliders only on Reset. Asserts on what the page shows, never on how long it took."""
    url, proc = server
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    first = "Live ensemble: 200 runs of baseline, seed 42, sliders moved: none"
    moved = "Live ensemble: 200 runs of baseline, seed 42, sliders moved: monitoring.strength=0.8"
    reseeded = "Live ensemble: 200 runs of baseline, seed 7, sliders moved: monitoring.strength=0.8"
    with _browser(url, outside, failed, errors) as new_page:
        page = new_page(viewport={"width": 1400, "height": 1700})
        page.goto(url)
        page.get_by_text(first).wait_for(timeout=180_000)
        wait_until(lambda: _ensembles_shown(page) == [first] * 2)
        text = " ".join(page.locator(ENSEMBLE_PLOTS).all_text_contents())
        assert "How does it stand on" in text and "How often is each phase" in text, text[:500]
        shares = page.evaluate(  # plotly.js keeps a typed array's numbers under _inputArray
            f"() => (y => Array.from(y._inputArray || y))"
            f"(document.querySelector('{ENSEMBLE_PLOTS}').data[0].y)"
        )
        assert len(shares) == 4 and abs(sum(shares) - 1) < 1e-9  # no truce and the three outcomes

        slider = page.get_by_role("slider", name="monitoring strength")
        slider.focus()
        for _ in range(10):
            slider.press("ArrowRight")
        page.get_by_text(moved).wait_for(timeout=180_000)
        wait_until(lambda: _ensembles_shown(page) == [moved] * 2)
        assert page.get_by_text("sliders moved: none").count() == 1  # the run's status: no Reset yet

        seed = page.get_by_label("seed")
        seed.fill("7")
        seed.press("Enter")
        page.get_by_text(reseeded).wait_for(timeout=180_000)
        wait_until(lambda: _ensembles_shown(page) == [reseeded] * 2)
        _no_error_shown(page)
        if os.environ.get("CEASEFIRE_ENSEMBLE_SCREENSHOT"):  # CEASEFIRE_ENSEMBLE_SCREENSHOT=out.png
            page.screenshot(path=os.environ["CEASEFIRE_ENSEMBLE_SCREENSHOT"])
    assert outside == [], f"requests left localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert errors == [], f"errors on the page: {errors}"
    assert proc.poll() is None  # the server is still up


def test_the_live_ensemble_counts_every_run_and_drops_a_stale_computation():
    """In this process: the ensemble's shares are of all its runs (each day's phase states and the
    outcomes sum to one), a slider moved is applied and named, the same inputs give the same
    ensemble, and a computation the sidebar has moved past returns nothing."""
    from sim.dashboard import live
    from sim.dashboard.inputs import DEFAULTS

    ask = live.Ask.of("baseline", "42", {**DEFAULTS, "monitoring.strength": 0.8})
    ensemble = live.run(ask, runs=6)
    assert ensemble is not None and ensemble.runs == 6
    assert ensemble.moved == (("monitoring.strength", 0.8),)
    assert "6 runs of baseline, seed 42, sliders moved: monitoring.strength=0.8" in ensemble.caption
    assert ensemble.outcomes["runs"].sum() == 6
    assert abs(ensemble.outcomes["share"].sum() - 1) < 1e-9
    per_day = ensemble.occupancy.groupby(["phase", "day"])["share"].sum()
    assert ((per_day - 1).abs() < 1e-9).all()
    again = live.run(ask, runs=6)
    assert again is not None and again.outcomes.equals(ensemble.outcomes)
    assert again.occupancy.equals(ensemble.occupancy)
    inputs = ensemble.caption.split(" · ")[0]
    assert [f.layout.meta["ensemble"] for f in live.figures(ensemble, 900)] == [inputs] * 2
    assert live.run(ask, stale=lambda: True, runs=6) is None


def test_the_page_draws_whole_days_while_another_thread_steps_the_run():
    """The race behind 'All arrays must be of the same length', made likely: a thread steps the run to
    its end, Python switching threads as often as it can, while this one draws the page's figures over
    and over from what the page reads (``model.shown``). Each draw must be of whole days."""
    from sim.dashboard import app as dash

    model = dash.DashboardModel()
    done, failure, drawn = threading.Event(), [], set()

    def play() -> None:
        try:
            while model.running:
                model.step()
        except BaseException as exc:  # reported below, not lost in the thread
            failure.append(exc)
        finally:
            done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        thread = threading.Thread(target=play)
        thread.start()
        while not done.is_set():
            shown = model.shown
            assert shown.days["day"].tolist() == list(range(1, shown.day + 1))
            assert (shown.events["day"] <= shown.day).all()
            if shown.day:
                for kind in KINDS:
                    assert dash.figure(model, shown, kind).layout.meta["day"] == shown.day
            drawn.add(shown.day)
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failure == []
    assert model.shown.day == model.horizon
    assert any(0 < day < model.horizon for day in drawn), sorted(drawn)  # drawn while it ran


@pytest.mark.parametrize(
    "how",
    [
        "SIGTERM to app",
        "SIGINT to app",
        "Ctrl-C (SIGINT to the process group)",
        "SIGKILL to app (no cleanup of its own)",
    ],
)
def test_app_never_leaves_its_server_behind(how, tmp_path):
    with _app(tmp_path) as (proc, port, _url, log):
        assert _listening(port)
        if how.startswith("Ctrl-C"):
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(getattr(signal, how.split()[0]))
        code, listening, left = _wait_gone(proc, port)
        assert code is not None, f"app did not stop on {how}"
        assert not listening, f"port {port} still open after {how}: {log.read_text()[-2000:]}"
        assert left == [], f"processes left behind after {how}: {left}"
        if not how.startswith("SIGKILL"):
            assert code == 0, log.read_text()[-2000:]
            assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_every_slider_is_a_parameter_of_every_scenario_within_its_range():
    """Each slider is bound through a ``--set`` path the baseline has, starts at the baseline's value,
    inside its range; moved to either end, it loads with every scenario the picker offers."""
    from sim.dashboard import app as dash
    from sim.data import SCENARIOS
    from sim.scenario.class_code import find_scenario
    from sim.scenario.loader import load_scenario

    for path, (_label, lo, hi, step) in dash.SLIDERS.items():
        assert lo <= dash.DEFAULTS[path] <= hi, path
        assert abs(round((dash.DEFAULTS[path] - lo) / step) * step + lo - dash.DEFAULTS[path]) < 1e-9, path
    for name in dash.scenario_names():
        file = find_scenario(name, SCENARIOS)
        for end in (0, 1):
            moved = [(p, (lo, hi)[end]) for p, (_l, lo, hi, _s) in dash.SLIDERS.items()]
            load_scenario(file, moved)  # no ScenarioError: every path resolves, every end is valid
        model = dash.DashboardModel(scenario_name=name)
        assert model.notes == [] and set(model.in_effect) == set(dash.SLIDERS)
