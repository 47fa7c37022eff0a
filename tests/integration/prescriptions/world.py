"""A tiny world for the e-prescription tests: the shipped catalogue, a clinic with three
practitioners, two pharmacies, a laboratory, a clinic in another province, insured
people, and a user for every role the rules tell apart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from darman.db import bulk
from darman.db.uow import UnitOfWork
from darman.prescriptions import schemas
from darman.registry import service as registry
from darman.registry.schemas import PractitionerCreate
from darman.security import passwords
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from darman.synth import generator
from tests import factories as f

# 1405/07/09: inside the shipped tariff years
DAY = dt.date(2026, 10, 1)


@dataclass
class World:
    nid: str  # covered since 1400
    uninsured_nid: str
    other_nid: str  # covered, a second patient
    clinic_id: int
    pharmacy_a: str
    pharmacy_a_id: int
    pharmacy_b_id: int
    lab_id: int
    province_id: int
    other_province_id: int
    who: dict[str, Principal] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)


def load_catalogue(session: Session) -> None:
    conn = session.connection()
    for table in generator.catalogue_tables():
        bulk.load(conn, table.table, table.columns, table.rows)
    bulk.reset_sequences(conn, ["services", "drugs", "drug_years", "tariffs"])


def _practitioner(session: Session, council: str, specialty: str, facility: str) -> None:
    registry.create_practitioner(
        session,
        SYSTEM,
        data=PractitionerCreate(
            council_number=council,
            first_name="مریم",
            last_name="کاظمی",
            sex="female",
            specialty=specialty,
            level=2,
            province_code="01",
            facility_codes=facility,
        ),
    )


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return passwords.hash_password(f.PASSWORD)


def build(session: Session) -> World:
    """Eleven users: the one test password is hashed once, not per user (argon2 is slow)."""
    real_hash = security.hash_password
    security.hash_password = lambda p: _password_hash() if p == f.PASSWORD else real_hash(p)  # type: ignore[assignment]
    try:
        return _build(session)
    finally:
        security.hash_password = real_hash  # type: ignore[assignment]


def _build(session: Session) -> World:
    load_catalogue(session)
    clinic = f.facility(session, kind="clinic", ownership="owned", level=1)
    pharmacy_a = f.facility(session, kind="pharmacy", level=1)
    pharmacy_b = f.facility(session, kind="pharmacy", level=1)
    lab = f.facility(session, kind="laboratory", level=1)
    far_clinic = f.facility(session, kind="clinic", province_code="02", level=1)
    _practitioner(session, "90001", "پزشک عمومی", clinic.code)
    _practitioner(session, "90002", "قلب و عروق", clinic.code)
    _practitioner(session, "90003", "پزشک عمومی", clinic.code)
    _practitioner(session, "90004", "پزشک عمومی", far_clinic.code)
    person = f.insured(session)
    f.coverage(session, national_id=person.national_id)
    other = f.insured(session)
    f.coverage(session, national_id=other.national_id)
    uninsured = f.insured(session)
    far_province = far_clinic.province_id
    users: list[tuple[str, dict[str, Any]]] = [
        ("boss", {}),
        ("doc", dict(role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
                     facility_id=clinic.id, practitioner_council_number="90001")),
        ("cardio", dict(role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
                        facility_id=clinic.id, practitioner_council_number="90002")),
        ("doc2", dict(role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
                      facility_id=clinic.id, practitioner_council_number="90003")),
        ("fardoc", dict(role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
                        facility_id=far_clinic.id, practitioner_council_number="90004")),
        ("unlinked", dict(role=Role.PHYSICIAN, scope_level=ScopeLevel.FACILITY,
                          facility_id=clinic.id)),
        ("pharm_a", dict(role=Role.PHARMACIST, scope_level=ScopeLevel.FACILITY,
                         facility_id=pharmacy_a.id)),
        ("pharm_b", dict(role=Role.PHARMACIST, scope_level=ScopeLevel.FACILITY,
                         facility_id=pharmacy_b.id)),
        ("lab", dict(role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
                     facility_id=lab.id)),
        ("manager", dict(role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
                         province_id=clinic.province_id)),
        ("far_manager", dict(role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
                             province_id=far_province)),
    ]  # fmt: skip
    world = World(
        nid=person.national_id,
        uninsured_nid=uninsured.national_id,
        other_nid=other.national_id,
        clinic_id=clinic.id,
        pharmacy_a=pharmacy_a.code,
        pharmacy_a_id=pharmacy_a.id,
        pharmacy_b_id=pharmacy_b.id,
        lab_id=lab.id,
        province_id=clinic.province_id,
        other_province_id=far_province,
    )
    for name, extra in users:
        if "practitioner_council_number" in extra:
            # the shared user factory knows no practitioner link; create_user does
            user = security.create_user(
                session,
                places=registry.UserPlaces(session),
                actor="test",
                username=name,
                password=f.PASSWORD,
                **extra,
            )
        else:
            user = f.user(session, username=name, **extra)
        world.who[name] = security.principal_of(user)
        world.users.append(name)
    return world


def rx(nid: str, *lines: dict[str, Any]) -> schemas.PrescriptionIn:
    return schemas.PrescriptionIn(national_id=nid, lines=[schemas.LineIn(**li) for li in lines])


def drug(code: str, quantity: int = 10, days: int = 10, **kw: Any) -> dict[str, Any]:
    return {"kind": "drug", "code": code, "quantity": quantity, "days_supply": days,
            "dose": "روزی یک عدد", **kw}  # fmt: skip


def order(code: str, quantity: int = 1) -> dict[str, Any]:
    return {"kind": "service", "code": code, "quantity": quantity}


def committed(factory: sessionmaker[Session]) -> World:
    """``build`` in a unit of work of its own, committed: for tests that go through the API."""
    with UnitOfWork(factory) as uow:
        w = build(uow.session)
        uow.commit()
    return w
