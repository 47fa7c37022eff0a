"""Review, payment runs, advances and aging on both databases."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from darman.claims import aging, payment, review, service
from darman.claims.models import Claim, LedgerEntry, Payment, PaymentRun
from darman.common.errors import Conflict
from darman.common.jalali import format_jalali, tehran_today
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests import factories as f
from tests.integration.claims.conftest import claim, tariff

FINANCE = Principal(
    user_id=0, username="finance", role=Role.FINANCE_OFFICER, scope_level=ScopeLevel.NATIONAL
)


def _approved(client: TestClient, world: dict[str, Any], session_factory, n: int) -> list[int]:
    """n approved claims of the contracted hospital, submitted one day apart (oldest first)."""
    for i in range(n):
        body = claim(world, f"9{i:03d}")
        body["lines"][0]["service_date"] = f"1405/07/{i + 1:02d}"  # distinct days: no duplicates
        client.post("/api/v1/claims", json=body, headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        ids = list(uow.session.scalars(select(Claim.id).order_by(Claim.id)))
        for k, cid in enumerate(ids):
            day = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=k)
            uow.session.execute(
                update(Claim)
                .where(Claim.id == cid)
                .values(submitted_at=day, submitted_on=day.date())
            )
        uow.commit()
    return ids


def test_a_run_pays_oldest_first_within_budget_and_a_repeated_key_pays_nothing(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    ids = _approved(client, world, session_factory, 5)
    each = tariff("100102") - (tariff("100102") * 30 + 50) // 100
    with UnitOfWork(session_factory) as uow:
        first = payment.pay(
            uow.session, FINANCE, run_key="run-1", budget_rials=3 * each + each // 2
        )
        uow.commit()
    assert (first.claims_paid, first.paid_rials) == (3, 3 * each)
    with UnitOfWork(session_factory) as uow:
        again = payment.pay(
            uow.session, FINANCE, run_key="run-1", budget_rials=3 * each + each // 2
        )
        uow.commit()
    assert again.repeated and again.claims_paid == 3 and again.run_id == first.run_id
    # the same key with other terms is a mistake, not a repeat: refused, nothing paid
    with UnitOfWork(session_factory) as uow, pytest.raises(Conflict) as refused:
        payment.pay(uow.session, FINANCE, run_key="run-1", budget_rials=10**12)
    assert refused.value.problems[0].field == "run_key"
    with session_factory() as s:
        paid = s.scalars(select(Claim.id).where(Claim.status == "paid").order_by(Claim.id)).all()
        assert paid == ids[:3]
        assert s.scalar(select(func.count()).select_from(Payment)) == 3
        assert payment.ledger_balance(s) == (3 * each, 3 * each)


def test_two_runs_at_once_never_pay_a_claim_twice(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    _approved(client, world, session_factory, 6)
    errors: list[BaseException] = []

    def run(key: str) -> None:
        try:
            with UnitOfWork(session_factory) as uow:
                payment.pay(uow.session, FINANCE, run_key=key, budget_rials=10**12)
                uow.commit()
        # a refused racer is acceptable; a double payment is not
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"race-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session_factory() as s:
        per_claim = s.execute(
            select(Payment.claim_id, func.count()).group_by(Payment.claim_id)
        ).all()
        assert len(per_claim) == 6 and all(n == 1 for _, n in per_claim)
        debit, credit = payment.ledger_balance(s)
        assert debit == credit > 0
        assert s.scalar(select(func.count()).where(Claim.status == "paid")) == 6


def test_an_advance_is_settled_against_the_final_amount(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    # served and sent a while ago: the claim has waited past the advance threshold
    asked = tariff("100102", year=1403)
    old = claim(world, "8001")
    old["lines"][0].update(service_date="1403/10/01", unit_price_rials=asked)
    client.post("/api/v1/claims", json=old, headers=world["desk"])
    with UnitOfWork(session_factory) as uow:
        uow.session.execute(update(Claim).values(submitted_on=dt.date(2025, 1, 1)))
        adv = payment.pay_advances(
            uow.session,
            FINANCE,
            run_key="adv-1",
            budget_rials=10**12,
            share_percent=40,
            min_wait_days=60,
        )
        uow.commit()
    assert adv.claims_paid == 1 and adv.paid_rials == asked * 40 // 100
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            uow.session, actor="t", policy=review.ReviewPolicy(sample_percent=0)
        )
        final = payment.pay(uow.session, FINANCE, run_key="final-1", budget_rials=10**12)
        uow.commit()
    insurer = asked - (asked * 30 + 50) // 100
    assert final.paid_rials == insurer - adv.paid_rials
    with session_factory() as s:
        c = s.scalar(select(Claim))
        assert c.paid_rials == insurer and c.status == "paid"
        assert payment.ledger_balance(s) == (adv.paid_rials + insurer, adv.paid_rials + insurer)
        advances = s.execute(
            select(func.sum(LedgerEntry.debit_rials) - func.sum(LedgerEntry.credit_rials)).where(
                LedgerEntry.account == "advances"
            )
        ).scalar()
        assert advances == 0  # the advance is fully settled


def test_a_provincial_finance_officer_cannot_pay_another_province(
    world: dict[str, Any], session_factory
) -> None:
    import pytest

    from darman.common.errors import PermissionDenied

    officer = Principal(
        user_id=0,
        username="pf",
        role=Role.FINANCE_OFFICER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=5,
    )
    with UnitOfWork(session_factory) as uow, pytest.raises(PermissionDenied):
        payment.pay(uow.session, officer, run_key="x", budget_rials=1000, province_id=6)


def test_a_reviewer_cuts_a_line_in_its_own_province_and_the_cut_is_audited(
    client: TestClient, world: dict[str, Any], session_factory, uow: UnitOfWork
) -> None:
    client.post("/api/v1/claims", json=claim(world, "7001"), headers=world["desk"])
    with UnitOfWork(session_factory) as u:
        service.adjudicate_pending(u.session, referrals=claims_register(), actor="t")
        review.select_for_review(
            u.session, actor="t", policy=review.ReviewPolicy(sample_percent=100)
        )
        province = u.session.scalar(select(Claim.province_id))
        cid = u.session.scalar(select(Claim.id))
        u.commit()
    f.user(
        uow.session,
        username="rev",
        role=Role.CLAIMS_REVIEWER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=province,
    )
    f.user(
        uow.session,
        username="rev2",
        role=Role.CLAIMS_REVIEWER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=province % 31 + 1,
    )
    uow.commit()
    mine, theirs = f.token(client, "rev"), f.token(client, "rev2")
    assert [c["id"] for c in client.get("/api/v1/claims/review/queue", headers=mine).json()] == [
        cid
    ]
    assert client.get("/api/v1/claims/review/queue", headers=theirs).json() == []
    assert (
        client.post(
            f"/api/v1/claims/{cid}/lines/1/review",
            headers=theirs,
            json={"action": "reject", "reason": "x"},
        ).status_code
        == 404
    )
    cut = client.post(
        f"/api/v1/claims/{cid}/lines/1/review",
        headers=mine,
        json={"action": "cut", "allowed_rials": 1_000_000, "reason": "مستندات ناقص"},
    )
    assert cut.status_code == 200 and cut.json()["allowed_rials"] == 1_000_000
    done = client.post(f"/api/v1/claims/{cid}/review/finish", headers=mine).json()
    assert done["status"] == "approved" and done["allowed_rials"] == 1_000_000
    assert done["copay_rials"] == 300_000 and done["lines"][0]["reasons"] == ["V01"]
    audit = client.get("/api/v1/audit?entity=claim_line", headers=world["admin"]).json()["items"]
    assert audit[0]["action"] == "review_cut" and audit[0]["after"]["reason"] == "مستندات ناقص"


def test_aging_buckets_unpaid_amounts_by_months_waited(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    ids = _approved(client, world, session_factory, 3)
    with UnitOfWork(session_factory) as uow:
        for cid, day in zip(
            ids, (dt.date(2026, 11, 1), dt.date(2026, 6, 1), dt.date(2024, 1, 1)), strict=True
        ):
            uow.session.execute(update(Claim).where(Claim.id == cid).values(submitted_on=day))
        uow.commit()
    with session_factory() as s:
        rows = aging.aging(s, SYSTEM, as_of=dt.date(2026, 11, 23), by="facility")
    each = tariff("100102") - (tariff("100102") * 30 + 50) // 100
    assert len(rows) == 1 and rows[0].key == world["hospital"]
    assert rows[0].buckets == {
        "<1": each,
        "1-3": 0,
        "3-6": each,
        "6-12": 0,
        "12-18": 0,
        ">18": each,
    }
    body = client.get("/api/v1/claims/aging", headers=world["desk"]).json()
    assert body["buckets"][0] == "<1" and body["rows"][0]["total_rials"] == 3 * each


def test_a_reviewed_samples_deduction_rate_is_applied_once_to_the_facilitys_other_claims(
    client: TestClient, world: dict[str, Any], session_factory, uow: UnitOfWork
) -> None:
    for i, doc in enumerate(("7101", "7102", "7103")):
        body = claim(world, doc)
        body["lines"][0]["service_date"] = f"1405/07/{i + 1:02d}"
        client.post("/api/v1/claims", json=body, headers=world["desk"])
    with UnitOfWork(session_factory) as u:
        service.adjudicate_pending(u.session, referrals=claims_register(), actor="t")
        review.select_for_review(u.session, actor="t", policy=review.ReviewPolicy(sample_percent=0))
        sampled = u.session.scalar(select(Claim).where(Claim.document_number == "7101"))
        sampled.status, sampled.review_reason = "in_review", "random"
        province = sampled.province_id
        u.commit()
    f.user(
        uow.session,
        username="rev",
        role=Role.CLAIMS_REVIEWER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=province,
    )
    uow.commit()
    h = f.token(client, "rev")
    allowed = client.get(f"/api/v1/claims/{sampled.id}", headers=world["admin"]).json()[
        "allowed_rials"
    ]
    client.post(
        f"/api/v1/claims/{sampled.id}/lines/1/review",
        headers=h,
        json={"action": "cut", "allowed_rials": allowed // 4, "reason": "نمونه"},
    )
    client.post(f"/api/v1/claims/{sampled.id}/review/finish", headers=h)
    # the claims were submitted today: a window of the days around it
    around = [tehran_today() + dt.timedelta(days=d) for d in (-1, 1)]
    window = {
        "facility_id": world["hospital_id"],
        "submitted_from": format_jalali(around[0], persian_digits=False),
        "submitted_to": format_jalali(around[1], persian_digits=False),
    }
    first = client.post("/api/v1/claims/review/extrapolate", headers=h, json=window).json()
    cut_share = allowed - allowed // 4
    assert first["sample_claims"] == 1 and first["target_claims"] == 2
    assert first["rate_ppm"] == cut_share * 1_000_000 // allowed
    with session_factory() as s:
        others = s.scalars(select(Claim).where(Claim.document_number.in_(("7102", "7103")))).all()
        for c in others:
            insurer_before = c.insurer_rials + c.sample_cut_rials
            assert c.sample_cut_rials == insurer_before * first["rate_ppm"] // 1_000_000 > 0
    again = client.post("/api/v1/claims/review/extrapolate", headers=h, json=window).json()
    assert again["target_claims"] == 0 and again["cut_rials"] == 0


def test_a_run_for_an_unknown_province_is_refused_by_name_and_records_nothing(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    resp = client.post(
        "/api/v1/claims/payment-runs",
        headers=world["admin"],
        json={"run_key": "p-999", "budget_rials": 1000, "province_id": 999},
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "province_id"
    fractional = client.post(
        "/api/v1/claims/payment-runs",
        headers=world["admin"],
        json={"run_key": "p-1", "budget_rials": 10.5},
    )
    assert (
        fractional.status_code == 422 and fractional.json()["errors"][0]["field"] == "budget_rials"
    )
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(PaymentRun)) == 0
