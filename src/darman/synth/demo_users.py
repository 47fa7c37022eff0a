"""One log-in per role for the demo, each with a realistic scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from darman.appointments import service as appointments
from darman.registry import service as registry_service
from darman.registry.models import Facility, Practitioner, PractitionerFacility, Province
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.security.models import User
from darman.security.principal import SYSTEM

TEHRAN, QOM = "08", "19"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    scope: str


# username, role, scope level, province code, facility (ownership, kind, province code)
_PLAN: tuple[tuple[str, Role, ScopeLevel, str | None, tuple[str, str, str] | None], ...] = (
    ("admin", Role.ADMIN, ScopeLevel.NATIONAL, None, None),
    ("analyst", Role.HQ_ANALYST, ScopeLevel.NATIONAL, None, None),
    ("tehran.manager", Role.PROVINCE_MANAGER, ScopeLevel.PROVINCE, TEHRAN, None),
    ("qom.reviewer", Role.CLAIMS_REVIEWER, ScopeLevel.PROVINCE, QOM, None),
    ("finance", Role.FINANCE_OFFICER, ScopeLevel.NATIONAL, None, None),
    (
        "qom.hospital",
        Role.PROVIDER_USER,
        ScopeLevel.FACILITY,
        None,
        ("contracted", "hospital", QOM),
    ),
    ("tehran.doctor", Role.PHYSICIAN, ScopeLevel.FACILITY, None, ("owned", "polyclinic", TEHRAN)),
    (
        "tehran.pharmacy",
        Role.PHARMACIST,
        ScopeLevel.FACILITY,
        None,
        ("contracted", "pharmacy", TEHRAN),
    ),
    ("auditor", Role.AUDITOR, ScopeLevel.NATIONAL, None, None),
)


# The demo's interview rater: the first rater of Tehran's provincial-director panel in
# the seeds' call, whose scorecards the account reads and scores.
DEMO_RATER = ("rater", "R-DIR-08-1")


def password_for(username: str) -> str:
    return f"{username}-1405"


def ensure(session: Session) -> list[DemoUser]:
    """Create the demo users that are missing; returns all of them with their passwords."""
    out = []
    for username, role, level, province_code, facility in _PLAN:
        province_id = facility_id = None
        scope = "national"
        if province_code:
            province = session.scalar(select(Province).where(Province.code == province_code))
            assert province is not None
            province_id, scope = province.id, province.name_fa
        council = None
        if facility:
            ownership, kind, code = facility
            query = (
                select(Facility)
                .join(Province, Province.id == Facility.province_id)
                .where(
                    Facility.ownership == ownership, Facility.kind == kind, Province.code == code
                )
                .order_by(Facility.id)
                .limit(1)
            )
            if role is Role.PHYSICIAN:
                # the first such centre with a practitioner, whom the user prescribes and
                # refers as (a general practitioner or family physician when there is one)
                council, row = _practitioner_at(session, query)
            else:
                row = session.scalar(query)
            if row is None:
                continue
            facility_id, scope = row.id, row.name
        if session.scalar(select(User.id).where(User.username == username)) is None:
            security.create_user(
                session,
                places=registry_service.UserPlaces(session),
                actor="system",
                username=username,
                password=password_for(username),
                role=role,
                scope_level=level,
                province_id=province_id,
                facility_id=facility_id,
                practitioner_council_number=council,
            )
        out.append(DemoUser(username, password_for(username), role, scope))
    rater = _rater(session)
    if rater is not None:
        out.append(rater)
    return out


def _rater(session: Session) -> DemoUser | None:
    """The rater's account, linked to their rater record; None when the call is not
    loaded (a database seeded without the programmes)."""
    username, code = DEMO_RATER
    if not appointments.rater_exists(session, code):
        return None
    if session.scalar(select(User.id).where(User.username == username)) is None:
        security.create_user(
            session,
            places=registry_service.UserPlaces(session),
            actor="system",
            username=username,
            password=password_for(username),
            role=Role.RATER,
            scope_level=ScopeLevel.OWN,
            full_name="ارزیاب نمایشی مصاحبه",
        )
        appointments.link_user(session, SYSTEM, rater_code=code, username=username)
    return DemoUser(username, password_for(username), Role.RATER, f"کارت‌های ارزیاب {code}")


def _practitioner_at(
    session: Session, facilities: Select[Any]
) -> tuple[str | None, Facility | None]:
    """The council number of a practitioner at the first of ``facilities`` that has one."""
    staffed = facilities.join(
        PractitionerFacility, PractitionerFacility.facility_id == Facility.id
    ).join(Practitioner, Practitioner.id == PractitionerFacility.practitioner_id)
    row = session.scalar(staffed)
    if row is None:
        return None, session.scalar(facilities)
    council = session.scalar(
        select(Practitioner.council_number)
        .join(PractitionerFacility, PractitionerFacility.practitioner_id == Practitioner.id)
        .where(PractitionerFacility.facility_id == row.id)
        .order_by(
            (Practitioner.specialty.in_(("پزشک عمومی", "پزشک خانواده"))).desc(), Practitioner.id
        )
        .limit(1)
    )
    return council, row
