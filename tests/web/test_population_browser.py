"""A real browser (Debian's Chromium through Playwright): a family physician opens their
action list for a reference day and sees their panel's care cascade, their elderly with
screenings due and the call-back list; national staff see the cascade drawn per province
beside its table and a programme's coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.registry import service as registry
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.elderly_world import build as build_elderly
from tests.web.conftest import click_nav, sign_in
from tests.web.test_population_pages import make_world

pytestmark = pytest.mark.browser


def test_a_physician_reads_their_action_list_and_staff_see_the_cascade_chart(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        elderly = build_elderly(s)
        security.create_user(
            s, places=registry.UserPlaces(s), actor="test", username="karimi",
            password=f.PASSWORD, role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
            facility_id=elderly.a.id, practitioner_council_number="PC700",
        )  # fmt: skip
        uow.commit()
    page, _, _ = browser_page
    sign_in(page, live_server, "karimi")
    click_nav(page, "population-actions")
    page.fill("#on", "۱۴۰۵/۰۶/۳۱")
    page.click("#actions-form button[type=submit]")
    rows = page.locator("#due tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-national-id", elderly.people["e70"])
    expect(rows.nth(1).locator("[data-screening]")).to_have_text("ماموگرافی")
    expect(page.locator("#call-title")).to_be_visible()
    # the panel's cascade at the top: five on the panel at the quarter's end (e61 left),
    # e65 alone on a register (type 2 diabetes since 1405/01/05), seen in the twelve months
    # (a visit, an HbA1c in 1405/02) but not in the quarter's three
    expect(page.locator("#panel-members")).to_contain_text("۵ نفر در فهرست")
    cells = page.locator("#panel-cascade tr[data-register='t2dm'] td")
    expect(cells).to_have_text(["۱", "۱", "۰", "۰", "۱", "۰"])
    page.screenshot(path=str(shots / "population-actions.png"), full_page=True)

    sign_in(page, live_server, "hq")
    page.goto(f"{live_server}/population?quarter=1405Q2")
    canvas = page.locator("#cascade-chart-htn canvas")
    expect(canvas).to_have_attribute("data-ready", "true", timeout=10_000)
    box = canvas.bounding_box()
    assert box is not None and box["height"] > 100
    expect(page.locator("#cascade-provinces")).to_be_visible()
    page.screenshot(path=str(shots / "population-cascade.png"), full_page=True)

    click_nav(page, "population-programmes")
    page.fill("#month", "1405/06")
    page.click("#programme-form button[type=submit]")
    tehran = page.locator(f"#coverage-provinces tr[data-province='{elderly.a.province_id}']")
    expect(tehran.locator("td").nth(2)).to_have_text("۵۰٪")
    page.screenshot(path=str(shots / "population-programmes.png"), full_page=True)
