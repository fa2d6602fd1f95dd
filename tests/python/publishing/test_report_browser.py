"""The HTML report as a marketing analyst sees it, in a real headless Chromium at 1280 x 800: no
horizontal scrolling, every chart loaded, the as-of date and the thresholds on the page. A full-page
screenshot is left in test-artifacts/ to look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from support import CHROMIUM_FLAGS, REPO, run_module

VIEWPORT = {"width": 1280, "height": 800}


def screenshot_path() -> Path:
    default = REPO / "test-artifacts" / "report-1280x800.png"
    path = Path(os.environ.get("SEGMENTS_REPORT_SCREENSHOT", default))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def report(built_project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = run_module(
        "segments.publish",
        "--warehouse",
        str(built_project.warehouse),
        "--exports",
        str(out / "exports"),
        "--reports",
        str(out / "reports"),
    )
    assert result.returncode == 0, result.stderr
    return out / "reports" / "index.html"


@pytest.fixture(scope="module")
def page(report: Path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make browser` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(30_000)
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=screenshot_path(), full_page=True)
        yield page
        browser.close()


def test_the_report_does_not_scroll_sideways_at_1280_pixels(page: Page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == VIEWPORT["width"]
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"
    # No table is cut off inside its own scrolling box either.
    clipped = page.evaluate(
        "Array.from(document.querySelectorAll('.table'))"
        ".filter(box => box.scrollWidth > box.clientWidth).length"
    )
    assert clipped == 0


def test_every_chart_loaded(page: Page):
    sizes = page.evaluate(
        "Array.from(document.images).map(image => [image.alt, image.complete, image.naturalWidth])"
    )
    assert len(sizes) == 7
    for alt, complete, width in sizes:
        assert complete and width > 0, f"image not loaded: {alt}"


def test_the_as_of_date_and_thresholds_are_shown(page: Page, built_project):
    ((as_of,),) = built_project.query("select distinct as_of_date from segment_definitions")
    assert page.locator("#as-of-date").inner_text() == as_of
    thresholds = page.locator("#thresholds").inner_text()
    rules = built_project.query("select customer_segment, segment_rule from segment_definitions")
    for segment, rule in rules:
        assert segment in thresholds and rule in thresholds
    assert page.locator("h2", has_text="How to read this").is_visible()


def test_screenshot_was_saved(page: Page):
    path = screenshot_path()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 50_000
