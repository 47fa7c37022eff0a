"""The demo's chronic-disease registers and their measurements, so that the care cascade
and the physicians' call-back lists open on believable figures.

The demo's claims carry no diagnoses, so the chronic patients among their claimants are
chosen first (per province, a hypertension share of 12-22 % and a type-2 diabetes share of
6-12 %) and their claims given the disease's ICD-10 code; the registers are then built
from the claims and the prescriptions by the domain's own ``build_registers``. The
registers of a real programme also hold people found years before: family physicians
enrol (``service.enrol_many``) some of their panel's members, dated one to four years back,
and most of those have not been seen since (lost to follow-up).

Measurements (blood pressure for hypertension, HbA1c for diabetes) follow each person
from their entry to the day before the seeding day, every one to four months, with a
province's own share of people who keep coming, of people who stop at some point and of
people whose values stay under target, so the cascade differs between provinces. Believable
shapes, not measured ones; deterministic for a seed and a day. The caller commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from darman.claims.models import Claim
from darman.common.jalali import tehran_today
from darman.db.base import utcnow
from darman.population import service
from darman.population.models import Measurement, RegisterEntry
from darman.population.schemas import EnrolmentCreate
from darman.referrals.models import PanelEnrolment
from darman.registry.models import PractitionerFacility
from darman.security.principal import SYSTEM
from darman.synth.epidemic_seed import DOCUMENT_PREFIX

SYSTOLIC, DIASTOLIC, HBA1C = "8480-6", "8462-4", "4548-4"
HTN_CODES = ("I10", "I10", "I10", "I11.9", "I12.9")
T2DM_CODES = ("E11.9", "E11.9", "E11.6")
# historic enrolments, against the people the claims and prescriptions found
HISTORIC_RATIO = 1.25
RECORDED_BY = "demo"


@dataclass(frozen=True)
class Loaded:
    entries: int
    enrolled: int
    measurements: int


def _diagnose(session: Session, rng: np.random.Generator) -> int:
    """Give the chosen chronic patients' demo claims their ICD-10 codes; answers how many
    people were chosen."""
    claims = session.execute(
        select(Claim.id, Claim.national_id, Claim.province_id)
        .where(
            Claim.diagnoses == "",
            Claim.nid_valid.is_(True),
            ~Claim.document_number.like(f"{DOCUMENT_PREFIX}%"),
        )
        .order_by(Claim.id)
    ).all()
    person_claims: dict[str, list[int]] = {}
    province_of: dict[str, int] = {}
    for claim_id, nid, province in claims:
        person_claims.setdefault(nid, []).append(claim_id)
        province_of.setdefault(nid, province)  # the person's first claim's province
    provinces = sorted(set(province_of.values()))
    htn_share = dict(zip(provinces, rng.uniform(0.12, 0.22, len(provinces)), strict=True))
    dm_share = dict(zip(provinces, rng.uniform(0.06, 0.12, len(provinces)), strict=True))
    rows: list[dict[str, object]] = []
    chosen = 0
    for nid in sorted(person_claims):
        province = province_of[nid]
        # diabetes and hypertension go together more often than by chance
        htn = rng.random() < htn_share[province]
        dm = rng.random() < dm_share[province] * (1.8 if htn else 0.85)
        codes = ([str(rng.choice(HTN_CODES))] if htn else []) + (
            [str(rng.choice(T2DM_CODES))] if dm else []
        )
        if codes:
            chosen += 1
            rows.extend({"claim": cid, "codes": ";".join(codes)} for cid in person_claims[nid])
    if rows:
        table = Claim.metadata.tables[Claim.__tablename__]
        # by primary key: the claims have no index on the national id
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("claim"))
            .values(diagnoses=bindparam("codes")),
            rows,
        )
    return chosen


def _enrol_historic(session: Session, rng: np.random.Generator, today: dt.date) -> int:
    """Family physicians enrol some of their panel's members found before the claims'
    year, through the domain's own list enrolment (``service.enrol_many``)."""
    on_register = select(RegisterEntry.national_id).distinct().scalar_subquery()
    found = session.execute(
        select(
            RegisterEntry.province_id, func.count(func.distinct(RegisterEntry.national_id))
        ).group_by(RegisterEntry.province_id)
    ).all()
    wanted = {p: int(n * HISTORIC_RATIO) for p, n in found}
    members = session.execute(
        select(
            PanelEnrolment.national_id,
            PanelEnrolment.province_id,
            func.min(PractitionerFacility.facility_id),
        )
        .join(
            PractitionerFacility,
            PractitionerFacility.practitioner_id == PanelEnrolment.practitioner_id,
        )
        .where(PanelEnrolment.ended_on.is_(None), PanelEnrolment.national_id.not_in(on_register))
        .group_by(PanelEnrolment.national_id, PanelEnrolment.province_id)
        .order_by(PanelEnrolment.national_id)
    ).all()
    by_province: dict[int, list[tuple[str, int]]] = {}
    for nid, province, facility in members:
        by_province.setdefault(province, []).append((nid, facility))
    asked: list[EnrolmentCreate] = []
    for province in sorted(by_province):
        pool = by_province[province]
        take = min(len(pool), wanted.get(province, 0))
        for i in sorted(rng.choice(len(pool), size=take, replace=False).tolist()):
            nid, facility = pool[i]
            asked.append(
                EnrolmentCreate(
                    register_code="htn" if rng.random() < 0.65 else "t2dm",
                    national_id=nid,
                    facility_id=facility,
                    entered_on=today - dt.timedelta(days=int(rng.integers(400, 4 * 365))),
                )
            )
    return service.enrol_many(session, SYSTEM, data=asked)


def _values(rng: np.random.Generator, register: str, controlled: bool) -> list[tuple[str, float]]:
    """One visit's measurements for a register: under target or over it."""
    if register == "t2dm":
        a1c = rng.normal(6.4, 0.35) if controlled else rng.normal(8.4, 1.0)
        return [(HBA1C, round(float(np.clip(a1c, 5.0, 6.9) if controlled else
                                    np.clip(a1c, 7.1, 13.0)), 1))]  # fmt: skip
    if controlled:
        sbp, dbp = np.clip(rng.normal(128, 6), 100, 138), np.clip(rng.normal(80, 4), 60, 88)
    else:
        sbp, dbp = np.clip(rng.normal(154, 11), 141, 210), np.clip(rng.normal(94, 6), 70, 125)
    return [(SYSTOLIC, float(round(sbp))), (DIASTOLIC, float(round(dbp)))]


def _measure(session: Session, rng: np.random.Generator, today: dt.date) -> int:
    """Each registered person's measurements from their entry to the day before ``today``."""
    entries = session.execute(
        select(
            RegisterEntry.register_code, RegisterEntry.national_id,
            func.min(RegisterEntry.entered_on), func.min(RegisterEntry.province_id),
            func.min(RegisterEntry.facility_id),
        )
        .group_by(RegisterEntry.register_code, RegisterEntry.national_id)
        .order_by(RegisterEntry.register_code, RegisterEntry.national_id)
    ).all()  # fmt: skip
    provinces = sorted({e[3] for e in entries})
    # a province's own programme: who keeps coming, who is under target
    keeps = dict(zip(provinces, rng.uniform(0.55, 0.85, len(provinces)), strict=True))
    returns = dict(zip(provinces, rng.uniform(0.1, 0.35, len(provinces)), strict=True))
    under = {
        "htn": dict(zip(provinces, rng.uniform(0.3, 0.55, len(provinces)), strict=True)),
        "t2dm": dict(zip(provinces, rng.uniform(0.2, 0.4, len(provinces)), strict=True)),
    }
    last_day = today - dt.timedelta(days=1)
    year_ago = today - dt.timedelta(days=365)
    days: dict[tuple[str, str, dt.date], float] = {}
    place: dict[str, tuple[int, int]] = {}
    for register, nid, entered, province, facility in entries:
        place.setdefault(nid, (province, facility))
        controlled = rng.random() < under[register][province]
        if entered < year_ago:  # found years ago: most stopped coming soon after
            visits = [entered + dt.timedelta(days=int(rng.integers(0, 20)))]
            if rng.random() < returns[province]:
                day = year_ago + dt.timedelta(days=int(rng.integers(0, 120)))
                while day <= last_day:
                    visits.append(day)
                    day += dt.timedelta(days=int(rng.integers(30, 120)))
        else:
            visits = []
            # the last day this person came: the seeding day's eve, or a day they stopped
            stop = last_day if rng.random() < keeps[province] else entered + dt.timedelta(
                days=int(rng.integers(0, max(1, (last_day - entered).days)))
            )  # fmt: skip
            day = entered + dt.timedelta(days=int(rng.integers(0, 15)))
            while day <= stop:
                visits.append(day)
                day += dt.timedelta(days=int(rng.integers(30, 120)))
        for day in visits:
            if day > last_day:
                continue
            # values wander: a controlled person is sometimes over, and the other way round
            state = controlled if rng.random() < 0.85 else not controlled
            for loinc, value in _values(rng, register, state):
                days[(nid, loinc, day)] = value
    stamp = utcnow()
    rows = [
        {
            "national_id": nid, "province_id": place[nid][0], "facility_id": place[nid][1],
            "loinc": loinc, "value": value, "measured_on": day, "recorded_by": RECORDED_BY,
            "created_at": stamp,
        }
        for (nid, loinc, day), value in sorted(days.items())
    ]  # fmt: skip
    if rows:
        session.execute(insert(Measurement), rows)
    return len(rows)


def load(session: Session, *, seed: int, today: dt.date | None = None) -> Loaded:
    """Build the registers from the demo's claims and prescriptions, add the historic
    enrolments and the measurements; nothing when the registers hold anyone already."""
    if session.scalar(select(func.count()).select_from(RegisterEntry)):
        return Loaded(0, 0, 0)
    today = today or tehran_today()
    rng = np.random.default_rng([seed, 25])
    _diagnose(session, rng)
    service.build_registers(session, SYSTEM)
    enrolled = _enrol_historic(session, rng, today)
    measured = _measure(session, rng, today)
    entries = int(session.scalar(select(func.count()).select_from(RegisterEntry)) or 0)
    return Loaded(entries, enrolled, measured)
