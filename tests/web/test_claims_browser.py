"""A real browser (Debian's Chromium through Playwright) reviews a claim and runs a payment."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.claims.models import Claim, ClaimLine
from darman.common.money import format_rials
from darman.common.persian import to_persian_digits
from darman.web.claims_views import reason_labels
from tests.integration.claims.conftest import claim
from tests.web.conftest import click_nav, sign_in
from tests.web.test_claims_pages import adjudicate, seed_world, submit, two_line_claim

pytestmark = pytest.mark.browser


def test_a_reviewer_cuts_a_line_with_a_reason_finishes_and_sees_the_claim_approved(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    world = seed_world(session_factory)
    cid = submit(session_factory, "desk", two_line_claim(world, "6001"))
    adjudicate(session_factory, review_percent=100)
    page, _, _ = browser_page

    sign_in(page, live_server, "rev")
    click_nav(page, "review")
    page.wait_for_url(f"{live_server}/claims/review")
    card = page.locator(f"#review-claim-{cid}")
    expect(card).to_be_visible()
    assert "نمونه‌ی تصادفی" in card.inner_text()

    row = card.locator('tr[data-line="1"]')
    row.locator("input[name=reason]").fill("مستندات ویزیت ناقص است")
    row.locator("input[name=allowed_rials]").fill("۱٬۰۰۰٬۰۰۰")
    row.locator("button[value=cut]").click()
    expect(page.locator("#review-message")).to_have_text("ردیف ۱ کسر شد.")
    cut_row = page.locator(f'#review-claim-{cid} tr[data-line="1"]')
    expect(cut_row.locator("[data-outcome]")).to_have_attribute("data-outcome", "partial")
    assert 'data-code="V01"' in cut_row.inner_html()
    page.screenshot(path=str(shots / "claims-review.png"), full_page=True)

    page.locator(f"#review-claim-{cid} button", has_text="پایان بررسی این سند").click()
    finished = page.locator("#review-finished")
    expect(finished).to_have_attribute("data-status", "approved")
    assert "تأییدشده" in finished.inner_text()
    expect(page.locator(f"#review-claim-{cid}")).to_have_count(0)
    assert "صف رسیدگی شما خالی است" in page.inner_text("#review-queue")

    finished.locator("a", has_text="مشاهده‌ی سند").click()
    page.wait_for_url(f"{live_server}/claims/{cid}")
    assert page.get_attribute("h1 [data-status]", "data-status") == "approved"
    line = page.locator('#claim-lines tr[data-line="1"]')
    assert reason_labels(["V01"])[0]["label"] in line.inner_text()
    assert "«مستندات ویزیت ناقص است»" in line.inner_text()
    with session_factory() as s:
        c = s.get(Claim, cid)
        assert c is not None and c.status == "approved"
        first = s.scalar(select(ClaimLine).where(ClaimLine.claim_id == cid, ClaimLine.line_no == 1))
        assert first is not None and first.allowed_rials == 1_000_000
        assert page.inner_text('[data-total="allowed"]') == format_rials(c.allowed_rials)
    page.screenshot(path=str(shots / "claims-detail.png"), full_page=True)


def test_a_finance_officer_runs_a_payment_and_downloads_a_matching_remittance(
    live_server: str,
    session_factory: sessionmaker[Session],
    browser_page: tuple[Any, list[str], list[str]],
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    world = seed_world(session_factory)
    ids = []
    for n in range(3):
        body = claim(world, f"700{n}")
        body["lines"][0]["service_date"] = f"1405/07/0{n + 1}"
        ids.append(submit(session_factory, "desk", body))
    adjudicate(session_factory, review_percent=0)
    with session_factory() as s:
        claims = [s.get(Claim, i) for i in ids]
        shares = [c.insurer_rials for c in claims if c is not None]
        docs = {c.id: c.document_number for c in claims if c is not None}
    budget = shares[0] + shares[1] + shares[2] // 2  # room for the two oldest only
    page, _, _ = browser_page

    sign_in(page, live_server, "fin")
    cards = page.locator("#card-claims a").evaluate_all("links => links.map(a => a.pathname)")
    assert cards == ["/claims", "/claims/payments", "/claims/aging", "/claims/policy"]
    page.screenshot(path=str(shots / "claims-home.png"), full_page=True)
    click_nav(page, "payments")
    page.wait_for_url(f"{live_server}/claims/payments")
    page.fill("#budget", to_persian_digits(f"{budget:,}".replace(",", "٬")))  # ۱٬۲۳۴
    page.click("#payment-form button[type=submit]")
    facts = page.locator("#payment-facts")
    expect(facts).to_be_visible()
    assert facts.locator('[data-field="claims_paid"]').inner_text() == "۲"
    paid = shares[0] + shares[1]
    assert facts.locator('[data-field="paid"]').inner_text() == format_rials(paid)
    debit = facts.locator('[data-field="debit"]').inner_text()
    assert debit == facts.locator('[data-field="credit"]').inner_text() == format_rials(paid)
    assert "تراز است" in facts.locator('[data-field="balance"]').inner_text()
    page.screenshot(path=str(shots / "claims-payments.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#remittance-csv")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["شماره سند"] for r in rows) == sorted([docs[ids[0]], docs[ids[1]]])
    assert sorted(int(r["مبلغ پرداخت (ریال)"]) for r in rows) == sorted(shares[:2])
    assert {r["کد مرکز"] for r in rows} == {world["hospital"]}

    # the third claim is still owed: the aging page shows it and the paid ones' delay
    click_nav(page, "aging")
    page.wait_for_url(f"{live_server}/claims/aging")
    page.wait_for_selector("#aging-chart[data-ready=true]", state="attached")
    page.wait_for_selector("#delay-chart[data-ready=true]", state="attached")
    chart = page.evaluate(
        """() => {
            const c = Chart.getChart(document.getElementById('aging-chart'));
            const d = Chart.getChart(document.getElementById('delay-chart'));
            return {labels: c.data.labels, sets: c.data.datasets.length,
                    stacked: c.options.scales.x.stacked, first: c.data.datasets[0].data,
                    months: d.data.labels.length, lines: d.data.datasets.length};
        }"""
    )
    assert chart["labels"] == [world["province_name"]] and chart["sets"] == 6
    assert chart["stacked"] is True and chart["first"] == [shares[2]]
    assert chart["months"] == 1 and chart["lines"] == 2
    assert page.inner_text("#aging-total") == format_rials(shares[2])
    page.screenshot(path=str(shots / "claims-aging.png"), full_page=True)

    sign_in(page, live_server, "desk")
    click_nav(page, "claims")
    page.wait_for_url(f"{live_server}/claims")
    assert page.locator("#claims-grid tbody tr").count() == 3
    page.select_option("#claims-status", "paid")
    page.wait_for_url(f"{live_server}/claims?status=paid")
    expect(page.locator("#claims-grid tbody tr")).to_have_count(2)
    assert to_persian_digits(docs[ids[2]]) not in page.inner_text("#claims-grid")
    page.screenshot(path=str(shots / "claims-list.png"), full_page=True)
