"""A real browser (Debian's Chromium through Playwright): a provider sends a claims file with
one bad line, reads the error by row and column, finds the accepted claim in its list and
opens it; claims staff search claims by patient and dates, and page through the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from darman.claims.models import Claim
from darman.common.jalali import parse_jalali
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.web import claims_views
from tests.integration.claims.conftest import claim
from tests.web.conftest import click_nav, sign_in
from tests.web.test_claims_pages import seed_world, submit
from tests.web.test_navigation_browser import _fits
from tests.web.test_provider_claims_pages import csv_file, row

pytestmark = pytest.mark.browser


def test_a_provider_uploads_a_file_reads_the_bad_row_and_opens_the_accepted_claim(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    world = seed_world(session_factory)
    page, _, _ = browser_page
    claims_file = tmp_path / "claims.csv"
    claims_file.write_bytes(
        csv_file(
            [
                row(world, "9001"),  # row 2: good
                row(world, "9002", national_id="12345"),  # row 3: a short national ID
            ]
        )
    )

    sign_in(page, live_server, "desk")
    click_nav(page, "upload")
    page.wait_for_url(f"{live_server}/claims/upload")
    page.set_input_files("#claims-file", str(claims_file))
    page.click("#upload-submit")
    report = page.locator("#upload-report")
    expect(report).to_have_attribute("data-accepted", "1")
    expect(report).to_have_attribute("data-rejected", "1")
    bad = page.locator('#upload-problems tr[data-field="national_id"]')
    expect(bad).to_have_count(1)
    assert bad.get_attribute("data-row") == "ردیف ۳"
    assert "کد ملی بیمه‌شده" in bad.inner_text()
    page.screenshot(path=str(shots / "claims-upload.png"), full_page=True)
    for width in (390, 1024):  # the report fits a phone and a small laptop
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page, f"the upload report at {width}px")
    page.set_viewport_size({"width": 1360, "height": 900})

    with session_factory() as s:
        stored = s.scalars(select(Claim.document_number)).all()
        cid = s.scalar(select(Claim.id).where(Claim.document_number == "9001"))
    assert list(stored) == ["9001"]

    click_nav(page, "claims")
    page.wait_for_url(f"{live_server}/claims")
    page.fill("#search-document", "۹۰۰۱")
    page.click("#search-submit")
    expect(page.locator("#claims-count")).to_have_attribute("data-total", "1")
    assert "search-facility" not in page.content()  # a desk searches its own centre only
    page.locator(f'tr[data-claim="{cid}"] a').click()
    page.wait_for_url(f"{live_server}/claims/{cid}")
    assert page.get_attribute("h1 [data-status]", "data-status") == "submitted"
    assert to_persian_digits("9001") in page.inner_text("h1")
    # the line shows the catalogue's name of the service beside its code
    assert page.locator('#claim-lines tr[data-line="1"] [data-name]').inner_text().strip() != ""

    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        for href in ("/claims/upload", "/claims", "/claims/remittances", f"/claims/{cid}"):
            page.goto(f"{live_server}{href}")
            _fits(page, f"{href} at {width}px")

    # another centre's claim is not found, even by its address (asked with the browser's own
    # cookies; navigating there would log the 404 to the console the fixture watches)
    other = submit(session_factory, "boss", claim(world, "9003", facility_code=world["other"]))
    response = page.request.get(f"{live_server}/claims/{other}")
    assert response.status == 404 and "یافت نشد" in response.text()
    assert response.headers["content-type"].startswith("text/html")


def test_claims_staff_search_by_patient_and_dates_and_page_through_the_result(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    world = seed_world(session_factory)
    days = {"9101": "1405/05/01", "9102": "1405/05/20", "9103": "1405/06/10", "9104": "1405/05/25"}
    ids = {doc: submit(session_factory, "desk", claim(world, doc)) for doc in days}
    with UnitOfWork(session_factory) as uow:
        for doc, day in days.items():
            uow.session.execute(
                update(Claim).where(Claim.id == ids[doc]).values(submitted_on=parse_jalali(day))
            )
        uow.commit()
    monkeypatch.setattr(claims_views, "PAGE_SIZE", 1)
    page, _, _ = browser_page

    sign_in(page, live_server, "rev")
    click_nav(page, "claims")
    page.wait_for_url(f"{live_server}/claims")
    page.fill("#search-nid", to_persian_digits(world["nid"]))
    page.fill("#search-from", "۱۴۰۵/۵/۱۰")
    page.fill("#search-to", "1405/05/31")
    page.click("#search-submit")
    count = page.locator("#claims-count")
    expect(count).to_have_attribute("data-total", "2")  # 9102 and 9104
    assert "from=" in page.url and "national_id=" in page.url
    first = page.locator("#claims-grid tbody tr[data-claim]").get_attribute("data-claim")
    page.locator("nav.pager a", has_text="۲").click()
    expect(page.locator("nav.pager a[aria-current=page]")).to_have_text("۲")
    second = page.locator("#claims-grid tbody tr[data-claim]").get_attribute("data-claim")
    assert {first, second} == {str(ids["9102"]), str(ids["9104"])}
    page.screenshot(path=str(shots / "claims-search.png"), full_page=True)
    for width in (390, 1024):  # the search form wraps on a phone
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page, f"the claims search at {width}px")
    page.set_viewport_size({"width": 1360, "height": 900})

    page.fill("#search-to", "1405/14/01")
    page.click("#search-submit")
    errors = page.locator("#search-errors")
    expect(errors).to_be_visible()
    assert "روزی از تقویم خورشیدی نیست" in errors.inner_text()
