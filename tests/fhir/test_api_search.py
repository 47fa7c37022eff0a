"""The search interaction: searchset Bundles, parameters, paging links, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi.testclient import TestClient

from darman.common.persian import to_persian_digits
from tests.fhir.support import World, assert_outcome, fhir_get

Headers = Callable[[str], dict[str, str]]
BASE = "/fhir/r4"
FACILITY_SYSTEM = "https://darman.example/fhir/sid/facility-code"
NATIONAL_ID_SYSTEM = "https://darman.example/fhir/sid/national-id"
OWNERSHIP_SYSTEM = "https://darman.example/fhir/CodeSystem/facility-ownership"


def _ids(bundle: dict[str, Any]) -> set[int]:
    return {int(e["resource"]["id"]) for e in bundle.get("entry", [])}


def _links(bundle: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return {link["relation"]: parse_qs(urlsplit(link["url"]).query) for link in bundle["link"]}


def _search(client: TestClient, h: dict[str, str], query: str) -> dict[str, Any]:
    bundle = fhir_get(client, f"{BASE}/{query}", h)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert bundle["total"] >= len(bundle.get("entry", []))
    return bundle


def test_a_search_answers_a_searchset_bundle_with_full_urls_and_match_entries(
    client: TestClient, world: World, headers: Headers
) -> None:
    bundle = _search(client, headers("admin"), "Patient")
    assert bundle["total"] == 3
    for entry in bundle["entry"]:
        res = entry["resource"]
        assert entry["fullUrl"] == f"http://testserver/fhir/r4/Patient/{res['id']}"
        assert entry["search"] == {"mode": "match"}
    assert "self" in _links(bundle)


def test_organizations_are_found_by_facility_code_with_or_without_its_system(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    for value in ("A1", f"{FACILITY_SYSTEM}|A1"):
        assert _ids(_search(client, h, f"Organization?identifier={quote(value)}")) == {
            world.facility_a
        }
    assert _search(client, h, "Organization?identifier=https://other.example|A1")["total"] == 0
    assert _search(client, h, "Organization?identifier=%7CA1")["total"] == 0  # "|A1": no system
    assert _search(client, h, f"Organization?identifier={quote(FACILITY_SYSTEM + '|')}")[
        "total"
    ] == 3  # fmt: skip


def test_organizations_are_filtered_by_ownership_kind_and_name(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    a, b, c = world.facility_a, world.facility_b, world.facility_c
    assert _ids(_search(client, h, "Organization?type=owned")) == {a}
    assert _ids(_search(client, h, "Organization?type=contracted")) == {b, c}
    assert _ids(_search(client, h, "Organization?type=owned,contracted")) == {a, b, c}
    assert _ids(_search(client, h, f"Organization?type={quote(OWNERSHIP_SYSTEM)}|owned")) == {a}
    assert _ids(_search(client, h, "Organization?type=hospital")) == {a, c}
    assert _ids(_search(client, h, "Organization?type=hospital&type=contracted")) == {c}
    assert _search(client, h, "Organization?type=ministry")["total"] == 0
    assert _ids(_search(client, h, "Organization?name=بیمارستان")) == {a, c}
    assert _ids(_search(client, h, "Organization?name:contains=امید")) == {b}
    assert _ids(_search(client, h, "Organization?name:exact=بیمارستان")) == set()
    assert _ids(_search(client, h, f"Location?organization=Organization/{b}")) == {b}


def test_patients_are_found_by_national_id_in_system_value_form_and_in_persian_digits(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    for value in (world.nid_here, f"{NATIONAL_ID_SYSTEM}|{world.nid_here}",
                  to_persian_digits(world.nid_here)):  # fmt: skip
        bundle = _search(client, h, f"Patient?identifier={quote(value)}")
        assert _ids(bundle) == {world.patient_here}
        assert bundle["entry"][0]["resource"]["identifier"][0]["value"] == world.nid_here


def test_patients_are_filtered_by_gender_and_birth_date(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    assert _ids(_search(client, h, "Patient?gender=female")) == {world.patient_here}
    assert _ids(_search(client, h, "Patient?gender=male")) == {
        world.patient_dependant, world.patient_there
    }  # fmt: skip
    assert _search(client, h, "Patient?gender=unknown")["total"] == 0
    assert _ids(_search(client, h, "Patient?birthdate=ge1985")) == {world.patient_dependant}
    assert _ids(_search(client, h, "Patient?birthdate=1987-01-23")) == {world.patient_dependant}
    assert _search(client, h, "Patient?birthdate=1981-08")["total"] == 2
    assert _ids(_search(client, h, "Patient?family=کریمی")) == {world.patient_here}


def test_coverage_is_found_by_beneficiary_reference(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    for value in (f"Patient/{world.patient_here}", str(world.patient_here)):
        bundle = _search(client, h, f"Coverage?beneficiary={value}")
        assert _ids(bundle) == {world.coverage_here}
        cov = bundle["entry"][0]["resource"]
        assert cov["beneficiary"]["reference"] == f"Patient/{world.patient_here}"
    dependant = _search(client, h, f"Coverage?patient=Patient/{world.patient_dependant}")
    assert dependant["entry"][0]["resource"]["subscriber"]["reference"] == (
        f"Patient/{world.patient_here}"
    )
    assert _search(client, h, "Coverage?status=active")["total"] == 3
    assert _search(client, h, "Coverage?status=cancelled")["total"] == 0


def test_practitioners_are_found_by_medical_council_number(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    assert _ids(_search(client, h, "Practitioner?identifier=33333")) == {world.practitioner_c}
    system = "https://darman.example/fhir/sid/medical-council"
    assert _ids(_search(client, h, f"Practitioner?identifier={quote(system)}|11111")) == {
        world.practitioner_a
    }


def test_paging_walks_the_matches_with_next_and_previous_links_that_keep_the_search(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    first = _search(client, h, "Organization?type=hospital,clinic&_count=2")
    assert first["total"] == 3 and len(first["entry"]) == 2
    links = _links(first)
    assert "previous" not in links
    assert links["next"] == {"type": ["hospital,clinic"], "_count": ["2"], "_page": ["2"]}
    assert links["last"]["_page"] == ["2"]
    nxt = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = fhir_get(client, nxt.removeprefix("http://testserver"), h)
    assert len(second["entry"]) == 1
    assert "next" not in _links(second) and _links(second)["previous"]["_page"] == ["1"]
    assert _ids(first) | _ids(second) == {world.facility_a, world.facility_b, world.facility_c}
    assert _ids(first) & _ids(second) == set()


def test_count_defaults_to_50_is_trimmed_to_500_and_zero_gives_the_total_only(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    assert _links(_search(client, h, "Patient"))["self"]["_count"] == ["50"]
    assert _links(_search(client, h, "Patient?_count=100000"))["self"]["_count"] == ["500"]
    only_total = _search(client, h, "Patient?_count=0")
    assert only_total["total"] == 3 and "entry" not in only_total
    assert set(_links(only_total)) == {"self"}
    beyond = _search(client, h, "Patient?_page=9")
    assert beyond["total"] == 3 and "entry" not in beyond


def test_an_empty_parameter_is_ignored_as_fhir_says(
    client: TestClient, world: World, headers: Headers
) -> None:
    assert _search(client, headers("admin"), "Patient?identifier=")["total"] == 3


def test_unknown_or_malformed_parameters_are_refused_with_a_400_outcome(
    client: TestClient, world: World, headers: Headers
) -> None:
    h = headers("admin")
    bad = [
        "Patient?nationalid=123",
        "Patient?family:missing=true",
        "Patient?gender=x",
        "Patient?birthdate=1981-13-01",
        "Patient?birthdate=sa1981",
        "Coverage?beneficiary=Organization/1",
        "Coverage?status=lapsed",
        "Organization?active=yes",
        "Patient?_count=-1",
        "Patient?_count=ten",
        "Patient?_page=0",
        "Patient?_sort=family",
    ]
    for query in bad:
        resp = client.get(f"{BASE}/{query}", headers=h)
        body = assert_outcome(resp, 400, "invalid")
        name = query.split("?")[1].split("=")[0].split(":")[0]
        assert name in body["issue"][0]["diagnostics"], (query, body)
