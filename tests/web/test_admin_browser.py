"""A real browser (Debian's Chromium through Playwright): an administrator creates a user
(a wrong field first, named in Persian), gives the user an API key, rotates it, and finds
those changes in the audit log's viewer, then sees the chain verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_admin_pages import make_world

pytestmark = pytest.mark.browser


def test_an_admin_creates_a_user_and_a_key_rotates_it_and_reads_it_in_the_audit_log(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, requests, problems = browser_page
    sign_in(page, live_server, "boss")
    click_nav(page, "admin-users")
    page.wait_for_url(f"{live_server}/admin/users")
    expect(page.locator("#user-count")).to_have_attribute("data-total", "4")

    page.click("#new-user-link")
    page.fill("#username", "tehran.analyst")
    page.fill("#full_name", "کارشناس آمار")
    page.fill("#password", "short")
    page.select_option("#role", "hq_analyst")
    page.select_option("#scope_level", "national")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#form-errors")).to_contain_text("«گذرواژه»: دست‌کم ۸ نویسه لازم است")
    expect(page.locator("#username")).to_have_value("tehran.analyst")  # what was typed stays
    page.screenshot(path=str(shots / "admin-user-errors.png"), full_page=True)
    # the browser reports the form sent back with its errors (422) as a failed load: that
    # one, and nothing else, is expected here
    assert len(problems) == 1 and "status of 422" in problems[0], problems
    problems.clear()
    page.fill("#password", "a-long-password")
    page.click("#user-form button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/users/tehran.analyst?done=created")
    expect(page.locator("#user-facts")).to_contain_text("کارشناس ستاد")

    page.fill("#key-name", "داشبورد آمار")
    page.click("#key-form button[type=submit]")
    first = page.locator("#new-key-secret").inner_text()
    assert first.startswith("dk_")
    row = page.locator("#keys-table tbody tr[data-name='داشبورد آمار']")
    expect(row).to_have_attribute("data-active", "yes")
    page.screenshot(path=str(shots / "admin-key-created.png"), full_page=True)

    row.locator("button[data-rotate]").click()
    second = page.locator("#new-key-secret").inner_text()
    assert second.startswith("dk_") and second != first
    expect(row).to_have_attribute("data-prefix", second.split("_")[1])
    assert page.request.get(f"{live_server}/api/v1/me", headers={"X-API-Key": first}).status == 401
    assert page.request.get(f"{live_server}/api/v1/me", headers={"X-API-Key": second}).ok

    click_nav(page, "admin-audit")
    page.wait_for_url(f"{live_server}/admin/audit")
    page.fill("#actor", "boss")
    page.select_option("#entity", "api_key")
    page.click("#audit-filters button[type=submit]")
    rows = page.locator("#audit-table tbody tr[data-seq]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-action", "rotate")  # newest first
    expect(rows.nth(1)).to_have_attribute("data-action", "create")
    expect(rows.nth(0).locator("tr[data-field='prefix'].changed")).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("داشبورد آمار")
    page.select_option("#entity", "user")
    page.click("#audit-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("tehran.analyst")
    page.screenshot(path=str(shots / "admin-audit.png"), full_page=True)

    page.click("a[data-tab='verify']")
    expect(page.locator("#verdict")).to_have_attribute("data-ok", "yes")
    page.screenshot(path=str(shots / "admin-verify.png"), full_page=True)
    assert problems == []
    assert all(r.startswith(live_server) for r in requests)  # nothing from another origin
