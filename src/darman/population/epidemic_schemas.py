"""Pydantic I/O of an epidemic's cost and its statements to the government."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class EpisodeRead(BaseModel):
    code: str
    name_fa: str
    icd10_prefixes: list[str]
    start: dt.date
    end: dt.date
    icu_service_codes: list[str]


class AdmissionRead(BaseModel):
    """One stay of the episode: its claims, length of stay, intensive-care days and cost
    (allowed total and the insurer's share, drugs and services)."""

    admission_id: int
    claim_ids: str
    national_id: str
    province_id: int
    facility_id: int
    ownership: str
    admission_date: dt.date
    discharge_date: dt.date
    los_days: int
    icu_days: int
    drugs_total_rials: int
    services_total_rials: int
    total_rials: int
    drugs_insurer_rials: int
    services_insurer_rials: int
    insurer_rials: int


class CostRow(BaseModel):
    """One group of admissions; ``province_id`` or ``ownership`` empty is the subtotal over
    them. Money in rials; the median and 90th percentile interpolate."""

    province_id: int | None
    ownership: str | None
    admissions: int
    people: int
    patient_days: int
    icu_admissions: int
    icu_days: int
    total_rials: int
    insurer_rials: int
    cost_per_admission: int
    cost_per_day: int
    median_cost: int
    p90_cost: int
    median_cost_per_day: int
    p90_cost_per_day: int
    median_los: float
    p90_los: float


class MonthRow(BaseModel):
    month: int  # Jalali yyyymm of discharge
    admissions: int
    patient_days: int
    icu_admissions: int
    insurer_rials: int
    total_rials: int


class CostSummary(BaseModel):
    episode: EpisodeRead
    rows: list[CostRow]
    months: list[MonthRow]


class StatementIssue(BaseModel):
    """Issue a month's statement (``1405/03`` or ``140503``)."""

    model_config = ConfigDict(extra="forbid")

    month: str = Field(min_length=6, max_length=8)
    episode_code: str = Field("covid19", min_length=1, max_length=16)


class StatementCorrection(BaseModel):
    """Correct an issued statement: the reason is kept on the correction."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


class StatementLineRead(BaseModel):
    line_no: int
    admission_id: int
    claim_ids: str
    national_id: str
    province_id: int
    facility_id: int
    ownership: str
    admission_date: dt.date
    discharge_date: dt.date
    los_days: int
    icu_days: int
    drugs_insurer_rials: int
    services_insurer_rials: int
    insurer_rials: int
    total_rials: int


class StatementRead(BaseModel):
    id: int
    number: str
    episode_code: str
    month: int
    seq: int
    revision: int
    corrects_id: int | None
    corrected_by_id: int | None = None
    reason: str
    admissions: int
    patient_days: int
    icu_days: int
    drugs_insurer_rials: int
    services_insurer_rials: int
    insurer_rials: int
    total_rials: int
    content_hash: str
    issued_by: str
    issued_at: dt.datetime


class StatementDetail(StatementRead):
    lines: list[StatementLineRead]


class IssueResult(BaseModel):
    """``created`` is false when the month was issued before with the same figures."""

    created: bool
    statement: StatementRead
