"""Referrals as FHIR R4 (4.0.1) ServiceRequest: pure functions, no database, no HTTP.

Rules (those of ``fhir.mapping`` apply too: codes checked here, no empty elements):
- id ``referral-<id>`` (order lines of prescriptions are ``order-<line id>`` in the
  same resource type); identifier = the referral number the receiving centre's claim
  cites; intent ``order``; category SNOMED CT 3457005 "Patient referral";
- status on a given day: ``completed`` once the feedback is given; otherwise
  ``active`` through the last day of validity and ``revoked`` after it (R4
  request-status has no "expired": the authorisation to act has ended);
- code = the specialty referred to, as text and in the Darman specialty code system;
  reasonCode = the ICD-10 diagnosis, with the referring physician's reason as text;
  occurrencePeriod = issue day .. last valid day; requester = the referring
  Practitioner; performer = the receiving facility's Organization (an outside centre:
  its name as display only); a level-3 referral is ``basedOn`` the level-2 referral
  it continues;
- the feedback (پس‌خوراند) is a ``note``: its text, the day it was given as ``time``
  and the answering Practitioner as ``authorReference``; its diagnosis, if any, is
  appended to the text as "ICD-10: <code>". A note rather than a linked resource,
  because the feedback has no identity of its own and is written once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from darman.fhir import mapping as m
from darman.fhir.claims_mapping import ICD10_SYSTEM, REFERRAL_SYSTEM
from darman.fhir.prescriptions_mapping import (
    REQUEST_INTENT,
    REQUEST_STATUS,
    SERVICE_CATEGORY_CODES,
    SNOMED,
)
from darman.referrals.enums import ReferralStatus
from darman.referrals.models import ReferralOrder

SPECIALTY_SYSTEM = "https://darman.example/fhir/CodeSystem/specialty"
REFERRAL_PREFIX = "referral-"
REFERRAL_CATEGORY = "3457005"


@dataclass(frozen=True)
class ReferralFacts:
    referral: ReferralOrder
    requester_name: str
    performer_name: str  # the receiving facility's name, or the outside centre's
    feedback_author_name: str


def status(r: ReferralOrder, on: dt.date) -> str:
    if r.status == ReferralStatus.ANSWERED:
        value = "completed"
    else:
        value = "active" if on <= r.valid_until else "revoked"
    return m.code(value, REQUEST_STATUS, "RequestStatus")


def _feedback(facts: ReferralFacts) -> list[dict[str, Any]]:
    r = facts.referral
    if r.feedback_on is None:
        return []
    text = r.feedback_text
    if r.feedback_diagnosis:
        text = (
            f"{text}\nICD-10: {r.feedback_diagnosis}" if text else f"ICD-10: {r.feedback_diagnosis}"
        )
    author = (
        m.reference("Practitioner", r.feedback_practitioner_id, facts.feedback_author_name or None)
        if r.feedback_practitioner_id is not None
        else None
    )
    return [{"authorReference": author, "time": r.feedback_on.isoformat(), "text": text}]


def referral(facts: ReferralFacts, on: dt.date) -> dict[str, Any]:
    """One referral as a ServiceRequest, its status as of ``on``."""
    r = facts.referral
    if r.to_facility_id is not None:
        performer = m.reference("Organization", r.to_facility_id, facts.performer_name or None)
    else:
        performer = {"display": r.outside_facility or facts.performer_name or None}
    return m.compact(
        {
            "resourceType": "ServiceRequest",
            "id": f"{REFERRAL_PREFIX}{r.id}",
            "identifier": [
                {
                    "use": m.code("official", m.IDENTIFIER_USE, "IdentifierUse"),
                    "system": REFERRAL_SYSTEM,
                    "value": r.ref_number,
                }
            ],
            "basedOn": [{"reference": f"ServiceRequest/{REFERRAL_PREFIX}{r.parent_id}"}]
            if r.parent_id is not None
            else [],
            "status": status(r, on),
            "intent": m.code("order", REQUEST_INTENT, "RequestIntent"),
            "category": [
                {
                    "coding": [
                        {
                            "system": SNOMED,
                            "code": m.code(REFERRAL_CATEGORY, SERVICE_CATEGORY_CODES, SNOMED),
                            "display": SERVICE_CATEGORY_CODES[REFERRAL_CATEGORY],
                        }
                    ]
                }
            ],
            "code": {
                "coding": [
                    {"system": SPECIALTY_SYSTEM, "code": r.specialty, "display": r.specialty}
                ],
                "text": r.specialty,
            },
            "subject": m.reference("Patient", r.insured_id),
            "occurrencePeriod": {
                "start": r.issued_on.isoformat(),
                "end": r.valid_until.isoformat(),
            },
            "authoredOn": r.issued_on.isoformat(),
            "requester": m.reference(
                "Practitioner", r.from_practitioner_id, facts.requester_name or None
            ),
            "performer": [performer],
            "reasonCode": [
                {"coding": [{"system": ICD10_SYSTEM, "code": r.diagnosis}], "text": r.reason}
            ],
            "note": _feedback(facts),
        }
    )
