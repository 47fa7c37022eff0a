"""Registry use cases: read within the caller's scope, write with an audit entry.

Every list and get here filters by the caller's scope (see ``scope.py``);
reading a row outside it answers NotFound, never the row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import format_jalali
from darman.common.paging import Page, PageParams, page_of
from darman.common.persian import normalize_text, to_ascii_digits
from darman.registry import scope
from darman.registry.enums import Relation, Sex
from darman.registry.models import (
    CoveragePeriod,
    Facility,
    Insured,
    Practitioner,
    PractitionerFacility,
    Province,
)
from darman.registry.places import UserPlaces  # noqa: F401  (for creating users)
from darman.registry.schemas import (
    CoverageCreate,
    CoverageRead,
    Eligibility,
    FacilityCreate,
    FacilityRead,
    FacilityUpdate,
    InsuredCreate,
    InsuredRead,
    InsuredUpdate,
    PractitionerCreate,
    PractitionerRead,
    PractitionerUpdate,
)
from darman.registry.service_support import (
    PEOPLE_WRITERS,
    add_audited,
    check_writer,
    province_code_of,
    province_id_for,
    require_unique,
    update_audited,
)
from darman.security.principal import Principal


# --------------------------------------------------------------- provinces
def list_provinces(session: Session) -> list[Province]:
    return list(session.scalars(select(Province).order_by(Province.code)).all())


def province_overview(session: Session, who: Principal) -> list[dict[str, Any]]:
    """Per province: population, insured, owned and contracted facilities and beds.

    National users get every province; everyone else only their own; a caller of their
    own records only (a rater) has none: PermissionDenied.
    """
    if scope.own_records_only(who):
        raise PermissionDenied(scope.OWN_REFUSED)
    insured = dict(
        session.execute(
            select(Insured.province_id, func.count()).group_by(Insured.province_id)
        ).all()
    )
    fac_rows = session.execute(
        select(
            Facility.province_id,
            Facility.ownership,
            func.count(),
            func.coalesce(
                func.sum(
                    Facility.beds_general
                    + Facility.beds_icu
                    + Facility.beds_ccu
                    + Facility.beds_nicu
                ),
                0,
            ),
            func.coalesce(func.sum(Facility.beds_icu), 0),
        ).group_by(Facility.province_id, Facility.ownership)
    ).all()
    facilities: dict[int, dict[str, int]] = {}
    for pid, ownership, count, beds, icu in fac_rows:
        f = facilities.setdefault(pid, {"owned": 0, "contracted": 0, "beds": 0, "icu_beds": 0})
        f[ownership] = int(count)
        f["beds"] += int(beds)
        f["icu_beds"] += int(icu)
    out = []
    for p in list_provinces(session):
        if not who.may_see_province(p.id):
            continue
        f = facilities.get(p.id, {"owned": 0, "contracted": 0, "beds": 0, "icu_beds": 0})
        out.append(
            {
                "province_id": p.id,
                "code": p.code,
                "name_fa": p.name_fa,
                "name_en": p.name_en,
                "population_2016": p.population_2016,
                "insured": int(insured.get(p.id, 0)),
                "owned_facilities": f["owned"],
                "contracted_facilities": f["contracted"],
                "beds": f["beds"],
                "icu_beds": f["icu_beds"],
            }
        )
    return out


# -------------------------------------------------------------- facilities
def _facility_read(session: Session, f: Facility) -> FacilityRead:
    data = {c: getattr(f, c) for c in FacilityRead.model_fields if hasattr(f, c)}
    data["province_code"] = province_code_of(session, f.province_id)
    return FacilityRead.model_validate(data)


def list_facilities(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    province_code: str | None = None,
    ownership: str | None = None,
    kind: str | None = None,
    level: int | None = None,
    q: str | None = None,
) -> Page[FacilityRead]:
    query = scope.facilities(select(Facility), who)
    if province_code:
        query = query.where(Facility.province_id == province_id_for(session, province_code))
    if ownership:
        query = query.where(Facility.ownership == ownership)
    if kind:
        query = query.where(Facility.kind == kind)
    if level:
        query = query.where(Facility.level == level)
    if q:
        query = query.where(or_(Facility.name.contains(q, autoescape=True), Facility.code == q))
    return page_of(session, query, page, Facility.code, lambda f: _facility_read(session, f))


def may_write_people(who: Principal, province_id: int) -> bool:
    """Whether ``who`` may change the people and providers of ``province_id``: the same
    check every write here makes (``check_writer``), answered as a yes or no so a page can
    leave out a form its user could not send."""
    try:
        check_writer(who, PEOPLE_WRITERS, province_id)
    except PermissionDenied:
        return False
    return True


def _scoped_facility(session: Session, who: Principal, facility_id: int) -> Facility:
    f = session.scalar(scope.facilities(select(Facility).where(Facility.id == facility_id), who))
    if f is None:
        raise NotFound(f"no facility {facility_id} in your scope")
    return f


def get_facility(session: Session, who: Principal, *, facility_id: int) -> FacilityRead:
    return _facility_read(session, _scoped_facility(session, who, facility_id))


def create_facility(session: Session, who: Principal, *, data: FacilityCreate) -> FacilityRead:
    """Register a facility. Admins anywhere, province managers in their province; code unique."""
    province_id = province_id_for(session, data.province_code)
    check_writer(who, PEOPLE_WRITERS, province_id)
    require_unique(session, Facility.code, data.code, "code")
    fields = data.model_dump(exclude={"province_code"})
    facility = Facility(**fields, province_id=province_id, is_active=True)
    add_audited(session, who, facility, "facility")
    return _facility_read(session, facility)


def update_facility(
    session: Session, who: Principal, *, facility_id: int, data: FacilityUpdate
) -> FacilityRead:
    """Change a facility's name, level, city, counts or active flag. Only a facility in
    the caller's scope (NotFound otherwise), by a people writer of its province
    (PermissionDenied); audited with before and after."""
    facility = _scoped_facility(session, who, facility_id)
    check_writer(who, PEOPLE_WRITERS, facility.province_id)
    update_audited(session, who, facility, "facility", data)
    return _facility_read(session, facility)


# ----------------------------------------------------------------- insured
def _insured_read(session: Session, p: Insured) -> InsuredRead:
    main_id = None
    if p.main_insured_id is not None:
        main_id = session.scalar(select(Insured.national_id).where(Insured.id == p.main_insured_id))
    return InsuredRead(
        id=p.id,
        national_id=p.national_id,
        first_name=p.first_name,
        last_name=p.last_name,
        sex=Sex(p.sex),
        birth_date=p.birth_date,
        province_code=province_code_of(session, p.province_id),
        relation=Relation(p.relation),
        main_national_id=main_id,
    )


def list_insured(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    province_code: str | None = None,
    national_id: str | None = None,
    q: str | None = None,
) -> Page[InsuredRead]:
    query = scope.insured(select(Insured), who)
    if province_code:
        query = query.where(Insured.province_id == province_id_for(session, province_code))
    if scope.at_facility(who) and not national_id:
        raise PermissionDenied(
            "at a facility, look up one insured person by national_id; listing is not allowed"
        )
    if national_id:
        query = query.where(Insured.national_id == to_ascii_digits(national_id.strip()))
    if q:
        q = normalize_text(q)
        query = query.where(
            or_(
                Insured.last_name.contains(q, autoescape=True),
                Insured.first_name.contains(q, autoescape=True),
            )
        )
    return page_of(session, query, page, Insured.id, lambda p: _insured_read(session, p))


def _scoped_insured(
    session: Session,
    who: Principal,
    *,
    insured_id: int | None = None,
    national_id: str | None = None,
) -> Insured:
    query = select(Insured)
    if insured_id is not None:
        query = query.where(Insured.id == insured_id)
    else:
        query = query.where(Insured.national_id == national_id)
    person = session.scalar(scope.insured(query, who))
    if person is None:
        raise NotFound(f"no insured person {insured_id or national_id} in your scope")
    return person


def get_insured(
    session: Session,
    who: Principal,
    *,
    insured_id: int | None = None,
    national_id: str | None = None,
) -> InsuredRead:
    return _insured_read(
        session, _scoped_insured(session, who, insured_id=insured_id, national_id=national_id)
    )


def update_insured(
    session: Session, who: Principal, *, insured_id: int, data: InsuredUpdate
) -> InsuredRead:
    """Correct a person's name, sex or birth date. Only a person in the caller's scope
    (NotFound otherwise), by a people writer of their province (PermissionDenied); audited
    with before and after."""
    person = _scoped_insured(session, who, insured_id=insured_id)
    check_writer(who, PEOPLE_WRITERS, person.province_id)
    update_audited(session, who, person, "insured", data)
    return _insured_read(session, person)


def get_insured_row(session: Session, who: Principal, *, insured_id: int) -> Insured:
    """The stored row (for mappers such as FHIR), scope-checked like ``get_insured``."""
    return _scoped_insured(session, who, insured_id=insured_id)


def create_insured(session: Session, who: Principal, *, data: InsuredCreate) -> InsuredRead:
    """Register an insured person; a dependant's main insured must already exist."""
    province_id = province_id_for(session, data.province_code)
    check_writer(who, PEOPLE_WRITERS, province_id)
    require_unique(session, Insured.national_id, data.national_id, "national_id")
    main_id = None
    if data.main_national_id:
        main_id = session.scalar(
            scope.insured(
                select(Insured.id).where(
                    Insured.national_id == data.main_national_id, Insured.relation == "main"
                ),
                who,
            )
        )
        if main_id is None:
            raise InvalidInput(
                "the main insured person is not registered",
                [
                    FieldProblem(
                        "main_national_id", "no main insured person with this ID in your scope"
                    )
                ],
            )
    person = Insured(
        national_id=data.national_id,
        first_name=data.first_name,
        last_name=data.last_name,
        sex=data.sex.value,
        birth_date=data.birth_date,
        province_id=province_id,
        relation=data.relation.value,
        main_insured_id=main_id,
    )
    add_audited(session, who, person, "insured")
    return _insured_read(session, person)


# ---------------------------------------------------------------- coverage
def _coverage_read(session: Session, c: CoveragePeriod) -> CoverageRead:
    nid = session.scalar(select(Insured.national_id).where(Insured.id == c.insured_id))
    return CoverageRead(
        id=c.id, national_id=nid or "", start_date=c.start_date, end_date=c.end_date, plan=c.plan
    )


def list_coverage(
    session: Session, who: Principal, *, page: PageParams, national_id: str | None = None
) -> Page[CoverageRead]:
    query = scope.coverage(select(CoveragePeriod), who)
    if national_id:
        query = query.where(
            CoveragePeriod.insured_id.in_(
                select(Insured.id).where(Insured.national_id == national_id)
            )
        )
    return page_of(session, query, page, CoveragePeriod.id, lambda c: _coverage_read(session, c))


def get_coverage_row(session: Session, who: Principal, *, coverage_id: int) -> CoveragePeriod:
    row = session.scalar(
        scope.coverage(select(CoveragePeriod).where(CoveragePeriod.id == coverage_id), who)
    )
    if row is None:
        raise NotFound(f"no coverage {coverage_id} in your scope")
    return row


def create_coverage(session: Session, who: Principal, *, data: CoverageCreate) -> CoverageRead:
    """Add a coverage period; periods of one person may not overlap."""
    person = session.scalar(
        scope.insured(select(Insured).where(Insured.national_id == data.national_id), who)
    )
    if person is None:
        raise InvalidInput(
            "the insured person is not registered",
            [FieldProblem("national_id", "no such insured person")],
        )
    check_writer(who, PEOPLE_WRITERS, person.province_id)
    far_future = dt.date.max
    for other in session.scalars(
        select(CoveragePeriod).where(CoveragePeriod.insured_id == person.id)
    ):
        if data.start_date <= (other.end_date or far_future) and other.start_date <= (
            data.end_date or far_future
        ):
            raise Conflict(
                "the period overlaps an existing coverage period",
                [FieldProblem("start_date", f"overlaps coverage {other.id}")],
            )
    period = CoveragePeriod(
        insured_id=person.id, start_date=data.start_date, end_date=data.end_date, plan=data.plan
    )
    add_audited(session, who, period, "coverage")
    return _coverage_read(session, period)


def eligibility(session: Session, who: Principal, *, national_id: str, on: dt.date) -> Eligibility:
    """Covered on ``on``: some period starts on or before that day and has not ended by it."""
    person = _scoped_insured(session, who, national_id=national_id)
    period = session.scalar(
        select(CoveragePeriod)
        .where(CoveragePeriod.insured_id == person.id, CoveragePeriod.start_date <= on)
        .where(or_(CoveragePeriod.end_date.is_(None), CoveragePeriod.end_date >= on))
        .order_by(CoveragePeriod.start_date.desc())
        .limit(1)
    )
    return Eligibility(
        national_id=national_id,
        on=on,
        on_jalali=format_jalali(on, persian_digits=False),
        eligible=period is not None,
        coverage_id=period.id if period else None,
        coverage_end=period.end_date if period else None,
    )


# ----------------------------------------------------------- practitioners
def _practitioner_read(session: Session, who: Principal, p: Practitioner) -> PractitionerRead:
    """Only the workplaces inside the caller's scope are named."""
    codes = session.scalars(
        scope.facilities(
            select(Facility.code)
            .join(PractitionerFacility, PractitionerFacility.facility_id == Facility.id)
            .where(PractitionerFacility.practitioner_id == p.id),
            who,
        ).order_by(Facility.code)
    ).all()
    return PractitionerRead(
        id=p.id,
        council_number=p.council_number,
        first_name=p.first_name,
        last_name=p.last_name,
        sex=Sex(p.sex),
        specialty=p.specialty,
        level=p.level,
        province_code=province_code_of(session, p.province_id),
        facility_codes=";".join(codes),
    )


def list_practitioners(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    specialty: str | None = None,
    province_code: str | None = None,
    q: str | None = None,
) -> Page[PractitionerRead]:
    """Practitioners in scope; ``q`` is a council number (exact) or part of a name."""
    query = scope.practitioners(select(Practitioner), who)
    if specialty:
        query = query.where(Practitioner.specialty == specialty)
    if province_code:
        query = query.where(Practitioner.province_id == province_id_for(session, province_code))
    if q:
        q = normalize_text(q)
        query = query.where(
            or_(
                Practitioner.council_number == to_ascii_digits(q),
                Practitioner.last_name.contains(q, autoescape=True),
                Practitioner.first_name.contains(q, autoescape=True),
            )
        )
    return page_of(
        session, query, page, Practitioner.id, lambda p: _practitioner_read(session, who, p)
    )


def get_practitioner_row(session: Session, who: Principal, *, practitioner_id: int) -> Practitioner:
    row = session.scalar(
        scope.practitioners(select(Practitioner).where(Practitioner.id == practitioner_id), who)
    )
    if row is None:
        raise NotFound(f"no practitioner {practitioner_id} in your scope")
    return row


def get_practitioner(session: Session, who: Principal, *, practitioner_id: int) -> PractitionerRead:
    return _practitioner_read(
        session, who, get_practitioner_row(session, who, practitioner_id=practitioner_id)
    )


def update_practitioner(
    session: Session, who: Principal, *, practitioner_id: int, data: PractitionerUpdate
) -> PractitionerRead:
    """Correct a practitioner's name, specialty or level. Only one in the caller's scope
    (NotFound otherwise), by a people writer of their province (PermissionDenied); audited
    with before and after."""
    row = get_practitioner_row(session, who, practitioner_id=practitioner_id)
    check_writer(who, PEOPLE_WRITERS, row.province_id)
    update_audited(session, who, row, "practitioner", data)
    return _practitioner_read(session, who, row)


def create_practitioner(
    session: Session, who: Principal, *, data: PractitionerCreate
) -> PractitionerRead:
    """Register a practitioner and the facilities they work in (codes separated by ';')."""
    province_id = province_id_for(session, data.province_code)
    check_writer(who, PEOPLE_WRITERS, province_id)
    require_unique(session, Practitioner.council_number, data.council_number, "council_number")
    codes = list(dict.fromkeys(c.strip() for c in data.facility_codes.split(";") if c.strip()))
    facility_ids = dict(
        session.execute(
            scope.facilities(
                select(Facility.code, Facility.id).where(Facility.code.in_(codes)), who
            )
        ).all()
    )
    missing = [c for c in codes if c not in facility_ids]
    if missing:
        raise InvalidInput(
            "unknown facility codes",
            [FieldProblem("facility_codes", f"no facility {', '.join(missing)}")],
        )
    p = Practitioner(
        **data.model_dump(exclude={"province_code", "facility_codes"}), province_id=province_id
    )
    session.add(p)
    session.flush()
    session.add_all(
        PractitionerFacility(practitioner_id=p.id, facility_id=facility_ids[c]) for c in codes
    )
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="practitioner",
        entity_id=p.id,
        after={**audit.snapshot(p), "facility_codes": codes},
    )
    return _practitioner_read(session, who, p)
