"""A real browser (Debian's Chromium through Playwright): a national analyst opens the
stock-out dashboard and its chart is drawn, evaluates the national tender and awards it
(confirming the dialog), and reads the action plan's Gantt with an overdue task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_procurement_pages import NATIONAL, make_world

pytestmark = pytest.mark.browser


def test_an_analyst_reads_the_stockouts_awards_the_tender_and_reads_the_gantt(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    click_nav(page, "procurement")
    page.wait_for_url(f"{live_server}/procurement/stockouts")
    expect(page.locator("#stockout-box")).to_have_attribute("data-drawn", "yes", timeout=10_000)
    expect(page.locator("#out-table tbody tr[data-criticality='vital']")).to_have_count(1)
    page.screenshot(path=str(shots / "procurement-stockouts.png"), full_page=True)

    page.click("a[data-tab='tenders']")
    page.click(f"#tenders-table a:text('{NATIONAL}')")
    expect(page.locator("#tender-status")).to_have_attribute("data-status", "open")
    expect(page.locator("#award-table tbody tr[data-supplier]").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # the award asks to be confirmed
    page.click("#award-submit")
    expect(page.locator("#tender-message")).to_be_visible()
    expect(page.locator("#tender-status")).to_have_attribute("data-status", "awarded")
    expect(page.locator("#award-submit")).to_have_count(0)
    expect(page.locator("#stored-table tbody tr").first).to_be_visible()
    page.screenshot(path=str(shots / "procurement-tender.png"), full_page=True)

    page.click("a[data-tab='plan']")
    overdue = page.locator("#gantt tr[data-task='T02']")
    expect(overdue).to_have_attribute("data-overdue", "yes")
    expect(overdue.locator(".bar-overdue")).to_be_visible()
    expect(page.locator("#my-overdue li[data-task='T02']")).to_be_visible()
    page.screenshot(path=str(shots / "procurement-plan.png"), full_page=True)
    assert problems == []
