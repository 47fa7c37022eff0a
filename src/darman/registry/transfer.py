"""Import and export of registry tables as CSV or Excel.

Import keeps every good row and reports every bad one with its row number,
column and reason. Each row is written inside its own savepoint, so a row that
fails half-way leaves nothing behind; a file that cannot be read at all, or
whose header is wrong, writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from darman.common.errors import DarmanError, FieldProblem, InvalidInput, PermissionDenied
from darman.common.tabular import SheetRow, TableFormat, read_table, write_table
from darman.common.validation_fa import problems_fa
from darman.registry import catalogues, scope
from darman.registry import service as svc
from darman.registry.enums import TransferTable
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
    DrugCreate,
    FacilityCreate,
    InsuredCreate,
    PractitionerCreate,
    ServiceCreate,
    TariffCreate,
)
from darman.registry.scope import AnySelect
from darman.registry.transfer_headers import (
    SHEETS_FA,
    field_of,
    header_fa,
    headers_fa,
    is_header_fa,
)
from darman.security.principal import Principal

_PEOPLE_TABLES = frozenset({"insured", "coverage"})
UNKNOWN_COLUMN_FA = "ستون ناشناخته"
MISSING_COLUMN_FA = "این ستون لازم است و در پرونده نیست"


@dataclass(frozen=True)
class TableSpec:
    schema: type[BaseModel]
    create: Callable[..., Any]
    export_query: Callable[[Principal], AnySelect]

    @property
    def columns(self) -> list[str]:
        return list(self.schema.model_fields)

    @property
    def required(self) -> list[str]:
        return [n for n, f in self.schema.model_fields.items() if f.is_required()]


def _facility_export(who: Principal) -> AnySelect:
    cols = [getattr(Facility, c) for c in FacilityCreate.model_fields if c != "province_code"]
    query = select(Facility.code, *[c for c in cols if c.key != "code"], Province.code.label("pc"))
    return scope.facilities(
        query.join(Province, Province.id == Facility.province_id), who
    ).order_by(Facility.code)


def _insured_export(who: Principal) -> AnySelect:
    main = aliased(Insured)
    query = (
        select(
            Insured.national_id,
            Insured.first_name,
            Insured.last_name,
            Insured.sex,
            Insured.birth_date,
            Province.code,
            Insured.relation,
            main.national_id,
        )
        .join(Province, Province.id == Insured.province_id)
        .outerjoin(main, main.id == Insured.main_insured_id)
    )
    return scope.insured(query, who).order_by(Insured.id)


def _coverage_export(who: Principal) -> AnySelect:
    query = select(
        Insured.national_id, CoveragePeriod.start_date, CoveragePeriod.end_date, CoveragePeriod.plan
    ).join(Insured, Insured.id == CoveragePeriod.insured_id)
    return scope.coverage(query, who).order_by(CoveragePeriod.id)


def _practitioner_export(who: Principal) -> AnySelect:
    query = select(
        Practitioner.id,
        Practitioner.council_number,
        Practitioner.first_name,
        Practitioner.last_name,
        Practitioner.sex,
        Practitioner.specialty,
        Practitioner.level,
        Province.code,
    ).join(Province, Province.id == Practitioner.province_id)
    return scope.practitioners(query, who).order_by(Practitioner.id)


TABLES: dict[str, TableSpec] = {
    TransferTable.FACILITIES: TableSpec(FacilityCreate, svc.create_facility, _facility_export),
    TransferTable.INSURED: TableSpec(InsuredCreate, svc.create_insured, _insured_export),
    TransferTable.COVERAGE: TableSpec(CoverageCreate, svc.create_coverage, _coverage_export),
    TransferTable.PRACTITIONERS: TableSpec(
        PractitionerCreate, svc.create_practitioner, _practitioner_export
    ),
    TransferTable.SERVICES: TableSpec(
        ServiceCreate,
        catalogues.create_service,
        lambda who: select(*[getattr(Service, c) for c in ServiceCreate.model_fields]).order_by(
            Service.code
        ),
    ),
    TransferTable.DRUGS: TableSpec(
        DrugCreate,
        catalogues.create_drug,
        lambda who: select(*[getattr(Drug, c) for c in DrugCreate.model_fields]).order_by(
            Drug.generic_code
        ),
    ),
    TransferTable.TARIFFS: TableSpec(
        TariffCreate,
        catalogues.create_tariff,
        lambda who: (
            select(Service.code, Tariff.year, Tariff.level, Tariff.ownership, Tariff.amount_rials)
            .join(Service, Service.id == Tariff.service_id)
            .order_by(Service.code, Tariff.year, Tariff.level, Tariff.ownership)
        ),
    ),
}


def spec_for(table: str) -> TableSpec:
    if table not in TABLES:
        raise InvalidInput(f"جدول «{table}» در ثبت نیست؛ یکی از اینها: {', '.join(TABLES)}")
    return TABLES[table]


@dataclass
class ImportReport:
    table: str
    rows_read: int = 0
    accepted: int = 0
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems})


def _column_namer(header: Sequence[str]) -> Callable[[str | None], str | None]:
    """How a problem names a field: as the file's header wrote it, or, for a column the
    file lacks, by its Persian header when the file uses Persian headers."""
    as_written = {field_of(h): h for h in header if h}
    persian = any(is_header_fa(h) for h in header if h)

    def shown(field: str | None) -> str | None:
        if not field:
            return field
        return as_written.get(field) or (header_fa(field) if persian else field)

    return shown


def _check_header(spec: TableSpec, header: Sequence[str]) -> None:
    """``header`` as read from the file; each names a field by its Persian header or its
    field name, and a problem names the column as the file does."""
    fields = [field_of(h) if h else "" for h in header]
    shown = _column_namer(header)
    named = [f for f in fields if f]
    twice = sorted({h for h, f in zip(header, fields, strict=True) if f and named.count(f) > 1})
    problems = [FieldProblem(h, "این ستون دو بار آمده است", row=1) for h in twice]
    problems += [
        FieldProblem(f"ستون {i}", "ستونی بی‌نام", row=1)
        for i, h in enumerate(header, start=1)
        if not h
    ]
    problems += [
        FieldProblem(h, UNKNOWN_COLUMN_FA, row=1)
        for h, f in zip(header, fields, strict=True)
        if h and f not in spec.columns
    ]
    problems += [
        FieldProblem(shown(c), MISSING_COLUMN_FA, row=1) for c in spec.required if c not in fields
    ]
    if problems:
        accepted = "، ".join(f"{header_fa(c)} ({c})" for c in spec.columns)
        raise InvalidInput(f"سرستون‌ها نمی‌خوانند؛ ستون‌های پذیرفته: {accepted}", problems)


def import_rows(
    session: Session,
    who: Principal,
    *,
    table: str,
    header: Sequence[str],
    rows: Sequence[SheetRow],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create one registry row per sheet row; good rows stay, bad rows are reported."""
    spec = spec_for(table)
    _check_header(spec, header)
    shown = _column_namer(header)
    report = ImportReport(table=table, rows_read=len(rows))
    for row in rows:
        if "__extra__" in row.values:
            report.problems.append(
                FieldProblem(None, "این ردیف خانه‌هایی بیش از سرستون‌ها دارد", row=row.number)
            )
            continue
        values = {field_of(k): v for k, v in row.values.items() if v != ""}
        try:
            data = spec.schema.model_validate(values)
        except ValidationError as exc:
            report.problems.extend(
                FieldProblem(shown(p.field), p.reason, row=p.row)
                for p in problems_fa(exc, row=row.number)
            )
            continue
        try:
            with session.begin_nested():
                spec.create(session, who, data=data)
        except DarmanError as exc:
            found = exc.problems or [FieldProblem(None, exc.detail)]
            report.problems.extend(
                FieldProblem(shown(p.field), p.reason, row=row.number) for p in found
            )
            continue
        except DBAPIError as exc:
            # The savepoint is rolled back; the database's own refusal becomes a row problem
            # so one bad row never takes the good ones down with it.
            reason = str(exc.orig).splitlines()[0] if exc.orig else "پایگاه داده نپذیرفت"
            report.problems.append(
                FieldProblem(None, f"پایگاه داده نپذیرفت: {reason}", row=row.number)
            )
            continue
        report.accepted += 1
        if progress:
            progress(1)
    return report


def import_file(
    session: Session, who: Principal, *, table: str, content: bytes, filename: str
) -> ImportReport:
    header, rows = read_table(content, TableFormat.from_filename(filename), name=filename)
    return import_rows(session, who, table=table, header=header, rows=rows)


def _rows(session: Session, table: str, who: Principal) -> Iterator[Sequence[object]]:
    spec = spec_for(table)
    result = session.execute(spec.export_query(who).execution_options(yield_per=5000))
    if table == "facilities":
        names = [c for c in FacilityCreate.model_fields if c not in ("code", "province_code")]
        order = spec.columns
        for r in result:
            values = dict(zip(["code", *names, "province_code"], r, strict=True))
            yield [values[c] for c in order]
    elif table == "practitioners":
        links = dict(_practitioner_links(session, who))
        for r in result:
            yield [*r[1:], links.get(r[0], "")]
    else:
        yield from result


def _practitioner_links(session: Session, who: Principal) -> Iterator[tuple[int, str]]:
    query = select(PractitionerFacility.practitioner_id, Facility.code).join(
        Facility, Facility.id == PractitionerFacility.facility_id
    )
    rows = session.execute(
        scope.facilities(query, who).order_by(PractitionerFacility.practitioner_id, Facility.code)
    ).all()
    grouped: dict[int, list[str]] = {}
    for pid, code in rows:
        grouped.setdefault(pid, []).append(code)
    for pid, codes in grouped.items():
        yield pid, ";".join(codes)


def export_table(session: Session, who: Principal, *, table: str, fmt: TableFormat) -> bytes:
    """The rows the caller may see, in the columns the import takes (under their Persian
    headers, which the import reads back), in a stable order."""
    spec = spec_for(table)
    if table in _PEOPLE_TABLES and scope.at_facility(who):
        raise PermissionDenied(f"a facility cannot export the {table} of its province")
    return write_table(
        headers_fa(spec.columns),
        _rows(session, table, who),
        fmt,
        sheet=SHEETS_FA.get(table, table),
    )
