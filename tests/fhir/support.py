"""Shared pieces of the FHIR tests: a small two-province world and two independent validators.

The R4 code lists below are written out here on purpose, not imported from
``darman.fhir.mapping``: the tests check the mapper's codes against a second,
independent copy of the value sets (neither fhir.resources nor fhirclient
checks code values).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.medicationdispense import MedicationDispense
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhirclient.models.bundle import Bundle as FCBundle
from fhirclient.models.capabilitystatement import CapabilityStatement as FCCapabilityStatement
from fhirclient.models.coverage import Coverage as FCCoverage
from fhirclient.models.location import Location as FCLocation
from fhirclient.models.medicationdispense import MedicationDispense as FCMedicationDispense
from fhirclient.models.medicationrequest import MedicationRequest as FCMedicationRequest
from fhirclient.models.observation import Observation as FCObservation
from fhirclient.models.operationoutcome import OperationOutcome as FCOperationOutcome
from fhirclient.models.organization import Organization as FCOrganization
from fhirclient.models.patient import Patient as FCPatient
from fhirclient.models.practitioner import Practitioner as FCPractitioner
from fhirclient.models.servicerequest import ServiceRequest as FCServiceRequest
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.registry import service as registry
from darman.registry.models import Province
from darman.registry.schemas import PractitionerCreate
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f

FHIR_JSON = "application/fhir+json"

R4B_MODELS: dict[str, Any] = {
    "Organization": Organization, "Location": Location, "Patient": Patient,
    "Coverage": Coverage, "Practitioner": Practitioner, "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement, "OperationOutcome": OperationOutcome,
    "MedicationRequest": MedicationRequest, "MedicationDispense": MedicationDispense,
    "ServiceRequest": ServiceRequest, "Observation": Observation,
}  # fmt: skip
FHIRCLIENT_MODELS: dict[str, Any] = {
    "Organization": FCOrganization, "Location": FCLocation, "Patient": FCPatient,
    "Coverage": FCCoverage, "Practitioner": FCPractitioner, "Bundle": FCBundle,
    "CapabilityStatement": FCCapabilityStatement, "OperationOutcome": FCOperationOutcome,
    "MedicationRequest": FCMedicationRequest, "MedicationDispense": FCMedicationDispense,
    "ServiceRequest": FCServiceRequest, "Observation": FCObservation,
}  # fmt: skip

# Codes of the HL7 code systems the facade uses (R4 4.0.1 / THO), for an independent check.
HL7_CODES: dict[str, set[str]] = {
    "http://terminology.hl7.org/CodeSystem/v2-0203": {"NI", "MD", "XX", "PRN", "MR"},
    "http://terminology.hl7.org/CodeSystem/organization-type": {
        "prov", "dept", "team", "govt", "ins", "pay", "edu", "reli", "crs", "cg", "bus", "other",
    },
    "http://terminology.hl7.org/CodeSystem/location-physical-type": {
        "si", "bu", "wi", "wa", "lvl", "co", "ro", "bd", "ve", "ho", "ca", "rd", "area", "jdn",
    },
    "http://terminology.hl7.org/CodeSystem/coverage-class": {
        "group", "subgroup", "plan", "subplan", "class", "subclass", "sequence", "rxbin",
        "rxpcn", "rxid", "rxgroup",
    },
    "http://terminology.hl7.org/CodeSystem/subscriber-relationship": {
        "child", "parent", "spouse", "common", "other", "self", "injured",
    },
    "http://terminology.hl7.org/CodeSystem/restful-security-service": {
        "OAuth", "SMART-on-FHIR", "NTLM", "Basic", "Kerberos", "Certificates",
    },
    "http://terminology.hl7.org/CodeSystem/medicationrequest-category": {
        "inpatient", "outpatient", "community", "discharge",
    },
    # SNOMED CT concepts the facade uses: servicerequest-category (R4 example set) + referral
    "http://snomed.info/sct": {
        "108252007", "363679005", "409063005", "409073007", "387713003", "3457005",
    },
    "http://unitsofmeasure.org": {"d", "wk", "mo", "a", "h", "min", "s", "mm[Hg]", "%"},
}  # fmt: skip
MEDICATION_REQUEST_STATUSES = {
    "active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft",
    "unknown",
}  # fmt: skip
MEDICATION_DISPENSE_STATUSES = {
    "preparation", "in-progress", "cancelled", "on-hold", "completed", "entered-in-error",
    "stopped", "declined", "unknown",
}  # fmt: skip
REQUEST_STATUSES = {
    "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
}  # fmt: skip
REQUEST_INTENTS = {
    "proposal", "plan", "directive", "order", "original-order", "reflex-order",
    "filler-order", "instance-order", "option",
}  # fmt: skip
GENDERS = {"male", "female", "other", "unknown"}
COVERAGE_STATUSES = {"active", "cancelled", "draft", "entered-in-error"}
LOCATION_STATUSES = {"active", "suspended", "inactive"}
ISSUE_TYPES = {
    "invalid", "structure", "required", "value", "invariant", "security", "login", "unknown",
    "expired", "forbidden", "suppressed", "processing", "not-supported", "duplicate",
    "multiple-matches", "not-found", "deleted", "too-long", "code-invalid", "extension",
    "too-costly", "business-rule", "conflict", "transient", "lock-lost", "no-store",
    "exception", "timeout", "incomplete", "throttled", "informational",
}  # fmt: skip


def _codings(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            found.append(node)
        for value in node.values():
            found.extend(_codings(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_codings(value))
    return found


def _no_empty_values(node: Any, where: str = "") -> None:
    assert node not in ("", [], {}, None), f"empty value at {where or 'root'}"
    if isinstance(node, dict):
        for key, value in node.items():
            _no_empty_values(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _no_empty_values(value, f"{where}[{i}]")


def validate(resource: dict[str, Any]) -> dict[str, Any]:
    """Parse with fhir.resources R4B and fhirclient (4.0.1, strict), check codes and emptiness.

    fhirclient must also give back exactly the JSON it was given, so no
    element is silently dropped for being unknown to R4.
    """
    kind = resource["resourceType"]
    R4B_MODELS[kind].model_validate(resource)
    parsed = FHIRCLIENT_MODELS[kind](copy.deepcopy(resource), strict=True)
    assert parsed.as_json() == resource
    _no_empty_values(resource)
    for coding in _codings(resource):
        allowed = HL7_CODES.get(coding["system"])
        if allowed is not None:
            assert coding["code"] in allowed, coding
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            validate(entry["resource"])
    return resource


def assert_outcome(resp: Any, status: int, issue_code: str) -> dict[str, Any]:
    """``resp`` is an OperationOutcome of that status and IssueType, as application/fhir+json."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(FHIR_JSON)
    body = validate(resp.json())
    assert body["resourceType"] == "OperationOutcome"
    codes = {i["code"] for i in body["issue"]}
    assert codes <= ISSUE_TYPES
    assert issue_code in codes, body
    assert all(i["severity"] in {"error", "fatal"} for i in body["issue"])
    return body


def fhir_get(client: Any, url: str, headers: dict[str, str], status: int = 200) -> dict[str, Any]:
    resp = client.get(url, headers=headers)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(FHIR_JSON)
    return validate(resp.json())


@dataclass
class World:
    """Two facilities in province 01 (A owned, B contracted), one in 24 (C); people in both."""

    facility_a: int
    facility_b: int
    facility_c: int
    patient_here: int  # main insured, province 01
    patient_dependant: int  # dependant of patient_here, province 01
    patient_there: int  # province 24
    nid_here: str
    nid_there: str
    coverage_here: int
    coverage_there: int
    practitioner_a: int
    practitioner_b: int
    practitioner_c: int
    province_here: str  # Persian name of 01
    province_there: str


def practitioner(session: Session, council: str, facility_code: str, province: str) -> int:
    data = PractitionerCreate(
        council_number=council, first_name="مریم", last_name="احمدی", sex="female",
        specialty="داخلی", level=2, province_code=province, facility_codes=facility_code,
    )  # fmt: skip
    return registry.create_practitioner(session, SYSTEM, data=data).id


def build_world(session: Session) -> World:
    a = f.facility(session, code="A1", ownership="owned", kind="hospital", level=3,
                   province_code="01", city="تبریز", name="بیمارستان شفا")  # fmt: skip
    b = f.facility(session, code="B1", ownership="contracted", kind="clinic",
                   province_code="01", name="درمانگاه امید")  # fmt: skip
    c = f.facility(session, code="C1", ownership="contracted", kind="hospital",
                   province_code="24", name="بیمارستان گلستان")  # fmt: skip
    here = f.insured(session, province_code="01", sex="female", first_name="زهرا",
                     last_name="کریمی", birth_date="1360/05/12")  # fmt: skip
    dependant = f.insured(session, province_code="01", sex="male", relation="dependant",
                          main_national_id=here.national_id, first_name="رضا",
                          birth_date="1365/11/03")  # fmt: skip
    there = f.insured(session, province_code="24")
    cov_here = f.coverage(session, national_id=here.national_id, end_date="1405/12/29")
    f.coverage(session, national_id=dependant.national_id)
    cov_there = f.coverage(session, national_id=there.national_id)
    f.user(session, username="admin", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL)
    f.user(session, username="desk", role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
           facility_id=a.id)  # fmt: skip
    f.user(session, username="boss", role=Role.PROVINCE_MANAGER,
           scope_level=ScopeLevel.PROVINCE, province_id=a.province_id)  # fmt: skip
    names = {code: name for code, name in session.execute(select(Province.code, Province.name_fa))}
    return World(
        facility_a=a.id, facility_b=b.id, facility_c=c.id,
        patient_here=here.id, patient_dependant=dependant.id, patient_there=there.id,
        nid_here=here.national_id, nid_there=there.national_id,
        coverage_here=cov_here.id, coverage_there=cov_there.id,
        practitioner_a=practitioner(session, "11111", "A1", "01"),
        practitioner_b=practitioner(session, "22222", "B1", "01"),
        practitioner_c=practitioner(session, "33333", "C1", "24"),
        province_here=names["01"], province_there=names["24"],
    )  # fmt: skip
