"""The prevention API on both databases: a physician's elderly with screenings due, the
programmes and their coverage per province and facility, with the caller's scope and
refusals in Persian, on the hand-worked ``elderly_world`` (reference day 1405/06/31)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.elderly_world import ON, ElderlyWorld, build

BASE = "/api/v1/population"


@pytest.fixture
def world(session_factory, client: TestClient) -> ElderlyWorld:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(uow.session, username="qom", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=w.a.province_id + 11)  # fmt: skip
        f.user(uow.session, username="desk", role=Role.PROVIDER_USER,
               scope_level=ScopeLevel.FACILITY, facility_id=w.a.id)  # fmt: skip
        uow.commit()
    return w


def test_staff_read_a_physician_s_elderly_with_their_screenings(client, world) -> None:
    hq = f.token(client, "hq")
    got = client.get(f"{BASE}/due", params={"physician": "PC700", "on": ON.isoformat()},
                     headers=hq)  # fmt: skip
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["elderly"] == 4 and body["facility_id"] == world.a.id
    assert [p["national_id"] for p in body["patients"]] == [
        world.people["e70"], world.people["e64"], world.people["e60"],
    ]  # fmt: skip
    e60 = body["patients"][2]
    assert {s["code"]: s["status"] for s in e60["screenings"]} == {
        "blood_pressure": "done", "blood_sugar": "due",
    }  # fmt: skip


def test_the_due_list_refuses_desks_and_other_provinces_in_persian(client, world) -> None:
    desk = client.get(f"{BASE}/due", params={"physician": "PC700"},
                      headers=f.token(client, "desk"))  # fmt: skip
    assert desk.status_code == 403
    other = client.get(f"{BASE}/due", params={"physician": "PC700"},
                       headers=f.token(client, "qom"))  # fmt: skip
    assert other.status_code == 404
    assert "PC700" in other.json()["detail"] and "پزشک" in other.json()["detail"]


def test_programmes_and_their_coverage_per_province_and_facility(client, world) -> None:
    hq = f.token(client, "hq")
    listed = client.get(f"{BASE}/programmes", headers=hq).json()
    assert {p["code"] for p in listed} >= {"elderly_bp", "mammography_50_69", "diabetes_a1c"}
    got = client.get(f"{BASE}/programmes/elderly_bp/coverage", params={"month": "1405/06"},
                     headers=hq)  # fmt: skip
    assert got.status_code == 200, got.text
    body = got.json()
    tehran = next(r for r in body["provinces"] if r["province_id"] == world.a.province_id)
    assert (tehran["target"], tehran["done"], tehran["percent"]) == (6, 3, 50.0)
    assert {(r["facility_id"], r["target"], r["done"]) for r in body["facilities"]} == {
        (world.a.id, 4, 2), (world.b.id, 1, 1),
    }  # fmt: skip


def test_coverage_names_a_bad_month_or_programme(client, world) -> None:
    hq = f.token(client, "hq")
    bad = client.get(f"{BASE}/programmes/elderly_bp/coverage", params={"month": "1405/13"},
                     headers=hq)  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "month" and "ماه" in bad.json()["detail"]
    unknown = client.get(f"{BASE}/programmes/nope/coverage", headers=hq)
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    desk = client.get(f"{BASE}/programmes/elderly_bp/coverage", params={"month": "1405/06"},
                      headers=f.token(client, "desk")).json()  # fmt: skip
    assert {r["facility_id"] for r in desk["facilities"]} == {world.a.id}
