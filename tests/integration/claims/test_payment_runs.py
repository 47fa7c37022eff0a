"""Payment runs at the edges of the queue and the ledger, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from darman.claims import payment, review, service
from darman.claims.models import Claim, LedgerEntry, Payment
from darman.common.jalali import tehran_today
from darman.common.money import format_rials
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal
from tests.integration.claims.conftest import claim, tariff

FINANCE = Principal(
    user_id=0, username="finance", role=Role.FINANCE_OFFICER, scope_level=ScopeLevel.NATIONAL
)


def test_an_advance_larger_than_the_final_amount_is_posted_as_receivable_and_costs_no_budget(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    asked = tariff("100102", year=1403)
    old = claim(world, "8101")
    old["lines"][0].update(service_date="1403/10/01", unit_price_rials=asked)
    client.post("/api/v1/claims", json=old, headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        uow.session.execute(update(Claim).values(submitted_on=dt.date(2025, 1, 1)))
        adv = payment.pay_advances(
            uow.session,
            FINANCE,
            run_key="adv-90",
            budget_rials=10**12,
            share_percent=90,
            min_wait_days=60,
        )
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        final = payment.pay(uow.session, FINANCE, run_key="final-90", budget_rials=1)
        uow.commit()
    insurer = asked - (asked * 30 + 50) // 100
    assert adv.paid_rials == asked * 90 // 100 > insurer
    # nothing more is owed, so the claim fits a one-rial budget and pays nothing out
    assert (final.claims_paid, final.paid_rials) == (1, 0)
    with session_factory() as s:
        entries = s.execute(
            select(LedgerEntry.account, LedgerEntry.debit_rials, LedgerEntry.credit_rials)
            .where(LedgerEntry.run_id == final.run_id)
            .order_by(LedgerEntry.id)
        ).all()
        assert [tuple(e) for e in entries] == [
            ("claims_payable", insurer, 0),
            ("advances", 0, adv.paid_rials),
            ("receivable", adv.paid_rials - insurer, 0),
        ]
        assert payment.ledger_balance(s, run_id=final.run_id) == (
            adv.paid_rials,
            adv.paid_rials,
        )
        paid = s.scalar(select(Claim))
        assert (paid.status, paid.paid_rials) == ("paid", adv.paid_rials)
        amounts = s.execute(select(Payment.kind, Payment.amount_rials).order_by(Payment.id)).all()
        assert [tuple(a) for a in amounts] == [("advance", adv.paid_rials), ("final", 0)]


def test_a_claim_that_does_not_fit_stops_the_run_and_no_younger_claim_jumps_the_queue(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    days = ((1,), (2, 3, 4), (5,))  # the second claim owes three times the others
    for i, claim_days in enumerate(days):
        body = claim(world, f"820{i}")
        body["lines"] = [
            {
                "item_type": "service",
                "code": "100102",
                "service_date": f"1405/07/{d:02d}",
                "quantity": 1,
                "unit_price_rials": tariff("100102"),
            }
            for d in claim_days
        ]
        client.post("/api/v1/claims", json=body, headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        ids = list(uow.session.scalars(select(Claim.id).order_by(Claim.id)))
        for k, cid in enumerate(ids):
            day = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=k)
            uow.session.execute(update(Claim).where(Claim.id == cid).values(submitted_at=day))
        dues = list(uow.session.scalars(select(Claim.insurer_rials).order_by(Claim.id)))
        # the first claim fits; the second would exceed the budget; the third would fit alone
        run = payment.pay(uow.session, FINANCE, run_key="queue", budget_rials=dues[0] + dues[2])
        uow.commit()
    assert (run.claims_paid, run.paid_rials) == (1, dues[0])
    with session_factory() as s:
        statuses = s.scalars(select(Claim.status).order_by(Claim.id)).all()
        assert statuses == ["paid", "approved", "approved"]
    # it says why it spent less than its budget: the second claim did not fit what was left
    assert run.why == "budget_reached" and run.next_claim_rials == dues[1]
    assert run.why_fa is not None and "8201" in run.why_fa
    assert format_rials(dues[1]) in run.why_fa and format_rials(dues[2]) in run.why_fa


def test_a_run_that_empties_the_queue_says_so_and_counts_the_claims_held_for_review(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    for i, day in enumerate((1, 2, 3)):
        body = claim(world, f"830{i}")
        body["lines"][0]["service_date"] = f"1405/07/{day:02d}"
        client.post("/api/v1/claims", json=body, headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        held = uow.session.scalar(select(Claim.id).where(Claim.document_number == "8302"))
        uow.session.execute(update(Claim).where(Claim.id == held).values(status="in_review"))
        uow.commit()
    answer = client.post(
        "/api/v1/claims/payment-runs",
        json={"run_key": "empty-queue", "budget_rials": 10**12},
        headers=world["admin"],
    )
    assert answer.status_code == 200, answer.text
    run = answer.json()
    with session_factory() as s:
        paid = sum(s.scalars(select(Claim.paid_rials).where(Claim.status == "paid")))
    assert (run["claims_paid"], run["paid_rials"]) == (2, paid)
    assert run["why"] == "queue_empty" and run["next_claim_rials"] is None
    assert (run["waiting_review"], run["waiting_adjudication"]) == (1, 0)
    assert run["why_fa"] == (
        "سند تأییدشده‌ی دیگری در این گستره نمانده است؛ "
        "۱ سند در بررسی پزشکی یا تأیید است و پس از تأیید پرداخت می‌شود"
    )


def test_a_run_that_spends_its_whole_budget_gives_no_reason(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    client.post("/api/v1/claims", json=claim(world, "8401"), headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        due = uow.session.scalar(select(Claim.insurer_rials))
        run = payment.pay(uow.session, FINANCE, run_key="exact", budget_rials=due)
        uow.commit()
    assert run.paid_rials == due and run.why is None and run.why_fa is None


def test_an_advance_run_that_spends_less_than_its_budget_says_why_in_persian(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    asked = tariff("100102", year=1403)
    for number in ("8401", "8402", "8403"):
        body = claim(world, number)
        body["lines"][0].update(service_date="1403/10/01", unit_price_rials=asked)
        client.post("/api/v1/claims", json=body, headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        ids = list(uow.session.scalars(select(Claim.id).order_by(Claim.id)))
        # two claims have waited long enough for an advance, the third was filed yesterday
        for k, cid in enumerate(ids):
            filed = dt.date(2025, 1, 1) + dt.timedelta(days=k)
            if k == 2:
                filed = tehran_today() - dt.timedelta(days=1)
            at = dt.datetime.combine(filed, dt.time(9), tzinfo=dt.UTC)
            uow.session.execute(
                update(Claim).where(Claim.id == cid).values(submitted_on=filed, submitted_at=at)
            )
        uow.commit()
    half = asked * 50 // 100
    # the budget covers the first advance and part of the second
    answer = client.post(
        "/api/v1/claims/advance-runs",
        json={"run_key": "adv-short", "budget_rials": half + half // 2, "min_wait_days": 60},
        headers=world["admin"],
    )
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert (run["claims_paid"], run["paid_rials"]) == (1, half)
    assert run["why"] == "budget_reached" and run["next_claim_rials"] == half
    assert run["why_fa"] == (
        f"بودجه به سند بعدی صف نرسید: پیش‌پرداخت سند 8402 {format_rials(half)} است و از "
        f"مانده‌ی بودجه ({format_rials(half // 2)}) بیشتر؛ اسناد جوان‌تر از آن پیش‌پرداخت "
        "نگرفتند تا نوبت صف به هم نخورد؛ ۱ سند هنوز کمتر از ۶۰ روز در صف است"
    )
    # a second run with a large budget finds nothing old enough left
    again = client.post(
        "/api/v1/claims/advance-runs",
        json={"run_key": "adv-rest", "budget_rials": 10**12, "min_wait_days": 60},
        headers=world["admin"],
    ).json()
    assert (again["claims_paid"], again["paid_rials"]) == (1, half)
    assert again["why"] == "queue_empty"
    assert again["why_fa"] == (
        "سند دیگری در این گستره نیست که بیش از ۶۰ روز در انتظار مانده و پیش‌پرداخت نگرفته "
        "باشد؛ ۱ سند هنوز کمتر از ۶۰ روز در صف است"
    )
