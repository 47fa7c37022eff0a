"""Claim input and output shapes. ClaimIn is also one NDJSON record of a bulk file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from darman.claims.enums import ItemType, VisitType
from darman.common.persian import to_ascii_digits
from darman.common.validators import AnyDate, Digits, OptionalAnyDate, int_from_text
from darman.registry.schemas import Rials

MAX_LINES_PER_CLAIM = 500
MAX_UNIT_PRICE_RIALS = 10**12
ICD10 = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"


def _upper_ascii(value: object) -> object:
    return to_ascii_digits(value).strip().upper() if isinstance(value, str) else value


Icd10 = Annotated[str, BeforeValidator(_upper_ascii), Field(pattern=ICD10)]


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item_type: ItemType
    code: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    service_date: AnyDate
    quantity: Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=10_000)]
    # At most 10**12 rials a unit: with at most 10,000 units a line and 500 lines a claim,
    # every line and claim total stays inside a 64-bit integer.
    unit_price_rials: Annotated[Rials, Field(le=MAX_UNIT_PRICE_RIALS)]


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    facility_code: str = Field(min_length=1, max_length=16)
    document_number: Digits = Field(min_length=1, max_length=32)
    national_id: Digits = Field(pattern=r"^\d{10}$")
    practitioner_council_number: Digits | None = Field(None, max_length=16, pattern=r"^\d+$")
    visit_type: VisitType
    admission_date: OptionalAnyDate = None
    discharge_date: OptionalAnyDate = None
    diagnoses: list[Icd10] = Field(default_factory=list, max_length=20)
    referral_ref: str | None = Field(None, max_length=32)
    prescription_ref: str | None = Field(None, max_length=32)
    draft: bool = False
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES_PER_CLAIM)

    @model_validator(mode="after")
    def _stay(self) -> ClaimIn:
        if self.visit_type is VisitType.INPATIENT:
            if self.admission_date is None or self.discharge_date is None:
                raise ValueError("an inpatient claim needs admission_date and discharge_date")
            if self.discharge_date < self.admission_date:
                raise ValueError("discharge_date is before admission_date")
        return self


class LineRead(BaseModel):
    line_no: int
    item_type: str
    code: str
    service_date: dt.date
    quantity: int
    unit_price_rials: int
    outcome: str
    asked_rials: int
    allowed_rials: int
    copay_rials: int
    insurer_rials: int
    deducted_rials: int
    reasons: list[str]
    reasons_fa: list[str]


class ClaimRead(BaseModel):
    id: int
    facility_id: int
    document_number: str
    national_id: str
    visit_type: str
    status: str
    submitted_at: dt.datetime
    asked_rials: int
    allowed_rials: int
    copay_rials: int
    insurer_rials: int
    deducted_rials: int
    lines: list[LineRead] | None = None


class SubmitResult(BaseModel):
    claim_id: int
    status: str
    created: bool


class BulkReport(BaseModel):
    records: int
    accepted: int
    unchanged: int
    conflicts: int
    problems: list[dict[str, object]]
