"""The claims search through the TestClient, on both databases: each filter narrows a set of
hand-made claims to exactly the ones it should, the scope comes before any filter, and
what cannot be read is said in Persian on the page, never as an error page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from darman.claims.models import Claim
from darman.common.jalali import parse_jalali
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.registry.models import Insured
from darman.web import claims_views
from tests.integration.claims.conftest import claim
from tests.web.test_claims_pages import login, seed_world, submit

# document -> (who submits, which patient, Tehran's day of submission, status)
HAND_MADE: dict[str, tuple[str, str, str, str]] = {
    "7001": ("desk", "first", "1405/02/10", "approved"),
    "7002": ("desk", "second", "1405/03/15", "approved"),
    "7003": ("desk2", "first", "1405/03/20", "paid"),
    "7004": ("desk", "first", "1405/04/02", "rejected"),
}


def make_claims(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """The four claims of HAND_MADE: three at the hospital, one at the other province's centre,
    with their submission days and statuses set by hand."""
    world = seed_world(session_factory)
    with session_factory() as s:
        people = s.scalars(select(Insured.national_id).order_by(Insured.id).limit(2)).all()
    world["people"] = {"first": people[0], "second": people[1]}
    ids: dict[str, int] = {}
    for doc, (user, person, _, _) in HAND_MADE.items():
        facility = world["hospital"] if user == "desk" else world["other"]
        body = claim(world, doc, facility_code=facility, national_id=world["people"][person])
        ids[doc] = submit(session_factory, user, body)
    with UnitOfWork(session_factory) as uow:
        for doc, (_, _, day, status) in HAND_MADE.items():
            uow.session.execute(
                update(Claim)
                .where(Claim.id == ids[doc])
                .values(submitted_on=parse_jalali(day), status=status)
            )
        uow.commit()
    world["ids"] = ids
    return world


def found(client: TestClient, **params: str) -> set[str]:
    """The document numbers the search answers (its rows' links), as ASCII digits."""
    page = client.get("/claims", params=params)
    assert page.status_code == 200, page.text
    docs = re.findall(r'<a href="/claims/\d+">([۰-۹]+)</a>', page.text)
    return {d.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")) for d in docs}


def test_each_search_filter_narrows_the_hand_made_claims_to_the_right_ones(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = make_claims(session_factory)
    first, second = world["people"]["first"], world["people"]["second"]
    login(client, "boss")
    assert found(client) >= {"7001", "7002", "7003", "7004"}
    # the document number, typed in Persian digits
    assert found(client, document_number="۷۰۰۱") == {"7001"}
    assert found(client, national_id=to_persian_digits(second)) == {"7002"}
    assert found(client, national_id=first) == {"7001", "7003", "7004"}
    # a facility by its code (any case) or by its name, Persian digits and Arabic yeh alike
    assert found(client, facility=world["other"].lower()) == {"7003"}
    name = to_persian_digits(world["hospital_name"]).replace("ی", "ي")
    assert found(client, facility=name) == {"7001", "7002", "7004"}
    # the submission days, inclusive, as people type them
    assert found(client, **{"from": "1405/03/01", "to": "۱۴۰۵/۰۳/۳۱"}) == {"7002", "7003"}
    assert found(client, **{"from": "1405/3/16"}) == {"7003", "7004"}
    assert found(client, to="1405/02/10") == {"7001"}
    assert found(client, status="rejected") == {"7004"}
    # filters add up
    assert found(client, national_id=first, facility=world["hospital"], status="approved") == {
        "7001"
    }
    assert found(client, national_id=second, status="paid") == set()
    empty = html.unescape(client.get("/claims", params={"document_number": "9999"}).text)
    assert "سندی مطابق این جستجو در محدوده‌ی شما نیست" in empty
    # the typed values stay in the form
    kept = client.get("/claims", params={"national_id": first, "from": "۱۴۰۵/۰۳/۰۱"}).text
    assert f'value="{first}"' in kept and 'value="۱۴۰۵/۰۳/۰۱"' in kept


def test_what_cannot_be_read_is_said_in_persian_and_nothing_is_searched(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_claims(session_factory)
    login(client, "boss")
    for params, field, words in (
        ({"national_id": "12345"}, "national_id", "کد ملی ده رقم است"),
        ({"document_number": "۷۰-۰۱"}, "document_number", "شماره‌ی سند فقط رقم است"),
        ({"from": "1405/13/01"}, "from", "روزی از تقویم خورشیدی نیست"),
        ({"to": "فردا"}, "to", "تاریخ نیست"),
        ({"from": "1405/04/01", "to": "1405/03/01"}, "to", "تاریخ «از» پس از تاریخ «تا» است"),
    ):
        page = client.get("/claims", params=params)
        assert page.status_code == 422, params
        assert page.headers["content-type"].startswith("text/html")
        text = html.unescape(page.text)
        assert f'data-field="{field}"' in text and words in text, params
        assert 'data-total="0"' in text and "جستجو انجام نشد" in text
    # an unknown status is ignored, not an error; a malformed page number is (see
    # test_paged_lists.py)
    assert client.get("/claims", params={"status": "bogus"}).status_code == 200


def test_the_scope_comes_before_every_filter(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    world = make_claims(session_factory)
    first = world["people"]["first"]
    login(client, "desk")
    assert found(client) == {"7001", "7002", "7004"}
    # another facility's document, by number, by patient or by naming the facility: nothing
    assert found(client, document_number="7003") == set()
    assert found(client, national_id=first) == {"7001", "7004"}
    assert found(client, facility=world["other"]) == {"7001", "7002", "7004"}  # not theirs to ask
    assert 'id="search-facility"' not in client.get("/claims").text
    other = client.get(f"/claims/{world['ids']['7003']}")
    assert other.status_code == 404 and "یافت نشد" in other.text
    assert other.headers["content-type"].startswith("text/html")
    assert client.get("/claims/99999999999").status_code == 404
    # a provincial reviewer searches their province only
    login(client, "rev")
    assert found(client, national_id=first) == {"7001", "7004"}
    assert 'id="search-facility"' in client.get("/claims").text
    login(client, "rev2")
    assert found(client) == {"7003"}


def test_the_pages_of_a_search_keep_its_filters(
    client: TestClient, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_claims(session_factory)
    monkeypatch.setattr(claims_views, "PAGE_SIZE", 2)
    login(client, "boss")
    first = world["people"]["first"]
    page1 = client.get("/claims", params={"national_id": first})
    assert "صفحه‌ی ۱ از ۲" in html.unescape(page1.text)
    link = f"/claims?national_id={first}&amp;page=2"
    assert f'href="{link}"' in page1.text
    # newest first: 7004 and 7003 on the first page, 7001 on the second
    assert found(client, national_id=first) == {"7004", "7003"}
    assert found(client, national_id=first, page="2") == {"7001"}
    fragment = client.get(
        html.unescape(link), headers={"HX-Request": "true", "HX-Target": "claims-table"}
    )
    assert fragment.text.lstrip().startswith('<div id="claims-table"')
    # the address the browser shows holds the filters given, not every empty field
    assert fragment.headers["HX-Push-Url"] == f"/claims?national_id={first}&page=2"
    typed = client.get(
        "/claims",
        params={"document_number": "", "national_id": first, "from": "", "status": ""},
        headers={"HX-Request": "true", "HX-Target": "claims-table"},
    )
    assert typed.headers["HX-Push-Url"] == f"/claims?national_id={first}"


def test_claims_staff_and_providers_find_the_claims_list_in_their_menu(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    seed_world(session_factory)
    expected = {
        "desk": {"/claims", "/claims/upload", "/claims/remittances"},
        "rev": {"/claims", "/claims/review", "/claims/policy"},
        "fin": {"/claims", "/claims/payments", "/claims/aging", "/claims/policy"},
    }
    for username, links in expected.items():
        login(client, username)
        home = client.get("/").text
        nav = set(re.findall(r'<a href="(/claims[^"]*)" data-nav=', home))
        assert nav == links, username
        for href in links:
            assert client.get(href).status_code == 200, (username, href)
