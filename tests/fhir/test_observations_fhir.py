"""POST /fhir/r4/Observation on both databases: a blood-pressure panel and an HbA1c stored as
population measurements, the same Observation twice stored once, refusals naming the element
in Persian, and a caller outside the facility's scope refused as the REST intake refuses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from darman.db.uow import UnitOfWork
from darman.fhir.mapping import FACILITY_CODE_SYSTEM, NATIONAL_ID_SYSTEM
from darman.population.models import Measurement
from darman.security.enums import Role, ScopeLevel
from tests import factories as f
from tests.fhir.support import validate
from tests.integration.population.world import build

URL = "/fhir/r4/Observation"
REST = "/api/v1/population/measurements"
UCUM = "http://unitsofmeasure.org"
FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def pop(session_factory, client: TestClient):
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        f.user(uow.session, username="qom", role=Role.PROVINCE_MANAGER,
               scope_level=ScopeLevel.PROVINCE, province_id=w.c.province_id)  # fmt: skip
        f.user(uow.session, username="desk", role=Role.PROVIDER_USER,
               scope_level=ScopeLevel.FACILITY, facility_id=w.a.id)  # fmt: skip
        uow.commit()
    return w


def _loinc(code: str) -> dict[str, Any]:
    return {"coding": [{"system": "http://loinc.org", "code": code}]}


def _mmhg(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}


def panel(person: str, facility_code: str, systolic: float = 150, diastolic: float = 95):
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": _loinc("85354-9"),
        "subject": {"identifier": {"system": NATIONAL_ID_SYSTEM, "value": person}},
        "effectiveDateTime": "2026-09-01T10:30:00+03:30",
        "performer": [{"identifier": {"system": FACILITY_CODE_SYSTEM, "value": facility_code}}],
        "component": [
            {"code": _loinc("8480-6"), "valueQuantity": _mmhg(systolic)},
            {"code": _loinc("8462-4"), "valueQuantity": _mmhg(diastolic)},
        ],
    }


def hba1c(person: str, facility_code: str, value: float = 7.4) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": _loinc("4548-4"),
        "subject": {"identifier": {"system": NATIONAL_ID_SYSTEM, "value": person}},
        "effectiveDateTime": "2026-09-02",
        "performer": [{"identifier": {"system": FACILITY_CODE_SYSTEM, "value": facility_code}}],
        "valueQuantity": {"value": value, "unit": "%", "system": UCUM, "code": "%"},
    }


def _stored(session_factory, person: str) -> list[tuple[str, float, int]]:
    with UnitOfWork(session_factory) as uow:
        rows = uow.session.execute(
            select(Measurement.loinc, Measurement.value, Measurement.facility_id)
            .where(Measurement.national_id == person)
            .order_by(Measurement.loinc)
        )
        return [tuple(r) for r in rows]


def test_a_panel_and_an_hba1c_are_stored_and_the_population_api_answers_them(
    client, pop, session_factory
) -> None:
    desk = {**f.token(client, "desk"), **FHIR}
    person = pop.people["p10"]
    sent = client.post(URL, json=panel(person, pop.a.code), headers=desk)
    assert sent.status_code == 201, sent.text
    assert validate(sent.json())["id"].startswith("measurement-")
    a1c = client.post(URL, json=hba1c(person, pop.a.code), headers=desk)
    assert a1c.status_code == 201, a1c.text
    assert _stored(session_factory, person) == [
        ("4548-4", 7.4, pop.a.id), ("8462-4", 95.0, pop.a.id), ("8480-6", 150.0, pop.a.id),
    ]  # fmt: skip
    # the REST intake answers the stored measurement for the same person, code and day
    again = client.post(REST, json={"national_id": person, "loinc": "8480-6", "value": 120,
                                    "measured_on": "2026-09-01"}, headers=desk)  # fmt: skip
    assert again.status_code == 201, again.text
    assert (again.json()["value"], again.json()["facility_id"]) == (150.0, pop.a.id)


def test_the_same_observation_twice_is_stored_once(client, pop, session_factory) -> None:
    desk = {**f.token(client, "desk"), **FHIR}
    person = pop.people["p10"]
    first = client.post(URL, json=panel(person, pop.a.code), headers=desk)
    second = client.post(URL, json=panel(person, pop.a.code), headers=desk)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    with UnitOfWork(session_factory) as uow:
        count = uow.session.scalar(
            select(func.count()).select_from(Measurement).where(Measurement.national_id == person)
        )
    assert count == 2


def _issue(resp) -> tuple[list[str], str]:
    body = resp.json()
    assert body["resourceType"] == "OperationOutcome"
    return (
        [e for i in body["issue"] for e in i.get("expression", [])],
        " ".join(i["diagnostics"] for i in body["issue"]),
    )


def test_an_unknown_code_a_wrong_unit_and_a_missing_value_are_refused_naming_the_element(
    client, pop, session_factory
) -> None:
    desk = {**f.token(client, "desk"), **FHIR}
    person = pop.people["p10"]
    unknown = panel(person, pop.a.code)
    unknown["code"] = _loinc("2345-7")  # glucose: not received
    resp = client.post(URL, json=unknown, headers=desk)
    assert resp.status_code == 422
    where, text = _issue(resp)
    assert where == ["Observation.code"] and "2345-7" in text and "پذیرفته نیست" in text

    wrong_unit = hba1c(person, pop.a.code)
    wrong_unit["valueQuantity"]["code"] = "mmol/mol"
    resp = client.post(URL, json=wrong_unit, headers=desk)
    assert resp.status_code == 422
    where, text = _issue(resp)
    assert where == ["Observation.valueQuantity.code"] and "واحد باید «%» باشد" in text

    no_value = panel(person, pop.a.code)
    del no_value["component"][1]["valueQuantity"]["value"]
    resp = client.post(URL, json=no_value, headers=desk)
    assert resp.status_code == 422
    where, text = _issue(resp)
    assert where == ["Observation.component[1].valueQuantity.value"] and "داده نشده" in text

    no_diastolic = panel(person, pop.a.code)
    del no_diastolic["component"][1]
    where, text = _issue(client.post(URL, json=no_diastolic, headers=desk))
    assert where == ["Observation.component"] and "8462-4" in text

    implausible = panel(person, pop.a.code, systolic=999)
    resp = client.post(URL, json=implausible, headers=desk)
    assert resp.status_code == 422
    assert _issue(resp)[0] == ["Observation.component[0].valueQuantity.value"]

    not_json = client.post(URL, content=b"x", headers={**desk, "Content-Type": "text/plain"})
    assert not_json.status_code == 415
    assert _stored(session_factory, person) == []


def test_a_caller_outside_the_facilitys_scope_is_refused_as_on_the_rest_api(
    client, pop, session_factory
) -> None:
    qom = {**f.token(client, "qom"), **FHIR}
    person = pop.people["p10"]
    fhir = client.post(URL, json=hba1c(person, pop.a.code), headers=qom)
    rest = client.post(REST, json={"national_id": person, "loinc": "4548-4", "value": 7.4,
                                   "measured_on": "2026-09-02", "facility_id": pop.a.id},
                       headers=qom)  # fmt: skip
    # the REST intake answers a facility outside the caller's scope as unknown: so does FHIR
    assert rest.status_code == 404
    assert fhir.status_code == 404
    assert fhir.json()["resourceType"] == "OperationOutcome"
    assert _stored(session_factory, person) == []
    # in their own province they are answered
    inside = client.post(URL, json=hba1c(person, pop.c.code), headers=qom)
    assert inside.status_code == 201, inside.text
    assert _stored(session_factory, person) == [("4548-4", 7.4, pop.c.id)]
