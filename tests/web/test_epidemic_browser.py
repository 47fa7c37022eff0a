"""A real browser (Debian's Chromium through Playwright): an analyst opens the epidemic's
cost dashboard from the menu, reads the hand-worked distribution and the months' bars, then
issues the month's statement, opens its printable page and the print dialog's button."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_epidemic_pages import make_world

pytestmark = pytest.mark.browser


def test_an_analyst_reads_the_epidemic_cost_and_issues_a_statement(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    click_nav(page, "epidemic")
    page.wait_for_url(f"{live_server}/population/epidemic")
    expect(page.locator("#tile-admissions")).to_have_text("۴")
    expect(page.locator("#tile-median-los")).to_have_text("۶٫۰")
    whole = page.locator("#epidemic-ownership tr[data-ownership='all']")
    expect(whole.locator("td[data-col='median-cost']")).to_have_text("۸٬۸۵۰")
    expect(whole.locator("td[data-col='p90-cost']")).to_have_text("۱۲٬۸۰۰")
    # Ordibehesht (3 discharges) is drawn taller than Khordad (1)
    ordibehesht = page.locator("#epidemic-months g[data-month='140402'] rect")
    khordad = page.locator("#epidemic-months g[data-month='140403'] rect")
    high = ordibehesht.evaluate("e => e.getBBox().height")
    low = khordad.evaluate("e => e.getBBox().height")
    assert high == 3 * low > 0
    page.screenshot(path=str(shots / "epidemic-dashboard.png"), full_page=True)

    page.click("a[href='/population/epidemic/statements']")
    page.fill("#month", "1404/02")
    page.click("#issue-form button[type='submit']")
    expect(page.locator("#issue-message")).to_have_text("صورت‌حساب صادر شد.")
    expect(page.locator("#fact-insurer")).to_have_text("۲۱٬۳۳۰")
    expect(page.locator("#statement-lines tbody tr")).to_have_count(3)
    page.click("#print-link")
    expect(page.locator("#print-sheet h1")).to_contain_text("کووید-۱۹")
    expect(page.locator("nav.mainnav")).to_have_count(0)
    # the print button is hidden on paper, shown on screen
    expect(page.locator("#print-button")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#print-button")).to_be_hidden()
    page.emulate_media(media="screen")
    page.screenshot(path=str(shots / "epidemic-statement-print.png"), full_page=True)
    assert problems == []
