"""A real browser (Debian's Chromium through Playwright): a national analyst opens the
targets and weights form from the menu, is told in Persian which field is wrong, corrects
it and sees the change dated in the history; the page fits a phone and a small laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import click_nav, sign_in
from tests.web.test_navigation_browser import _fits
from tests.web.test_performance_pages import PERIOD, make_world

pytestmark = pytest.mark.browser
# a refused form is answered 422 on purpose, which the browser reports on its console
REFUSED = (
    "console error: Failed to load resource: the server responded with a status of 422 "
    "(Unprocessable Entity)"
)


def test_an_analyst_sets_a_target_and_a_weight_and_reads_the_history(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    page, _, problems = browser_page
    sign_in(page, live_server, "hq")
    click_nav(page, "performance-targets")
    page.wait_for_url(f"{live_server}/performance/targets")
    expect(page.locator("#target-period")).to_have_value(PERIOD)
    page.select_option("#indicator", "stockout_rate")
    page.select_option("#province_code", "19")
    page.fill("#target-value", "دو")
    page.click("#target-form button")
    errors = page.locator("#targets-errors")
    expect(errors).to_contain_text("مقدار هدف: یک عدد بنویسید")
    expect(page.locator("#target-value")).to_have_attribute("aria-invalid", "true")
    page.fill("#target-value", "۲٫۵")
    page.click("#target-form button")
    expect(page.locator("#targets-message")).to_have_text("هدف ثبت شد.")
    row = page.locator("#targets-table tr[data-province='19'][data-indicator='stockout_rate']")
    expect(row).to_contain_text("۲٫۵")
    first = page.locator("#history-table tbody tr").first
    expect(first).to_contain_text("نرخ کمبود اقلام حیاتی")
    expect(first).to_contain_text("نخستین بار")
    # a weight: a wrong one is named beside its field, a right one is recorded
    page.fill("#weight-stockout_rate", "۱۲۰")
    page.click("#weights-form button")
    expect(page.locator("#weight-stockout_rate-error")).to_contain_text("نرخ کمبود اقلام حیاتی")
    page.fill("#weight-stockout_rate", "۲")
    page.click("#weights-form button")
    expect(page.locator("#targets-message")).to_have_text("وزن‌ها ثبت شد.")
    expect(page.locator("#weight-stockout_rate")).to_have_value("۲")
    latest = page.locator("#history-table tbody tr").first
    expect(latest).to_have_attribute("data-kind", "weight")
    expect(latest).to_contain_text("۱٫۵۰")
    assert problems == [REFUSED, REFUSED]  # the two refused forms, nothing else
    problems.clear()
    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        _fits(page, f"/performance/targets at {width}px")
        page.screenshot(path=str(shots / f"performance-targets-{width}.png"), full_page=True)
    assert problems == []
