"""The HTML report in a real headless Chromium (Debian's, driven by Playwright): it loads with
no console errors and no requests, the charts render, clicking a word seeks the recording,
and hostile text from a transcript or a bank file shows as text.

Needs ``apt-get install chromium`` and ``pip install playwright`` (the system browser is used;
``playwright install`` is never run). A missing piece fails the test with that message.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.cli import main
from coach.store import Store
from tests.conftest import ROOT
from tests.data.history import MODELS, SESSION, T0, fill

CHROMIUM = Path(os.environ.get("COACH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = ("Escaping matters: <script>window.__pwned = 'transcript'</script> and "
           "<img src=x onerror=\"window.__pwned='img'\"> must show as text, so escape every "
           "script tag and rely on the CSP too.")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright for Python: `.venv/bin/pip install "
                    "playwright` (it drives the system chromium; never `playwright install`)")
    if not CHROMIUM.exists():
        pytest.fail(f"the browser test needs Chromium at {CHROMIUM}: `apt-get install -y "
                    "chromium` (or set COACH_CHROMIUM to its path)")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=ARGS, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def report(coach_home: Path, tmp_path: Path, transcripts: dict, references: dict) -> Path:
    """A report over the real fixture attempts plus a typed answer to a hostile bank entry."""
    from coach.bank.load import load_bank
    from coach.score.engine import score_answer
    from coach.score.text import from_text
    from tests.data.history import _embedder

    (coach_home / "bank").mkdir(parents=True)
    shutil.copyfile(ROOT / "tests" / "data" / "hostile-bank.toml",
                    coach_home / "bank" / "hostile-bank.toml")
    question = load_bank().get("hostile-markup-question")
    assert question is not None
    with Store() as store:
        fill(store, transcripts, references)
        typed = from_text(HOSTILE)
        aid = store.begin_attempt(question.id, question.topic, "quickfire",
                                  T0 + timedelta(days=3, hours=1), None, {}, MODELS, "hostile")
        store.finish_attempt(aid, typed, score_answer(typed, question, _embedder()).to_dict())
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out)]) == 0
    return out


def test_the_report_works_in_a_real_browser(browser: Any, report: Path, tmp_path: Path) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
            else problems.append(f"network request: {r.url}"))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")

    # The dashboard: five charts with a visible size, one dot per scored attempt.
    dashboard = page.locator("#dashboard")
    assert dashboard.is_visible()
    charts = page.locator("#dashboard svg.chart")
    assert charts.count() == 5
    for i in range(5):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40
    spoken = len(SESSION)
    assert page.locator("svg.overall circle.dot").count() == spoken + 1  # + the typed answer
    assert page.locator("svg.wpm circle.dot").count() == spoken  # typed pace is estimated
    line = page.locator("svg.overall polyline.series").bounding_box()
    assert line is not None and line["width"] > 100
    assert page.locator("svg.bar rect.bar").count() == 3  # three topics
    assert page.locator(".page.attempt").count() == spoken + 1
    assert page.locator("#attempt-3").is_hidden()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    # An attempt page, reached from the table; clicking a word seeks the recording.
    page.locator('table.attempts a[href="#attempt-3"]').first.click()
    attempt = page.locator("#attempt-3")
    assert attempt.is_visible() and dashboard.is_hidden()
    page.wait_for_function("document.querySelector('#attempt-3 audio').readyState >= 1")
    duration = page.evaluate("document.querySelector('#attempt-3 audio').duration")
    assert abs(duration - 82.9) < 0.5
    word = attempt.locator(".w[data-t]").nth(60)
    t = float(word.get_attribute("data-t"))
    assert t > 10
    word.click()
    page.wait_for_function(
        f"Math.abs(document.querySelector('#attempt-3 audio').currentTime - {t}) < 1.0")
    concept_time = attempt.locator(".at[data-t]").first
    t2 = float(concept_time.get_attribute("data-t"))
    concept_time.click()
    page.wait_for_function(
        f"Math.abs(document.querySelector('#attempt-3 audio').currentTime - {t2}) < 1.0")
    page.screenshot(path=str(tmp_path / "attempt.png"), full_page=True)

    # The hostile entry and answer render as text, and nothing they contain ran.
    page.goto(report.as_uri() + "#attempt-5")
    hostile = page.locator("#attempt-5")
    assert hostile.is_visible()
    assert "<script>window.__pwned = 'question'</script>" in hostile.locator("h2").inner_text()
    assert "<script>window.__pwned" in hostile.locator(".transcript").inner_text()
    assert '<img src=x onerror="window.__pwned=\'img\'">' in \
        hostile.locator(".model").inner_text()
    assert hostile.locator(".model img, .transcript img, h2 script").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert problems == []
