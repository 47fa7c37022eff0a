"""Pydantic I/O of the elderly's screenings and the prevention programmes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class ScreeningState(BaseModel):
    """One screening of one person: ``status`` done (within its interval) or due;
    ``last_done`` the last claimed service or measurement that counts, if any."""

    code: str
    name_fa: str
    status: str
    last_done: dt.date | None


class ElderlyPatient(BaseModel):
    national_id: str
    first_name: str
    last_name: str
    sex: str
    age: int
    screenings: list[ScreeningState]

    @property
    def due(self) -> list[ScreeningState]:
        return [s for s in self.screenings if s.status == "due"]


class DueList(BaseModel):
    """A family physician's panel members aged 60 and over on ``on``, each with the
    screenings that apply by age and sex; ``patients`` holds those with one due at least."""

    council_number: str
    physician_name: str
    facility_id: int | None  # the physician's first facility: their call-back list's
    on: dt.date
    elderly: int
    patients: list[ElderlyPatient]


class ProgrammeRead(BaseModel):
    code: str
    name_fa: str
    min_age: int
    max_age: int | None
    sex: str
    provinces: list[str]
    register_code: str | None
    service_codes: list[str]
    loinc: list[str]
    period_months: int
    target_percent: float


class CoverageRow(BaseModel):
    """People of the target population and those done, in a province (``facility_id``
    null: the province's total) or at a family physician's facility."""

    province_id: int
    facility_id: int | None
    target: int
    done: int
    percent: float | None
    meets_target: bool


class CoverageRead(BaseModel):
    programme: ProgrammeRead
    month: int
    window_start: dt.date
    window_end: dt.date
    provinces: list[CoverageRow]
    facilities: list[CoverageRow]
