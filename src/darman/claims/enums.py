from __future__ import annotations

from enum import StrEnum


class VisitType(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"


class ItemType(StrEnum):
    SERVICE = "service"
    DRUG = "drug"


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ADJUDICATED = "adjudicated"
    IN_REVIEW = "in_review"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    PAID = "paid"


class LineOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    PARTIAL = "partial"  # accepted with a deduction
    REJECTED = "rejected"
