"""The dashboard in a real browser: it loads offline, a slider moves, Step redraws the plots.

The server runs with every outbound connection sent to a dead proxy (no internet), and the browser
(Playwright driving the system's Chromium: no browser download) aborts and records any request that
is not to localhost; both must find nothing to fetch from outside.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import CHROMIUM, ROOT

playwright = pytest.importorskip("playwright.sync_api")

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if CHROMIUM is None:
        if os.environ.get("CEASEFIRE_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (CEASEFIRE_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("needs Chromium (.ci/run installs Debian's chromium)")
    port = _free_port()
    dead = "http://127.0.0.1:9"  # nothing listens: any request to the internet fails at once
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_sim.py"), "app", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the dashboard did not start: {proc.stdout.read()[-2000:]}")
    yield url, proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_the_dashboard_runs_offline_a_slider_moves_and_step_redraws(server):
    url, proc = server
    outside: list[str] = []
    failed: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def route(r):
            if r.request.url.startswith(LOCAL):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(url)
        page.get_by_text("press Step").first.wait_for(timeout=90_000)
        assert page.locator(".js-plotly-plot").count() == 0

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
        plots = page.locator(".js-plotly-plot")
        plots.first.wait_for(timeout=30_000)
        assert plots.count() == 3
        before = [plots.nth(i).inner_html() for i in range(3)]
        for _ in range(5):
            page.get_by_role("button", name="Step").click()
        page.get_by_text("Day 6 of 180").wait_for(timeout=30_000)
        time.sleep(1.0)
        after = [plots.nth(i).inner_html() for i in range(3)]
        assert before[0] != after[0]  # the phase timeline has grown by five days
        other = browser.new_page()  # another student, or a reload: a run of its own, not this one
        other.route("**/*", route)
        other.goto(url)
        other.get_by_text("Day 0 of 180").wait_for(timeout=90_000)
        other.get_by_role("button", name="Step").click()
        other.get_by_text("Day 1 of 180").wait_for(timeout=30_000)
        page.get_by_text("Day 6 of 180").wait_for(timeout=5_000)  # unchanged by the other page's step
        other.close()
        if os.environ.get("CEASEFIRE_SCREENSHOT"):  # a file to look at: CEASEFIRE_SCREENSHOT=out.png
            page.screenshot(path=os.environ["CEASEFIRE_SCREENSHOT"])
        browser.close()
    assert outside == [], f"requests left localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert proc.poll() is None  # the server is still up
