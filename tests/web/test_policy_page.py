"""The adjudication policy page: what is in force, in Persian with Jalali dates, by role."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.audit import service as audit
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


# ------------------------------------------------------------------ headquarters' forms
def _entries(session_factory) -> list[tuple[str, int | None, int, dt.date, dt.date]]:
    with UnitOfWork(session_factory) as uow:
        return [
            (p.parameter, p.province_id, p.value, p.valid_from, p.valid_to)
            for p in policy.list_parameters(uow.session)
        ]


def _audited(session_factory, action: str) -> list[dict]:
    """What the page's admin wrote to the audit log (the seeds write as "system")."""
    with UnitOfWork(session_factory) as uow:
        entries, _ = audit.list_entries(uow.session, action=action, actor="boss")
        return [{"actor": e.actor, **(e.after or {})} for e in entries]


def test_an_admin_sets_a_copay_from_a_jalali_date_and_the_old_one_stays_in_the_history(
    client: TestClient, session_factory
) -> None:
    seed_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        qom = uow.session.scalar(select(Province).where(Province.name_en == "Qom"))
        assert qom is not None
        qom_id, qom_code, qom_fa = qom.id, qom.code, qom.name_fa
    login(client, "boss")
    page = client.get("/claims/policy")
    assert 'id="copay-form"' in page.text and 'id="rollout-form"' in page.text
    first = {
        "province_code": qom_code, "visit_type": "inpatient", "ownership": "contracted",
        "percent": "۱۰", "valid_from": "۱۴۰۵/۰۱/۰۱", "valid_to": "", "note": "بخشنامه‌ی ۱",
    }  # fmt: skip
    done = client.post("/claims/policy/copay", data=first, follow_redirects=False)
    assert done.status_code == 303 and "saved=copay" in done.headers["location"]
    # a new version from 1406/01/01 (2027-03-21) on: the first one keeps 1405
    second = {**first, "percent": "12", "valid_from": "1406/01/01", "note": ""}
    again = client.post("/claims/policy/copay", data=second, follow_redirects=False)
    assert again.status_code == 303
    # the same form sent again (a retry) writes nothing more
    client.post("/claims/policy/copay", data=second, follow_redirects=False)
    forever = dt.date(2100, 12, 31)  # stored for an open end, shown as "بدون پایان"
    assert [e for e in _entries(session_factory) if e[0] == "copay_percent"] == [
        ("copay_percent", qom_id, 10, dt.date(2026, 3, 21), forever),
        ("copay_percent", qom_id, 12, dt.date(2027, 3, 21), forever),
    ]
    audited = _audited(session_factory, "set_policy")
    assert [(a["actor"], a["value"]) for a in audited] == [("boss", 12), ("boss", 10)]
    text = client.get("/claims/policy?saved=copay").text
    assert "سهم بیمار ثبت شد." in text
    copay = text[text.index('id="copay-table"') : text.index('id="copay-form"')]
    qom_rows = [row for row in copay.split("<tr>") if qom_fa in row]
    # resolved: 10% from 1405/01/01 to 1405/12/29, then 12% without an end
    assert len(qom_rows) == 2
    assert "۱۰٪" in qom_rows[0] and "۱۴۰۵/۰۱/۰۱" in qom_rows[0] and "۱۴۰۵/۱۲/۲۹" in qom_rows[0]
    assert "۱۲٪" in qom_rows[1] and "۱۴۰۶/۰۱/۰۱" in qom_rows[1] and "بدون پایان" in qom_rows[1]
    history = text[text.index('id="history-table"') : text.index('id="rollout-history-table"')]
    rows = [r for r in history.split("<tr data-entry=")[1:] if "copay_percent" in r]
    assert len(rows) == 2 and "۱۲٪" in rows[0] and "۱۰٪" in rows[1]
    assert "بدون پایان" in rows[1] and "بخشنامه‌ی ۱" in rows[1] and "۱۴۷۸" not in history


def test_a_bad_value_is_refused_in_persian_beside_its_field_and_nothing_is_saved(
    client: TestClient, session_factory
) -> None:
    seed_world(session_factory)
    login(client, "boss")
    seeded = _entries(session_factory)
    bad = {"province_code": "", "visit_type": "outpatient", "ownership": "owned",
           "percent": "۱۲۰", "valid_from": "1405/01/01"}  # fmt: skip
    page = client.post("/claims/policy/copay", data=bad)
    assert page.status_code == 422
    said = page.text.split('id="copay-percent-error"')[1].split("</span>")[0]
    assert "درصد سهم بیمار: عدد صحیحی از ۰ تا ۱۰۰ بنویسید." in said
    assert 'value="۱۲۰"' in page.text  # what was typed is kept
    dates = {"province_code": "", "days": "20", "valid_from": "1405/13/40",
             "valid_to": "1404/01/01"}  # fmt: skip
    page = client.post("/claims/policy/deadline", data=dates)
    assert page.status_code == 422 and "تاریخ شمسی درستی نیست" in page.text
    backwards = {**dates, "valid_from": "1405/01/01"}
    page = client.post("/claims/policy/deadline", data=backwards)
    assert page.status_code == 422
    said = page.text.split('id="deadline-valid_to-error"')[1]
    assert "تاریخ پایان: نباید پیش از تاریخ شروع" in said
    too_long = {"kind": "valid_days", "province_code": "", "days": "400",
                "valid_from": "1405/01/01"}  # fmt: skip
    page = client.post("/claims/policy/referral", data=too_long)
    assert page.status_code == 422 and "عدد صحیحی از ۱ تا ۳۶۵" in page.text
    superscript = client.post("/claims/policy/referral", data={**too_long, "days": "²"})
    assert superscript.status_code == 422 and "عدد صحیحی از ۱ تا ۳۶۵" in superscript.text
    assert _entries(session_factory) == seeded and _audited(session_factory, "set_policy") == []


def test_an_admin_starts_a_programme_and_the_earlier_date_stays_listed(
    client: TestClient, session_factory
) -> None:
    seed_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        qom = uow.session.scalar(select(Province).where(Province.name_en == "Qom"))
        assert qom is not None
        qom_code = qom.code
    login(client, "boss")
    start = {"programme": "eprescription", "province_code": qom_code, "active_from": "1405/07/01"}
    moved = {**start, "active_from": "1405/09/01"}
    for sent in (start, moved, moved):  # the last one a retry: nothing more is written
        answer = client.post("/claims/policy/rollout", data=sent, follow_redirects=False)
        assert answer.status_code == 303
    with UnitOfWork(session_factory) as uow:
        rows = [(r.programme, r.active_from) for r in policy.list_rollouts(uow.session)]
    assert rows == [("eprescription", dt.date(2026, 11, 22))]  # 1405/09/01
    assert len(_audited(session_factory, "set_rollout")) == 2
    text = client.get("/claims/policy").text
    history = text[text.index('id="rollout-history-table"') :]
    assert "۱۴۰۵/۰۷/۰۱" in history and "۱۴۰۵/۰۹/۰۱" in history and "نخستین بار" in history
    national = client.post("/claims/policy/rollout", data={**start, "province_code": ""})
    assert national.status_code == 422 and 'id="rollout-province_code-error"' in national.text


def test_a_reviewer_sees_no_form_and_a_post_from_them_is_refused(
    client: TestClient, session_factory
) -> None:
    seed_world(session_factory)
    seeded = _entries(session_factory)
    login(client, "rev")
    page = client.get("/claims/policy")
    assert page.status_code == 200 and "<form" not in page.text.split("<main")[-1]
    ok = {"province_code": "", "visit_type": "outpatient", "ownership": "owned",
          "percent": "5", "valid_from": "1405/01/01"}  # fmt: skip
    refused = client.post("/claims/policy/copay", data=ok)
    assert refused.status_code == 403 and "دسترسی مجاز نیست" in refused.text
    assert "Traceback" not in refused.text
    assert client.post("/claims/policy/deadline", data={"days": "5"}).status_code == 403
    assert _entries(session_factory) == seeded
