"""A real browser (Debian's Chromium through Playwright): an analyst opens the equity page,
the Lorenz curve is drawn, the province table sorts by a column, and the allocation page
solves the seeds' scenario; another corrects a row the form names, adds a line and reads
where the money goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_navigation_browser import _fits
from tests.web.test_planning_pages import make_world

pytestmark = pytest.mark.browser
# a refused form is answered 422 on purpose, which the browser reports on its console
REFUSED = (
    "console error: Failed to load resource: the server responded with a status of 422 "
    "(Unprocessable Entity)"
)


def test_an_analyst_reads_the_lorenz_curve_sorts_provinces_and_allocates(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
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


def test_an_analyst_fixes_a_named_row_adds_one_and_reads_the_money_chart(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    page.goto(f"{live_server}/planning/allocation")
    expect(page.locator("#money-box")).to_have_attribute("data-drawn", "yes", timeout=10_000)
    page.fill("#f-lines-2-unit_cost_rials", "بیست میلیارد")
    page.click("#scenario-submit")
    said = page.locator("#e-lines-2-unit_cost_rials")
    expect(said).to_contain_text("ردیف بودجه‌ی ۳ («دستگاه دیالیز»)، هزینه‌ی واحد (ریال)")
    expect(page.locator("#scenario-errors")).to_be_visible()
    page.fill("#f-lines-2-unit_cost_rials", "۲۰٬۰۰۰٬۰۰۰٬۰۰۰")
    # a seventh line: twenty CCU-less general beds for Qom's neighbours, by units alone
    page.click("#add-line")
    expect(page.locator("#lines-table tbody tr")).to_have_count(7)
    page.fill("#f-lines-6-label_fa", "تخت اضافه")
    page.select_option("select[name='lines.6.resource']", "beds_general")
    page.fill("#f-lines-6-unit_cost_rials", "۴٬۰۰۰٬۰۰۰٬۰۰۰")
    page.fill("#f-lines-6-units", "۲۰")
    page.click("#scenario-submit")
    expect(page.locator("#allocation-tiles")).to_be_visible()
    expect(page.locator("section[data-line='line_7']")).to_be_visible()
    expect(page.locator("#money-box")).to_have_attribute("data-drawn", "yes", timeout=10_000)
    page.screenshot(path=str(shots / "planning-allocation-form.png"), full_page=True)
    _fits(page, "the allocation form on a laptop")  # the wide rows scroll in their own box
    page.click("button[value='remove-line:6']")
    expect(page.locator("#lines-table tbody tr")).to_have_count(6)
    assert problems == [REFUSED]  # the refused first try, nothing else
    problems.clear()
