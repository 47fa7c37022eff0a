"""A real browser (Debian's Chromium through Playwright) writes an e-prescription with live
checks, is refused for a severe interaction, issues a clean one, and a pharmacist dispenses
it partly, then fully, and is refused beyond the prescribed quantity."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.prescriptions.models import Prescription
from tests.web.conftest import click_nav, sign_in
from tests.web.test_prescription_pages import ASPIRIN, WARFARIN, make_world

pytestmark = pytest.mark.browser


def _fill_line(page: Any, i: int, code: str, quantity: str, days: str) -> None:
    row = page.locator(f"tr.rx-line[data-row='{i}']")
    row.locator(".rx-code").fill(code)
    row.locator(".rx-dose").fill("روزی یک عدد")
    row.locator(".rx-qty").fill(quantity)
    row.locator(".rx-days").fill(days)


def test_a_severe_interaction_is_refused_a_clean_prescription_is_issued_and_dispensed_in_parts(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    w = make_world(session_factory)
    page, _, _ = browser_page
    base = live_server
    sign_in(page, base, "cardio")
    click_nav(page, "rx-new")
    page.wait_for_url(f"{base}/prescriptions/new")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.fill("#national_id", w.nid)
    _fill_line(page, 0, WARFARIN, "10", "10")
    page.click("#rx-add")
    _fill_line(page, 1, ASPIRIN, "10", "10")
    page.locator("#national_id").focus()  # leaving the field sends its change too
    # the live check: the refusal appears beside the aspirin line, nothing is issued yet
    beside = page.locator("#m-1-code .field-msg[data-code='P08']")
    expect(beside).to_be_visible(timeout=10_000)
    expect(beside).to_contain_text("تداخل دارویی شدید")
    expect(page.locator("#n-0")).to_contain_text("وارفارین")
    expect(page.locator("#check-state")).to_have_attribute("data-state", "blocked")
    page.screenshot(path=str(shots / "rx-live-check.png"), full_page=True)

    page.click("#rx-issue")
    expect(page.locator("#rx-refused")).to_be_visible()
    expect(page.locator("#m-1-code .field-msg[data-code='P08']")).to_contain_text("خونریزی")
    with session_factory() as s:
        assert s.scalars(select(Prescription.status)).all() == ["refused"]

    # drop the aspirin line: the check clears, and issuing gives a tracking code
    page.locator("tr.rx-line[data-row='1'] .rx-remove").click()
    expect(page.locator("#check-state")).to_have_attribute("data-state", "ok", timeout=10_000)
    expect(page.locator("#m-0-code .field-msg")).to_have_count(0)
    page.click("#rx-issue")
    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$"))
    tracking = code_box.inner_text()
    page.screenshot(path=str(shots / "rx-issued.png"), full_page=True)
    with session_factory() as s:
        issued = s.scalars(select(Prescription).where(Prescription.status == "issued")).all()
    assert len(issued) == 1 and issued[0].tracking_code == tracking.replace("-", "")

    page.goto(f"{base}/prescriptions")
    expect(page.locator("#rx-table")).to_contain_text(tracking)
    page.screenshot(path=str(shots / "rx-list.png"), full_page=True)

    # the pharmacist
    sign_in(page, base, "pharm_a")
    click_nav(page, "rx-dispense")
    page.fill("#tracking_code", tracking)
    page.fill("#lookup_national_id", w.nid)
    page.click("#lookup-form button[type=submit]")
    remaining = page.locator("#dispense-lines tr[data-line='1'] [data-field='remaining']")
    expect(remaining).to_have_text("۱۰")

    page.fill("#qty-1", "4")
    page.click("#dispense-submit")
    expect(page.locator("#dispense-ok")).to_be_visible()
    expect(remaining).to_have_text("۶")
    expect(page.locator("#dispense-lines tr[data-line='1'] [data-field='dispensed']")).to_have_text(
        "۴"
    )

    page.fill("#qty-1", "7")
    page.click("#dispense-submit")
    expect(page.locator("#err-line-1")).to_contain_text("بیش از باقی‌مانده")
    expect(remaining).to_have_text("۶")
    page.screenshot(path=str(shots / "rx-dispense-refused.png"), full_page=True)

    page.fill("#qty-1", "۶")
    page.click("#dispense-submit")
    expect(page.locator("#dispense-ok")).to_be_visible()
    expect(remaining).to_have_text("۰")

    page.fill("#qty-1", "1")
    page.click("#dispense-submit")
    expect(page.locator("#err-line-1")).to_contain_text("بیش از باقی‌مانده")
    expect(remaining).to_have_text("۰")
    page.screenshot(path=str(shots / "rx-dispense.png"), full_page=True)
