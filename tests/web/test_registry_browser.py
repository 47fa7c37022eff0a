"""A real browser (Debian's Chromium through Playwright): the province's manager finds a
facility from the top bar's menu by part of its name, opens it, sends a wrong level (named
in Persian beside the field), corrects it and sees the change saved; an administrator then
sees the change in the facility's latest audit entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from darman.registry.models import Facility
from tests.web.conftest import click_nav, sign_in
from tests.web.test_registry_records_pages import make_world

pytestmark = pytest.mark.browser


def test_a_manager_searches_opens_and_edits_a_facility(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    world = make_world(session_factory)
    page, requests, problems = browser_page
    sign_in(page, live_server, "tehran")
    click_nav(page, "registry-records")
    page.wait_for_url(f"{live_server}/registry/facilities")
    expect(page.locator("#facility-count")).to_have_attribute("data-total", "3")  # Tehran's

    page.fill("#q", "امام")
    page.select_option("#kind-filter", "hospital")
    page.click("#facility-search button[type=submit]")
    rows = page.locator("#facilities-table tbody tr[data-code]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", "TH001")
    page.screenshot(path=str(shots / "registry-facilities.png"), full_page=True)

    rows.first.locator("a").first.click()
    page.wait_for_url(f"{live_server}/registry/facilities/{world['hospital']}")
    expect(page.locator("h1")).to_have_text("بیمارستان امام")
    page.fill("#level", "۴")
    page.fill("#beds_icu", "۱۸")
    page.click("#facility-form button[type=submit]")
    expect(page.locator(".field-error[data-field='level']")).to_have_text(
        "«۴» پذیرفته نیست: باید حداکثر ۳ باشد"
    )
    expect(page.locator("#beds_icu")).to_have_value("۱۸")  # what was typed stays
    page.screenshot(path=str(shots / "registry-facility-errors.png"), full_page=True)
    # the form sent back with its errors (422) is a failed load to the browser: that one
    # and nothing else is expected
    assert len(problems) == 1 and "status of 422" in problems[0], problems
    problems.clear()

    page.fill("#level", "۳")
    page.click("#facility-form button[type=submit]")
    page.wait_for_url(f"{live_server}/registry/facilities/{world['hospital']}?saved=1")
    expect(page.locator("#saved")).to_have_text("تغییرات مرکز ثبت شد.")
    expect(page.locator("#facility-facts dd[data-field='beds_icu']")).to_have_text("۱۸")
    with session_factory() as s:
        row = s.get(Facility, world["hospital"])
        assert row is not None and (row.level, row.beds_icu) == (3, 18)

    sign_in(page, live_server, "boss")
    page.goto(f"{live_server}/registry/facilities/{world['hospital']}")
    history = page.locator("#record-history tbody tr").first
    expect(history).to_contain_text("tehran")
    expect(history.locator("[data-field='beds_icu']")).to_contain_text("تخت ICU")
    page.screenshot(path=str(shots / "registry-facility-saved.png"), full_page=True)
    assert problems == []
    assert all(r.startswith(live_server) for r in requests)  # nothing from another origin
