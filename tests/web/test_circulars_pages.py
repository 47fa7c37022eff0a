"""The circulars pages: search with the matched words marked as written, a circular with
its timeline and effects, and the workbench with its clusters, projects and progress."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from darman.circulars import consolidation, service
from darman.circulars.schemas import CircularCreate, EffectIn
from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.web.test_claims_pages import login

RULE = "تعرفه سونوگرافی در مراکز تصویربرداری استان یزد برابر ۴۵۰۰۰۰۰ ریال تعیین مي شود."


def make_world(session_factory: sessionmaker[Session]) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        f.user(s, username="doc", role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
               facility_id=f.facility(s).id)  # fmt: skip
        service.create_many(s, SYSTEM, [
            CircularCreate(number="1400/5", issued_on="1400/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی", body=RULE),
            CircularCreate(number="1401/8", issued_on="1401/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی", body=RULE + "\nمراکز تعرفه را نصب کنند.",
                           effects=[EffectIn(kind="amends", target="1400/5", provisions="بند ۱")]),
            CircularCreate(number="1402/3", issued_on="1402/01/10", issuer="اداره تدارکات",
                           subject="خرید دستکش",
                           body="خرید دستکش جراحی از راه مناقصه‌ی سراسری انجام می‌شود."),
        ])  # fmt: skip
        consolidation.create(
            s, SYSTEM, number="T/1", subject="تعرفه تجمیعی", members=["1400/5", "1401/8"],
            effective_on=dt.date(2030, 1, 1),
        )  # fmt: skip
        uow.commit()


def test_search_marks_every_spelling_of_the_query_in_the_passage(client, session_factory):
    make_world(session_factory)
    login(client, "doc")
    page = client.get("/circulars", params={"q": "می‌شود"})
    assert page.status_code == 200
    assert 'data-total="3"' in page.text
    assert "<mark>مي شود</mark>" in page.text and "<mark>می‌شود</mark>" in page.text
    narrowed = client.get("/circulars", params={"q": "میشود", "issuer": "اداره تدارکات"})
    assert 'data-total="1"' in narrowed.text
    bad = client.get("/circulars", params={"q": "میشود", "since": "1402/13/01"})
    assert bad.status_code == 200 and "۱۴۰۳/۰۱/۰۱ بنویسید" in bad.text


def test_a_circular_shows_its_timeline_and_effects(client, session_factory):
    make_world(session_factory)
    login(client, "doc")
    page = client.get("/circulars/view", params={"number": "1400/5"})
    assert page.status_code == 200
    assert 'data-status="amended"' in page.text
    assert "اصلاح شد با بخشنامه‌ی ۱۴۰۱/۸" in page.text
    assert "اصلاح می‌کند" in page.text and "بند ۱" in page.text
    missing = client.get("/circulars/view", params={"number": "9/9"})
    assert missing.status_code == 404 and "بخشنامه‌ای با شماره‌ی 9/9 نیست" in missing.text


def test_the_workbench_shows_the_cluster_the_project_and_the_progress(client, session_factory):
    make_world(session_factory)
    login(client, "hq")
    never = client.get("/circulars/workbench")
    assert 'data-computed="no"' in never.text and 'data-size="2"' not in never.text
    login(client, "doc")
    assert client.post("/circulars/workbench/clusters").status_code == 403
    login(client, "hq")
    done = client.post("/circulars/workbench/clusters", follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/circulars/workbench?done=clustered")
    assert page.status_code == 200
    assert "خوشه‌ها دوباره محاسبه و ذخیره شدند" in page.text
    assert 'data-computed="yes"' in page.text and "از ۳ بخشنامه‌ی نافذ" in page.text
    assert 'data-size="2"' in page.text
    assert 'data-number="T/1" data-status="draft"' in page.text
    assert 'data-key="now" data-value="3"' in page.text
    assert 'data-nav="circulars"' in page.text


def test_two_people_carry_a_cluster_to_a_consolidated_circular_from_the_workbench(
    client, session_factory
):
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="boss", role=Role.ADMIN)
        uow.commit()
    login(client, "hq")
    form = {"members": "1400/5,1401/8", "number": "T/2", "effective_on": "1405/13/01"}
    bad = client.post("/circulars/workbench/projects", data=form)
    assert bad.status_code == 422 and "۱۴۰۵/۰۱/۰۱ بنویسید" in bad.text
    busy = client.post("/circulars/workbench/projects", data={**form, "effective_on": "1404/01/01"})
    # both are in the open project T/1 already
    assert busy.status_code == 422 and "در طرح باز دیگری است" in busy.text
    first = client.post(
        "/circulars/workbench/approve", data={"number": "T/1"}, follow_redirects=False
    )
    assert first.status_code == 303
    page = client.get("/circulars/workbench?done=approved")
    assert 'data-number="T/1" data-status="draft"' in page.text
    assert 'data-approve="T/1"' not in page.text  # hq has approved: no second button for hq
    login(client, "boss")
    client.post("/circulars/workbench/approve", data={"number": "T/1"})
    page = client.get("/circulars/workbench")
    assert 'data-number="T/1" data-status="approved"' in page.text
    login(client, "doc")
    refused = client.post("/circulars/workbench/approve", data={"number": "T/1"})
    assert refused.status_code == 403


def test_a_circular_page_shows_its_audience_and_takes_an_attachment(client, session_factory):
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        service.create(
            uow.session, SYSTEM,
            CircularCreate(number="1403/1", issued_on="1403/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی یزد", body=RULE, provinces=["یزد"],
                           facility_kinds=["imaging"]),
        )  # fmt: skip
        uow.commit()
    login(client, "hq")
    page = client.get("/circulars/view", params={"number": "1403/1"})
    assert "مخاطبان: استان‌ها: یزد · مراکز: مرکز تصویربرداری" in page.text
    assert "پیوستی ندارد" in page.text and 'id="attach-form"' in page.text
    sent = client.post(
        "/circulars/attachments", data={"number": "1403/1"},
        files={"file": ("جدول تعرفه.xlsx", b"PK table", "application/octet-stream")},
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303
    shown = client.get(sent.headers["location"])
    assert "پرونده پیوست شد." in shown.text and "جدول تعرفه.xlsx" in shown.text
    bad = client.post(
        "/circulars/attachments", data={"number": "1403/1"},
        files={"file": ("run.exe", b"MZ", "application/octet-stream")},
    )  # fmt: skip
    assert bad.status_code == 422 and "پسوند «.exe» پذیرفته نیست" in bad.text
    link = shown.text.split('href="/circulars/attachments/')[1].split('"')[0]
    got = client.get(f"/circulars/attachments/{link}")
    assert got.status_code == 200 and got.content == b"PK table"
    narrowed = client.get("/circulars", params={"q": "تعرفه", "province": "08"})
    assert 'data-number="1403/1"' not in narrowed.text and 'data-number="1400/5"' in narrowed.text


def test_a_reader_sees_attachments_but_no_upload_form(client, session_factory):
    make_world(session_factory)
    login(client, "doc")
    page = client.get("/circulars/view", params={"number": "1400/5"})
    assert page.status_code == 200 and 'id="attach-form"' not in page.text
    refused = client.post(
        "/circulars/attachments", data={"number": "1400/5"},
        files={"file": ("x.pdf", b"abc", "application/pdf")},
    )  # fmt: skip
    assert refused.status_code == 403
