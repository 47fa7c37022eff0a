"""Registry rows as FHIR R4 (4.0.1) JSON: pure functions, no database, no HTTP.

Rules:
- every coded value is checked against its R4 value set here, because neither
  fhir.resources nor fhirclient checks codes; a row that would map to an
  invalid code raises ValueError instead of leaving the server as bad FHIR;
- FHIR forbids empty strings, arrays and objects, so they are dropped
  (``False`` and ``0`` are values and stay);
- logical ids are the registry's integer ids as text; a Location shares its
  id with the Organization of the same facility.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from darman.registry.enums import LABELS_FA, FacilityKind, Ownership, Relation, Sex
from darman.registry.models import CoveragePeriod, Facility, Insured, Practitioner
from darman.registry.schemas import FacilityRead

# --------------------------------------------------------- identifier systems
FACILITY_CODE_SYSTEM = "https://darman.example/fhir/sid/facility-code"
NATIONAL_ID_SYSTEM = "https://darman.example/fhir/sid/national-id"
MEDICAL_COUNCIL_SYSTEM = "https://darman.example/fhir/sid/medical-council"
INSURER_SYSTEM = "https://darman.example/fhir/sid/insurer"

# ------------------------------------------------ Darman code systems, extensions
FACILITY_KIND_SYSTEM = "https://darman.example/fhir/CodeSystem/facility-kind"
OWNERSHIP_SYSTEM = "https://darman.example/fhir/CodeSystem/facility-ownership"
CARE_LEVEL_EXTENSION = "https://darman.example/fhir/StructureDefinition/care-level"

# ------------------------------------------------------- HL7 code systems used
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ORGANIZATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
PHYSICAL_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/location-physical-type"
COVERAGE_CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/coverage-class"
SUBSCRIBER_RELATIONSHIP_SYSTEM = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"

# R4 value sets (only the codes this facade may emit or accept are needed, but
# the whole required set is listed so search validation can use it too).
ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})
COVERAGE_STATUS = frozenset({"active", "cancelled", "draft", "entered-in-error"})
LOCATION_STATUS = frozenset({"active", "suspended", "inactive"})
LOCATION_MODE = frozenset({"instance", "kind"})
ADDRESS_USE = frozenset({"home", "work", "temp", "old", "billing"})
ADDRESS_TYPE = frozenset({"postal", "physical", "both"})
NAME_USE = frozenset({"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"})
IDENTIFIER_USE = frozenset({"usual", "official", "temp", "secondary", "old"})
ISSUE_SEVERITY = frozenset({"fatal", "error", "warning", "information"})
ISSUE_TYPE = frozenset(
    {
        "invalid", "structure", "required", "value", "invariant", "security", "login",
        "unknown", "expired", "forbidden", "suppressed", "processing", "not-supported",
        "duplicate", "multiple-matches", "not-found", "deleted", "too-long", "code-invalid",
        "extension", "too-costly", "business-rule", "conflict", "transient", "lock-lost",
        "no-store", "exception", "timeout", "incomplete", "throttled", "informational",
    }
)  # fmt: skip
BUNDLE_TYPE = frozenset(
    {
        "document", "message", "transaction", "transaction-response", "batch",
        "batch-response", "history", "searchset", "collection",
    }
)  # fmt: skip
SEARCH_ENTRY_MODE = frozenset({"match", "include", "outcome"})
# Codes taken from HL7 terminology code systems (checked against THO for R4).
# Identifier.type has an extensible binding in R4: MD and PRN are in its value
# set; NI is not, but nothing in it means a national id, which is what
# extensible allows for.
V2_0203_CODES = {"NI": "National unique individual identifier", "MD": "Medical License number",
                 "PRN": "Provider number"}  # fmt: skip
ORGANIZATION_TYPE_CODES = {"prov": "Healthcare Provider"}
PHYSICAL_TYPE_CODES = {"bu": "Building"}
COVERAGE_CLASS_CODES = {"plan": "Plan"}
SUBSCRIBER_RELATIONSHIP_CODES = {"self": "Self"}

INSURER_NAME = "سازمان تأمین اجتماعی"
INSURER_CODE = "SSO"
COUNTRY = "IR"


def code(value: str, allowed: Iterable[str], what: str) -> str:
    """``value`` itself when it is in the R4 value set ``allowed``; ValueError otherwise."""
    if value not in allowed:
        raise ValueError(f"'{value}' is not a valid {what} code")
    return value


def compact(value: Any) -> Any:
    """Drop None, empty strings, lists and dicts at every depth (FHIR forbids empty elements)."""
    if isinstance(value, Mapping):
        out = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if not _empty(v)}
    if isinstance(value, list):
        items = [compact(v) for v in value]
        return [v for v in items if not _empty(v)]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def gender(sex: str) -> str:
    """Registry sex to AdministrativeGender; anything not recorded as male/female is unknown."""
    mapped = {Sex.MALE.value: "male", Sex.FEMALE.value: "female"}.get(str(sex), "unknown")
    return code(mapped, ADMINISTRATIVE_GENDER, "AdministrativeGender")


def _coding(system: str, value: str, display: str | None = None) -> dict[str, Any]:
    return {"system": system, "code": value, "display": display}


def _hl7(system: str, codes: Mapping[str, str], value: str) -> dict[str, Any]:
    return _coding(system, code(value, codes, system), codes[value])


def _identifier(system: str, value: str, type_code: str) -> dict[str, Any]:
    return {
        "use": code("official", IDENTIFIER_USE, "IdentifierUse"),
        "type": {"coding": [_hl7(V2_0203, V2_0203_CODES, type_code)]},
        "system": system,
        "value": value,
    }


def _name(first: str, last: str) -> dict[str, Any]:
    return {
        "use": code("official", NAME_USE, "NameUse"),
        "text": f"{first} {last}".strip(),
        "family": last,
        "given": [first] if first else [],
    }


def reference(resource_type: str, resource_id: int, display: str | None = None) -> dict[str, Any]:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


# ------------------------------------------------------------------ resources
def organization(f: Facility | FacilityRead) -> dict[str, Any]:
    """A facility as an Organization: provider type, Darman kind and ownership as types."""
    kind = FacilityKind(f.kind)
    ownership = Ownership(f.ownership)
    return compact(
        {
            "resourceType": "Organization",
            "id": str(f.id),
            "extension": [{"url": CARE_LEVEL_EXTENSION, "valueInteger": int(f.level)}],
            "identifier": [_identifier(FACILITY_CODE_SYSTEM, f.code, "PRN")],
            "active": bool(f.is_active),
            "type": [
                {"coding": [_hl7(ORGANIZATION_TYPE_SYSTEM, ORGANIZATION_TYPE_CODES, "prov")]},
                {
                    "coding": [_coding(FACILITY_KIND_SYSTEM, kind.value, LABELS_FA[kind])],
                    "text": LABELS_FA[kind],
                },
                {
                    "coding": [_coding(OWNERSHIP_SYSTEM, ownership.value, LABELS_FA[ownership])],
                    "text": LABELS_FA[ownership],
                },
            ],
            "name": f.name,
        }
    )


def location(f: Facility | FacilityRead, province_name: str) -> dict[str, Any]:
    """The building of a facility, managed by the Organization of the same id."""
    status = "active" if f.is_active else "inactive"
    return compact(
        {
            "resourceType": "Location",
            "id": str(f.id),
            "identifier": [_identifier(FACILITY_CODE_SYSTEM, f.code, "PRN")],
            "status": code(status, LOCATION_STATUS, "LocationStatus"),
            "name": f.name,
            "mode": code("instance", LOCATION_MODE, "LocationMode"),
            "address": {
                "use": code("work", ADDRESS_USE, "AddressUse"),
                "type": code("physical", ADDRESS_TYPE, "AddressType"),
                "city": f.city,
                "state": province_name,
                "country": COUNTRY,
            },
            "physicalType": {"coding": [_hl7(PHYSICAL_TYPE_SYSTEM, PHYSICAL_TYPE_CODES, "bu")]},
            "managingOrganization": reference("Organization", f.id, f.name),
        }
    )


def patient(p: Insured, province_name: str) -> dict[str, Any]:
    """An insured person, identified by the 10-digit national id."""
    return compact(
        {
            "resourceType": "Patient",
            "id": str(p.id),
            "identifier": [_identifier(NATIONAL_ID_SYSTEM, p.national_id, "NI")],
            "active": True,
            "name": [_name(p.first_name, p.last_name)],
            "gender": gender(p.sex),
            "birthDate": p.birth_date.isoformat(),
            "address": [
                {
                    "use": code("home", ADDRESS_USE, "AddressUse"),
                    "state": province_name,
                    "country": COUNTRY,
                }
            ],
        }
    )


def coverage(c: CoveragePeriod, person: Insured) -> dict[str, Any]:
    """A coverage period, paid by the insurer; a dependant's subscriber is the main insured.

    Status is the record's status (always active), not whether the period is
    current: the period says that, as R4 intends.
    """
    if person.id != c.insured_id:
        raise ValueError(f"coverage {c.id} does not belong to insured {person.id}")
    full_name = f"{person.first_name} {person.last_name}".strip()
    if person.relation == Relation.DEPENDANT.value and person.main_insured_id is not None:
        subscriber = reference("Patient", person.main_insured_id)
        relationship: dict[str, Any] = {"text": LABELS_FA[Relation.DEPENDANT]}
    else:
        subscriber = reference("Patient", person.id, full_name)
        relationship = {
            "coding": [_hl7(SUBSCRIBER_RELATIONSHIP_SYSTEM, SUBSCRIBER_RELATIONSHIP_CODES, "self")],
            "text": LABELS_FA[Relation.MAIN],
        }
    return compact(
        {
            "resourceType": "Coverage",
            "id": str(c.id),
            "status": code("active", COVERAGE_STATUS, "FinancialResourceStatusCodes"),
            "subscriber": subscriber,
            "subscriberId": person.national_id,
            "beneficiary": reference("Patient", person.id, full_name),
            "relationship": relationship,
            "period": {
                "start": c.start_date.isoformat(),
                "end": c.end_date.isoformat() if c.end_date else None,
            },
            "payor": [
                {
                    "type": "Organization",
                    "identifier": {"system": INSURER_SYSTEM, "value": INSURER_CODE},
                    "display": INSURER_NAME,
                }
            ],
            "class": [
                {
                    "type": {"coding": [_hl7(COVERAGE_CLASS_SYSTEM, COVERAGE_CLASS_CODES, "plan")]},
                    "value": c.plan,
                }
            ],
        }
    )


def practitioner(p: Practitioner) -> dict[str, Any]:
    """A practitioner, identified by the medical council number; specialty as qualification."""
    return compact(
        {
            "resourceType": "Practitioner",
            "id": str(p.id),
            "identifier": [_identifier(MEDICAL_COUNCIL_SYSTEM, p.council_number, "MD")],
            "active": True,
            "name": [_name(p.first_name, p.last_name)],
            "gender": gender(p.sex),
            "qualification": [{"code": {"text": p.specialty}}],
        }
    )


# ---------------------------------------------------- bundles and outcomes
def searchset(
    entries: Sequence[tuple[str, dict[str, Any]]],
    *,
    total: int,
    links: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """A searchset Bundle of ``(fullUrl, resource)`` matches; ``links`` are (relation, url)."""
    mode = code("match", SEARCH_ENTRY_MODE, "SearchEntryMode")
    return compact(
        {
            "resourceType": "Bundle",
            "type": code("searchset", BUNDLE_TYPE, "BundleType"),
            "total": total,
            "link": [{"relation": rel, "url": url} for rel, url in links],
            "entry": [
                {"fullUrl": url, "resource": res, "search": {"mode": mode}} for url, res in entries
            ],
        }
    )


def operation_outcome(
    issue_type: str, diagnostics: Sequence[str], severity: str = "error"
) -> dict[str, Any]:
    """One issue per diagnostic line, all of the same severity and IssueType."""
    lines = list(diagnostics) or [issue_type]
    issue = {
        "severity": code(severity, ISSUE_SEVERITY, "IssueSeverity"),
        "code": code(issue_type, ISSUE_TYPE, "IssueType"),
    }
    return compact(
        {"resourceType": "OperationOutcome", "issue": [{**issue, "diagnostics": d} for d in lines]}
    )
