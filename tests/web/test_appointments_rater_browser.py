"""A real browser (Debian's Chromium through Playwright): an interview rater signs in with
their own account, lands on their own scorecards, is refused a declared relative, scores
another candidate, and sees the new card in their list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from darman.common.persian import to_persian_digits
from tests import factories as f
from tests.integration.appointments.world import IDS, POST
from tests.web.test_appointments_rater_pages import cards_of, rater_world

pytestmark = pytest.mark.browser
# the refused scorecard is answered 409 on purpose, which the browser reports on its console
REFUSED = (
    "console error: Failed to load resource: the server responded with a status of 409 (Conflict)"
)


def _score(page: Any, national_id: str, mark: str) -> None:
    page.fill("#post_code", POST)
    page.fill("#national_id", national_id)  # the panel is the rater's own seat's
    for select in page.locator("#score-form select").all():
        select.select_option(mark)
    page.click("#score-form button[type=submit]")


def test_a_rater_signs_in_and_scores_a_candidate_but_not_a_declared_relative(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    rater_world(session_factory)  # r1 is rater R1 of panel P1, who declared D their spouse
    page, requests, problems = browser_page
    page.goto(f"{live_server}/login")
    page.fill("#username", "r1")
    page.fill("#password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/appointments/my-scorecards")
    expect(page.locator("#cards-table tbody tr")).to_have_count(4)
    _score(page, to_persian_digits(IDS["D"]), "1")
    expect(page.locator("#rater-error")).to_contain_text("همسر")
    # the office's marks for D, entered before the declaration, are all that is held
    assert cards_of(session_factory, "R1", IDS["D"]) == 4
    row_d = page.locator(f"#cards-table tr[data-nid='{IDS['D']}'] td.num").first
    expect(row_d).to_have_text("۳")
    _score(page, IDS["B"], "2")  # R1 marked B 4 in every competency; now 2
    expect(page.locator("#rater-saved")).to_contain_text("۴")
    row = page.locator(f"#cards-table tr[data-nid='{IDS['B']}'] td.num").first
    expect(row).to_have_text("۲")
    page.screenshot(path=str(shots / "appointments-rater-own.png"), full_page=True)
    # another rater's page is refused with the rater's own session
    assert page.request.get(f"{live_server}/appointments/raters/R2").status == 403
    assert all(u.startswith(live_server) for u in requests)
    assert problems == [REFUSED]  # the refused scorecard, nothing else
    problems.clear()
