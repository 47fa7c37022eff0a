"""E-prescriptions as FHIR R4 (4.0.1) MedicationRequest, MedicationDispense and
ServiceRequest: pure functions, no database, no HTTP.

Rules (those of ``fhir.mapping`` apply too: codes checked here, no empty elements):
- only issued prescriptions are served; a refused one never reached a patient;
- one MedicationRequest per drug line, one ServiceRequest per lab or imaging order
  line; the lines of one prescription share ``groupIdentifier`` (MedicationRequest)
  or ``requisition`` (ServiceRequest) = the tracking code, and each line has its own
  identifier ``<tracking code>-<line no>``;
- a line's status on a given day: ``completed`` when its whole quantity was
  dispensed (or the order done); otherwise ``active`` until the prescription's
  expiry date and, after it, ``stopped`` (MedicationRequest) or ``revoked``
  (ServiceRequest: request-status has no ``stopped``), whether or not part of it
  was dispensed;
- MedicationRequest ids are the line ids; ServiceRequest ids of orders are
  ``order-<line id>`` (referrals are ``referral-<id>``, see ``fhir.referrals_mapping``);
  MedicationDispense ids are the dispensing row ids;
- the medication is the formulary's generic code in the Darman drug code system
  (the one Claim items use), with the Persian name as display and text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from darman.common.jalali import TEHRAN
from darman.fhir import mapping as m
from darman.fhir.claims_mapping import DRUG_SYSTEM, PRESCRIPTION_SYSTEM, SERVICE_SYSTEM
from darman.prescriptions.enums import LineKind
from darman.prescriptions.models import Prescription, PrescriptionDispensing, PrescriptionLine

# --------------------------------------------------------- identifier systems
PRESCRIPTION_LINE_SYSTEM = "https://darman.example/fhir/sid/prescription-line"
DISPENSE_REQUEST_SYSTEM = "https://darman.example/fhir/sid/dispense-request"

# ------------------------------------------------------- HL7 and other systems
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
MEDICATION_REQUEST_CATEGORY_SYSTEM = (
    "http://terminology.hl7.org/CodeSystem/medicationrequest-category"
)
ORDER_PREFIX = "order-"

# R4 value sets (required bindings) and the terminology codes used, display as published.
MEDICATION_REQUEST_STATUS = frozenset(
    {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft",
     "unknown"}
)  # fmt: skip
MEDICATION_REQUEST_INTENT = frozenset(
    {"proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
     "instance-order", "option"}
)  # fmt: skip
MEDICATION_DISPENSE_STATUS = frozenset(
    {"preparation", "in-progress", "cancelled", "on-hold", "completed", "entered-in-error",
     "stopped", "declined", "unknown"}
)  # fmt: skip
REQUEST_STATUS = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)
REQUEST_INTENT = frozenset(
    {"proposal", "plan", "directive", "order", "original-order", "reflex-order",
     "filler-order", "instance-order", "option"}
)  # fmt: skip
MEDICATION_REQUEST_CATEGORY_CODES = {"community": "Community"}
# SNOMED CT concepts of the R4 servicerequest-category example value set (and referral).
SERVICE_CATEGORY_CODES = {
    "108252007": "Laboratory procedure",
    "363679005": "Imaging",
    "3457005": "Patient referral",
}
CATEGORY_OF_SERVICE = {"lab": "108252007", "imaging": "363679005"}


@dataclass(frozen=True)
class LineFacts:
    """One line of an issued prescription and what it is mapped from."""

    prescription: Prescription
    line: PrescriptionLine
    name_fa: str  # the drug's or service's Persian name ("" when unknown)
    category: str  # the ordered service's category ("lab", "imaging"); "" for drugs
    practitioner_name: str


@dataclass(frozen=True)
class DispenseFacts:
    dispensing: PrescriptionDispensing
    line: PrescriptionLine
    prescription: Prescription
    name_fa: str
    facility_name: str


# ------------------------------------------------------------- small pieces
def _coding(system: str, value: str, display: str | None = None) -> dict[str, Any]:
    return {"system": system, "code": value, "display": display}


def _hl7(system: str, codes: dict[str, str], value: str) -> dict[str, Any]:
    return _coding(system, m.code(value, codes, system), codes[value])


def _concept(system: str, value: str, name_fa: str) -> dict[str, Any]:
    return {"coding": [_coding(system, value, name_fa or None)], "text": name_fa or value}


def _identifiers(p: Prescription, line: PrescriptionLine) -> list[dict[str, Any]]:
    return [
        {
            "use": m.code("official", m.IDENTIFIER_USE, "IdentifierUse"),
            "system": PRESCRIPTION_LINE_SYSTEM,
            "value": f"{p.tracking_code}-{line.line_no}",
        },
        {
            "use": m.code("secondary", m.IDENTIFIER_USE, "IdentifierUse"),
            "system": PRESCRIPTION_SYSTEM,
            "value": p.tracking_code,
        },
    ]


def _tracking(p: Prescription) -> dict[str, Any]:
    return {"system": PRESCRIPTION_SYSTEM, "value": p.tracking_code}


def _validity(p: Prescription) -> dict[str, Any]:
    return {"start": p.issued_on.isoformat(), "end": p.expires_on.isoformat()}


def _instant(value: dt.datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(TEHRAN).replace(microsecond=0).isoformat()


def line_state(line: PrescriptionLine, expires_on: dt.date, on: dt.date) -> str:
    """``completed``, ``active`` or ``expired`` (the caller names the last in its own value set)."""
    if line.dispensed >= line.quantity:
        return "completed"
    return "expired" if on > expires_on else "active"


def medication_request_status(line: PrescriptionLine, expires_on: dt.date, on: dt.date) -> str:
    state = line_state(line, expires_on, on)
    value = "stopped" if state == "expired" else state
    return m.code(value, MEDICATION_REQUEST_STATUS, "MedicationRequestStatus")


def request_status(line: PrescriptionLine, expires_on: dt.date, on: dt.date) -> str:
    state = line_state(line, expires_on, on)
    value = "revoked" if state == "expired" else state
    return m.code(value, REQUEST_STATUS, "RequestStatus")


# ------------------------------------------------------------------ resources
def medication_request(facts: LineFacts, on: dt.date) -> dict[str, Any]:
    """A drug line as a MedicationRequest, its status as of ``on``."""
    p, line = facts.prescription, facts.line
    if line.kind != LineKind.DRUG:
        raise ValueError(f"line {line.id} is not a drug line")
    dispense_request: dict[str, Any] = {
        "validityPeriod": _validity(p),
        "quantity": {"value": int(line.quantity)},
    }
    if line.days_supply is not None:
        dispense_request["expectedSupplyDuration"] = {
            "value": int(line.days_supply),
            "unit": "days",
            "system": UCUM,
            "code": "d",
        }
    return m.compact(
        {
            "resourceType": "MedicationRequest",
            "id": str(line.id),
            "identifier": _identifiers(p, line),
            "status": medication_request_status(line, p.expires_on, on),
            "intent": m.code("order", MEDICATION_REQUEST_INTENT, "MedicationRequestIntent"),
            "category": [
                {
                    "coding": [
                        _hl7(
                            MEDICATION_REQUEST_CATEGORY_SYSTEM,
                            MEDICATION_REQUEST_CATEGORY_CODES,
                            "community",
                        )
                    ]
                }
            ],
            "medicationCodeableConcept": _concept(DRUG_SYSTEM, line.code, facts.name_fa),
            "subject": m.reference("Patient", p.insured_id),
            "authoredOn": p.issued_on.isoformat(),
            "requester": m.reference("Practitioner", p.practitioner_id, facts.practitioner_name),
            "groupIdentifier": _tracking(p),
            "dosageInstruction": [
                {"sequence": 1, "text": line.dose, "patientInstruction": line.instructions}
            ]
            if line.dose or line.instructions
            else [],
            "dispenseRequest": dispense_request,
        }
    )


def order_service_request(facts: LineFacts, on: dt.date) -> dict[str, Any]:
    """A lab or imaging order line as a ServiceRequest, its status as of ``on``."""
    p, line = facts.prescription, facts.line
    if line.kind != LineKind.SERVICE:
        raise ValueError(f"line {line.id} is not an order line")
    category = CATEGORY_OF_SERVICE.get(facts.category)
    return m.compact(
        {
            "resourceType": "ServiceRequest",
            "id": f"{ORDER_PREFIX}{line.id}",
            "identifier": _identifiers(p, line)[:1],
            "requisition": _tracking(p),
            "status": request_status(line, p.expires_on, on),
            "intent": m.code("order", REQUEST_INTENT, "RequestIntent"),
            "category": [{"coding": [_hl7(SNOMED, SERVICE_CATEGORY_CODES, category)]}]
            if category
            else [],
            "code": _concept(SERVICE_SYSTEM, line.code, facts.name_fa),
            "quantityQuantity": {"value": int(line.quantity)},
            "subject": m.reference("Patient", p.insured_id),
            "occurrencePeriod": _validity(p),
            "authoredOn": p.issued_on.isoformat(),
            "requester": m.reference("Practitioner", p.practitioner_id, facts.practitioner_name),
            "patientInstruction": line.instructions,
        }
    )


def medication_dispense(facts: DispenseFacts) -> dict[str, Any]:
    """One dispensing of a drug line: always completed (a row is written only when handed over)."""
    d, line, p = facts.dispensing, facts.line, facts.prescription
    if line.kind != LineKind.DRUG:
        raise ValueError(f"dispensing {d.id} is not of a drug line")
    return m.compact(
        {
            "resourceType": "MedicationDispense",
            "id": str(d.id),
            "identifier": [
                {
                    "system": DISPENSE_REQUEST_SYSTEM,
                    "value": d.request_key,
                    "assigner": m.reference("Organization", d.facility_id, facts.facility_name),
                }
            ],
            "status": m.code("completed", MEDICATION_DISPENSE_STATUS, "MedicationDispenseStatus"),
            "medicationCodeableConcept": _concept(DRUG_SYSTEM, line.code, facts.name_fa),
            "subject": m.reference("Patient", p.insured_id),
            "performer": [
                {"actor": m.reference("Organization", d.facility_id, facts.facility_name)}
            ],
            "location": m.reference("Location", d.facility_id, facts.facility_name),
            "authorizingPrescription": [m.reference("MedicationRequest", line.id)],
            "quantity": {"value": int(d.quantity)},
            "whenHandedOver": _instant(d.dispensed_at),
        }
    )
