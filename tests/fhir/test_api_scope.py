"""The facade never leaves the caller's scope, and without credentials it answers 401 in FHIR."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from darman.fhir import service as fhir_service
from tests.fhir.support import World, assert_outcome, fhir_get

Headers = Callable[[str], dict[str, str]]
BASE = "/fhir/r4"


def _ids(client: TestClient, h: dict[str, str], query: str) -> set[int]:
    bundle = fhir_get(client, f"{BASE}/{query}", h)
    ids = {int(e["resource"]["id"]) for e in bundle.get("entry", [])}
    assert bundle["total"] == len(ids)
    return ids


def test_a_national_user_sees_every_row_so_the_scope_tests_below_mean_something(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    facilities = {world.facility_a, world.facility_b, world.facility_c}
    assert _ids(client, h, "Organization") == facilities
    assert _ids(client, h, "Location") == facilities
    assert len(_ids(client, h, "Patient")) == 3
    assert len(_ids(client, h, "Coverage")) == 3
    assert len(_ids(client, h, "Practitioner")) == 3


def test_a_provider_user_reads_its_own_facility_but_not_another_one(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("desk")
    for kind in ("Organization", "Location"):
        fhir_get(client, f"{BASE}/{kind}/{world.facility_a}", h)
        for other in (world.facility_b, world.facility_c):  # same province, other province
            body = assert_outcome(client.get(f"{BASE}/{kind}/{other}", headers=h), 404,
                                  "not-found")  # fmt: skip
            assert "بیمارستان" not in str(body) and "B1" not in str(body)
        assert _ids(client, h, kind) == {world.facility_a}
    assert _ids(client, h, "Organization?identifier=C1") == set()
    assert _ids(client, h, "Organization?type=contracted") == set()


def test_a_provider_user_cannot_read_a_patient_or_coverage_of_another_province(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("desk")
    fhir_get(client, f"{BASE}/Patient/{world.patient_here}", h)
    fhir_get(client, f"{BASE}/Coverage/{world.coverage_here}", h)
    assert_outcome(client.get(f"{BASE}/Patient/{world.patient_there}", headers=h), 404,
                   "not-found")  # fmt: skip
    assert_outcome(client.get(f"{BASE}/Coverage/{world.coverage_there}", headers=h), 404,
                   "not-found")  # fmt: skip


def test_a_provider_users_lookups_return_only_people_of_its_province(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("desk")
    # a desk looks people up one at a time; browsing the province is refused
    assert_outcome(client.get(f"{BASE}/Patient", headers=h), 403, "forbidden")
    assert_outcome(client.get(f"{BASE}/Coverage", headers=h), 403, "forbidden")
    assert _ids(client, h, f"Patient?identifier={world.nid_there}") == set()
    assert _ids(client, h, f"Patient?identifier={world.nid_here}") == {world.patient_here}
    assert _ids(client, h, f"Coverage?beneficiary=Patient/{world.patient_there}") == set()
    assert _ids(client, h, f"Coverage?beneficiary=Patient/{world.patient_here}") == {
        world.coverage_here
    }


def test_a_provider_user_sees_only_the_practitioners_of_its_facility(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("desk")
    assert _ids(client, h, "Practitioner") == {world.practitioner_a}
    fhir_get(client, f"{BASE}/Practitioner/{world.practitioner_a}", h)
    for other in (world.practitioner_b, world.practitioner_c):
        assert_outcome(client.get(f"{BASE}/Practitioner/{other}", headers=h), 404, "not-found")
    assert _ids(client, h, "Practitioner?identifier=33333") == set()


def test_a_province_manager_sees_its_province_but_not_another(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("boss")
    assert _ids(client, h, "Organization") == {world.facility_a, world.facility_b}
    assert _ids(client, h, "Practitioner") == {world.practitioner_a, world.practitioner_b}
    assert _ids(client, h, "Patient?address-state=" + world.province_there) == set()
    assert _ids(client, h, "Patient?address-state=" + world.province_here) == {
        world.patient_here, world.patient_dependant
    }  # fmt: skip
    assert_outcome(client.get(f"{BASE}/Location/{world.facility_c}", headers=h), 404, "not-found")


@pytest.mark.parametrize(
    "path", ["/Patient", "/Patient/1", "/Organization?identifier=A1", "/Coverage/1"]
)
def test_a_request_without_credentials_gets_a_401_outcome_asking_for_a_bearer_token(
    client: TestClient, world: World, path: str
) -> None:
    resp = client.get(f"{BASE}{path}")
    body = assert_outcome(resp, 401, "login")
    assert resp.headers["www-authenticate"] == "Bearer"
    assert "sign in" in body["issue"][0]["diagnostics"]


def test_a_bad_token_gets_a_401_outcome_too(client: TestClient, world: World) -> None:
    resp = client.get(f"{BASE}/Patient", headers={"Authorization": "Bearer not-a-token"})
    assert_outcome(resp, 401, "login")


def test_an_unexpected_failure_is_a_500_outcome_not_problem_json(
    client: TestClient, world: World, headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fhir_service, "read", broken)
    resp = client.get(f"{BASE}/Patient/{world.patient_here}", headers=headers("admin"))
    body = assert_outcome(resp, 500, "exception")
    assert "disk on fire" not in resp.text
    assert body["issue"][0]["severity"] == "fatal"
