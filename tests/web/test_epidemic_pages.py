"""The epidemic pages through the TestClient on both databases: the cost dashboard with the
hand-worked distribution, a province manager's province only, issuing a statement from the
list (twice: the same statement), its detail and printable page, a correction, the Excel
download, a malformed month said in Persian, and who gets the pages."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from darman.claims.models import ClaimLine
from darman.common.persian import to_persian_digits as fa
from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.epidemic_world import EpidemicWorld, build
from tests.web.test_claims_pages import login


def make_world(session_factory: sessionmaker[Session]) -> EpidemicWorld:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        w = build(s)
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(s, username="qm", role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
               province_id=w.q.province_id)  # fmt: skip
        f.user(s, username="doc", role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
               facility_id=w.h.id)  # fmt: skip
        uow.commit()
    return w


def _cells(html: str, attrs: str) -> list[str]:
    match = re.search(rf"<tr {attrs}[^>]*>.*?</tr>", html, re.S)
    assert match, attrs
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', match.group(0))


def test_the_dashboard_shows_the_hand_worked_distribution(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "hq")
    assert 'href="/population/epidemic"' in client.get("/").text
    page = client.get("/population/epidemic")
    assert page.status_code == 200
    whole = _cells(page.text, 'data-ownership="all" class="total"')
    # 4 admissions, 21 days, median stay 6, p90 7.7, 2 with ICU for 4 days, 8,425 an
    # admission, 1,605 a day, median 8,850, p90 12,800, a day's median 1,625 and p90 2,560
    assert whole == ["۴", "۲۱", "۶٫۰", "۷٫۷", "۲", "۴", "۸٬۴۲۵", "۱٬۶۰۵", "۸٬۸۵۰", "۱۲٬۸۰۰",
                     "۱٬۶۲۵", "۲٬۵۶۰", "۳۰٬۳۳۰"]  # fmt: skip
    contracted = _cells(page.text, 'data-ownership="contracted"')
    assert contracted[0] == "۱" and contracted[7] == "۱٬۱۰۰"
    assert f'data-province="{w.q.province_id}"' in page.text
    assert 'data-month="140402"' in page.text and "۵۰٫۰٪" in page.text  # 2 of 4 with ICU


def test_a_province_manager_sees_their_province_and_no_statements(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "qm")
    page = client.get("/population/epidemic").text
    assert set(re.findall(r'data-province="(\d+)"', page)) == {str(w.q.province_id)}
    assert "/population/epidemic/statements" not in page
    assert client.get("/population/epidemic/statements").status_code == 403
    login(client, "doc")
    assert client.get("/population/epidemic").status_code == 403


def test_a_statement_is_issued_from_the_list_printed_corrected_and_downloaded(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "hq")
    assert "هنوز صورت‌حسابی صادر نشده" in client.get("/population/epidemic/statements").text
    bad = client.post("/population/epidemic/statements", data={"month": "1404/13"})
    assert bad.status_code == 422 and "ماه «1404/13» معتبر نیست" in bad.text
    issued = client.post("/population/epidemic/statements", data={"month": "1404/02"},
                         follow_redirects=False)  # fmt: skip
    assert issued.status_code == 303
    detail_url = issued.headers["location"].split("?")[0]
    detail = client.get(issued.headers["location"]).text
    assert "صورت‌حساب صادر شد" in detail and fa("COVID19-00001") in detail  # Persian digits
    assert '<dd id="fact-insurer"><strong>۲۱٬۳۳۰</strong>' in detail
    assert len(re.findall(r'<tr data-admission="', detail)) == 3
    again = client.post("/population/epidemic/statements", data={"month": "1404/02"})
    assert "پیش‌تر با همین ارقام" in again.text
    printed = client.get(f"{detail_url}/print").text
    assert "مطالبه از دولت" in printed and "۱۴۰۴/۰۲/۰۶" in printed and "mainnav" not in printed
    xlsx = client.get(f"{detail_url}/xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["صورت‌حساب همه‌گیری"]
    with UnitOfWork(session_factory) as uow:
        uow.session.execute(
            update(ClaimLine).where(ClaimLine.claim_id == w.claims["a3"])
            .values(allowed_rials=1_000, insurer_rials=900)
        )  # fmt: skip
        uow.commit()
    stale = client.post("/population/epidemic/statements", data={"month": "1404/02"})
    assert stale.status_code == 409 and "اصلاحی صادر کنید" in stale.text
    fixed = client.post(f"{detail_url}/corrections", data={"reason": "کسر بازبینی"},
                        follow_redirects=False)  # fmt: skip
    assert fixed.status_code == 303
    new = client.get(fixed.headers["location"]).text
    assert fa("COVID19-00002") in new and 'id="corrects-link"' in new and "۲۰٬۴۳۰" in new
    listing = client.get("/population/epidemic/statements").text
    assert re.findall(r'data-number="([^"]+)"', listing) == ["COVID19-00002", "COVID19-00001"]
    assert "اصلاح‌شده" in listing and "اصلاحیه" in listing
