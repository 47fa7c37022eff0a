from __future__ import annotations

from enum import StrEnum


class EntrySource(StrEnum):
    """Where a register entry came from."""

    CLAIM = "claim"
    PRESCRIPTION = "prescription"
    ENROLMENT = "enrolment"


SOURCE_LABELS_FA: dict[EntrySource, str] = {
    EntrySource.CLAIM: "تشخیص در سند",
    EntrySource.PRESCRIPTION: "نسخه دارویی",
    EntrySource.ENROLMENT: "ثبت پزشک",
}

# The measurements received, by LOINC code, with their unit and the range a value may take.
LOINC: dict[str, tuple[str, str, float, float]] = {
    "8480-6": ("فشار خون سیستولیک", "mm[Hg]", 40.0, 300.0),
    "8462-4": ("فشار خون دیاستولیک", "mm[Hg]", 20.0, 200.0),
    "4548-4": ("هموگلوبین A1c", "%", 2.0, 20.0),
}
