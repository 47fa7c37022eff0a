from __future__ import annotations

from enum import StrEnum


class PrescriptionStatus(StrEnum):
    ISSUED = "issued"  # صادر شده: has a tracking code, can be dispensed until it expires
    REFUSED = "refused"  # رد شده: a blocking check failed; kept for the savings report


class LineKind(StrEnum):
    DRUG = "drug"  # a formulary drug, dispensed by a pharmacy
    SERVICE = "service"  # a lab or imaging order, done by a laboratory or imaging centre


class Severity(StrEnum):
    """Severity of a drug-drug interaction: severe blocks, the others warn."""

    SEVERE = "severe"
    MODERATE = "moderate"
    MINOR = "minor"


LABELS_FA: dict[str, str] = {
    PrescriptionStatus.ISSUED: "صادر شده",
    PrescriptionStatus.REFUSED: "رد شده",
    LineKind.DRUG: "دارو",
    LineKind.SERVICE: "آزمایش یا تصویربرداری",
    Severity.SEVERE: "شدید",
    Severity.MODERATE: "متوسط",
    Severity.MINOR: "خفیف",
}
