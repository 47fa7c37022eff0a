from __future__ import annotations

from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f


def _admin(client: TestClient, uow: UnitOfWork) -> dict[str, str]:
    f.user(uow.session, username="adm")
    uow.commit()
    return f.token(client, "adm")


def test_eligibility_follows_coverage_periods_and_accepts_jalali_dates(
    client: TestClient, uow: UnitOfWork
) -> None:
    headers = _admin(client, uow)
    person = f.insured(uow.session)
    f.coverage(
        uow.session, national_id=person.national_id, start_date="1400/01/01", end_date="1402/12/29"
    )
    uow.commit()
    inside = client.get(
        f"/api/v1/eligibility/{person.national_id}?on=۱۴۰۲/۱۲/۲۹", headers=headers
    ).json()
    assert inside["eligible"] is True and inside["on"] == "2024-03-19"
    after = client.get(
        f"/api/v1/eligibility/{person.national_id}?on=1403/01/01", headers=headers
    ).json()
    assert after["eligible"] is False and after["on_jalali"] == "1403/01/01"
    before = client.get(
        f"/api/v1/eligibility/{person.national_id}?on=2021-03-20", headers=headers
    ).json()
    assert before["eligible"] is False  # 2021-03-20 is 1399/12/30, the day before cover began


def test_an_overlapping_coverage_period_is_refused_as_a_conflict(
    client: TestClient, uow: UnitOfWork
) -> None:
    headers = _admin(client, uow)
    person = f.insured(uow.session)
    f.coverage(uow.session, national_id=person.national_id, start_date="1400/01/01", end_date=None)
    uow.commit()
    resp = client.post(
        "/api/v1/coverage",
        headers=headers,
        json={"national_id": person.national_id, "start_date": "1401/05/01"},
    )
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["field"] == "start_date"


def test_an_invalid_national_id_in_a_request_body_names_the_field(
    client: TestClient, uow: UnitOfWork
) -> None:
    headers = _admin(client, uow)
    resp = client.post(
        "/api/v1/insured",
        headers=headers,
        json={
            "national_id": "0499370898",
            "first_name": "علی",
            "last_name": "کریمی",
            "sex": "male",
            "birth_date": "1370/01/01",
            "province_code": "19",
        },
    )
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    err = resp.json()["errors"][0]
    assert err["field"] == "national_id" and "رقم کنترل" in err["reason"]


def test_an_unknown_field_is_refused_rather_than_ignored(
    client: TestClient, uow: UnitOfWork
) -> None:
    headers = _admin(client, uow)
    resp = client.post(
        "/api/v1/drugs",
        headers=headers,
        json={
            "generic_code": "1",
            "name_fa": "دارو",
            "form": "tablet",
            "strength": "5 mg",
            "max_quantity": 10,
            "price": 5,
        },
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "price"


def test_lists_page_and_filter(client: TestClient, uow: UnitOfWork) -> None:
    headers = _admin(client, uow)
    for i in range(7):
        f.facility(uow.session, code=f"P{i}", ownership="owned" if i % 2 else "contracted")
    uow.commit()
    page2 = client.get("/api/v1/facilities?size=3&page=2", headers=headers).json()
    assert page2["total"] == 7 and [r["code"] for r in page2["items"]] == ["P3", "P4", "P5"]
    owned = client.get("/api/v1/facilities?ownership=owned", headers=headers).json()
    assert {r["code"] for r in owned["items"]} == {"P1", "P3", "P5"}
    assert client.get("/api/v1/facilities?size=10000", headers=headers).status_code == 422


def test_tariffs_are_integer_rials_and_unique_per_year_level_and_ownership(
    client: TestClient, uow: UnitOfWork
) -> None:
    headers = _admin(client, uow)
    assert (
        client.post(
            "/api/v1/services",
            headers=headers,
            json={"code": "100101", "name_fa": "ویزیت", "category": "visit", "min_age": 0},
        ).status_code
        == 201
    )
    listed = client.get("/api/v1/services?category=visit", headers=headers).json()
    assert [s["min_age"] for s in listed["items"]] == [0]
    body = {
        "service_code": "100101",
        "year": 1405,
        "level": 1,
        "ownership": "owned",
        "amount_rials": "۲٬۱۵۰٬۰۰۰",
    }
    made = client.post("/api/v1/tariffs", headers=headers, json=body)
    assert made.status_code == 201 and made.json()["amount_rials"] == 2_150_000
    assert client.post("/api/v1/tariffs", headers=headers, json=body).status_code == 409
    fractional = client.post(
        "/api/v1/tariffs", headers=headers, json={**body, "level": 2, "amount_rials": 10.5}
    )
    assert fractional.status_code == 422


def test_a_facility_user_cannot_change_the_registry(client: TestClient, uow: UnitOfWork) -> None:
    fac = f.facility(uow.session)
    f.user(
        uow.session,
        username="desk",
        role=Role.PROVIDER_USER,
        scope_level=ScopeLevel.FACILITY,
        facility_id=fac.id,
    )
    uow.commit()
    resp = client.patch(
        f"/api/v1/facilities/{fac.id}", headers=f.token(client, "desk"), json={"beds_icu": 99}
    )
    assert resp.status_code == 403


def test_the_openapi_document_lists_the_registry(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/facilities" in paths and "/api/v1/registry/{table}/import" in paths


def test_percent_and_underscore_in_a_search_are_matched_as_themselves(
    client: TestClient, uow: UnitOfWork
) -> None:
    headers = _admin(client, uow)
    f.facility(uow.session, name="درمانگاه ۱۰۰% رضایت")
    f.facility(uow.session, name="درمانگاه شبانه_روزی")
    f.facility(uow.session, name="بیمارستان امام")
    uow.commit()

    def names(q: str) -> list[str]:
        found = client.get("/api/v1/facilities", params={"q": q}, headers=headers)
        assert found.status_code == 200
        return sorted(item["name"] for item in found.json()["items"])

    assert names("%") == ["درمانگاه ۱۰۰% رضایت"]  # not every facility
    assert names("_") == ["درمانگاه شبانه_روزی"]
    assert names("درمانگاه") == sorted(["درمانگاه ۱۰۰% رضایت", "درمانگاه شبانه_روزی"])
