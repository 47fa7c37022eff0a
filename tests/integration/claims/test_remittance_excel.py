"""The remittance a facility receives, as Excel: a Persian right-to-left sheet with a frozen
header, Jalali dates, and the money as numbers with thousands separators."""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from darman.claims import payment, review, service
from darman.claims.models import Claim
from darman.common.jalali import format_jalali
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from tests.integration.claims.conftest import claim
from tests.integration.claims.test_payment_runs import FINANCE


def test_the_remittance_workbook_is_persian_jalali_and_ready_to_read(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    for doc in ("9101", "9102"):
        made = client.post("/api/v1/claims", json=claim(world, doc), headers=world["desk"])
        assert made.status_code == 201, made.text
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        run = payment.pay(uow.session, FINANCE, run_key="excel-1", budget_rials=10**12)
        uow.commit()
    with session_factory() as s:
        claims = {
            c.document_number: c for c in s.scalars(select(Claim).where(Claim.status == "paid"))
        }
    answer = client.get(
        f"/api/v1/claims/payment-runs/{run.run_id}/remittance",
        params={"format": "xlsx"},
        headers=world["admin"],
    )
    assert answer.status_code == 200, answer.text
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.active
    assert sheet.title == "حواله‌ی پرداخت"
    assert sheet.sheet_view.rightToLeft is True
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == [
        "کد مرکز", "نام مرکز", "شماره سند", "تاریخ ارسال", "سهم بیمه‌گر (ریال)",
        "علی‌الحساب پیشین (ریال)", "نوع پرداخت", "مبلغ پرداخت (ریال)",
    ]  # fmt: skip
    assert not any(re.search(r"[A-Za-z]", h) for h in header)
    rows = {r[2].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == set(claims) and claims
    for doc, row in rows.items():
        stored = claims[doc]
        assert row[3].value == format_jalali(stored.submitted_on)  # ۱۴۰۵/۰۸/۱۵, not 2026-11-06
        assert row[6].value == "تسویه"
        paid = row[7]
        assert paid.value == stored.insurer_rials and isinstance(paid.value, int)
        assert paid.number_format == "#,##0"
    # each column is at least as wide as its header and the longest value in it
    for letter, title in zip("ABCDEFGH", header, strict=True):
        longest = max(len(title), *(len(f"{r[ord(letter) - 65].value:,}")
                                    if isinstance(r[ord(letter) - 65].value, int)
                                    else len(str(r[ord(letter) - 65].value or ""))
                                    for r in rows.values()))  # fmt: skip
        assert sheet.column_dimensions[letter].width >= longest, letter
