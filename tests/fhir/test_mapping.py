"""The pure mappers: rows in, valid R4 JSON out, with the right values and codes."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.fhir import mapping as m
from darman.registry.models import CoveragePeriod, Facility, Insured, Practitioner
from darman.registry.schemas import FacilityRead
from tests.fhir.support import COVERAGE_STATUSES, GENDERS, LOCATION_STATUSES, validate

NID = "0012345679"


def _facility(**overrides: object) -> Facility:
    data: dict[str, object] = dict(
        id=7, code="A1", name="بیمارستان شفا", ownership="owned", kind="hospital", level=3,
        province_id=1, city="تبریز", is_active=True,
    )  # fmt: skip
    data.update(overrides)
    return Facility(**data)


def _insured(**overrides: object) -> Insured:
    data: dict[str, object] = dict(
        id=3, national_id=NID, first_name="زهرا", last_name="کریمی", sex="female",
        birth_date=dt.date(1981, 8, 3), province_id=1, relation="main", main_insured_id=None,
    )  # fmt: skip
    data.update(overrides)
    return Insured(**data)


def test_a_facility_maps_to_an_organization_with_its_code_kind_and_ownership() -> None:
    org = validate(m.organization(_facility()))
    assert org["id"] == "7"
    assert org["identifier"][0]["system"] == "https://darman.example/fhir/sid/facility-code"
    assert org["identifier"][0]["value"] == "A1"
    assert org["name"] == "بیمارستان شفا"
    assert org["active"] is True
    assert "partOf" not in org
    codings = {(c["system"], c["code"]) for t in org["type"] for c in t["coding"]}
    assert codings == {
        ("http://terminology.hl7.org/CodeSystem/organization-type", "prov"),
        (m.FACILITY_KIND_SYSTEM, "hospital"),
        (m.OWNERSHIP_SYSTEM, "owned"),
    }
    assert org["extension"] == [{"url": m.CARE_LEVEL_EXTENSION, "valueInteger": 3}]


def test_a_contracted_facility_read_from_the_api_schema_maps_like_the_row() -> None:
    row = _facility(ownership="contracted", kind="clinic", level=1)
    read = FacilityRead.model_validate(
        {c: getattr(row, c) for c in ("id", "code", "name", "ownership", "kind", "level",
                                      "province_id", "city", "is_active")}
        | {"province_code": "01"}
    )  # fmt: skip
    assert m.organization(read) == m.organization(row)
    types = [t["text"] for t in m.organization(row)["type"] if "text" in t]
    assert types == ["درمانگاه", "طرف قرارداد"]


def test_a_facility_maps_to_a_building_location_managed_by_its_organization() -> None:
    loc = validate(m.location(_facility(), "آذربایجان شرقی"))
    assert loc["status"] == "active" and loc["status"] in LOCATION_STATUSES
    assert loc["address"]["state"] == "آذربایجان شرقی"
    assert loc["address"]["city"] == "تبریز"
    assert loc["physicalType"]["coding"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
            "code": "bu",
            "display": "Building",
        }
    ]
    assert loc["managingOrganization"]["reference"] == "Organization/7"


def test_an_inactive_facility_without_a_city_is_inactive_and_has_no_empty_city() -> None:
    org = validate(m.organization(_facility(is_active=False, city="")))
    loc = validate(m.location(_facility(is_active=False, city=""), "گلستان"))
    assert org["active"] is False
    assert loc["status"] == "inactive"
    assert "city" not in loc["address"]


def test_an_insured_person_maps_to_a_patient_with_national_id_gender_and_birth_date() -> None:
    pat = validate(m.patient(_insured(), "آذربایجان شرقی"))
    assert pat["identifier"][0]["system"] == "https://darman.example/fhir/sid/national-id"
    assert pat["identifier"][0]["value"] == NID
    assert pat["identifier"][0]["type"]["coding"][0]["code"] == "NI"
    assert pat["name"][0]["family"] == "کریمی"
    assert pat["name"][0]["given"] == ["زهرا"]
    assert pat["gender"] == "female"
    assert pat["birthDate"] == "1981-08-03"
    assert pat["address"][0]["state"] == "آذربایجان شرقی"


@pytest.mark.parametrize(
    ("sex", "gender"), [("male", "male"), ("female", "female"), ("", "unknown"), ("x", "unknown")]
)
def test_sex_maps_to_an_administrative_gender_code(sex: str, gender: str) -> None:
    assert m.gender(sex) == gender
    assert gender in GENDERS


def test_an_open_ended_coverage_is_active_has_no_end_and_is_paid_by_the_insurer() -> None:
    period = CoveragePeriod(id=5, insured_id=3, start_date=dt.date(2021, 3, 21), end_date=None,
                            plan="general")  # fmt: skip
    cov = validate(m.coverage(period, _insured()))
    assert cov["status"] == "active" and cov["status"] in COVERAGE_STATUSES
    assert cov["beneficiary"]["reference"] == "Patient/3"
    assert cov["subscriber"]["reference"] == "Patient/3"
    assert cov["subscriberId"] == NID
    assert cov["relationship"]["coding"][0]["code"] == "self"
    assert cov["period"] == {"start": "2021-03-21"}
    assert cov["payor"][0]["display"] == "سازمان تأمین اجتماعی"
    assert cov["class"][0]["type"]["coding"][0]["code"] == "plan"
    assert cov["class"][0]["value"] == "general"


def test_a_dependants_coverage_names_the_main_insured_as_subscriber() -> None:
    child = _insured(id=4, relation="dependant", main_insured_id=3, sex="male")
    period = CoveragePeriod(id=6, insured_id=4, start_date=dt.date(2021, 3, 21),
                            end_date=dt.date(2027, 3, 20), plan="general")  # fmt: skip
    cov = validate(m.coverage(period, child))
    assert cov["beneficiary"]["reference"] == "Patient/4"
    assert cov["subscriber"] == {"reference": "Patient/3"}
    assert cov["relationship"] == {"text": "تبعی"}
    assert cov["period"] == {"start": "2021-03-21", "end": "2027-03-20"}


def test_coverage_is_refused_with_a_person_it_does_not_belong_to() -> None:
    period = CoveragePeriod(id=5, insured_id=99, start_date=dt.date(2021, 3, 21), plan="general")
    with pytest.raises(ValueError, match="does not belong"):
        m.coverage(period, _insured())


def test_a_practitioner_maps_with_council_number_gender_and_specialty() -> None:
    doc = Practitioner(id=9, council_number="12345", first_name="مریم", last_name="احمدی",
                       sex="female", specialty="داخلی", level=2, province_id=1)  # fmt: skip
    res = validate(m.practitioner(doc))
    assert res["identifier"][0]["system"] == "https://darman.example/fhir/sid/medical-council"
    assert res["identifier"][0]["value"] == "12345"
    assert res["gender"] == "female"
    assert res["qualification"] == [{"code": {"text": "داخلی"}}]


def test_code_refuses_a_value_outside_its_value_set() -> None:
    assert m.code("active", m.COVERAGE_STATUS, "status") == "active"
    with pytest.raises(ValueError, match="not a valid"):
        m.code("lapsed", m.COVERAGE_STATUS, "FinancialResourceStatusCodes")


def test_the_mappers_value_sets_agree_with_the_r4_lists_of_the_tests() -> None:
    assert m.ADMINISTRATIVE_GENDER == GENDERS
    assert m.COVERAGE_STATUS == COVERAGE_STATUSES
    assert m.LOCATION_STATUS == LOCATION_STATUSES


def test_compact_drops_empty_values_at_every_depth_but_keeps_false_and_zero() -> None:
    assert m.compact({"a": "", "b": [], "c": {"d": None, "e": [{}]}, "f": False, "g": 0}) == {
        "f": False,
        "g": 0,
    }


def test_a_searchset_bundle_and_an_operation_outcome_are_valid_r4() -> None:
    pat = m.patient(_insured(), "گلستان")
    bundle = validate(
        m.searchset([("http://x/fhir/r4/Patient/3", pat)], total=1,
                    links=[("self", "http://x/fhir/r4/Patient?_count=50&_page=1")])
    )  # fmt: skip
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    assert bundle["entry"][0]["search"] == {"mode": "match"}
    empty = validate(m.searchset([], total=0, links=[("self", "http://x/fhir/r4/Patient")]))
    assert "entry" not in empty and empty["total"] == 0
    outcome = validate(m.operation_outcome("not-found", ["no Patient 3 in your scope"]))
    assert outcome["issue"] == [
        {"severity": "error", "code": "not-found", "diagnostics": "no Patient 3 in your scope"}
    ]
