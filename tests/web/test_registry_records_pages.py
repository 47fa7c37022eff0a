"""The registry's record pages through the TestClient, on both databases: facilities,
practitioners and insured people searched and filtered within the caller's scope, one
record opened (an insured person with their coverage in Jalali dates), a facility edited
with an audit entry, a wrong field named in Persian beside it, a read-only role shown no
form and refused on a post, and an address no form sends answered with a Persian 400."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.db.uow import UnitOfWork
from darman.registry import service as registry
from darman.registry.models import Facility, Province
from darman.registry.schemas import PractitionerCreate
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.web.test_claims_pages import fa, login

TEHRAN, QOM = "08", "19"


def make_world(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """Tehran: a hospital, a clinic, a pharmacy, a physician and two people (one with two
    coverage periods); Qom: a hospital, a physician and one person. An admin, Tehran's and
    Qom's managers, and a national auditor (who reads but may not write the registry)."""
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        ids = {p.code: p.id for p in s.scalars(select(Province))}
        w: dict[str, Any] = {}
        w["hospital"] = f.facility(s, code="TH001", name="بیمارستان امام", kind="hospital",
                                   province_code=TEHRAN, city="تهران").id  # fmt: skip
        w["clinic"] = f.facility(s, code="TH002", name="درمانگاه شهید رجایی", kind="clinic",
                                 level=1, province_code=TEHRAN).id  # fmt: skip
        w["pharmacy"] = f.facility(s, code="TH003", name="داروخانه‌ی امام", kind="pharmacy",
                                   level=1, province_code=TEHRAN).id  # fmt: skip
        w["qom_hospital"] = f.facility(s, code="QM001", name="بیمارستان کامکار",
                                       province_code=QOM).id  # fmt: skip
        for council, last, province, code in (
            ("11111", "احمدی", TEHRAN, "TH001"),
            ("22222", "کریمی", QOM, "QM001"),
        ):
            registry.create_practitioner(s, SYSTEM, data=PractitionerCreate(
                council_number=council, first_name="سارا", last_name=last, sex="female",
                specialty="قلب", level=2, province_code=province, facility_codes=code,
            ))  # fmt: skip
        w["ali"] = f.insured(s, first_name="علی", last_name="رضایی", province_code=TEHRAN)
        w["zahra"] = f.insured(s, first_name="زهرا", last_name="موسوی", province_code=TEHRAN,
                               sex="female", birth_date="1370/01/15")  # fmt: skip
        w["reza"] = f.insured(s, first_name="رضا", last_name="رضایی", province_code=QOM)
        f.coverage(s, national_id=w["zahra"].national_id, start_date="1400/01/01",
                   end_date="1402/12/29")  # fmt: skip
        f.coverage(s, national_id=w["zahra"].national_id, start_date="1403/07/01")
        f.user(s, username="boss", role=Role.ADMIN)
        f.user(s, username="tehran", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=ids[TEHRAN])  # fmt: skip
        f.user(s, username="qom", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=ids[QOM])  # fmt: skip
        f.user(s, username="aud", role=Role.AUDITOR)
        uow.commit()
    return w


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _codes(page: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)">', page)


def _total(page: str, what: str) -> int:
    found = re.search(rf'id="{what}-count" data-total="(\d+)"', page)
    assert found is not None, f"no {what} count on the page"
    return int(found.group(1))


def test_facilities_are_searched_by_name_or_code_and_filtered_by_province_and_kind(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "boss")
    every = client.get("/registry/facilities")
    assert every.status_code == 200
    assert _codes(every.text) == ["QM001", "TH001", "TH002", "TH003"]  # code order
    # a name typed with Arabic yeh and kaf finds the Persian spelling
    assert _codes(client.get("/registry/facilities", params={"q": "امام"}).text) == [
        "TH001",
        "TH003",
    ]
    assert _codes(client.get("/registry/facilities", params={"q": "شهيد رجايي"}).text) == ["TH002"]
    assert _codes(client.get("/registry/facilities", params={"q": "QM001"}).text) == ["QM001"]
    tehran = client.get("/registry/facilities", params={"province": TEHRAN})
    assert _codes(tehran.text) == ["TH001", "TH002", "TH003"]
    hospitals = client.get("/registry/facilities", params={"province": TEHRAN, "kind": "hospital"})
    assert _codes(hospitals.text) == ["TH001"]
    text = _text(hospitals.text)
    assert "بیمارستان امام" in text and "طرف قرارداد" in text and "تهران" in text
    assert 'value="hospital" selected' in hospitals.text  # the filter stays chosen
    nothing = client.get("/registry/facilities", params={"q": "ناموجود"})
    assert _codes(nothing.text) == [] and "مرکزی مطابق این جستجو" in _text(nothing.text)


def test_the_pages_split_at_twenty_five_and_keep_the_filters_in_their_links(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        for i in range(27):
            f.facility(uow.session, code=f"QX{i:03d}", name=f"درمانگاه قم {i}", kind="clinic",
                       level=1, province_code=QOM)  # fmt: skip
        uow.commit()
    login(client, "boss")
    first = client.get("/registry/facilities", params={"province": QOM})
    assert _total(first.text, "facility") == 28  # 27 clinics and the hospital
    assert len(_codes(first.text)) == 25 and "صفحه‌ی ۱ از ۲" in first.text
    assert 'href="/registry/facilities?province=19&amp;page=2"' in first.text
    second = client.get("/registry/facilities", params={"province": QOM, "page": "۲"})
    # code order: QM001 first, then QX000..QX026
    assert _codes(first.text) == ["QM001", *(f"QX{i:03d}" for i in range(24))]
    assert _codes(second.text) == ["QX024", "QX025", "QX026"]
    assert "صفحه‌ی ۲ از ۲" in second.text and 'rel="next"' not in second.text


def test_an_address_no_form_sends_is_answered_with_a_persian_400_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "boss")
    for path, params, words in (
        ("/registry/facilities", {"page": "abc"}, "شماره‌ی صفحه‌ی «abc» پذیرفته نیست"),
        ("/registry/facilities", {"page": "0"}, "شماره‌ی صفحه‌ی «0» پذیرفته نیست"),
        ("/registry/practitioners", {"page": "-1"}, "شماره‌ی صفحه‌ی «-1» پذیرفته نیست"),
        ("/registry/insured", {"page": "1.5"}, "شماره‌ی صفحه‌ی «1.5» پذیرفته نیست"),
        ("/registry/facilities", {"kind": "castle"}, "نوع مرکز «castle» شناخته نیست"),
        ("/registry/facilities", {"province": "99"}, "استانی با کد «99» در محدوده‌ی شما نیست"),
    ):
        page = client.get(path, params=params)
        assert page.status_code == 400, (path, params)
        assert page.headers["content-type"].startswith("text/html")
        assert words in _text(page.text) and "نشانی نادرست" in page.text
    # an id that cannot be a row is not found, not a crash
    assert client.get("/registry/facilities/abc").status_code == 404
    assert client.get("/registry/insured/99999999999").status_code == 404


def test_a_province_user_sees_only_their_provinces_records(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "qom")
    people = client.get("/registry/insured")
    assert _total(people.text, "insured") == 1
    assert w["reza"].national_id in people.text
    assert w["ali"].national_id not in people.text and w["zahra"].national_id not in people.text
    # a name shared across provinces finds only the one of Qom
    same_name = client.get("/registry/insured", params={"q": "رضایی"})
    assert _total(same_name.text, "insured") == 1 and w["reza"].national_id in same_name.text
    # nor by a Tehran person's national ID, nor by opening their record directly
    by_id = client.get("/registry/insured", params={"q": w["ali"].national_id})
    assert _total(by_id.text, "insured") == 0
    assert client.get(f"/registry/insured/{w['ali'].id}").status_code == 404
    assert _codes(client.get("/registry/facilities").text) == ["QM001"]
    assert client.get(f"/registry/facilities/{w['hospital']}").status_code == 404
    doctors = client.get("/registry/practitioners").text
    assert fa("22222") in doctors and fa("11111") not in doctors  # shown in Persian digits
    assert 'data-council="22222"' in doctors and 'data-council="11111"' not in doctors
    # the province filter offers only Qom, and asking for Tehran is refused
    assert f'value="{TEHRAN}"' not in people.text
    assert client.get("/registry/insured", params={"province": TEHRAN}).status_code == 400


def test_an_insured_person_opens_with_their_coverage_periods_in_jalali(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "tehran")
    found = client.get("/registry/insured", params={"q": fa(w["zahra"].national_id)})
    assert _total(found.text, "insured") == 1
    page = client.get(f"/registry/insured/{w['zahra'].id}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "زهرا موسوی" in text and "۱۳۷۰/۰۱/۱۵" in text and "زن" in text
    assert _total(page.text, "coverage") == 2
    rows = re.findall(r'<tr data-coverage="\d+">(.*?)</tr>', text)
    assert "۱۴۰۰/۰۱/۰۱" in rows[0] and "۱۴۰۲/۱۲/۲۹" in rows[0]
    assert "۱۴۰۳/۰۷/۰۱" in rows[1] and "بدون پایان" in rows[1]
    assert "عمومی" in rows[0] and "general" not in rows[0]


def test_a_practitioner_is_found_by_council_number_or_name_and_opened(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_world(session_factory)
    login(client, "boss")
    by_number = client.get("/registry/practitioners", params={"q": "۱۱۱۱۱"}).text
    assert 'data-council="11111"' in by_number and 'data-council="22222"' not in by_number
    by_name = client.get("/registry/practitioners", params={"q": "کریمی"}).text
    assert 'data-council="22222"' in by_name and 'data-council="11111"' not in by_name
    link = re.search(r'href="(/registry/practitioners/\d+)"', by_name)
    assert link is not None
    text = _text(client.get(link.group(1)).text)
    assert "سارا کریمی" in text and "قلب" in text and "قم" in text and "QM۰۰۱" in text


def _form(session_factory: sessionmaker[Session], facility_id: int) -> dict[str, str]:
    """The edit form as the page fills it from the stored row."""
    with session_factory() as s:
        row = s.get(Facility, facility_id)
        assert row is not None
        keys = ("name", "level", "city", "beds_general", "beds_icu", "beds_ccu", "beds_nicu",
                "ct_scanners", "mri_scanners", "angiography_units", "dialysis_machines",
                "ambulances", "physicians", "nurses", "other_staff")  # fmt: skip
        form = {k: str(getattr(row, k)) for k in keys}
    form["is_active"] = "on"
    return form


def _entries(session_factory: sessionmaker[Session], facility_id: int) -> list[AuditEntry]:
    with session_factory() as s:
        query = select(AuditEntry).where(
            AuditEntry.entity == "facility",
            AuditEntry.entity_id == str(facility_id),
            AuditEntry.action == "update",
        )
        return list(s.scalars(query).all())


def test_a_province_manager_edits_a_facility_and_the_change_is_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "tehran")
    page = client.get(f"/registry/facilities/{w['hospital']}")
    assert 'id="facility-form"' in page.text
    form = {**_form(session_factory, w["hospital"]), "beds_icu": "۱۲", "nurses": "۱٬۲۰۰"}
    form["name"] = "بيمارستان امام خميني"  # Arabic yeh, stored in Persian
    del form["is_active"]  # unticked: the facility is closed
    done = client.post(f"/registry/facilities/{w['hospital']}", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/registry/facilities/{w['hospital']}?saved=1"
    with session_factory() as s:
        row = s.get(Facility, w["hospital"])
        assert row is not None
        assert (row.beds_icu, row.nurses, row.is_active) == (12, 1200, False)
        assert row.name == "بیمارستان امام خمینی"
    [entry] = _entries(session_factory, w["hospital"])
    assert entry.actor == "tehran"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["beds_icu"], entry.after["beds_icu"]) == (5, 12)
    assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)
    shown = _text(client.get(done.headers["location"]).text)
    assert "تغییرات مرکز ثبت شد." in shown and "غیرفعال" in shown
    # the same form sent again changes nothing and records nothing
    again = client.post(f"/registry/facilities/{w['hospital']}", data=form, follow_redirects=False)
    assert again.status_code == 303
    assert len(_entries(session_factory, w["hospital"])) == 1


def test_a_wrong_field_is_named_in_persian_beside_it_and_nothing_is_written(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    login(client, "tehran")
    page = client.get(f"/registry/facilities/{w['hospital']}").text
    assert 'id="beds_general" name="beds_general" value="۵۰"' in page  # Persian digits
    form = {**_form(session_factory, w["hospital"]), "level": "۴", "beds_icu": "چند", "name": "ب"}
    form["nurses"] = " "  # emptied: not "unchanged", a mistake
    bad = client.post(f"/registry/facilities/{w['hospital']}", data=form)
    assert bad.status_code == 422
    text = _text(bad.text)
    assert '<span class="field-error" data-field="level">«۴» پذیرفته نیست: باید حداکثر ۳ باشد' in (
        text
    )
    assert 'data-field="nurses">لازم است و خالی مانده' in text
    assert re.search(r'data-field="beds_icu">«چند» پذیرفته نیست', text)
    assert 'data-field="name">«ب» پذیرفته نیست: باید دست‌کم ۲ نویسه باشد' in text
    assert "«تخت ICU»" in text and "«سطح»" in text  # the summary names the fields in Persian
    assert 'value="چند"' in bad.text  # what was typed stays in the form
    with session_factory() as s:
        row = s.get(Facility, w["hospital"])
        assert row is not None and (row.level, row.beds_icu, row.name) == (2, 5, "بیمارستان امام")
    assert _entries(session_factory, w["hospital"]) == []


def test_a_read_only_role_sees_no_edit_form_and_its_post_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    form = {**_form(session_factory, w["hospital"]), "beds_icu": "40"}
    login(client, "aud")  # a national auditor reads every facility but writes none
    page = client.get(f"/registry/facilities/{w['hospital']}")
    assert page.status_code == 200 and "بیمارستان امام" in _text(page.text)
    assert 'id="facility-form"' not in page.text
    refused = client.post(f"/registry/facilities/{w['hospital']}", data=form)
    assert refused.status_code == 403
    assert "دسترسی مجاز نیست" in _text(refused.text)
    # Qom's manager writes Qom's facilities only: Tehran's is not even in their scope
    login(client, "qom")
    assert client.post(f"/registry/facilities/{w['hospital']}", data=form).status_code == 404
    with session_factory() as s:
        row = s.get(Facility, w["hospital"])
        assert row is not None and row.beds_icu == 5
    assert _entries(session_factory, w["hospital"]) == []


def test_the_registry_records_are_in_the_menu_of_staff_and_not_of_a_facility_desk(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    w = make_world(session_factory)
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="desk", role=Role.PROVIDER_USER,
               scope_level=ScopeLevel.FACILITY, facility_id=w["hospital"])  # fmt: skip
        uow.commit()
    login(client, "tehran")
    home = client.get("/").text
    assert 'data-nav="registry-records"' in home and 'data-nav="registry-catalogues"' in home
    login(client, "desk")
    home = client.get("/").text
    assert 'data-nav="registry-records"' not in home and 'data-nav="registry-catalogues"' in home
    # at a facility a person is looked up by national ID only, as the service allows
    listing = client.get("/registry/insured")
    assert listing.status_code == 200 and 'id="only-by-id"' in listing.text
    one = client.get("/registry/insured", params={"q": w["ali"].national_id})
    assert _total(one.text, "insured") == 1
