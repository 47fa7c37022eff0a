"""Service catalogue, drug formulary and tariffs: national reference data, open to every user."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from darman.common.errors import Conflict, FieldProblem, InvalidInput
from darman.common.jalali import fiscal_year, tehran_today
from darman.common.paging import Page, PageParams, page_of
from darman.registry.enums import Ownership
from darman.registry.models import Drug, DrugYear, Service, Tariff
from darman.registry.schemas import (
    DrugCreate,
    DrugRead,
    DrugYearRead,
    ServiceCreate,
    ServiceRead,
    TariffCreate,
    TariffRead,
)
from darman.registry.service_support import (
    CATALOGUE_WRITERS,
    add_audited,
    check_writer,
    require_unique,
)
from darman.security.principal import Principal


def list_services(
    session: Session, *, page: PageParams, category: str | None = None, q: str | None = None
) -> Page[ServiceRead]:
    query = select(Service)
    if category:
        query = query.where(Service.category == category)
    if q:
        query = query.where(or_(Service.name_fa.contains(q, autoescape=True), Service.code == q))
    return page_of(
        session,
        query,
        page,
        Service.code,
        lambda s: ServiceRead.model_validate(s, from_attributes=True),
    )


def create_service(session: Session, who: Principal, *, data: ServiceCreate) -> ServiceRead:
    check_writer(who, CATALOGUE_WRITERS)
    require_unique(session, Service.code, data.code, "code")
    row = Service(**data.model_dump(mode="json"))
    add_audited(session, who, row, "service")
    return ServiceRead.model_validate(row, from_attributes=True)


def list_drugs(
    session: Session, *, page: PageParams, covered: bool | None = None, q: str | None = None
) -> Page[DrugRead]:
    query = select(Drug)
    if covered is not None:
        query = query.where(Drug.covered == covered)
    if q:
        query = query.where(or_(Drug.name_fa.contains(q, autoescape=True), Drug.generic_code == q))
    return page_of(
        session,
        query,
        page,
        Drug.generic_code,
        lambda d: DrugRead.model_validate(d, from_attributes=True),
    )


def names_of(
    session: Session, *, services: Iterable[str] = (), drugs: Iterable[str] = ()
) -> dict[tuple[str, str], str]:
    """The Persian names of these service and drug codes, keyed ``("service", code)`` and
    ``("drug", code)``: a code missing from the catalogue has no entry (the caller shows the
    bare code). Two queries whatever the number of codes."""
    out: dict[tuple[str, str], str] = {}
    wanted_services, wanted_drugs = set(services), set(drugs)
    if wanted_services:
        query = select(Service.code, Service.name_fa).where(Service.code.in_(wanted_services))
        out.update((("service", code), name) for code, name in session.execute(query))
    if wanted_drugs:
        query = select(Drug.generic_code, Drug.name_fa).where(Drug.generic_code.in_(wanted_drugs))
        out.update((("drug", code), name) for code, name in session.execute(query))
    return out


def create_drug(session: Session, who: Principal, *, data: DrugCreate) -> DrugRead:
    check_writer(who, CATALOGUE_WRITERS)
    require_unique(session, Drug.generic_code, data.generic_code, "generic_code")
    row = Drug(**data.model_dump(mode="json"))
    add_audited(session, who, row, "drug")
    # the new drug enters the current Jalali year's formulary with the values in force
    session.add(
        DrugYear(
            drug_id=row.id,
            year=fiscal_year(tehran_today()),
            covered=row.covered,
            price_rials=row.price_rials,
        )
    )
    session.flush()
    return DrugRead.model_validate(row, from_attributes=True)


def record_drug_year(
    session: Session,
    who: Principal,
    *,
    generic_code: str,
    year: int,
    covered: bool,
    price_rials: int | None,
) -> None:
    """Enter a drug in the formulary of a Jalali year (a past year's list, or one published
    ahead); one entry per drug and year. The drug row, which prescribing and claims read,
    is left as it is."""
    check_writer(who, CATALOGUE_WRITERS)
    drug_id = session.scalar(select(Drug.id).where(Drug.generic_code == generic_code))
    if drug_id is None:
        raise InvalidInput(
            "unknown drug", [FieldProblem("generic_code", f"no drug {generic_code}")]
        )
    taken = session.scalar(
        select(func.count())
        .select_from(DrugYear)
        .where(DrugYear.drug_id == drug_id, DrugYear.year == year)
    )
    if taken:
        raise Conflict(
            "this drug is in that year's formulary already",
            [FieldProblem("year", "duplicate formulary entry")],
        )
    row = DrugYear(drug_id=drug_id, year=year, covered=covered, price_rials=price_rials)
    add_audited(session, who, row, "drug_year")


def formulary_years(session: Session) -> list[int]:
    """The Jalali years some drug is listed for, latest first."""
    return list(session.scalars(select(DrugYear.year).distinct().order_by(DrugYear.year.desc())))


def list_formulary(
    session: Session,
    *,
    page: PageParams,
    year: int,
    covered: bool | None = None,
    q: str | None = None,
) -> Page[DrugYearRead]:
    """The formulary of Jalali year ``year`` by generic code, filtered by that year's cover
    and searched by name or exact code."""
    query = select(DrugYear).join(Drug, Drug.id == DrugYear.drug_id).where(DrugYear.year == year)
    if covered is not None:
        query = query.where(DrugYear.covered == covered)
    if q:
        query = query.where(or_(Drug.name_fa.contains(q, autoescape=True), Drug.generic_code == q))

    def reads(rows: Sequence[DrugYear]) -> list[DrugYearRead]:
        drugs = {
            d.id: d
            for d in session.scalars(select(Drug).where(Drug.id.in_({r.drug_id for r in rows})))
        }
        return [
            DrugYearRead(
                generic_code=drugs[r.drug_id].generic_code,
                name_fa=drugs[r.drug_id].name_fa,
                form=drugs[r.drug_id].form,
                strength=drugs[r.drug_id].strength,
                specialist_only=drugs[r.drug_id].specialist_only,
                max_quantity=drugs[r.drug_id].max_quantity,
                year=r.year,
                covered=r.covered,
                price_rials=r.price_rials,
            )
            for r in rows
        ]

    return page_of(session, query, page, Drug.generic_code, to_reads=reads)


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


def tariff_years(session: Session) -> list[int]:
    """The Jalali years some tariff is priced for, latest first."""
    return list(session.scalars(select(Tariff.year).distinct().order_by(Tariff.year.desc())))


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
    return page_of(session, query, page, Tariff.id, lambda t: _tariff_read(session, t))


def create_tariff(session: Session, who: Principal, *, data: TariffCreate) -> TariffRead:
    """Price a service for a Jalali year, level and ownership; one price per combination."""
    check_writer(who, CATALOGUE_WRITERS)
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
    add_audited(session, who, row, "tariff")
    return _tariff_read(session, row)
