"""A real browser (Debian's Chromium through Playwright): a family physician enrols a person,
sees the own centres suggested for the specialty as they type it, refers, and a provincial
manager reads the indicators chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.referrals.world import INTERNAL
from tests.web.conftest import click_nav, sign_in
from tests.web.test_referral_pages import make_world

pytestmark = pytest.mark.browser


def test_a_family_physician_enrols_refers_to_the_first_suggestion_and_staff_see_the_chart(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    w = make_world(session_factory)
    page, _, _ = browser_page
    base = live_server
    sign_in(page, base, "doc")
    click_nav(page, "ref-panel")
    page.fill("#enrol_national_id", w.nids[0])
    page.click("#enrol-form button[type=submit]")
    expect(page.locator("#enrol-ok")).to_be_visible()
    expect(page.locator("#panel-members")).to_have_text("۱")
    page.screenshot(path=str(shots / "ref-panel.png"), full_page=True)

    click_nav(page, "ref-new")
    page.fill("#ref_national_id", w.nids[0])
    page.fill("#specialty", INTERNAL)
    first = page.locator("#suggestion-list li").first
    expect(first).to_have_attribute("data-code", w.hospital, timeout=10_000)
    expect(first.locator("input[type=radio]")).to_be_checked()
    page.fill("#reason", "فشار خون کنترل‌نشده با دو دارو")
    page.fill("#diagnosis", "I10")
    page.screenshot(path=str(shots / "ref-new.png"), full_page=True)
    page.click("#referral-submit")
    expect(page.locator("#referral-issued")).to_be_visible()

    click_nav(page, "ref-list")
    expect(page.locator("#written-table tr[data-state='open']")).to_have_count(1)
    page.screenshot(path=str(shots / "ref-list.png"), full_page=True)

    sign_in(page, base, "manager")
    click_nav(page, "ref-indicators")
    expect(page.locator("#indicator-grid")).to_be_visible()
    if page.locator("#clinical-chart").count():
        expect(page.locator("#clinical-chart")).to_have_attribute("data-ready", "true")
    page.screenshot(path=str(shots / "ref-indicators.png"), full_page=True)
    click_nav(page, "rx-savings")
    expect(page.locator("#savings-grid")).to_be_visible()
    page.screenshot(path=str(shots / "rx-savings.png"), full_page=True)
