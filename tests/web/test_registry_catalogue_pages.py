"""The tariffs and formulary pages through the TestClient, on both databases: the tariffs
of the Jalali year chosen by a select (the latest by default), with the service's name and
the amount in rials with Persian digits and separators; the formulary searched by name or
code and filtered by cover; a year or page no form sends answered with a Persian 400."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.common.jalali import fiscal_year, tehran_today
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.registry import catalogues
from darman.registry.models import Drug
from darman.registry.schemas import DrugCreate, ServiceCreate, TariffCreate
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.web.test_claims_pages import login


def make_catalogue(session_factory: sessionmaker[Session]) -> None:
    """Two services priced in 1404 and 1405, a third in 1405 only; three drugs, one not
    covered and one without a reference price; a facility desk user to read them."""
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        for code, name in (("901", "ویزیت پزشک عمومی"), ("902", "ویزیت متخصص"),
                           ("903", "نوار قلب")):  # fmt: skip
            catalogues.create_service(
                s, SYSTEM, data=ServiceCreate(code=code, name_fa=name, category="visit")
            )
        for code, year, level, ownership, amount in (
            ("901", 1404, 1, "owned", 1_250_000),
            ("902", 1404, 2, "contracted", 2_400_000),
            ("901", 1405, 1, "owned", 1_500_000),
            ("902", 1405, 2, "contracted", 2_880_000),
            ("903", 1405, 2, "owned", 12_345_678),
        ):
            catalogues.create_tariff(s, SYSTEM, data=TariffCreate(
                service_code=code, year=year, level=level, ownership=ownership,
                amount_rials=amount,
            ))  # fmt: skip
        for code, name, covered, price in (
            ("5001", "آموکسی‌سیلین", True, 35_000),
            ("5002", "آتورواستاتین", True, None),
            ("5003", "سیلدنافیل", False, 1_200_000),
        ):
            catalogues.create_drug(s, SYSTEM, data=DrugCreate(
                generic_code=code, name_fa=name, form="tablet", strength="500mg",
                covered=covered, max_quantity=30, price_rials=price,
            ))  # fmt: skip
        facility = f.facility(s)
        f.user(s, username="desk", role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
               facility_id=facility.id)  # fmt: skip
        uow.commit()


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _tariff_rows(page: str) -> dict[str, str]:
    """Service code -> the row's text."""
    rows = re.findall(r'<tr data-service="(\d+)"[^>]*>(.*?)</tr>', _text(page))
    return dict(rows)


def test_the_tariffs_of_the_year_chosen_show_in_rials_with_persian_separators(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_catalogue(session_factory)
    login(client, "desk")  # reference data: a facility desk reads it too
    latest = client.get("/registry/tariffs")
    assert latest.status_code == 200
    assert '<option value="1405" selected>۱۴۰۵</option>' in latest.text
    assert '<option value="1404" >۱۴۰۴</option>' in latest.text
    rows = _tariff_rows(latest.text)
    assert set(rows) == {"901", "902", "903"}
    assert "ویزیت پزشک عمومی" in rows["901"] and "۱٬۵۰۰٬۰۰۰ ریال" in rows["901"]
    assert "ملکی" in rows["901"]
    assert "۱۲٬۳۴۵٬۶۷۸ ریال" in rows["903"] and "نوار قلب" in rows["903"]
    older = client.get("/registry/tariffs", params={"year": "۱۴۰۴"})
    rows = _tariff_rows(older.text)
    assert set(rows) == {"901", "902"}
    assert "۱٬۲۵۰٬۰۰۰ ریال" in rows["901"] and "۲٬۴۰۰٬۰۰۰ ریال" in rows["902"]
    assert "طرف قرارداد" in rows["902"]
    assert '<option value="1404" selected>' in older.text
    for year in ("1399", "next"):
        refused = client.get("/registry/tariffs", params={"year": year})
        assert refused.status_code == 400
        assert f"برای سال «{year}» تعرفه‌ای ثبت نشده است" in _text(refused.text)
    assert client.get("/registry/tariffs", params={"page": "x"}).status_code == 400


def test_with_no_tariff_the_page_says_so(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="boss", role=Role.ADMIN)
        uow.commit()
    login(client, "boss")
    page = client.get("/registry/tariffs")
    assert page.status_code == 200 and 'id="no-tariffs"' in page.text


def test_the_formulary_is_searched_and_filtered_by_cover(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_catalogue(session_factory)
    login(client, "desk")

    def codes(**params: str) -> list[str]:
        page = client.get("/registry/formulary", params=params)
        assert page.status_code == 200
        return re.findall(r'<tr data-code="(\d+)">', page.text)

    assert codes() == ["5001", "5002", "5003"]
    assert codes(covered="no") == ["5003"]
    assert codes(covered="yes") == ["5001", "5002"]
    assert codes(q="۵۰۰۲") == ["5002"]  # the code typed in Persian digits
    assert codes(q="سیلدنافيل") == ["5003"]  # Arabic yeh typed
    text = _text(client.get("/registry/formulary").text)
    assert "۳۵٬۰۰۰ ریال" in text and "۱٬۲۰۰٬۰۰۰ ریال" in text and "قرص" in text
    refused = client.get("/registry/formulary", params={"covered": "maybe"})
    assert refused.status_code == 400 and "پالایه‌ی پوشش «maybe» شناخته نیست" in refused.text


def test_the_formulary_of_the_year_chosen_shows_that_years_cover_and_price(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """A new drug enters the current year's list with its values in force; an earlier
    year's list is recorded beside it and the drug row (what prescribing and claims read)
    keeps the values in force."""
    make_catalogue(session_factory)
    current = fiscal_year(tehran_today())
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        # in the earlier year amoxicillin was not covered and sildenafil cost less
        catalogues.record_drug_year(s, SYSTEM, generic_code="5001", year=current - 2,
                                    covered=False, price_rials=21_000)  # fmt: skip
        catalogues.record_drug_year(s, SYSTEM, generic_code="5003", year=current - 2,
                                    covered=False, price_rials=800_000)  # fmt: skip
        uow.commit()
    login(client, "desk")

    def rows(**params: str) -> dict[str, str]:
        page = client.get("/registry/formulary", params=params)
        assert page.status_code == 200
        return dict(re.findall(r'<tr data-code="(\d+)">(.*?)</tr>', _text(page.text)))

    now = client.get("/registry/formulary").text
    assert f'<option value="{current}" selected>' in now
    assert f'<option value="{current - 2}" >' in now
    listed = rows()
    assert set(listed) == {"5001", "5002", "5003"}
    assert "۳۵٬۰۰۰ ریال" in listed["5001"] and "بله" in listed["5001"]
    earlier = rows(year=to_persian_digits(str(current - 2)))
    assert set(earlier) == {"5001", "5003"}
    assert "۲۱٬۰۰۰ ریال" in earlier["5001"] and "pill-off" in earlier["5001"]
    assert "۸۰۰٬۰۰۰ ریال" in earlier["5003"]
    assert set(rows(year=str(current - 2), covered="no")) == {"5001", "5003"}
    assert set(rows(year=str(current), covered="no")) == {"5003"}
    with UnitOfWork(session_factory) as uow:
        drug = uow.session.scalar(select(Drug).where(Drug.generic_code == "5001"))
        assert drug is not None and drug.covered and drug.price_rials == 35_000
    for year in (str(current - 1), "next"):
        refused = client.get("/registry/formulary", params={"year": year})
        assert refused.status_code == 400
        assert f"برای سال «{year}» فهرست دارویی ثبت نشده است" in _text(refused.text)


def test_with_no_formulary_the_page_says_so(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="boss", role=Role.ADMIN)
        uow.commit()
    login(client, "boss")
    page = client.get("/registry/formulary")
    assert page.status_code == 200 and 'id="no-formulary"' in page.text
