"""What the issue-time checks read from the database, one query per kind of fact: the
caller (specialty, council number, facility), the person (coverage on the day and the
drug lines of their recent issued prescriptions), the drugs and the ordered services.

The statements are built once, at import, with bound parameters, and run as Core
statements (SQLAlchemy's compiled cache keeps their SQL): on the path of every
prescription written, building an ORM ``select()`` anew cost more than running it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Date, and_, bindparam, exists, select
from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput, PermissionDenied
from darman.db.date_sql import days_before
from darman.prescriptions import rules
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.models import Prescription, PrescriptionLine
from darman.registry.models import CoveragePeriod, Drug, Facility, Insured, Practitioner, Service
from darman.security.principal import Principal

_ON = bindparam("on", type_=Date)


# ------------------------------------------------------------------ the caller
@dataclass(frozen=True)
class Caller:
    practitioner_id: int
    specialty: str
    council_number: str
    facility_id: int
    facility_code: str
    province_id: int


_CALLER = (
    select(Practitioner.specialty, Practitioner.council_number, Facility.code, Facility.province_id)
    .select_from(Practitioner)
    .join(Facility, Facility.id == bindparam("facility_id"))  # two rows by key, no relation
    .where(Practitioner.id == bindparam("practitioner_id"))
)


def caller(session: Session | Connection, who: Principal, practitioner_id: int) -> Caller:
    """The prescribing physician at their facility; PermissionDenied without a facility
    or when either record is gone."""
    if who.facility_id is None:
        raise PermissionDenied("a physician prescribes at a facility")
    row = session.execute(
        _CALLER, {"facility_id": who.facility_id, "practitioner_id": practitioner_id}
    ).first()
    if row is None:
        raise PermissionDenied("your facility or practitioner record no longer exists")
    return Caller(practitioner_id, row[0], row[1], who.facility_id, row[2], row[3])


# ------------------------------------------------------------------ the person
@dataclass(frozen=True)
class Person:
    insured_id: int
    national_id: str
    covered: bool
    active: list[rules.ActiveDrug]


_COVERED = exists().where(
    CoveragePeriod.insured_id == Insured.id,
    CoveragePeriod.start_date <= _ON,
    (CoveragePeriod.end_date.is_(None)) | (CoveragePeriod.end_date >= _ON),
)
# One row per drug line of the person's issued prescriptions still active on the day
# (or one row of NULLs without any), with the person's id and coverage on each. Only
# prescriptions whose longest line lasts to the day are read (by index, on
# ``active_until``), so a long history costs nothing. A line lasts from its issue day for
# its days of supply (rules.is_active), and one never dispensed stops counting once its
# prescription has expired; both are decided here so that only the lines that count are
# fetched.
_PERSON = (
    select(
        Insured.id.label("insured_id"), _COVERED.label("covered"), PrescriptionLine.code,
        PrescriptionLine.days_supply, PrescriptionLine.dispensed, Prescription.issued_on,
        Prescription.expires_on, Prescription.tracking_code,
    )
    .select_from(Insured)
    .outerjoin(
        Prescription,
        and_(
            Prescription.national_id == Insured.national_id,
            Prescription.status == PrescriptionStatus.ISSUED.value,
            Prescription.issued_on <= _ON,
            Prescription.active_until >= _ON,
        ),
    )
    .outerjoin(
        PrescriptionLine,
        and_(
            PrescriptionLine.prescription_id == Prescription.id,
            PrescriptionLine.kind == LineKind.DRUG.value,
            PrescriptionLine.days_supply.is_not(None),
            Prescription.issued_on > days_before(_ON, PrescriptionLine.days_supply),
            (PrescriptionLine.dispensed > 0) | (Prescription.expires_on >= _ON),
        ),
    )
    .where(Insured.national_id == bindparam("national_id"))
    .order_by(Prescription.issued_on.desc())
)  # fmt: skip
# the columns of a _PERSON row
_INSURED_ID, _COVERED_ON, _CODE, _DAYS, _DISPENSED, _ISSUED, _EXPIRES, _TRACKING = range(8)


def _active(rows: Sequence[Any], on: dt.date) -> list[rules.ActiveDrug]:
    """Drug lines still active on ``on``, newest prescription first. A line never
    dispensed stops counting once its prescription has expired."""
    return [
        rules.ActiveDrug(r[_CODE], rules.active_until(r[_ISSUED], r[_DAYS]), r[_TRACKING] or "")
        for r in rows
        if r[_CODE] is not None
        and rules.is_active(r[_ISSUED], r[_DAYS], on)
        and (r[_DISPENSED] > 0 or r[_EXPIRES] >= on)
    ]


def person(session: Session | Connection, national_id: str, on: dt.date) -> Person:
    """The insured person with this national ID as the checks see them on ``on``;
    InvalidInput (on ``national_id``) when there is none."""
    rows = session.execute(_PERSON, {"national_id": national_id, "on": on}).all()
    if not rows:
        raise InvalidInput(
            "no insured person has this national ID",
            [FieldProblem("national_id", "بیمه‌شده‌ای با این کد ملی نیست (unknown insured)")],
        )
    insured_id: int = rows[0][_INSURED_ID]  # type: ignore[assignment]  # a key, never NULL
    return Person(insured_id, national_id, bool(rows[0][_COVERED_ON]), _active(rows, on))


def active_drugs(session: Session, *, national_id: str, on: dt.date) -> list[rules.ActiveDrug]:
    """Drugs of the person's issued prescriptions whose days of supply have not passed on
    ``on`` (none for an unknown national ID)."""
    try:
        return person(session, national_id, on).active
    except InvalidInput:
        return []


# ------------------------------------------------------------------ the formulary
_DRUG_COLUMNS = (
    Drug.generic_code, Drug.name_fa, Drug.covered, Drug.max_quantity, Drug.max_days_supply,
    Drug.specialist_only, Drug.price_rials,
)  # fmt: skip
_TRACKING_CODE = select(Prescription.id).where(Prescription.tracking_code == bindparam("code"))
_DRUGS = select(*_DRUG_COLUMNS).where(Drug.generic_code.in_(bindparam("codes", expanding=True)))
_ORDERS = select(Service.code, Service.name_fa).where(
    Service.code.in_(bindparam("codes", expanding=True)),
    Service.category.in_(sorted(rules.ORDER_CATEGORIES)),
)


def drugs(session: Session | Connection, codes: set[str]) -> dict[str, rules.DrugFacts]:
    """Formulary facts of the generics among ``codes`` that are in the formulary."""
    if not codes:
        return {}
    rows = session.execute(_DRUGS, {"codes": sorted(codes)}).all()
    return {r[0]: rules.DrugFacts(*r) for r in rows}


def order_services(session: Session | Connection, codes: set[str]) -> dict[str, str]:
    """Lab and imaging codes among ``codes`` -> their Persian names."""
    if not codes:
        return {}
    rows = session.execute(_ORDERS, {"codes": sorted(codes)}).all()
    return {r[0]: r[1] for r in rows}


def tracking_code_taken(session: Session, code: str) -> bool:
    return session.execute(_TRACKING_CODE, {"code": code}).first() is not None
