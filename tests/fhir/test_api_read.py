"""The CapabilityStatement and the read interaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.fhir.support import FHIR_JSON, World, assert_outcome, fhir_get, validate

Headers = Callable[[str], dict[str, str]]
BASE = "/fhir/r4"


def test_the_capability_statement_is_public_r4_json_and_lists_what_is_served(
    client: TestClient,
) -> None:
    resp = client.get(f"{BASE}/metadata")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith(FHIR_JSON)
    cap = validate(resp.json())
    assert cap["fhirVersion"] == "4.0.1"
    assert cap["kind"] == "instance" and cap["status"] == "active"
    assert "json" in cap["format"]
    (rest,) = cap["rest"]
    assert rest["mode"] == "server"
    served = {r["type"]: r for r in rest["resource"]}
    registry_types = {"Organization", "Location", "Patient", "Coverage", "Practitioner"}
    assert set(served) == registry_types | {
        "Claim", "ClaimResponse", "ExplanationOfBenefit",
        "MedicationRequest", "MedicationDispense", "ServiceRequest", "Observation",
    }  # fmt: skip
    for name in registry_types:
        assert [i["code"] for i in served[name]["interaction"]] == ["read", "search-type"]
    names = {t: {p["name"] for p in r.get("searchParam", [])} for t, r in served.items()}
    assert {"identifier", "type", "name"} <= names["Organization"]
    assert {"identifier", "gender", "birthdate"} <= names["Patient"]
    assert "beneficiary" in names["Coverage"]
    assert "identifier" in names["Practitioner"]
    assert all(":" not in n for ns in names.values() for n in ns)


def test_an_organization_and_its_location_are_read_with_the_facility_data(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    org = fhir_get(client, f"{BASE}/Organization/{world.facility_a}", h)
    assert org["id"] == str(world.facility_a)
    assert org["identifier"][0]["value"] == "A1"
    assert org["name"] == "بیمارستان شفا"
    loc = fhir_get(client, f"{BASE}/Location/{world.facility_a}", h)
    assert loc["managingOrganization"]["reference"] == f"Organization/{world.facility_a}"
    assert loc["address"]["state"] == world.province_here
    assert loc["address"]["city"] == "تبریز"


def test_a_patient_is_read_with_national_id_gender_birth_date_and_province(
    client: TestClient, world: World, headers: Headers
) -> None:
    pat = fhir_get(client, f"{BASE}/Patient/{world.patient_here}", headers("admin"))
    assert pat["identifier"][0] == {
        "use": "official",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                    "code": "NI",
                    "display": "National unique individual identifier",
                }
            ]
        },
        "system": "https://darman.example/fhir/sid/national-id",
        "value": world.nid_here,
    }
    assert len(world.nid_here) == 10 and world.nid_here.isdigit()
    assert pat["gender"] == "female"
    assert pat["birthDate"] == "1981-08-03"  # 1360/05/12 in the Jalali calendar
    assert pat["name"][0]["family"] == "کریمی"
    assert pat["address"][0]["state"] == world.province_here


def test_a_coverage_is_read_with_its_beneficiary_period_and_payor(
    client: TestClient, world: World, headers: Headers
) -> None:
    cov = fhir_get(client, f"{BASE}/Coverage/{world.coverage_here}", headers("admin"))
    assert cov["status"] == "active"
    assert cov["beneficiary"]["reference"] == f"Patient/{world.patient_here}"
    assert cov["period"] == {"start": "2021-03-21", "end": "2027-03-20"}
    assert cov["payor"][0]["display"] == "سازمان تأمین اجتماعی"
    assert cov["subscriberId"] == world.nid_here


def test_a_practitioner_is_read_with_council_number_and_specialty(
    client: TestClient, world: World, headers: Headers
) -> None:
    doc = fhir_get(client, f"{BASE}/Practitioner/{world.practitioner_a}", headers("admin"))
    assert doc["identifier"][0]["value"] == "11111"
    assert doc["gender"] == "female"
    assert doc["qualification"][0]["code"]["text"] == "داخلی"


def test_a_missing_or_non_numeric_id_is_a_404_operation_outcome(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    for url in (f"{BASE}/Patient/999999", f"{BASE}/Coverage/abc", f"{BASE}/Organization/-1"):
        assert_outcome(client.get(url, headers=h), 404, "not-found")


def test_an_unserved_resource_type_is_a_404_not_supported_outcome(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    body = assert_outcome(client.get(f"{BASE}/Encounter/1", headers=h), 404, "not-supported")
    assert "Encounter" in body["issue"][0]["diagnostics"]
    assert_outcome(client.get(f"{BASE}/Encounter", headers=h), 404, "not-supported")
    assert_outcome(client.get(f"{BASE}/Patient/1/_history", headers=h), 404, "not-supported")


def test_writes_are_refused_with_405_because_the_facade_is_read_only(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    resp = client.post(f"{BASE}/Patient", headers=h, json={"resourceType": "Patient"})
    assert_outcome(resp, 405, "not-supported")
    assert resp.headers["allow"] == "GET"
    assert_outcome(client.delete(f"{BASE}/Patient/{world.patient_here}", headers=h), 405,
                   "not-supported")  # fmt: skip


def test_a_format_other_than_json_is_refused_with_406(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    assert_outcome(client.get(f"{BASE}/metadata?_format=xml"), 406, "not-supported")
    url = f"{BASE}/Patient/{world.patient_here}?_format=application/fhir%2Bxml"
    assert_outcome(client.get(url, headers=h), 406, "not-supported")
    fhir_get(client, f"{BASE}/Patient/{world.patient_here}?_format=json", h)
