"""A real browser (Debian's Chromium through Playwright): the shared province map draws all
31 provinces, tells a tile's value when the pointer rests on it or the keyboard reaches it,
paints each tile the colour of its legend class, and no page carrying it scrolls sideways
on a phone or a small laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import sign_in
from tests.web.test_navigation_browser import _fits
from tests.web.test_performance_pages import PERIOD
from tests.web.test_performance_pages import make_world as performance_world
from tests.web.test_planning_pages import make_world as planning_world

pytestmark = pytest.mark.browser

WIDTHS = (390, 1024)


def test_the_scorecard_map_tells_the_value_on_hover_and_on_focus(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    performance_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    page.goto(f"{live_server}/performance?period={PERIOD}")
    page.select_option("#map-indicator", "payment_delay_days")
    page.click("#map-form button")
    page.wait_for_url("**indicator=payment_delay_days**")
    tiles = page.locator("#pmap-scorecard .pmap-tile")
    expect(tiles).to_have_count(31)
    readout = page.locator("#pmap-scorecard [data-readout]")
    page.locator("#pmap-scorecard .pmap-tile[data-code='19']").hover()
    expect(readout).to_have_text("قم: ۱۳۰٫۰")
    page.locator("#pmap-scorecard .pmap-tile[data-code='31']").hover()
    expect(readout).to_have_text("یزد: بدون داده")
    # the keyboard reaches a tile, and the value follows the focus
    page.locator("#pmap-scorecard .pmap-tile[data-code='08']").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('data-label')")
    expect(readout).to_have_text(focused)
    # the darkest class is the legend's darkest swatch, and Qom's delay is the longest
    qom = page.locator("#pmap-scorecard .pmap-tile[data-code='19']")
    swatch = page.locator("#pmap-scorecard .pmap-legend .pm-b4")
    paint = "e => getComputedStyle(e).backgroundColor"
    assert qom.evaluate(paint) == swatch.evaluate(paint) == "rgb(8, 81, 156)"
    # tiles lie west to east whatever the page's direction: Tehran left of Semnan
    tehran = page.locator("#pmap-scorecard .pmap-tile[data-code='08']").bounding_box()
    semnan = page.locator("#pmap-scorecard .pmap-tile[data-code='15']").bounding_box()
    assert tehran and semnan and tehran["x"] < semnan["x"]
    page.screenshot(path=str(shots / "province-map-scorecard.png"), full_page=True)
    assert problems == []


def _each_page_fits(page: Any, live_server: str, pages: dict[str, str], shots: Path) -> None:
    from playwright.sync_api import expect

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for key, path in pages.items():
            page.goto(f"{live_server}{path}")
            expect(page.locator(f"#pmap-{key} .pmap-tile")).to_have_count(31)
            _fits(page, f"{path} at {width}px")
            # the whole grid stays inside the window, every name on its tile
            box = page.locator(f"#pmap-{key} .pmap-grid").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
            page.screenshot(path=str(shots / f"province-map-{key}-{width}.png"), full_page=True)


def test_the_performance_pages_with_the_map_fit_a_phone_and_a_small_laptop(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    performance_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    pages = {
        "scorecard": f"/performance?period={PERIOD}&indicator=payment_delay_days",
        "ranking": f"/performance/ranking?period={PERIOD}",
    }
    _each_page_fits(page, live_server, pages, shots)
    assert problems == []


def test_the_equity_page_with_the_map_fits_a_phone_and_a_small_laptop(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    planning_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    _each_page_fits(page, live_server, {"equity": "/planning/equity"}, shots)
    assert problems == []
