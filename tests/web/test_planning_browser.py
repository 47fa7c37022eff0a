"""A real browser (Debian's Chromium through Playwright): an analyst opens the equity page,
the Lorenz curve is drawn, the province table sorts by a column, and the allocation page
solves the seeds' scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav
from tests.web.test_claims_browser import _sign_in, browser_page
from tests.web.test_planning_pages import make_world

pytestmark = pytest.mark.browser
__all__ = ["browser_page"]  # the shared Chromium fixture


def test_an_analyst_reads_the_lorenz_curve_sorts_provinces_and_allocates(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    _sign_in(page, live_server, "hq")
    click_nav(page, "planning")
    expect(page.locator("#lorenz-box")).to_have_attribute("data-drawn", "yes", timeout=10_000)
    first = page.locator("#equity-table tbody tr").first
    expect(first).to_have_attribute("data-code", "19")
    page.screenshot(path=str(shots / "planning-equity.png"), full_page=True)
    # sort by rank descending: the best-provided province comes first, Qom last
    rank = page.locator("#equity-table th[data-sort]").first
    rank.click()
    rank.click()
    expect(rank).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#equity-table tbody tr").last).to_have_attribute("data-code", "19")
    page.select_option("#resource", "beds_1396")
    page.click("#equity-form button[type=submit]")
    expect(page.locator("#lorenz-box")).to_have_attribute("data-drawn", "yes", timeout=10_000)

    page.click("a[href='/planning/allocation']")
    expect(page.locator("section[data-line='beds']")).to_be_visible()
    page.click("#scenario-submit")
    expect(page.locator("#allocation-tiles")).to_be_visible()
    page.screenshot(path=str(shots / "planning-allocation.png"), full_page=True)
    assert problems == []
