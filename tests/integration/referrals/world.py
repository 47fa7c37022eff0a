"""A tiny world for the referral tests. Tehran (08): an owned family-physician centre with
two family physicians, owned level-2 hospitals in Tehran and in Shahriar offering internal
medicine, a contracted level-2 hospital, an owned level-3 hospital offering cardiology.
Another province (01) with its own family physician. Insured people, and a user for every
role the rules tell apart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from darman.common.jalali import tehran_today
from darman.referrals import rollout
from darman.referrals.schemas import ReferralIn, ReferralOnIn
from darman.registry import service as registry
from darman.registry.schemas import PractitionerCreate
from darman.security import passwords
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests import factories as f
from tests.integration.prescriptions.world import load_catalogue

TODAY = tehran_today()
INTERNAL = "داخلی"
CARDIO = "قلب و عروق"
FP = "پزشک خانواده"


@dataclass
class World:
    nids: list[str]  # covered Tehran residents
    uncovered_nid: str
    far_nid: str  # covered resident of province 01
    tehran_id: int
    far_id: int
    fp_centre: str
    hospital: str  # owned, level 2, Tehran, one internist
    suburb_hospital: str  # owned, level 2, Shahriar, two internists
    contracted: str  # contracted, level 2, Tehran, one internist
    tertiary: str  # owned, level 3, Tehran, cardiology
    who: dict[str, Principal] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return passwords.hash_password(f.PASSWORD)


def _practitioner(
    session: Session, council: str, specialty: str, level: int, province: str, facility: str
) -> None:
    registry.create_practitioner(
        session,
        SYSTEM,
        data=PractitionerCreate(
            council_number=council,
            first_name="سارا",
            last_name="احمدی",
            sex="female",
            specialty=specialty,
            level=level,
            province_code=province,
            facility_codes=facility,
        ),
    )


def build(session: Session, *, catalogue: bool = False) -> World:
    real_hash = security.hash_password
    security.hash_password = lambda p: _password_hash() if p == f.PASSWORD else real_hash(p)  # type: ignore[assignment]
    try:
        return _build(session, catalogue)
    finally:
        security.hash_password = real_hash  # type: ignore[assignment]


def _build(session: Session, catalogue: bool) -> World:
    if catalogue:
        load_catalogue(session)
    fac = f.facility
    centre = fac(
        session,
        kind="family_physician_centre",
        ownership="owned",
        level=1,
        province_code="08",
        city="تهران",
    )
    hospital = fac(session, ownership="owned", level=2, province_code="08", city="تهران")
    suburb = fac(session, ownership="owned", level=2, province_code="08", city="شهریار")
    contracted = fac(session, ownership="contracted", level=2, province_code="08", city="تهران")
    tertiary = fac(session, ownership="owned", level=3, province_code="08", city="تهران")
    far_centre = fac(
        session,
        kind="family_physician_centre",
        ownership="owned",
        level=1,
        province_code="01",
        city="تبریز",
    )
    _practitioner(session, "80001", FP, 1, "08", centre.code)
    _practitioner(session, "80002", FP, 1, "08", centre.code)
    _practitioner(session, "80003", INTERNAL, 2, "08", hospital.code)
    _practitioner(session, "80004", INTERNAL, 2, "08", suburb.code)
    _practitioner(session, "80005", INTERNAL, 2, "08", suburb.code)
    _practitioner(session, "80006", INTERNAL, 2, "08", contracted.code)
    _practitioner(session, "80007", CARDIO, 3, "08", tertiary.code)
    _practitioner(session, "80008", "دندان‌پزشکی", 1, "08", centre.code)
    _practitioner(session, "10001", FP, 1, "01", far_centre.code)
    nids = []
    for _ in range(4):
        p = f.insured(session, province_code="08")
        f.coverage(session, national_id=p.national_id)
        nids.append(p.national_id)
    uncovered = f.insured(session, province_code="08")
    far = f.insured(session, province_code="01")
    f.coverage(session, national_id=far.national_id)
    tehran, far_province = hospital.province_id, far_centre.province_id

    def doc(facility_id: int, council: str) -> dict[str, Any]:
        return dict(
            role=Role.PHYSICIAN,
            scope_level=ScopeLevel.FACILITY,
            facility_id=facility_id,
            practitioner_council_number=council,
        )

    users: list[tuple[str, dict[str, Any]]] = [
        ("boss", {}),
        ("analyst", dict(role=Role.HQ_ANALYST)),
        ("doc", doc(centre.id, "80001")),
        ("doc2", doc(centre.id, "80002")),
        ("dentist", doc(centre.id, "80008")),
        ("spec", doc(hospital.id, "80003")),
        ("suburb_spec", doc(suburb.id, "80004")),
        ("contracted_spec", doc(contracted.id, "80006")),
        ("cardio", doc(tertiary.id, "80007")),
        ("fardoc", doc(far_centre.id, "10001")),
        ("manager", dict(role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
                         province_id=tehran)),
        ("far_manager", dict(role=Role.PROVINCE_MANAGER, scope_level=ScopeLevel.PROVINCE,
                             province_id=far_province)),
        ("desk", dict(role=Role.PROVIDER_USER, scope_level=ScopeLevel.FACILITY,
                      facility_id=hospital.id)),
    ]  # fmt: skip
    world = World(
        nids=nids,
        uncovered_nid=uncovered.national_id,
        far_nid=far.national_id,
        tehran_id=tehran,
        far_id=far_province,
        fp_centre=centre.code,
        hospital=hospital.code,
        suburb_hospital=suburb.code,
        contracted=contracted.code,
        tertiary=tertiary.code,
    )
    for name, extra in users:
        if "practitioner_council_number" in extra:
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
    return world


def phase_1(session: Session, world: World, since: dt.date | None = None) -> None:
    """Tehran in phase 1 from a year ago (the shipped rollout has Alborz too)."""
    start = since or TODAY - dt.timedelta(days=365)
    rollout.set_phase(session, world.who["boss"], province_code="08", phase=1, active_from=start)


def referral(nid: str, facility: str | None, **kw: Any) -> ReferralIn:
    body: dict[str, Any] = {
        "national_id": nid,
        "specialty": INTERNAL,
        "reason": "فشار خون کنترل‌نشده با دو دارو",
        "diagnosis": "I10",
        "facility_code": facility,
    }
    body.update(kw)
    return ReferralIn(**body)


def onward(facility: str, **kw: Any) -> ReferralOnIn:
    body: dict[str, Any] = {
        "specialty": CARDIO,
        "reason": "درد قفسه‌ی سینه‌ی فعالیتی",
        "diagnosis": "I20.9",
        "facility_code": facility,
    }
    body.update(kw)
    return ReferralOnIn(**body)
