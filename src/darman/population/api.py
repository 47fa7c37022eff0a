"""REST endpoints of population health under ``/api/v1/population``: building the
registers, counts per register and province, a clinician's enrolment, measurements intake
and the care cascade of a quarter. Every answer is filtered by the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from darman.common.paging import MAX_ID
from darman.population import panel_cascade, prevention, service
from darman.population.prevention_schemas import CoverageRead, DueList, ProgrammeRead
from darman.population.schemas import (
    BuildRead,
    CallBack,
    CascadeRead,
    EnrolmentCreate,
    EntryRead,
    MeasurementCreate,
    MeasurementRead,
    PanelCascadeRead,
    RegisterCount,
)
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/population", tags=["population"])
IdQ = Annotated[int | None, Query(ge=1, le=MAX_ID)]
QuarterQ = Annotated[str, Query(min_length=6, max_length=8, description="1405Q2 or 1405/Q2")]


@router.post("/registers/build", response_model=BuildRead)
def build_registers(who: PrincipalDep, uow: UowDep) -> object:
    """Add the people found since the last build on adjudicated claims' diagnoses and on
    issued prescriptions of each register's drugs (national staff; idempotent; audited)."""
    added = service.build_registers(uow.session, who)
    uow.commit()
    return added


@router.get("/registers", response_model=list[RegisterCount])
def registers(who: PrincipalDep, uow: ReadUowDep, province_id: IdQ = None) -> object:
    """People on each register per province and what each source contributed."""
    return service.register_counts(uow.session, who, province_id=province_id)


@router.post("/enrolments", response_model=EntryRead, status_code=201)
def enrol(data: EnrolmentCreate, who: PrincipalDep, uow: UowDep) -> object:
    """A clinician puts a person on a register; enrolling again answers the first entry."""
    entry = service.enrol(uow.session, who, data=data)
    uow.commit()
    return entry


@router.post("/measurements", response_model=MeasurementRead, status_code=201)
def measurement(data: MeasurementCreate, who: PrincipalDep, uow: UowDep) -> object:
    """One blood pressure (LOINC 8480-6 / 8462-4) or HbA1c (4548-4) value of a person on a
    day; the same person, code and day again answers the first one."""
    row = service.record_measurement(uow.session, who, data=data)
    uow.commit()
    return row


@router.get("/cascade", response_model=CascadeRead)
def cascade(
    who: PrincipalDep,
    uow: ReadUowDep,
    quarter: QuarterQ,
    province_id: IdQ = None,
) -> object:
    """The care cascade per register, province and facility for a quarter (its last month
    is the reference month)."""
    return service.cascade(uow.session, who, quarter=quarter, province_id=province_id)


@router.get("/cascade/panel", response_model=PanelCascadeRead)
def cascade_of_panel(
    who: PrincipalDep,
    uow: ReadUowDep,
    quarter: QuarterQ,
    physician: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
) -> object:
    """The care cascade of a family physician's panel (the people on it at the quarter's
    end) per register: a physician their own, staff name the physician's council number."""
    return panel_cascade.panel_cascade(uow.session, who, quarter=quarter, council_number=physician)


@router.get("/call-back", response_model=list[CallBack])
def call_back(
    who: PrincipalDep,
    uow: ReadUowDep,
    quarter: QuarterQ,
    facility_id: IdQ = None,
) -> object:
    """Patients to call back at the end of a quarter (lost to follow-up or uncontrolled):
    a physician's or desk's own facility, a province's, or national staff's choice."""
    return service.to_call_back(uow.session, who, quarter=quarter, facility_id=facility_id)


# ------------------------------------------------------------------ the elderly and prevention
@router.get("/due", response_model=DueList)
def due(
    who: PrincipalDep,
    uow: ReadUowDep,
    physician: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    on: dt.date | None = None,
) -> object:
    """A family physician's panel members aged 60 and over with the screenings due to them by
    age and sex (a physician their own panel; staff name the physician's council number)."""
    return prevention.due_list(uow.session, who, council_number=physician, on=on)


@router.get("/programmes", response_model=list[ProgrammeRead])
def programmes(who: PrincipalDep) -> object:
    """The prevention programmes: target population, what counts as done, period, target."""
    return prevention.list_programmes(who)


@router.get("/programmes/{code}/coverage", response_model=CoverageRead)
def programme_coverage(
    code: Annotated[str, Path(min_length=1, max_length=32)],
    who: PrincipalDep,
    uow: ReadUowDep,
    month: Annotated[str | None, Query(min_length=6, max_length=7, description="1405/06")] = None,
    province_id: IdQ = None,
) -> object:
    """A programme's coverage at the end of a Jalali month, per province and facility."""
    return prevention.coverage(
        uow.session, who, programme=code, month=month, province_id=province_id
    )
