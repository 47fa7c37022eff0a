"""The adjudication policy page: what is in force, in Persian with Jalali dates, by role."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.claims import policy
from darman.db.uow import UnitOfWork
from darman.registry.models import Province
from darman.security.principal import SYSTEM
from tests.web.test_claims_pages import login, seed_world


def test_a_reviewer_reads_national_and_province_rates_with_jalali_dates(
    client: TestClient, session_factory
) -> None:
    seed_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        qom = uow.session.scalar(select(Province).where(Province.name_en == "Qom"))
        assert qom is not None
        policy.set_copay(
            uow.session,
            SYSTEM,
            province_id=qom.id,
            visit_type="inpatient",
            ownership="contracted",
            percent=7,
            valid_from=dt.date(2027, 3, 21),
        )
        policy.set_rollout(
            uow.session,
            SYSTEM,
            province_id=qom.id,
            programme="referral",
            active_from=dt.date(2026, 3, 21),
        )
        policy.set_referral_bypass(uow.session, SYSTEM, province_id=qom.id, copay_percent=70)
        policy.set_days(
            uow.session,
            SYSTEM,
            parameter=policy.Parameter.REFERRAL_VALID_DAYS,
            days=45,
            valid_from=dt.date(2027, 3, 21),
            province_id=qom.id,
        )
        uow.commit()
        qom_fa = qom.name_fa
    login(client, "rev")
    page = client.get("/claims/policy")
    assert page.status_code == 200
    text = page.text
    copay = text[text.index('id="copay-table"') : text.index('id="deadline-title"')]
    assert "همه‌ی استان‌ها" in copay and "۳۰٪" in copay
    # the defaults run from the beginning and without an end: said in words, not as years
    assert "۱۲۷۸" not in text and "۱۴۷۹" not in text
    assert "از ابتدا" in copay and "بدون پایان" in copay
    qom_row = next(row for row in copay.split("<tr>") if qom_fa in row)
    assert "بستری" in qom_row and "۷٪" in qom_row and "۱۴۰۶/۰۱/۰۱" in qom_row
    deadlines = text[text.index('id="deadline-table"') : text.index('id="rollout-title"')]
    assert "۱۸۰" in deadlines
    rollouts = text[text.index('id="rollout-table"') :]
    assert "نظام ارجاع" in rollouts and qom_fa in rollouts and "۱۴۰۵/۰۱/۰۱" in rollouts
    assert "پرداخت با سهم بیمار ۷۰٪ (D03)" in rollouts
    periods = text[text.index('id="referral-periods-table"') :]
    assert "مدت اعتبار ارجاع" in periods and "۳۰" in periods and "مهلت پس‌خوراند" in periods
    assert qom_fa in periods and "۴۵" in periods
    assert 'href="/claims/policy"' in client.get("/").text


def test_a_provider_user_does_not_get_the_policy_page(client: TestClient, session_factory) -> None:
    seed_world(session_factory)
    login(client, "desk")
    assert client.get("/claims/policy").status_code == 403
    assert 'href="/claims/policy"' not in client.get("/").text
