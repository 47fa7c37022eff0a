"""Who is calling the referral services: the linked physician, staff scope, the person."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.claims import policy
from darman.common.errors import FieldProblem, InvalidInput, PermissionDenied
from darman.registry import scope
from darman.registry import service_support as registry_service_support
from darman.registry.models import (
    CoveragePeriod,
    Facility,
    Insured,
    Practitioner,
)
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

PROGRAMME = policy.Programme.REFERRAL.value
# Staff who manage panels and set capacities; every national or provincial user may read.
PANEL_MANAGERS = roles_that(Act.MANAGE_PANELS)


# ------------------------------------------------------------------ callers
def _linked_physician(session: Session, who: Principal) -> tuple[Practitioner, Facility]:
    who.require_role(Role.PHYSICIAN)
    if who.practitioner_id is None or who.facility_id is None:
        raise PermissionDenied(
            "your user is not linked to a practitioner record at a facility; "
            "ask an administrator to link it"
        )
    practitioner = session.get(Practitioner, who.practitioner_id)
    facility = session.get(Facility, who.facility_id)
    if practitioner is None or facility is None:
        raise PermissionDenied("your facility or practitioner record no longer exists")
    return practitioner, facility


def _require_staff(who: Principal, what: str) -> None:
    if scope.at_facility(who):
        raise PermissionDenied(f"{what} is for national and provincial staff")


def _staff_province(
    session: Session, who: Principal, province_code: str | None, *, required: bool
) -> int | None:
    """The province a staff report or list is about: a provincial user's own; for national
    staff the one named (or every province when not required)."""
    pid = (
        registry_service_support.province_id_for(session, province_code) if province_code else None
    )
    pid = scope.report_province(who, pid, refused="this is for national and provincial staff")
    if pid is None and required:
        raise InvalidInput(
            "name the province", [FieldProblem("province_code", "required for national staff")]
        )
    return pid


def _person(session: Session, who: Principal, national_id: str) -> Insured:
    person = session.scalar(
        scope.insured(select(Insured).where(Insured.national_id == national_id), who)
    )
    if person is None:
        raise InvalidInput(
            "no insured person with this national ID in your scope",
            [FieldProblem("national_id", "بیمه‌شده‌ای با این کد ملی نیست (unknown insured)")],
        )
    return person


def _covered(session: Session, insured_id: int, on: dt.date) -> bool:
    return (
        session.scalar(
            select(CoveragePeriod.id)
            .where(CoveragePeriod.insured_id == insured_id, CoveragePeriod.start_date <= on)
            .where((CoveragePeriod.end_date.is_(None)) | (CoveragePeriod.end_date >= on))
            .limit(1)
        )
        is not None
    )
