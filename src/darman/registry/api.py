from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, UploadFile
from pydantic import BaseModel

from darman.common import national_id as nid
from darman.common.errors import FieldProblem
from darman.common.jalali import tehran_today
from darman.common.paging import MAX_ID, Page, PagingDep
from darman.common.tabular import DOWNLOAD_CONTENT, MEDIA_TYPES, TableFormat
from darman.common.validators import parse_any_date
from darman.registry import catalogues, service, transfer
from darman.registry.enums import FacilityKind, Ownership
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
    ProvinceRead,
    ServiceCreate,
    ServiceRead,
    TariffCreate,
    TariffRead,
)
from darman.security import service as security_service
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep
from darman.security.rules import Act, require_user_admin, roles_that
from darman.security.schemas import UserCreate, UserRead

router = APIRouter(prefix="/api/v1", tags=["registry"])

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/provinces", response_model=list[ProvinceRead])
def list_provinces(who: PrincipalDep, uow: ReadUowDep) -> list[ProvinceRead]:
    return [ProvinceRead.model_validate(p) for p in service.list_provinces(uow.session)]


@router.get("/provinces/overview")
def province_overview(who: PrincipalDep, uow: ReadUowDep) -> list[dict[str, Any]]:
    """Insured, owned and contracted facilities and beds per province in the caller's scope."""
    return service.province_overview(uow.session, who)


@router.get("/facilities", response_model=Page[FacilityRead])
def list_facilities(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    province_code: str | None = None,
    ownership: Ownership | None = None,
    kind: FacilityKind | None = None,
    level: int | None = Query(None, ge=1, le=3),
    q: str | None = None,
) -> Page[FacilityRead]:
    return service.list_facilities(
        uow.session,
        who,
        page=paging,
        province_code=province_code,
        ownership=ownership,
        kind=kind,
        level=level,
        q=q,
    )


@router.get("/facilities/{facility_id}", response_model=FacilityRead)
def get_facility(facility_id: RowId, who: PrincipalDep, uow: ReadUowDep) -> FacilityRead:
    return service.get_facility(uow.session, who, facility_id=facility_id)


@router.post("/facilities", response_model=FacilityRead, status_code=201)
def create_facility(body: FacilityCreate, who: PrincipalDep, uow: UowDep) -> FacilityRead:
    out = service.create_facility(uow.session, who, data=body)
    uow.commit()
    return out


@router.patch("/facilities/{facility_id}", response_model=FacilityRead)
def update_facility(
    facility_id: int, body: FacilityUpdate, who: PrincipalDep, uow: UowDep
) -> FacilityRead:
    out = service.update_facility(uow.session, who, facility_id=facility_id, data=body)
    uow.commit()
    return out


@router.get("/insured", response_model=Page[InsuredRead])
def list_insured(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    province_code: str | None = None,
    national_id: str | None = None,
    q: str | None = None,
) -> Page[InsuredRead]:
    return service.list_insured(
        uow.session,
        who,
        page=paging,
        province_code=province_code,
        national_id=national_id,
        q=q,
    )


@router.get("/insured/{insured_id}", response_model=InsuredRead)
def get_insured(insured_id: RowId, who: PrincipalDep, uow: ReadUowDep) -> InsuredRead:
    return service.get_insured(uow.session, who, insured_id=insured_id)


@router.post("/insured", response_model=InsuredRead, status_code=201)
def create_insured(body: InsuredCreate, who: PrincipalDep, uow: UowDep) -> InsuredRead:
    out = service.create_insured(uow.session, who, data=body)
    uow.commit()
    return out


@router.get("/eligibility/{national_id}", response_model=Eligibility)
def eligibility(
    national_id: str, who: PrincipalDep, uow: ReadUowDep, on: str | None = None
) -> Eligibility:
    """Is this person covered on ``on`` (Jalali 1403/01/01 or ISO date; today by default)?"""
    code = nid.normalize(national_id)
    try:
        day = parse_any_date(on) if on else tehran_today()
    except ValueError as exc:
        from darman.common.errors import InvalidInput

        raise InvalidInput(str(exc), [FieldProblem("on", str(exc))]) from exc
    return service.eligibility(uow.session, who, national_id=code, on=day)


@router.get("/coverage", response_model=Page[CoverageRead])
def list_coverage(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    national_id: str | None = None,
) -> Page[CoverageRead]:
    return service.list_coverage(uow.session, who, page=paging, national_id=national_id)


@router.post("/coverage", response_model=CoverageRead, status_code=201)
def create_coverage(body: CoverageCreate, who: PrincipalDep, uow: UowDep) -> CoverageRead:
    out = service.create_coverage(uow.session, who, data=body)
    uow.commit()
    return out


@router.get("/practitioners", response_model=Page[PractitionerRead])
def list_practitioners(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    specialty: str | None = None,
    province_code: str | None = None,
) -> Page[PractitionerRead]:
    return service.list_practitioners(
        uow.session,
        who,
        page=paging,
        specialty=specialty,
        province_code=province_code,
    )


@router.get("/practitioners/{practitioner_id}", response_model=PractitionerRead)
def get_practitioner(
    practitioner_id: RowId, who: PrincipalDep, uow: ReadUowDep
) -> PractitionerRead:
    return service.get_practitioner(uow.session, who, practitioner_id=practitioner_id)


@router.post("/practitioners", response_model=PractitionerRead, status_code=201)
def create_practitioner(
    body: PractitionerCreate, who: PrincipalDep, uow: UowDep
) -> PractitionerRead:
    out = service.create_practitioner(uow.session, who, data=body)
    uow.commit()
    return out


@router.get("/services", response_model=Page[ServiceRead])
def list_services(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    category: str | None = None,
    q: str | None = None,
) -> Page[ServiceRead]:
    return catalogues.list_services(uow.session, page=paging, category=category, q=q)


@router.post("/services", response_model=ServiceRead, status_code=201)
def create_service(body: ServiceCreate, who: PrincipalDep, uow: UowDep) -> ServiceRead:
    out = catalogues.create_service(uow.session, who, data=body)
    uow.commit()
    return out


@router.get("/drugs", response_model=Page[DrugRead])
def list_drugs(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    covered: bool | None = None,
    q: str | None = None,
) -> Page[DrugRead]:
    return catalogues.list_drugs(uow.session, page=paging, covered=covered, q=q)


@router.post("/drugs", response_model=DrugRead, status_code=201)
def create_drug(body: DrugCreate, who: PrincipalDep, uow: UowDep) -> DrugRead:
    out = catalogues.create_drug(uow.session, who, data=body)
    uow.commit()
    return out


@router.get("/tariffs", response_model=Page[TariffRead])
def list_tariffs(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    year: int | None = Query(None, ge=1390, le=1500),
    service_code: str | None = None,
) -> Page[TariffRead]:
    return catalogues.list_tariffs(uow.session, page=paging, year=year, service_code=service_code)


@router.post("/tariffs", response_model=TariffRead, status_code=201)
def create_tariff(body: TariffCreate, who: PrincipalDep, uow: UowDep) -> TariffRead:
    out = catalogues.create_tariff(uow.session, who, data=body)
    uow.commit()
    return out


class ImportResult(BaseModel):
    table: str
    rows_read: int
    accepted: int
    rejected_rows: int
    committed: bool
    problems: list[dict[str, Any]]


@router.post("/registry/{table}/import", response_model=ImportResult)
def import_table(
    table: str, file: UploadFile, who: PrincipalDep, uow: UowDep, all_or_nothing: bool = False
) -> ImportResult:
    """Import CSV or Excel rows. Good rows are kept and bad ones reported by row and column;
    with ``all_or_nothing`` a single bad row keeps the whole file out."""
    who.require_role(*roles_that(Act.IMPORT_REGISTRY))
    report = transfer.import_file(
        uow.session,
        who,
        table=table,
        content=file.file.read(),
        filename=file.filename or "upload.csv",
    )
    commit = not (all_or_nothing and report.problems)
    if commit:
        uow.commit()
    return ImportResult(
        table=table,
        rows_read=report.rows_read,
        accepted=report.accepted if commit else 0,
        rejected_rows=report.rejected_rows,
        committed=commit,
        problems=[p.as_dict() for p in report.problems],
    )


@router.get(
    "/registry/{table}/export",
    response_class=Response,
    responses={200: {"description": "The table as CSV or Excel", "content": DOWNLOAD_CONTENT}},
)
def export_table(
    table: str, who: PrincipalDep, uow: ReadUowDep, format: TableFormat = TableFormat.CSV
) -> Response:
    content = transfer.export_table(uow.session, who, table=table, fmt=format)
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{table}.{format.value}"'},
    )


# Served here rather than with the other user routes: a user is placed at a province or
# facility of the registry, and security, below the registry, cannot look them up.
@router.post("/users", response_model=UserRead, status_code=201, tags=["security"])
def create_user(body: UserCreate, who: PrincipalDep, uow: UowDep) -> UserRead:
    require_user_admin(who)
    user = security_service.create_user(
        uow.session,
        places=service.UserPlaces(uow.session),
        actor=who.username,
        **body.model_dump(),
    )
    uow.commit()
    return UserRead.model_validate(user)
