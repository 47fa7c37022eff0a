"""REST endpoints for the adjudication policy: dated parameters and programme rollouts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from darman.claims import policy
from darman.claims.models import PolicyParameter, ProgrammeRollout
from darman.common.validators import AnyDate, Digits, OptionalAnyDate
from darman.registry import service_support as registry_service_support
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/claims", tags=["claims policy"])
ProvinceCode = Annotated[Digits, Field(min_length=2, max_length=2)]
Note = Annotated[str, Field(max_length=200)]


class CopayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province_code: ProvinceCode | None = None
    visit_type: Literal["outpatient", "inpatient", "emergency"]
    ownership: Literal["owned", "contracted"]
    percent: Annotated[int, Field(ge=0, le=100, strict=True)]
    valid_from: AnyDate
    valid_to: OptionalAnyDate = None
    note: Note = ""


class DeadlineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province_code: ProvinceCode | None = None
    days: Annotated[int, Field(ge=1, le=policy.MAX_DEADLINE_DAYS, strict=True)]
    valid_from: AnyDate
    valid_to: OptionalAnyDate = None
    note: Note = ""


class RolloutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province_code: ProvinceCode
    programme: Literal["referral", "eprescription"]
    active_from: AnyDate
    phase: Annotated[int, Field(ge=1, le=2, strict=True)] | None = Field(
        None, description="referral programme phase (1: internal referral first); kept if omitted"
    )


class BypassIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province_code: ProvinceCode
    copay_percent: Annotated[int, Field(ge=0, le=100, strict=True)] | None = Field(
        description="patient's share for a visit without referral; null rejects it (R10)"
    )


class ParameterRead(BaseModel):
    id: int | None = None
    parameter: str
    province_code: str | None
    visit_type: str | None = None
    ownership: str | None = None
    value: int
    valid_from: dt.date
    valid_to: dt.date
    note: str = ""
    created_by: str | None = None


class RolloutRead(BaseModel):
    province_code: str
    programme: str
    active_from: dt.date
    phase: int
    bypass_copay_percent: int | None = None


class PolicyRead(BaseModel):
    copay: list[ParameterRead] = Field(description="copayment periods in force, resolved")
    filing_deadlines: list[ParameterRead] = Field(description="deadline periods in force")
    entries: list[ParameterRead] = Field(description="what headquarters has set, oldest first")
    rollouts: list[RolloutRead]


def _code(session: Session, province_id: int | None) -> str | None:
    return (
        None
        if province_id is None
        else registry_service_support.province_code_of(session, province_id)
    )


def _province_id(session: Session, code: str | None) -> int | None:
    return None if code is None else registry_service_support.province_id_for(session, code)


def _entry(session: Session, p: PolicyParameter) -> ParameterRead:
    return ParameterRead(
        id=p.id,
        parameter=p.parameter,
        province_code=_code(session, p.province_id),
        visit_type=p.visit_type,
        ownership=p.ownership,
        value=p.value,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        note=p.note,
        created_by=p.created_by,
    )


def _rollout(session: Session, r: ProgrammeRollout) -> RolloutRead:
    return RolloutRead(
        province_code=_code(session, r.province_id) or "",
        programme=r.programme,
        active_from=r.active_from,
        phase=r.phase,
        bypass_copay_percent=r.bypass_copay_percent,
    )


@router.get("/policy", response_model=PolicyRead)
def read_policy(who: PrincipalDep, uow: ReadUowDep) -> PolicyRead:
    """The adjudication policy in force: copayment and filing-deadline periods by province
    (empty province = national), what headquarters set, and where each programme runs."""
    s = uow.session
    return PolicyRead(
        copay=[
            ParameterRead(
                parameter=policy.Parameter.COPAY_PERCENT,
                province_code=_code(s, c.province_id),
                visit_type=c.visit_type,
                ownership=c.ownership,
                value=c.percent,
                valid_from=c.valid_from,
                valid_to=c.valid_to,
            )
            for c in policy.effective_copay(s)
        ],
        filing_deadlines=[
            ParameterRead(
                parameter=policy.Parameter.FILING_DEADLINE_DAYS,
                province_code=_code(s, d.province_id),
                value=d.days,
                valid_from=d.valid_from,
                valid_to=d.valid_to,
            )
            for d in policy.effective_deadlines(s)
        ],
        entries=[_entry(s, p) for p in policy.list_parameters(s)],
        rollouts=[_rollout(s, r) for r in policy.list_rollouts(s)],
    )


@router.post("/policy/copay", response_model=ParameterRead, status_code=201)
def set_copay(body: CopayIn, who: PrincipalDep, uow: UowDep) -> ParameterRead:
    """Set a copayment percentage from a date on, nationally or for one province
    (national admins). Claims adjudicated afterwards use it for services on those dates."""
    s = uow.session
    entry = policy.set_copay(
        s,
        who,
        province_id=_province_id(s, body.province_code),
        visit_type=body.visit_type,
        ownership=body.ownership,
        percent=body.percent,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        note=body.note,
    )
    read = _entry(s, entry)
    uow.commit()
    return read


@router.post("/policy/filing-deadline", response_model=ParameterRead, status_code=201)
def set_filing_deadline(body: DeadlineIn, who: PrincipalDep, uow: UowDep) -> ParameterRead:
    """Set the filing deadline in days for documents submitted from a date on, nationally
    or for one province (national admins)."""
    s = uow.session
    entry = policy.set_filing_deadline(
        s,
        who,
        province_id=_province_id(s, body.province_code),
        days=body.days,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        note=body.note,
    )
    read = _entry(s, entry)
    uow.commit()
    return read


@router.put("/rollouts", response_model=RolloutRead)
def set_rollout(body: RolloutIn, who: PrincipalDep, uow: UowDep) -> RolloutRead:
    """Start (or move the start of) the referral or e-prescription programme in a province
    (national admins): from that date its claims rule applies there."""
    s = uow.session
    row = policy.set_rollout(
        s,
        who,
        province_id=registry_service_support.province_id_for(s, body.province_code),
        programme=body.programme,
        active_from=body.active_from,
        phase=body.phase,
    )
    read = _rollout(s, row)
    uow.commit()
    return read


@router.put("/rollouts/referral-bypass", response_model=RolloutRead)
def set_referral_bypass(body: BypassIn, who: PrincipalDep, uow: UowDep) -> RolloutRead:
    """Where the referral programme runs in a province, a specialist visit without a valid
    referral is rejected (``copay_percent`` null) or paid with the patient's share raised
    to ``copay_percent`` (national admins)."""
    s = uow.session
    row = policy.set_referral_bypass(
        s,
        who,
        province_id=registry_service_support.province_id_for(s, body.province_code),
        copay_percent=body.copay_percent,
    )
    read = _rollout(s, row)
    uow.commit()
    return read
