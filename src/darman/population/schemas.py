"""Pydantic I/O of population health."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from darman.common.paging import MAX_ID


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolmentCreate(Strict):
    """A clinician puts a person on a register; a facility user enrols at their facility,
    others name the facility."""

    register_code: str = Field(min_length=1, max_length=16)
    national_id: str = Field(min_length=10, max_length=10)
    facility_id: int | None = Field(None, ge=1, le=MAX_ID)
    entered_on: dt.date | None = None


class EntryRead(BaseModel):
    id: int
    register_code: str
    national_id: str
    province_id: int
    facility_id: int
    source: str
    source_ref: str
    entered_on: dt.date


class MeasurementCreate(Strict):
    """One observation: LOINC 8480-6 (systolic), 8462-4 (diastolic), 4548-4 (HbA1c %)."""

    national_id: str = Field(min_length=10, max_length=10)
    loinc: str = Field(min_length=1, max_length=16)
    value: float = Field(allow_inf_nan=False)
    measured_on: dt.date
    facility_id: int | None = Field(None, ge=1, le=MAX_ID)


class MeasurementRead(BaseModel):
    id: int
    national_id: str
    province_id: int
    facility_id: int
    loinc: str
    value: float = Field(allow_inf_nan=False)
    measured_on: dt.date


class BuildRead(BaseModel):
    """New entries per register and source of one build."""

    added: dict[str, dict[str, int]]


class RegisterCount(BaseModel):
    register_code: str
    province_id: int
    people: int
    from_claims: int
    from_prescriptions: int
    from_enrolment: int


class CascadeRow(BaseModel):
    register_code: str
    province_id: int
    facility_id: int
    registered: int
    under_care: int
    cohort: int
    controlled: int
    uncontrolled: int
    no_visit_3m: int
    lost_to_follow_up: int


class CascadeRead(BaseModel):
    quarter: str
    reference_month: int
    rows: list[CascadeRow]


class PanelCascadeRow(BaseModel):
    register_code: str
    registered: int
    under_care: int
    cohort: int
    controlled: int
    uncontrolled: int
    no_visit_3m: int
    lost_to_follow_up: int


class PanelCascadeRead(BaseModel):
    """The cascade of one family physician's panel: the people on it at the quarter's end
    (``members``), per register."""

    quarter: str
    reference_month: int
    council_number: str
    physician_name: str
    members: int
    rows: list[PanelCascadeRow]


class CallBack(BaseModel):
    """A person to call back: ``status`` lost_to_follow_up or uncontrolled."""

    register_code: str
    national_id: str
    province_id: int
    facility_id: int
    entered_on: dt.date
    status: str
