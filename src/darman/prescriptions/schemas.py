"""Input and output shapes of the e-prescription API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from darman.common.validators import Digits, NationalId, PersianText, int_from_text
from darman.prescriptions.enums import LineKind

Quantity = Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=10_000)]
MAX_LINES = 40


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LineIn(Strict):
    """A drug line (formulary generic code, dose, quantity, days of supply, instructions)
    or an order line for a lab or imaging service (service catalogue code)."""

    kind: LineKind = LineKind.DRUG
    code: Digits = Field(min_length=1, max_length=16, pattern=r"^\d+$")
    dose: PersianText = Field("", max_length=100)
    quantity: Quantity
    days_supply: Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=365)] | None = None
    instructions: PersianText = Field("", max_length=300)

    @model_validator(mode="after")
    def _days(self) -> LineIn:
        if self.kind is LineKind.DRUG and self.days_supply is None:
            raise ValueError("a drug line needs days_supply")
        if self.kind is LineKind.SERVICE and self.days_supply is not None:
            raise ValueError("an order line has no days_supply")
        return self


RequestKey = Annotated[
    str,
    Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="idempotency key chosen by the calling system; a retry sends the same",
    ),
]


class PrescriptionIn(Strict):
    national_id: NationalId
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    request_key: RequestKey | None = Field(
        default=None,
        description="optional idempotency key of the prescribing system: the same key with "
        "the same prescription answers the first result again (issued or refused) and "
        "stores nothing; with another prescription it is a 409",
    )


class FindingRead(BaseModel):
    line_no: int | None
    field: str
    code: str
    blocking: bool
    reason_fa: str
    label_en: str
    other_code: str | None = None


class LineRead(BaseModel):
    line_no: int
    kind: str
    code: str
    name_fa: str
    dose: str
    quantity: int
    days_supply: int | None
    instructions: str
    dispensed: int
    remaining: int


class PrescriptionRead(BaseModel):
    id: int
    tracking_code: str | None = Field(description="shown to the patient; null when refused")
    tracking_code_display: str | None
    status: str
    national_id: str
    practitioner_council_number: str
    facility_code: str
    issued_on: dt.date
    issued_on_jalali: str
    expires_on: dt.date
    expires_on_jalali: str
    lines: list[LineRead]
    findings: list[FindingRead] = Field(description="warnings of an issued prescription")


class LookupIn(Strict):
    tracking_code: str = Field(min_length=1, max_length=32)
    national_id: NationalId


class DispenseLineIn(Strict):
    line_no: Annotated[int, Field(ge=1, le=MAX_LINES)]
    quantity: Quantity


class DispenseIn(Strict):
    tracking_code: str = Field(min_length=1, max_length=32)
    national_id: NationalId
    request_key: RequestKey
    lines: list[DispenseLineIn] = Field(min_length=1, max_length=MAX_LINES)


class DispensedLine(BaseModel):
    line_no: int
    code: str
    quantity: int
    dispensed_total: int
    remaining: int


class DispenseResult(BaseModel):
    tracking_code: str
    dispensed_on: dt.date
    lines: list[DispensedLine]
    replayed: bool = Field(description="true when this request key was already dispensed")


class ReasonTotal(BaseModel):
    code: str
    label_fa: str
    label_en: str
    blocking: bool
    findings: int
    quantity: int
    value_rials: int


class SavingsRow(BaseModel):
    """One Jalali month in one province."""

    year: int
    month: int
    month_label: str  # e.g. ۱۴۰۵/۰۷
    province_code: str
    province_name_fa: str
    issued: int
    refused: int
    prevented_rials: int = Field(
        description="refused quantities at reference price, each refused line counted once"
    )
    by_reason: list[ReasonTotal]
    drug_prescribed: int
    drug_dispensed: int
    order_prescribed: int
    order_dispensed: int
    dispensing_rate_percent: float | None = Field(
        description="dispensed / prescribed drug quantity of issued prescriptions"
    )


class SavingsReport(BaseModel):
    rows: list[SavingsRow]
    prevented_rials: int
