"""A real browser (Debian's Chromium through Playwright): an analyst opens the scorecard
from the menu and reads its coloured cells, then the ranking with each rank's interval
drawn and a province's explanation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_performance_pages import PERIOD, make_world

pytestmark = pytest.mark.browser


def test_an_analyst_reads_the_coloured_scorecard(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    click_nav(page, "performance")
    page.wait_for_url(f"{live_server}/performance")
    # the latest computed month is shown without asking
    expect(page.locator("#period")).to_have_value(PERIOD)
    qom_delay = page.locator("tr[data-code='19'] td[data-indicator='payment_delay_days']")
    expect(qom_delay).to_have_attribute("data-colour", "red")
    # the legend's red is what the cell is painted
    colour = qom_delay.evaluate("e => getComputedStyle(e).backgroundColor")
    swatch = page.locator(".legend .cell-red").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == swatch == "rgb(254, 226, 226)"
    expect(page.locator("#scorecard-table tbody tr").first).to_have_attribute("data-code", "08")
    page.screenshot(path=str(shots / "performance-scorecard.png"), full_page=True)
    assert problems == []


def test_an_analyst_reads_each_rank_s_interval_and_its_explanation(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    page.goto(f"{live_server}/performance?period={PERIOD}")
    page.click("a[href^='/performance/ranking']")
    rows = page.locator("#ranking-table tbody tr")
    expect(rows).to_have_count(4)
    bars = page.locator("#ranking-table svg.interval rect.band")
    expect(bars).to_have_count(4)
    width = bars.first.evaluate("e => e.getBBox().width")
    assert width > 0
    page.click("#ranking-table tr[data-code='19'] a")
    explain = page.locator("#explain-19")
    expect(explain).to_be_in_viewport()
    expect(explain.locator("tbody tr")).to_have_count(3)
    page.screenshot(path=str(shots / "performance-ranking.png"), full_page=True)
    assert problems == []
