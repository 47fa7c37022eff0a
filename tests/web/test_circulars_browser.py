"""A real browser (Debian's Chromium through Playwright): an analyst searches circulars
typing Arabic letters, sees the passages marked, opens a circular's timeline, attaches a
file to it, and reads the workbench's clusters and progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_circulars_pages import make_world

pytestmark = pytest.mark.browser


def test_an_analyst_searches_reads_a_timeline_and_the_workbench(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    click_nav(page, "circulars")
    page.wait_for_url(f"{live_server}/circulars")
    page.fill("#q", "تعرفه سونوگرافي")  # Arabic yeh
    page.click("#circular-search button[type=submit]")
    expect(page.locator("#found-count")).to_have_attribute("data-total", "2")
    expect(page.locator("#hits mark").first).to_have_text("تعرفه")
    page.screenshot(path=str(shots / "circulars-search.png"), full_page=True)

    page.click("#hits li[data-number='1400/5'] h3 a")
    expect(page.locator("#circular-status")).to_have_attribute("data-status", "amended")
    expect(page.locator("#timeline li[data-kind='amends']")).to_contain_text("۱۴۰۱/۸")
    page.screenshot(path=str(shots / "circulars-view.png"), full_page=True)

    # headquarters attaches the tariff table; it is listed with its size
    page.set_input_files(
        "#attach-form input[type=file]",
        files=[{"name": "جدول تعرفه.xlsx", "mimeType": "application/octet-stream",
                "buffer": b"PK tariff table"}],
    )  # fmt: skip
    page.click("#attach-form button[type=submit]")
    expect(page.locator("#attachments li")).to_have_count(1)
    expect(page.locator("#attachments li a")).to_have_text("جدول تعرفه.xlsx")
    expect(page.locator("#attachments li")).to_contain_text("۱۵ بایت")

    page.click("a[data-tab='workbench']")
    expect(page.locator("#clusters-computed")).to_have_attribute("data-computed", "no")
    page.click("#clusters-refresh")
    expect(page.locator("#clusters-computed")).to_have_attribute("data-computed", "yes")
    expect(page.locator("#clusters-table tbody tr[data-size='2']")).to_have_count(1)
    expect(page.locator("#progress-chart .bar-row[data-key='target']")).to_have_attribute(
        "data-value", "60"
    )
    page.screenshot(path=str(shots / "circulars-workbench.png"), full_page=True)
    assert problems == []
