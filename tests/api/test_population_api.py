"""The population API on both databases: building the registers, measurements and
enrolment intake, the cascade of 1405Q2 with the caller's scope, and refusals in Persian."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.integration.population.world import build

BASE = "/api/v1/population"


@pytest.fixture
def world(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        f.user(uow.session, username="qom", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=w.c.province_id)  # fmt: skip
        f.user(uow.session, username="desk", role=Role.PROVIDER_USER,
               scope_level=ScopeLevel.FACILITY, facility_id=w.a.id)  # fmt: skip
        uow.commit()
    return w


def test_national_staff_build_the_registers_and_see_the_whole_cascade(client, world) -> None:
    hq = f.token(client, "hq")
    built = client.post(f"{BASE}/registers/build", headers=hq)
    assert built.status_code == 200, built.text
    assert built.json()["added"]["htn"] == {"claim": 5, "prescription": 1}
    counts = client.get(f"{BASE}/registers", headers=hq).json()
    assert {(c["register_code"], c["people"]) for c in counts} == {
        ("htn", 4), ("htn", 2), ("t2dm", 2)
    }  # fmt: skip
    read = client.get(f"{BASE}/cascade", params={"quarter": "1405Q2"}, headers=hq).json()
    qom = next(r for r in read["rows"] if r["facility_id"] == world.c.id)
    assert (qom["registered"], qom["uncontrolled"]) == (1, 1)
    tehran_a = next(
        r for r in read["rows"] if r["facility_id"] == world.a.id and r["register_code"] == "htn"
    )
    assert tehran_a["registered"] == 3  # p1, p2, p4: p5 is not enrolled in this story
    assert len(read["rows"]) == 5


def test_a_province_user_sees_only_their_province_and_may_not_build(client, world) -> None:
    client.post(f"{BASE}/registers/build", headers=f.token(client, "hq"))
    qom = f.token(client, "qom")
    assert client.post(f"{BASE}/registers/build", headers=qom).status_code == 403
    read = client.get(f"{BASE}/cascade", params={"quarter": "1405Q2"}, headers=qom).json()
    assert {r["province_id"] for r in read["rows"]} == {world.c.province_id}
    counts = client.get(f"{BASE}/registers", headers=qom).json()
    assert {c["province_id"] for c in counts} == {world.c.province_id}


def test_a_desk_enrols_and_measures_at_its_own_facility(client, world) -> None:
    desk = f.token(client, "desk")
    person = world.people["p10"]
    entry = client.post(
        f"{BASE}/enrolments", json={"register_code": "t2dm", "national_id": person}, headers=desk
    )
    assert entry.status_code == 201, entry.text
    assert (entry.json()["facility_id"], entry.json()["source"]) == (world.a.id, "enrolment")
    body = {"national_id": person, "loinc": "4548-4", "value": 6.9, "measured_on": "2026-09-01"}
    measured = client.post(f"{BASE}/measurements", json=body, headers=desk)
    assert measured.status_code == 201, measured.text
    assert measured.json()["facility_id"] == world.a.id


def test_bad_input_is_answered_in_persian_naming_the_field(client, world) -> None:
    hq = f.token(client, "hq")
    quarter = client.get(f"{BASE}/cascade", params={"quarter": "1405Q7"}, headers=hq)
    assert quarter.status_code == 422
    assert "فصل" in quarter.text and "quarter" in quarter.text
    body = {"national_id": world.people["p1"], "loinc": "8480-6", "value": 999,
            "measured_on": "2026-09-01", "facility_id": world.a.id}  # fmt: skip
    desk = f.token(client, "desk")
    refused = client.post(f"{BASE}/measurements", json=body, headers=desk)
    assert refused.status_code == 422 and "value" in refused.text
    # national analysts read the cascade but record no measurement
    assert client.post(f"{BASE}/measurements", json=body, headers=hq).status_code == 403
