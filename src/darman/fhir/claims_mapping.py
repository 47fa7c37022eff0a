"""Claims as FHIR R4 (4.0.1) Claim, ClaimResponse and ExplanationOfBenefit: pure functions.

Rules (those of ``fhir.mapping`` apply too: codes checked here, no empty elements):
- a Claim, its ClaimResponse and its ExplanationOfBenefit share the claim's id;
- amounts are whole rials as Money in IRR;
- each item's adjudication lists submitted, eligible, copay and benefit (HL7
  adjudication categories) once the line is decided, only submitted before; a
  deduction or rejection adds a Darman ``deducted`` entry per reason code
  (R4 allows one reason per entry), the amount on the first; the reason's
  display is its Persian label;
- the claim type is derived from the visit type (inpatient and emergency are
  institutional, outpatient professional): Darman does not store the type sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from darman.claims import rules
from darman.claims.enums import ClaimStatus, ItemType, LineOutcome, VisitType
from darman.claims.models import Claim, ClaimLine
from darman.common.errors import FieldProblem
from darman.common.jalali import TEHRAN
from darman.fhir import mapping as m

# --------------------------------------------------------- identifier systems
CLAIM_DOCUMENT_SYSTEM = "https://darman.example/fhir/sid/claim-document"
REFERRAL_SYSTEM = "https://darman.example/fhir/sid/referral"
PRESCRIPTION_SYSTEM = "https://darman.example/fhir/sid/prescription"

# ------------------------------------------------------- Darman code systems
SERVICE_SYSTEM = "https://darman.example/fhir/CodeSystem/service"
DRUG_SYSTEM = "https://darman.example/fhir/CodeSystem/drug"
VISIT_TYPE_SYSTEM = "https://darman.example/fhir/CodeSystem/visit-type"
REASON_SYSTEM = "https://darman.example/fhir/CodeSystem/adjudication-reason"
DARMAN_ADJUDICATION_SYSTEM = "https://darman.example/fhir/CodeSystem/adjudication"
ITEM_SYSTEMS = {ItemType.SERVICE.value: SERVICE_SYSTEM, ItemType.DRUG.value: DRUG_SYSTEM}
VISIT_TYPE_FA = {
    VisitType.OUTPATIENT.value: "سرپایی",
    VisitType.INPATIENT.value: "بستری",
    VisitType.EMERGENCY.value: "اورژانس",
}
DEDUCTED = ("deducted", "کسورات")

# ---------------------------------------------------------- external systems
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
PRIORITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/processpriority"
PAYMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
CURRENCY = "IRR"

# R4 value sets and HL7 terminology codes (display as published).
FINANCIAL_STATUS = frozenset({"active", "cancelled", "draft", "entered-in-error"})
CLAIM_USE = frozenset({"claim", "preauthorization", "predetermination"})
REMITTANCE_OUTCOME = frozenset({"queued", "complete", "error", "partial"})
CLAIM_TYPE_CODES = {"institutional": "Institutional", "oral": "Oral", "pharmacy": "Pharmacy",
                    "professional": "Professional", "vision": "Vision"}  # fmt: skip
ADJUDICATION_CODES = {
    "submitted": "Submitted Amount", "copay": "CoPay", "eligible": "Eligible Amount",
    "deductible": "Deductible", "unallocdeduct": "Unallocated Deductible",
    "eligpercent": "Eligible %", "tax": "Tax", "benefit": "Benefit Amount",
}  # fmt: skip
PRIORITY_CODES = {"stat": "Immediate", "normal": "Normal", "deferred": "Deferred"}
PAYMENT_TYPE_CODES = {"complete": "Complete", "partial": "Partial"}

_QUEUED = {ClaimStatus.DRAFT.value, ClaimStatus.SUBMITTED.value}
_DISPOSITION = {
    "queued": "دریافت شد؛ در انتظار رسیدگی",
    "partial": "رسیدگی ماشینی انجام شد؛ در انتظار بررسی پزشکی",
    "complete": "رسیدگی انجام شد",
}


@dataclass(frozen=True)
class ClaimFacts:
    """Everything the three resources of one claim are built from."""

    claim: Claim
    lines: Sequence[ClaimLine]
    facility_code: str
    facility_name: str
    patient_id: int | None  # the insured's id, when the caller may see the person
    coverage_id: int | None  # the coverage period of the first service date, likewise


# ------------------------------------------------------------- small pieces
def _coding(system: str, value: str, display: str | None = None) -> dict[str, Any]:
    return {"system": system, "code": value, "display": display}


def _hl7(system: str, codes: dict[str, str], value: str) -> dict[str, Any]:
    return _coding(system, m.code(value, codes, system), codes[value])


def money(rials: int) -> dict[str, Any]:
    return {"value": int(rials), "currency": CURRENCY}


def _instant(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def claim_type(visit_type: str) -> dict[str, Any]:
    kind = "professional" if visit_type == VisitType.OUTPATIENT.value else "institutional"
    return {"coding": [_hl7(CLAIM_TYPE_SYSTEM, CLAIM_TYPE_CODES, kind)]}


def _sub_type(visit_type: str) -> dict[str, Any]:
    label = VISIT_TYPE_FA.get(visit_type)
    return {"coding": [_coding(VISIT_TYPE_SYSTEM, visit_type, label)], "text": label}


def outcome_code(status: str) -> str:
    """queued before adjudication, partial while in medical review, complete after."""
    if status in _QUEUED:
        value = "queued"
    elif status == ClaimStatus.IN_REVIEW.value:
        value = "partial"
    else:
        value = "complete"
    return m.code(value, REMITTANCE_OUTCOME, "RemittanceOutcome")


def _patient(f: ClaimFacts) -> dict[str, Any]:
    return {
        "reference": f"Patient/{f.patient_id}" if f.patient_id is not None else None,
        "type": "Patient",
        "identifier": {"system": m.NATIONAL_ID_SYSTEM, "value": f.claim.national_id},
    }


def _provider(f: ClaimFacts) -> dict[str, Any]:
    return {
        "reference": f"Organization/{f.claim.facility_id}",
        "type": "Organization",
        "identifier": {"system": m.FACILITY_CODE_SYSTEM, "value": f.facility_code},
        "display": f.facility_name,
    }


def _insurer() -> dict[str, Any]:
    return {
        "type": "Organization",
        "identifier": {"system": m.INSURER_SYSTEM, "value": m.INSURER_CODE},
        "display": m.INSURER_NAME,
    }


def _insurance(f: ClaimFacts, *, sequence: bool = True) -> list[dict[str, Any]]:
    """One focal coverage; an ExplanationOfBenefit's insurance has no sequence in R4."""
    if f.coverage_id is not None:
        coverage = m.reference("Coverage", f.coverage_id)
    else:
        coverage = {"type": "Coverage", "display": m.INSURER_NAME}
    return [{"sequence": 1 if sequence else None, "focal": True, "coverage": coverage}]


def _diagnoses(c: Claim) -> list[dict[str, Any]]:
    codes = [d for d in c.diagnoses.split(";") if d]
    return [
        {"sequence": n, "diagnosisCodeableConcept": {"coding": [_coding(ICD10_SYSTEM, d)]}}
        for n, d in enumerate(codes, start=1)
    ]


def _care_team(c: Claim) -> list[dict[str, Any]]:
    if not c.practitioner_council_number:
        return []
    ident = {"system": m.MEDICAL_COUNCIL_SYSTEM, "value": c.practitioner_council_number}
    return [{"sequence": 1, "provider": {"type": "Practitioner", "identifier": ident}}]


def _billed(line: ClaimLine, care_team: bool) -> dict[str, Any]:
    """The item as the provider sent it."""
    return {
        "sequence": line.line_no,
        "careTeamSequence": [1] if care_team else [],
        "productOrService": {"coding": [_coding(ITEM_SYSTEMS[line.item_type], line.code)]},
        "servicedDate": line.service_date.isoformat(),
        "quantity": {"value": line.quantity},
        "unitPrice": money(line.unit_price_rials),
        "net": money(line.asked_rials),
    }


def _category(value: str) -> dict[str, Any]:
    return {"coding": [_hl7(ADJUDICATION_SYSTEM, ADJUDICATION_CODES, value)]}


def reason(value: str) -> dict[str, Any]:
    known = rules.REASON_BY_CODE.get(value)
    label = known.label_fa if known else None
    return {"coding": [_coding(REASON_SYSTEM, value, label)], "text": label}


def adjudication(line: ClaimLine) -> list[dict[str, Any]]:
    """submitted; once decided also eligible, copay, benefit and one entry per reason."""
    entries: list[dict[str, Any]] = [
        {"category": _category("submitted"), "amount": money(line.asked_rials)}
    ]
    if line.outcome == LineOutcome.PENDING.value:
        return entries
    entries += [
        {"category": _category("eligible"), "amount": money(line.allowed_rials)},
        {"category": _category("copay"), "amount": money(line.copay_rials)},
        {"category": _category("benefit"), "amount": money(line.insurer_rials)},
    ]
    codes = [c for c in line.reasons.split(";") if c]
    deducted = {"coding": [_coding(DARMAN_ADJUDICATION_SYSTEM, *DEDUCTED)]}
    if line.deducted_rials and not codes:
        entries.append({"category": deducted, "amount": money(line.deducted_rials)})
    for n, value in enumerate(codes):
        amount = money(line.deducted_rials) if n == 0 else None
        entries.append({"category": deducted, "reason": reason(value), "amount": amount})
    return entries


def _totals(c: Claim) -> list[dict[str, Any]]:
    totals = [{"category": _category("submitted"), "amount": money(c.asked_rials)}]
    if c.status in _QUEUED:
        return totals
    return [
        *totals,
        {"category": _category("eligible"), "amount": money(c.allowed_rials)},
        {"category": _category("copay"), "amount": money(c.copay_rials)},
        {"category": _category("benefit"), "amount": money(c.insurer_rials)},
        {
            "category": {"coding": [_coding(DARMAN_ADJUDICATION_SYSTEM, *DEDUCTED)]},
            "amount": money(c.deducted_rials),
        },
    ]


def _payment(c: Claim) -> dict[str, Any] | None:
    """What was paid: the whole of it once paid, an advance before that, nothing otherwise."""
    if c.status == ClaimStatus.PAID.value:
        paid_on = c.paid_at.astimezone(TEHRAN).date().isoformat() if c.paid_at else None
        kind, amount = "complete", c.paid_rials
    elif c.advance_rials:
        paid_on, kind, amount = None, "partial", c.advance_rials
    else:
        return None
    return {
        "type": {"coding": [_hl7(PAYMENT_TYPE_SYSTEM, PAYMENT_TYPE_CODES, kind)]},
        "date": paid_on,
        "amount": money(amount),
    }


def _status(c: Claim) -> str:
    value = "draft" if c.status == ClaimStatus.DRAFT.value else "active"
    return m.code(value, FINANCIAL_STATUS, "FinancialResourceStatusCodes")


def _created(c: Claim) -> str:
    return _instant(c.adjudicated_at or c.submitted_at)


# ------------------------------------------------------------------ resources
def claim(f: ClaimFacts) -> dict[str, Any]:
    """The claim as submitted: what POSTing it again would send (and answer 200 for)."""
    c = f.claim
    team = _care_team(c)
    ref = [("referral", REFERRAL_SYSTEM, c.referral_ref),
           ("prescription", PRESCRIPTION_SYSTEM, c.prescription_ref)]  # fmt: skip
    return m.compact(
        {
            "resourceType": "Claim",
            "id": str(c.id),
            "identifier": [{"system": CLAIM_DOCUMENT_SYSTEM, "value": c.document_number}],
            "status": _status(c),
            "type": claim_type(c.visit_type),
            "subType": _sub_type(c.visit_type),
            "use": m.code("claim", CLAIM_USE, "Use"),
            "patient": _patient(f),
            "billablePeriod": {"start": _date(c.admission_date), "end": _date(c.discharge_date)},
            "created": _instant(c.submitted_at),
            "insurer": _insurer(),
            "provider": _provider(f),
            "priority": {"coding": [_hl7(PRIORITY_SYSTEM, PRIORITY_CODES, "normal")]},
            **{k: {"identifier": {"system": s, "value": v}} if v else None for k, s, v in ref},
            "careTeam": team,
            "diagnosis": _diagnoses(c),
            "insurance": _insurance(f),
            "item": [_billed(line, bool(team)) for line in f.lines],
            "total": money(c.asked_rials),
        }
    )


def claim_response(f: ClaimFacts) -> dict[str, Any]:
    """The insurer's answer to the claim: its outcome and each item's adjudication."""
    c = f.claim
    outcome = outcome_code(c.status)
    return m.compact(
        {
            "resourceType": "ClaimResponse",
            "id": str(c.id),
            "identifier": [{"system": CLAIM_DOCUMENT_SYSTEM, "value": c.document_number}],
            "status": m.code("active", FINANCIAL_STATUS, "FinancialResourceStatusCodes"),
            "type": claim_type(c.visit_type),
            "subType": _sub_type(c.visit_type),
            "use": m.code("claim", CLAIM_USE, "Use"),
            "patient": _patient(f),
            "created": _created(c),
            "insurer": _insurer(),
            "requestor": _provider(f),
            "request": m.reference("Claim", c.id),
            "outcome": outcome,
            "disposition": _DISPOSITION[outcome],
            "item": [
                {"itemSequence": line.line_no, "adjudication": adjudication(line)}
                for line in f.lines
            ],
            "total": _totals(c),
            "payment": _payment(c),
        }
    )


def explanation_of_benefit(f: ClaimFacts) -> dict[str, Any]:
    """The claim, its adjudication and what was paid, for the provider's records."""
    c = f.claim
    team = _care_team(c)
    items = [{**_billed(line, bool(team)), "adjudication": adjudication(line)} for line in f.lines]
    return m.compact(
        {
            "resourceType": "ExplanationOfBenefit",
            "id": str(c.id),
            "identifier": [{"system": CLAIM_DOCUMENT_SYSTEM, "value": c.document_number}],
            "status": _status(c),
            "type": claim_type(c.visit_type),
            "subType": _sub_type(c.visit_type),
            "use": m.code("claim", CLAIM_USE, "Use"),
            "patient": _patient(f),
            "billablePeriod": {"start": _date(c.admission_date), "end": _date(c.discharge_date)},
            "created": _created(c),
            "insurer": _insurer(),
            "provider": _provider(f),
            "claim": m.reference("Claim", c.id),
            "claimResponse": m.reference("ClaimResponse", c.id),
            "outcome": outcome_code(c.status),
            "disposition": _DISPOSITION[outcome_code(c.status)],
            "careTeam": team,
            "diagnosis": _diagnoses(c),
            "insurance": _insurance(f, sequence=False),
            "item": items,
            "total": _totals(c),
            "payment": _payment(c),
        }
    )


def element_outcome(issue_type: str, problems: Sequence[FieldProblem]) -> dict[str, Any]:
    """An OperationOutcome with one issue per problem, its element as a FHIRPath expression.

    A problem's ``field`` is the FHIRPath (``Claim.item[1].quantity.value``);
    its own IssueType, when it has one (``issue``), wins over ``issue_type``.
    """
    issues = [
        {
            "severity": m.code("error", m.ISSUE_SEVERITY, "IssueSeverity"),
            "code": m.code(getattr(p, "issue", None) or issue_type, m.ISSUE_TYPE, "IssueType"),
            "diagnostics": f"{p.field}: {p.reason}" if p.field else p.reason,
            "expression": [p.field] if p.field else [],
        }
        for p in problems
    ]
    return m.compact({"resourceType": "OperationOutcome", "issue": issues})
