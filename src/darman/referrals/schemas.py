"""Input and output shapes of the referral and panel API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from darman.common.validators import (
    AnyDate,
    Digits,
    NationalId,
    OptionalAnyDate,
    PersianText,
    int_from_text,
)

ICD10 = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"


def _icd(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Icd10 = Annotated[str, BeforeValidator(_icd), Field(pattern=ICD10, max_length=8)]
CouncilNumber = Annotated[Digits, Field(min_length=1, max_length=16, pattern=r"^\d+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ------------------------------------------------------------------ panels
class EnrolIn(Strict):
    national_id: NationalId
    council_number: CouncilNumber | None = Field(
        None,
        description="the family physician; a physician enrolling into their own panel omits it",
    )
    note: PersianText = Field("", max_length=300)


class TransferIn(Strict):
    national_id: NationalId
    council_number: CouncilNumber = Field(description="the family physician who takes the person")
    note: PersianText = Field("", max_length=300)


class CapacityIn(Strict):
    capacity: Annotated[int, BeforeValidator(int_from_text), Field(ge=1, le=5000)]


class NationalIdIn(Strict):
    national_id: NationalId


class EnrolmentRead(BaseModel):
    id: int
    national_id: str
    council_number: str
    physician_name: str
    enrolled_on: dt.date
    enrolled_on_jalali: str
    ended_on: dt.date | None
    ended_on_jalali: str
    end_reason: str
    transferred_from_council_number: str | None


class PanelMember(BaseModel):
    national_id: str
    first_name: str
    last_name: str
    enrolled_on: dt.date
    enrolled_on_jalali: str


class PanelRead(BaseModel):
    council_number: str
    physician_name: str
    province_code: str
    capacity: int
    members: int
    page: int
    size: int
    items: list[PanelMember]


class UnenrolledRead(BaseModel):
    national_id: str
    first_name: str
    last_name: str
    birth_date_jalali: str


# ------------------------------------------------------------------ referrals
class ReferralOnIn(Strict):
    """Where to and why. Name a registered facility by ``facility_code`` or, outside the
    insurer's network, the centre's name in ``outside_facility``; leaving the own network
    in a phase-1 province needs ``choice_reason``."""

    specialty: PersianText = Field(min_length=2, max_length=64)
    reason: PersianText = Field(min_length=3, max_length=500)
    diagnosis: Icd10
    facility_code: str | None = Field(None, min_length=1, max_length=16)
    outside_facility: PersianText = Field("", max_length=200)
    choice_reason: PersianText = Field("", max_length=500)

    @model_validator(mode="after")
    def _one_destination(self) -> ReferralOnIn:
        if (self.facility_code is None) == (not self.outside_facility):
            raise ValueError("name either facility_code or outside_facility, not both or neither")
        return self


class ReferralIn(ReferralOnIn):
    national_id: NationalId


class FeedbackIn(Strict):
    text: PersianText = Field(min_length=3, max_length=2000)
    diagnosis: Icd10 | None = None


class FeedbackRead(BaseModel):
    on: dt.date
    on_jalali: str
    text: str
    diagnosis: str
    council_number: str


class ReferralRead(BaseModel):
    id: int
    ref_number: str = Field(description="what the receiving centre's claim cites")
    parent_ref_number: str | None
    status: str
    state: str = Field(description="open, overdue, expired or answered, as of today")
    state_fa: str
    national_id: str
    specialty: str
    reason: str
    diagnosis: str
    from_council_number: str
    from_facility_code: str
    from_level: int
    to_level: int
    to_facility_code: str | None
    to_facility_name: str
    internal: bool
    choice_reason: str
    issued_on: dt.date
    issued_on_jalali: str
    valid_until: dt.date
    valid_until_jalali: str
    feedback_due_on: dt.date
    feedback_due_on_jalali: str
    days_overdue: int
    feedback: FeedbackRead | None
    children: list[ReferralRead] = Field(default_factory=list)


class ReferralAtDeskRead(BaseModel):
    """A referral as a receiving centre's reception sees it."""

    usable: bool = Field(description="a visit today may use it: issued, unanswered, in its days")
    reason_fa: str = Field(description="why, in Persian: valid until, expired on, or answered")
    referral: ReferralRead


class SuggestionRead(BaseModel):
    facility_code: str
    name: str
    city: str
    level: int
    same_city: bool
    practitioners: int
    open_referrals: int
    load: float = Field(description="open referrals of the specialty per practitioner")


class RolloutRead(BaseModel):
    province_code: str
    province_name_fa: str
    phase: int
    active_from: dt.date
    active_from_jalali: str


class DayPeriodRead(BaseModel):
    province_code: str | None = Field(description="empty: national")
    days: int
    valid_from: dt.date
    valid_to: dt.date
    valid_from_jalali: str
    valid_to_jalali: str


class ReferralPolicyRead(BaseModel):
    """The referral programme's periods in force, resolved per province and date."""

    valid_days: list[DayPeriodRead] = Field(description="days a referral stays valid")
    feedback_days: list[DayPeriodRead] = Field(description="days until feedback is due")
    default_valid_days: int
    default_feedback_days: int


class ReferralDaysIn(Strict):
    kind: Literal["valid_days", "feedback_days"]
    days: Annotated[int, Field(ge=1, le=365, strict=True)]
    valid_from: AnyDate
    valid_to: OptionalAnyDate = None
    province_code: Annotated[Digits, Field(min_length=2, max_length=2)] | None = None
    note: PersianText = Field("", max_length=200)


class IndicatorRow(BaseModel):
    """One Jalali month in one province."""

    year: int
    month: int
    month_label: str
    province_code: str
    province_name_fa: str
    referrals: int = Field(description="every referral issued, level 1 and level 2")
    from_level1: int = Field(description="referrals by family physicians")
    level1_visits: int = Field(description="accepted visit lines at level-1 facilities")
    referral_rate_per_1000_visits: float | None
    internal_referrals: int
    internal_share_percent: float | None
    answered: int
    feedback_rate_percent: float | None
    specialist_lines: int = Field(description="specialist-visit lines while the rule was active")
    bypass_lines: int = Field(description="of those, rejected for R10 (no valid referral)")
    bypass_rate_percent: float | None
    panel_members: int = Field(description="on a panel at the month's end")
    panels: int = Field(description="physicians with at least one person at the month's end")
    average_panel_size: float | None


class IndicatorReport(BaseModel):
    rows: list[IndicatorRow]
