"""Registry use cases: read within the caller's scope, write with an audit entry.

Every list and get here filters by the caller's scope (see ``scope.py``);
reading a row outside it answers NotFound, never the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import format_jalali
from darman.common.paging import Page, PageParams
from darman.common.persian import normalize_text, to_ascii_digits
from darman.registry import scope
from darman.registry.enums import Ownership, Relation, Sex
from darman.registry.models import (
    CoveragePeriod,
    Drug,
    Facility,
    Insured,
    Practitioner,
    PractitionerFacility,
    Province,
    Service,
    Tariff,
)
from darman.registry.schemas import (
    CoverageCreate,
    CoverageRead,
    DrugCreate,
    DrugRead,
    Eligibility,
    FacilityCreate,
    FacilityRead,
    FacilityUpdate,
    InsuredCreate,
    InsuredRead,
    PractitionerCreate,
    PractitionerRead,
    ServiceCreate,
    ServiceRead,
    TariffCreate,
    TariffRead,
)
from darman.registry.scope import AnySelect
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

ReadT = TypeVar("ReadT", bound=BaseModel)

# Who may change which registry table. Province managers may write people and
# providers of their own province; catalogues and tariffs are national.
_PEOPLE_WRITERS = (Role.ADMIN, Role.PROVINCE_MANAGER)
_CATALOGUE_WRITERS = (Role.ADMIN, Role.HQ_ANALYST)


# ----------------------------------------------------------------- helpers
def _page(
    session: Session,
    query: AnySelect,
    page: PageParams,
    order_by: Any,
    to_read: Callable[[Any], ReadT],
) -> Page[ReadT]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(order_by).offset(page.offset).limit(page.size)).all()
    return Page(items=[to_read(r) for r in rows], total=int(total), page=page.page, size=page.size)


def _province_maps(session: Session) -> tuple[dict[str, int], dict[int, str]]:
    cached = session.info.get("province_maps")
    if cached is None:
        rows = session.execute(select(Province.id, Province.code)).all()
        cached = ({r.code: r.id for r in rows}, {r.id: r.code for r in rows})
        session.info["province_maps"] = cached
    return cached


def province_id_for(session: Session, code: str, *, field: str = "province_code") -> int:
    by_code, _ = _province_maps(session)
    if code not in by_code:
        raise InvalidInput(
            f"no province with code '{code}'", [FieldProblem(field, f"unknown province '{code}'")]
        )
    return by_code[code]


def province_code_of(session: Session, province_id: int) -> str:
    return _province_maps(session)[1][province_id]


def _check_writer(who: Principal, roles: Sequence[Role], province_id: int | None = None) -> None:
    who.require_role(*roles)
    if province_id is not None and not who.may_see_province(province_id):
        raise PermissionDenied("this row belongs to a province outside your scope")
    if who.scope_level is ScopeLevel.FACILITY:
        raise PermissionDenied("facility users cannot change the registry")


def _unique(session: Session, column: Any, value: Any, field: str) -> None:
    if session.scalar(select(func.count()).where(column == value)):
        raise Conflict(f"{field} '{value}' already exists", [FieldProblem(field, "already exists")])


# --------------------------------------------------------------- provinces
def list_provinces(session: Session) -> list[Province]:
    return list(session.scalars(select(Province).order_by(Province.code)).all())


def province_overview(session: Session, who: Principal) -> list[dict[str, Any]]:
    """Per province: population, insured, owned and contracted facilities and beds.

    National users get every province; everyone else only their own.
    """
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
        query = query.where(or_(Facility.name.contains(q), Facility.code == q))
    return _page(session, query, page, Facility.code, lambda f: _facility_read(session, f))


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
    _check_writer(who, _PEOPLE_WRITERS, province_id)
    _unique(session, Facility.code, data.code, "code")
    fields = data.model_dump(exclude={"province_code"})
    facility = Facility(**fields, province_id=province_id, is_active=True)
    session.add(facility)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="facility",
        entity_id=facility.id,
        after=audit.snapshot(facility),
    )
    return _facility_read(session, facility)


def update_facility(
    session: Session, who: Principal, *, facility_id: int, data: FacilityUpdate
) -> FacilityRead:
    facility = _scoped_facility(session, who, facility_id)
    _check_writer(who, _PEOPLE_WRITERS, facility.province_id)
    before = audit.snapshot(facility)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(facility, key, value)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="update",
        entity="facility",
        entity_id=facility.id,
        before=before,
        after=audit.snapshot(facility),
    )
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
    if who.scope_level is ScopeLevel.FACILITY and not national_id:
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
    return _page(session, query, page, Insured.id, lambda p: _insured_read(session, p))


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


def get_insured_row(session: Session, who: Principal, *, insured_id: int) -> Insured:
    """The stored row (for mappers such as FHIR), scope-checked like ``get_insured``."""
    return _scoped_insured(session, who, insured_id=insured_id)


def create_insured(session: Session, who: Principal, *, data: InsuredCreate) -> InsuredRead:
    """Register an insured person; a dependant's main insured must already exist."""
    province_id = province_id_for(session, data.province_code)
    _check_writer(who, _PEOPLE_WRITERS, province_id)
    _unique(session, Insured.national_id, data.national_id, "national_id")
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
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="insured",
        entity_id=person.id,
        after=audit.snapshot(person),
    )
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
    return _page(session, query, page, CoveragePeriod.id, lambda c: _coverage_read(session, c))


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
    _check_writer(who, _PEOPLE_WRITERS, person.province_id)
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
    session.add(period)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="coverage",
        entity_id=period.id,
        after=audit.snapshot(period),
    )
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
) -> Page[PractitionerRead]:
    query = scope.practitioners(select(Practitioner), who)
    if specialty:
        query = query.where(Practitioner.specialty == specialty)
    if province_code:
        query = query.where(Practitioner.province_id == province_id_for(session, province_code))
    return _page(
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


def create_practitioner(
    session: Session, who: Principal, *, data: PractitionerCreate
) -> PractitionerRead:
    """Register a practitioner and the facilities they work in (codes separated by ';')."""
    province_id = province_id_for(session, data.province_code)
    _check_writer(who, _PEOPLE_WRITERS, province_id)
    _unique(session, Practitioner.council_number, data.council_number, "council_number")
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


# ------------------------------------------------ catalogues and tariffs
def list_services(
    session: Session, *, page: PageParams, category: str | None = None, q: str | None = None
) -> Page[ServiceRead]:
    query = select(Service)
    if category:
        query = query.where(Service.category == category)
    if q:
        query = query.where(or_(Service.name_fa.contains(q), Service.code == q))
    return _page(
        session,
        query,
        page,
        Service.code,
        lambda s: ServiceRead.model_validate(s, from_attributes=True),
    )


def create_service(session: Session, who: Principal, *, data: ServiceCreate) -> ServiceRead:
    _check_writer(who, _CATALOGUE_WRITERS)
    _unique(session, Service.code, data.code, "code")
    row = Service(**data.model_dump(mode="json"))
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="service",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return ServiceRead.model_validate(row, from_attributes=True)


def list_drugs(
    session: Session, *, page: PageParams, covered: bool | None = None, q: str | None = None
) -> Page[DrugRead]:
    query = select(Drug)
    if covered is not None:
        query = query.where(Drug.covered == covered)
    if q:
        query = query.where(or_(Drug.name_fa.contains(q), Drug.generic_code == q))
    return _page(
        session,
        query,
        page,
        Drug.generic_code,
        lambda d: DrugRead.model_validate(d, from_attributes=True),
    )


def create_drug(session: Session, who: Principal, *, data: DrugCreate) -> DrugRead:
    _check_writer(who, _CATALOGUE_WRITERS)
    _unique(session, Drug.generic_code, data.generic_code, "generic_code")
    row = Drug(**data.model_dump(mode="json"))
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="drug",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return DrugRead.model_validate(row, from_attributes=True)


def _tariff_read(session: Session, t: Tariff) -> TariffRead:
    code = session.scalar(select(Service.code).where(Service.id == t.service_id)) or ""
    return TariffRead(
        id=t.id,
        service_code=code,
        year=t.year,
        level=t.level,
        ownership=Ownership(t.ownership),
        amount_rials=t.amount_rials,
    )


def list_tariffs(
    session: Session, *, page: PageParams, year: int | None = None, service_code: str | None = None
) -> Page[TariffRead]:
    query = select(Tariff)
    if year:
        query = query.where(Tariff.year == year)
    if service_code:
        query = query.where(
            Tariff.service_id.in_(select(Service.id).where(Service.code == service_code))
        )
    return _page(session, query, page, Tariff.id, lambda t: _tariff_read(session, t))


def create_tariff(session: Session, who: Principal, *, data: TariffCreate) -> TariffRead:
    """Price a service for a Jalali year, level and ownership; one price per combination."""
    _check_writer(who, _CATALOGUE_WRITERS)
    service_id = session.scalar(select(Service.id).where(Service.code == data.service_code))
    if service_id is None:
        raise InvalidInput(
            "unknown service", [FieldProblem("service_code", f"no service {data.service_code}")]
        )
    exists_ = session.scalar(
        select(func.count())
        .select_from(Tariff)
        .where(
            Tariff.service_id == service_id,
            Tariff.year == data.year,
            Tariff.level == data.level,
            Tariff.ownership == data.ownership.value,
        )
    )
    if exists_:
        raise Conflict(
            "a tariff for this service, year, level and ownership exists",
            [FieldProblem("service_code", "duplicate tariff")],
        )
    row = Tariff(
        service_id=service_id,
        year=data.year,
        level=data.level,
        ownership=data.ownership.value,
        amount_rials=data.amount_rials,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity="tariff",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return _tariff_read(session, row)
