"""Correcting practitioners and insured people from their pages, on both databases: the
change is written with an audit entry (before and after), a wrong field is named in Persian
beside it and nothing is written, a read-only role sees no form and is refused on a post,
and another province's manager cannot reach the record at all."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.registry.models import Insured, Practitioner
from tests.web.test_claims_pages import login
from tests.web.test_registry_records_pages import make_world


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _updates(session_factory: sessionmaker[Session], entity: str, row: int) -> list[AuditEntry]:
    with session_factory() as s:
        query = select(AuditEntry).where(
            AuditEntry.entity == entity,
            AuditEntry.entity_id == str(row),
            AuditEntry.action == "update",
        )
        return list(s.scalars(query).all())


def _practitioner_id(session_factory: sessionmaker[Session], council: str) -> int:
    with session_factory() as s:
        found = s.scalar(select(Practitioner.id).where(Practitioner.council_number == council))
        assert found is not None
        return int(found)


PERSON = {"first_name": "زهرا", "last_name": "موسوی", "sex": "female", "birth_date": "1370/01/15"}


def test_a_manager_corrects_a_persons_name_and_birth_date_and_it_is_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    zahra = w["zahra"].id
    login(client, "tehran")
    page = client.get(f"/registry/insured/{zahra}").text
    assert page.count('id="insured-form"') == 1 and 'value="۱۳۷۰/۰۱/۱۵"' in page  # Jalali
    assert "<title>زهرا موسوی | سامانه‌ی درمان</title>" in page
    sent = {**PERSON, "last_name": "موسوي‌نژاد", "birth_date": "۱۳۷۱/۰۲/۰۳"}
    done = client.post(f"/registry/insured/{zahra}", data=sent, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/registry/insured/{zahra}?saved=1"
    with session_factory() as s:
        row = s.get(Insured, zahra)
        assert row is not None
        assert row.last_name == "موسوی‌نژاد"  # Arabic yeh stored in Persian
        assert row.birth_date == dt.date(1992, 4, 23)  # 1371/02/03
        assert row.national_id == w["zahra"].national_id  # not on the form: unchanged
    [entry] = _updates(session_factory, "insured", zahra)
    assert entry.actor == "tehran" and entry.before is not None and entry.after is not None
    assert (entry.before["birth_date"], entry.after["birth_date"]) == ("1991-04-04", "1992-04-23")
    assert "تغییرات بیمه‌شده ثبت شد." in _text(client.get(done.headers["location"]).text)


def test_a_wrong_birth_date_or_an_emptied_name_is_named_in_persian_and_nothing_is_written(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    zahra = w["zahra"].id
    login(client, "tehran")
    for sent, field, words in (
        ({**PERSON, "birth_date": "1370/13/01"}, "birth_date", "روزی از تقویم خورشیدی نیست"),
        ({**PERSON, "birth_date": "1470/01/01"}, "birth_date", "تاریخ تولد در آینده است"),
        ({**PERSON, "first_name": "  "}, "first_name", "لازم است و خالی مانده"),
        ({**PERSON, "sex": "other"}, "sex", "باید یکی از «male» یا «female» باشد"),
    ):
        bad = client.post(f"/registry/insured/{zahra}", data=sent)
        assert bad.status_code == 422, sent
        text = _text(bad.text)
        assert f'data-field="{field}"' in text and words in text, (sent, text[-3000:])
    with session_factory() as s:
        row = s.get(Insured, zahra)
        assert row is not None and (row.first_name, row.birth_date) == ("زهرا", dt.date(1991, 4, 4))
    assert _updates(session_factory, "insured", zahra) == []


def test_a_manager_corrects_a_practitioners_specialty_and_a_wrong_level_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    doctor = _practitioner_id(session_factory, "11111")
    login(client, "tehran")
    assert client.get(f"/registry/practitioners/{doctor}").text.count('id="practitioner-form"') == 1
    sent = {"first_name": "سارا", "last_name": "احمدی", "specialty": "داخلی", "level": "۵"}
    bad = client.post(f"/registry/practitioners/{doctor}", data=sent)
    assert bad.status_code == 422
    assert 'data-field="level">«۵» پذیرفته نیست: باید حداکثر ۳ باشد' in _text(bad.text)
    assert _updates(session_factory, "practitioner", doctor) == []
    done = client.post(
        f"/registry/practitioners/{doctor}", data={**sent, "level": "۳"}, follow_redirects=False
    )
    assert done.status_code == 303
    with session_factory() as s:
        row = s.get(Practitioner, doctor)
        assert row is not None and (row.specialty, row.level) == ("داخلی", 3)
    [entry] = _updates(session_factory, "practitioner", doctor)
    assert entry.before is not None and entry.after is not None
    assert (entry.before["specialty"], entry.after["specialty"]) == ("قلب", "داخلی")
    assert (entry.before["level"], entry.after["level"]) == (2, 3)


def test_people_are_not_corrected_by_a_read_only_role_or_another_province(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    zahra, doctor = w["zahra"].id, _practitioner_id(session_factory, "11111")
    login(client, "aud")
    page = client.get(f"/registry/insured/{zahra}")
    assert page.status_code == 200 and 'id="insured-form"' not in page.text
    assert 'id="practitioner-form"' not in client.get(f"/registry/practitioners/{doctor}").text
    assert client.post(f"/registry/insured/{zahra}", data=PERSON).status_code == 403
    assert client.post(f"/registry/practitioners/{doctor}", data={"level": "1"}).status_code == 403
    login(client, "qom")
    assert client.post(f"/registry/insured/{zahra}", data=PERSON).status_code == 404
    assert client.get(f"/registry/practitioners/{doctor}").status_code == 404
    assert _updates(session_factory, "insured", zahra) == []
    assert _updates(session_factory, "practitioner", doctor) == []
