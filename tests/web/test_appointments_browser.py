"""A real browser (Debian's Chromium through Playwright): an analyst opens the appointments
entry, reads a post's ranking, opens the fairness report whose chart is drawn; a candidate
reads their own result with their code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from darman.common.persian import to_persian_digits
from tests.integration.appointments.world import IDS, POST
from tests.web.conftest import click_nav, sign_in
from tests.web.test_appointments_pages import make_world

pytestmark = pytest.mark.browser


def test_an_analyst_reads_a_ranking_and_the_fairness_chart_and_a_candidate_their_result(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    code = make_world(session_factory)
    page, requests, problems = browser_page
    sign_in(page, live_server, "hq")
    click_nav(page, "appointments")
    page.click(f"tr[data-post='{POST}'] a")
    expect(page.locator(f"#ranking-table tr[data-nid='{IDS['A']}']")).to_have_attribute(
        "data-outcome", "selected"
    )
    page.click("#rules-table tr[data-version='1'] a")
    expect(page.locator(f"#ranking-table tr[data-nid='{IDS['C']}']")).to_have_attribute(
        "data-outcome", "selected"
    )
    page.screenshot(path=str(shots / "appointments-ranking.png"), full_page=True)
    page.goto(f"{live_server}/appointments")
    page.click("#fairness-link")
    expect(page.locator("#impact-box")).to_have_attribute("data-drawn", "yes", timeout=10_000)
    page.screenshot(path=str(shots / "appointments-fairness.png"), full_page=True)

    page.context.clear_cookies()
    page.goto(f"{live_server}/appointments/my-result")
    page.fill("#national_id", to_persian_digits(IDS["C"]))
    page.fill("#access_code", code)
    page.click("#own-form button[type=submit]")
    expect(page.locator("#own-rank")).to_have_text("۳")
    assert to_persian_digits(IDS["A"]) not in page.content()
    assert all(u.startswith(live_server) for u in requests)
    assert problems == []
