"""A real browser (Debian's Chromium through Playwright): a national admin opens the claims
policy page from the menu, types a copayment out of range and is told in Persian beside the
field, corrects it, and sees the new version dated in the table and in the history; a
reviewer gets the same page without any form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.registry.models import Province
from tests.web.conftest import click_nav, sign_in
from tests.web.test_claims_pages import seed_world
from tests.web.test_navigation_browser import _fits

pytestmark = pytest.mark.browser
# a refused form is answered 422 on purpose, which the browser reports on its console
REFUSED = (
    "console error: Failed to load resource: the server responded with a status of 422 "
    "(Unprocessable Entity)"
)


def test_an_admin_sets_a_dated_copay_and_a_reviewer_only_reads_it(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    seed_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        qom = uow.session.scalar(select(Province).where(Province.name_en == "Qom"))
        assert qom is not None
        qom_code, qom_fa = qom.code, qom.name_fa
    page, _, problems = browser_page
    sign_in(page, live_server, "boss")
    click_nav(page, "policy")
    page.wait_for_url(f"{live_server}/claims/policy")
    page.select_option("#copay-province_code", qom_code)
    page.select_option("#copay-visit_type", "outpatient")
    page.select_option("#copay-ownership", "owned")
    page.fill("#copay-percent", "۱۵۰")
    page.fill("#copay-valid_from", "۱۴۰۶/۰۱/۰۱")
    page.click("#copay-form button[type=submit]")
    expect(page.locator("#copay-percent-error")).to_contain_text("از ۰ تا ۱۰۰")
    expect(page.locator("#copay-percent")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#copay-valid_from")).to_have_value("۱۴۰۶/۰۱/۰۱")  # kept
    page.fill("#copay-percent", "۲۵")
    page.click("#copay-form button[type=submit]")
    expect(page.locator("#policy-message")).to_have_text("سهم بیمار ثبت شد.")
    row = page.locator("#copay-table tbody tr", has_text=qom_fa).filter(has_text="۲۵٪")
    expect(row).to_contain_text("۱۴۰۶/۰۱/۰۱")
    expect(row).to_contain_text("بدون پایان")
    latest = page.locator("#history-table tbody tr").first
    expect(latest).to_have_attribute("data-parameter", "copay_percent")
    expect(latest).to_contain_text("boss")
    page.screenshot(path=str(shots / "claims-policy-edit.png"), full_page=True)
    assert problems == [REFUSED]
    problems.clear()
    page.set_viewport_size({"width": 390, "height": 900})
    _fits(page, "the policy page on a phone")

    sign_in(page, live_server, "rev")
    page.goto(f"{live_server}/claims/policy")
    expect(page.locator("#copay-table")).to_be_visible()
    expect(page.locator("#copay-form")).to_have_count(0)
    expect(page.locator("#history-table tbody tr").first).to_contain_text("۲۵٪")
    assert problems == []
