"""Print that teachers use: every exercise's pack printed to A4 PDF by Chromium, its pages counted.

The limits (issue 15): the student handout on at most 4 pages, each role card on one sheet (its
public and confidential card and its points sheet on one side), the instructor guide on at most 10.
In print every figure is a static image with alt text saying what it shows; the student folder holds
nothing of the answer key.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CHROMIUM, ROOT

from sim.jobs.exercise import GUIDE, HANDOUT, RECORD, ROLES, STUDENT, debrief_to_folder, handout_to_folder
from sim.teaching.exercise import exercise_files, load_exercise

playwright = pytest.importorskip("playwright.sync_api")

EXERCISES = ROOT / "exercises"
SCENARIOS = ROOT / "scenarios"
FILES = exercise_files(EXERCISES)
RUNS = 40  # per ensemble: the numbers' widths are those of a real pack, and CI stays quick
LIMITS = {"handout": 4, "guide": 10, "role card": 1}
DEBRIEFED = "leverage"  # the exercise whose pack is also debriefed (its figures printed too)


@dataclass(frozen=True)
class Printed:
    pages: int
    figures: int
    """Interactive figures on the page."""
    images: list[dict]
    """Each print image: its alt text and whether it holds the static figure."""
    outside: list[str]
    """Requests the page made beyond file:// and data: (it must open offline)."""


def _require_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CEASEFIRE_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (CEASEFIRE_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("needs Chromium (.ci/run installs Debian's chromium)")


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its ``/Type /Page`` objects (Chromium writes their dictionaries uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    """Every exercise's pack, built as ``exercise handout`` builds it; one debriefed."""
    root = tmp_path_factory.mktemp("packs")
    out = {}
    for path in FILES:
        loaded = load_exercise(path, SCENARIOS)
        out[loaded.name] = handout_to_folder(loaded, root / loaded.name, runs=RUNS).folder
        if loaded.name == DEBRIEFED:
            bets = out[loaded.name] / STUDENT / "predictions.txt"
            first = loaded.exercise.predictions[0].id
            code = loaded.exercise.code
            bets.write_text(
                f"Table 1 | {first} | 30\nTable 1 | result | {code.scenario}@{code.seed + 1}\n"
                "Table 2 | result | partial truce\n"
            )
            done = debrief_to_folder(loaded, bets)
            assert done.warnings == [], done.warnings
    return out


@pytest.fixture(scope="module")
def printed(packs) -> dict[Path, Printed]:
    """Every page of every pack printed to A4 by Chromium, offline, once its print images are made."""
    _require_chromium()
    pages = sorted(p for folder in packs.values() for p in folder.rglob("*.html"))
    found = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for html in pages:
                outside: list[str] = []
                page = browser.new_page()

                def route(r, outside=outside):
                    if r.request.url.startswith(("file:", "data:")):
                        r.continue_()
                    else:
                        outside.append(r.request.url)
                        r.abort()

                page.route("**/*", route)
                page.goto(html.as_uri())
                figures = page.locator("div.plotly-graph-div").count()
                if figures:
                    page.wait_for_function("document.body.hasAttribute('data-print-figures')", timeout=60_000)
                images = page.evaluate(
                    "() => Array.from(document.querySelectorAll('img.print-figure')).map(i => ({"
                    "alt: i.getAttribute('alt') || '', "
                    "svg: (i.getAttribute('src') || '').startsWith('data:image/svg+xml')}))"
                )
                pdf = page.pdf(format="A4", prefer_css_page_size=True)
                found[html] = Printed(pdf_pages(pdf), figures, images, outside)
                page.close()
        finally:
            browser.close()
    return found


def _kind(folder: Path, html: Path) -> str | None:
    rel = html.relative_to(folder).as_posix()
    if rel == HANDOUT:
        return "handout"
    if rel == GUIDE:
        return "guide"
    if rel.startswith(f"{ROLES}/"):
        return "role card"
    return None


def test_every_page_prints_within_its_limit(packs, printed):
    measured = {
        f"{name}/{html.relative_to(folder).as_posix()}": (_kind(folder, html), printed[html].pages)
        for name, folder in packs.items()
        for html in folder.rglob("*.html")
        if _kind(folder, html)
    }
    print("\n".join(f"{pages:3d} A4 pages  {page}" for page, (_, pages) in sorted(measured.items())))
    for name in packs:
        kinds = {kind for page, (kind, _) in measured.items() if page.startswith(f"{name}/")}
        assert kinds == set(LIMITS), name
    over = {page: pages for page, (kind, pages) in measured.items() if not 1 <= pages <= LIMITS[kind]}
    assert not over, f"over the limits {LIMITS}: {over}"


def test_printed_figures_are_static_images_with_alt_text(packs, printed):
    debrief = packs[DEBRIEFED] / "instructor" / "debrief.html"
    assert debrief in printed and printed[debrief].figures >= 2  # a bet, and the tables' runs
    for html, p in printed.items():
        assert p.outside == [], f"{html} reached beyond the page: {p.outside}"
        assert len(p.images) == p.figures, html
        for image in p.images:
            assert image["svg"], f"{html}: a figure without its print image"
            alt = image["alt"]
            assert alt.startswith("Figure: ") and len(alt) > 60, f"{html}: alt text {alt!r}"
    guide = printed[packs[DEBRIEFED] / GUIDE]
    assert any("ceasefire" in i["alt"] and "%" in i["alt"] for i in guide.images)  # it says what it shows


def test_the_student_folder_holds_no_answer_key(packs):
    for name, folder in packs.items():
        record = json.loads((folder / RECORD).read_text())
        loaded = load_exercise(EXERCISES / f"{name}.yaml", SCENARIOS)
        guide = (folder / GUIDE).read_text()
        secrets = [a["text"] for a in record["answers"].values()]
        secrets += ["Answer key", "Findings for the debrief", "What the model says", "Lesson plans"]
        secrets += [" ".join(card.confidential.split())[:60] for card in loaded.exercise.roles.values()]
        for s in secrets[: len(record["answers"])]:
            assert s in guide, s  # the guide has them: the check below is not vacuous
        student = {p.name: p.read_text() for p in (folder / STUDENT).iterdir()}
        assert set(student) == {"handout.html", "predictions.txt"}
        for file, text in student.items():
            flat = " ".join(text.split())
            leaked = [s for s in secrets if s.replace("'", "&#x27;") in flat or s in flat]
            assert not leaked, f"{name}/student/{file} holds {leaked}"
