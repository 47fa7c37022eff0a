"""Claim input and output shapes. ClaimIn is also one NDJSON record of a bulk file."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from darman.claims.enums import ItemType, VisitType
from darman.common.persian import to_ascii_digits
from darman.common.validators import Digits, int_from_text, parse_any_date
from darman.registry.schemas import Rials

MAX_LINES_PER_CLAIM = 500
MAX_UNIT_PRICE_RIALS = 10**12
ICD10 = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"


def _upper_ascii(value: object) -> object:
    return to_ascii_digits(value).strip().upper() if isinstance(value, str) else value


Icd10 = Annotated[str, BeforeValidator(_upper_ascii), Field(pattern=ICD10)]


@lru_cache(maxsize=8192)
def _date_of_text(text: str) -> dt.date | None:
    return parse_any_date(text)


def _any_date(value: object) -> object:
    # A bulk file repeats a few hundred service dates over and over: parse each text once.
    # Bad dates raise every time (lru_cache keeps no exceptions).
    return _date_of_text(value) if isinstance(value, str) else parse_any_date(value)


ClaimDate = Annotated[dt.date, BeforeValidator(_any_date)]
OptionalClaimDate = Annotated[dt.date | None, BeforeValidator(_any_date)]


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item_type: ItemType
    code: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    service_date: ClaimDate
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
    admission_date: OptionalClaimDate = None
    discharge_date: OptionalClaimDate = None
    diagnoses: list[Icd10] = Field(default_factory=list, max_length=20)
    referral_ref: str | None = Field(None, max_length=32)
    prescription_ref: str | None = Field(None, max_length=32)
    draft: bool = False
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES_PER_CLAIM)

    @model_validator(mode="after")
    def _stay(self) -> ClaimIn:
        if self.visit_type is VisitType.INPATIENT:
            if self.admission_date is None or self.discharge_date is None:
                raise ValueError(
                    "سند بستری تاریخ پذیرش (admission_date) و ترخیص (discharge_date) لازم دارد"
                )
            if self.discharge_date < self.admission_date:
                raise ValueError(
                    "تاریخ ترخیص (discharge_date) پیش از تاریخ پذیرش (admission_date) است"
                )
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


class BulkBatchAck(BaseModel):
    """One line of the streamed bulk answer: a batch of records read, stored and committed.

    Records are counted from 1 in file order (blank lines are not records); rows are the
    file's own line (NDJSON) or row (CSV/Excel) numbers. ``accepted + unchanged + conflicts
    + rejected == records``.
    """

    type: Literal["batch"] = "batch"
    first_record: int
    last_record: int
    first_row: int
    last_row: int
    records: int
    accepted: int = Field(description="claims stored by this batch")
    unchanged: int = Field(description="the same content was already stored: nothing written")
    conflicts: int = Field(description="other content for a submitted document: not stored")
    rejected: int = Field(description="records refused as invalid or outside the caller's scope")
    problems: list[dict[str, object]] = Field(description="every problem, with its row and field")


class BulkSummary(BaseModel):
    """The last line of a streamed bulk answer that ran to the end."""

    type: Literal["summary"] = "summary"
    batches: int
    records: int
    accepted: int
    unchanged: int
    conflicts: int
    rejected: int
    problem_count: int


class BulkStreamError(BaseModel):
    """The last line of a streamed bulk answer that stopped on an error after batches were
    acknowledged: the batches before it stay stored; the error is a problem+json body."""

    type: Literal["error"] = "error"
    status: int
    title: str
    detail: str
    errors: list[dict[str, object]] = []
