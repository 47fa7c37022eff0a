"""A provider's own claims screens: send a claims file and read what became of each line,
and the payment runs that paid the facility with their remittance to download.

The upload goes through the same bulk intake as ``darman claims submit`` and the API
(claims/submission.py): each batch of the file is committed on its own, so the good
records are kept whatever the bad ones are, and sending the file again stores nothing
twice. The report names every refused record by its file line or row and its column, in
Persian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile
from sqlalchemy.exc import IntegrityError

from darman.claims import bulk, remittances, service
from darman.claims.submission import SUBMITTERS, submit_stream
from darman.common.errors import DarmanError, FieldProblem
from darman.common.paging import PageParams
from darman.common.persian import to_persian_digits
from darman.registry import service as registry
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

# At most this many refused records and accepted claims are listed on the page; the counts
# cover the whole file.
SHOWN = 200
REMITTANCE_PAGE = 25

# The columns of a claims file (README "Claims files"), as the provider's staff call them.
COLUMNS_FA: dict[str, str] = {
    "facility_code": "کد مرکز",
    "document_number": "شماره‌ی سند",
    "national_id": "کد ملی بیمه‌شده",
    "practitioner_council_number": "شماره‌ی نظام پزشکی",
    "visit_type": "نوع مراجعه",
    "admission_date": "تاریخ پذیرش",
    "discharge_date": "تاریخ ترخیص",
    "diagnoses": "تشخیص‌ها",
    "referral_ref": "شماره‌ی ارجاع",
    "prescription_ref": "شماره‌ی نسخه",
    "draft": "پیش‌نویس",
    "lines": "اقلام سند",
    "item_type": "نوع قلم (خدمت یا دارو)",
    "code": "کد خدمت یا دارو",
    "service_date": "تاریخ خدمت",
    "quantity": "تعداد",
    "unit_price_rials": "قیمت واحد (ریال)",
}
COLUMN_HELP_FA: dict[str, str] = {
    "facility_code": "کد مرکز شما، مثلاً C0100006 (الزامی)",
    "document_number": "شماره‌ی سند در مرکز؛ ارسال دوباره‌ی آن چیزی را دو بار ثبت نمی‌کند (الزامی)",
    "national_id": "کد ملی ده‌رقمی بیمار",
    "practitioner_council_number": "شماره‌ی نظام پزشکی پزشک (اختیاری)",
    "visit_type": "outpatient (سرپایی)، inpatient (بستری) یا emergency (اورژانس)",
    "admission_date": "تاریخ پذیرش بستری (برای بستری الزامی)",
    "discharge_date": "تاریخ ترخیص بستری (برای بستری الزامی)",
    "diagnoses": "کدهای ICD-10 جداشده با ;",
    "referral_ref": "شماره‌ی ارجاع (اختیاری)",
    "prescription_ref": "شماره‌ی نسخه‌ی الکترونیک (اختیاری)",
    "item_type": "service (خدمت) یا drug (دارو) (الزامی)",
    "code": "کد خدمت یا داروی فهرست سازمان (الزامی)",
    "service_date": "تاریخ خدمت: 1405/07/01 یا 2026-09-23 (الزامی)",
    "quantity": "۱ تا ۱۰٬۰۰۰ (الزامی)",
    "unit_price_rials": "قیمت درخواستی هر واحد به ریال، عدد صحیح (الزامی)",
}
EXAMPLE_ROW = (
    "{code},5301,0499370899,100082,outpatient,,,J06.9,,,service,100102,1405/07/01,1,1250000"
)
NO_FILE_FA = "پرونده‌ای انتخاب نشده است؛ یک پرونده‌ی .csv، .xlsx یا .ndjson برگزینید."
CONCURRENT_FA = (
    "هم‌زمان اسناد دیگری با همین شماره‌ها ثبت شد؛ پرونده را دوباره بفرستید "
    "(آنچه پذیرفته شده دوباره ثبت نمی‌شود)."
)
_LINE_FIELD = re.compile(r"^lines\.(\d+)\.(\w+)$")


def where_fa(problem: FieldProblem, fmt: str) -> dict[str, str]:
    """Where a problem is, as a person finds it in their file: the line (NDJSON) or row
    (CSV, Excel) and the column, by its Persian name and the name in the file's header.

    ``lines.2.code`` is the ``code`` column of that line's own row in a CSV file, and the
    third item's code on the line of an NDJSON file."""
    unit = "خط" if fmt == "ndjson" else "ردیف"
    place = f"{unit} {to_persian_digits(problem.row)}" if problem.row is not None else "کل پرونده"
    name = problem.field or ""
    item = ""
    match = _LINE_FIELD.match(name)
    if match:
        name = match.group(2)
        if fmt == "ndjson":
            item = f"قلم {to_persian_digits(int(match.group(1)) + 1)}، "
    column = COLUMNS_FA.get(name, name)
    if not name:
        column = "کل رکورد"
    return {"place": place, "column": item + column, "name": name}


@dataclass
class UploadReport:
    """What became of a claims file, over all of its batches."""

    filename: str
    fmt: str
    records: int = 0
    accepted: int = 0
    unchanged: int = 0
    conflicts: int = 0
    rejected: int = 0
    problem_count: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    stored: list[tuple[int, int, bool]] = field(default_factory=list)  # row, claim, new
    stopped: str = ""  # why the file stopped being read, if it did


def read_upload(uow: UowDep, who: Principal, upload: UploadFile) -> UploadReport:
    """Send the file through the bulk intake, batch by batch, and gather the report. A file
    that stops being readable half-way keeps the batches committed before, and says so."""
    filename = upload.filename or ""
    report = UploadReport(filename, bulk.format_of(filename))
    uow.rollback()  # each batch is a unit of work of its own: end the request's read
    try:
        for ack in submit_stream(uow.factory, who, upload.file, report.fmt):
            report.records = ack.last_record
            report.accepted += ack.accepted
            report.unchanged += ack.unchanged
            report.conflicts += ack.conflicts
            report.rejected += ack.rejected
            report.problem_count += len(ack.problems)
            for p in ack.problems[: max(0, SHOWN - len(report.problems))]:
                report.problems.append({**where_fa(p, report.fmt), "reason": p.reason})
            for s in ack.stored:
                if s.problem is None and s.claim_id is not None and len(report.stored) < SHOWN:
                    report.stored.append((s.record, s.claim_id, s.created))
    except DarmanError as exc:
        report.stopped = _stopped_fa(exc)
    except IntegrityError:
        report.stopped = CONCURRENT_FA
    return report


def _stopped_fa(exc: DarmanError) -> str:
    text = exc.detail
    for p in exc.problems:
        text += f" — {where_fa(p, '')['column']}: {p.reason}"
    return text


@router.get("/claims/upload")
def upload_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The form to send a claims file, with the columns it must have."""
    who.require_role(*SUBMITTERS)
    return _upload_response(request, who, uow, None)


@router.get("/claims/upload/template.csv")
def upload_template(who: PagePrincipal, uow: ReadUowDep) -> Response:
    """An example CSV with the file's header and one claim line (of the caller's own
    facility, for a provider), to fill in."""
    who.require_role(*SUBMITTERS)
    code = "C0100006"
    if who.facility_id is not None:
        code = registry.get_facility(uow.session, who, facility_id=who.facility_id).code
    rows = [",".join(bulk.FLAT_COLUMNS), EXAMPLE_ROW.format(code=code)]
    return Response(
        "\ufeff" + "\r\n".join(rows) + "\r\n",
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="claims-template.csv"'},
    )


@router.post("/claims/upload")
def upload_claims(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Store the file's good claims, and report every refused one by line and column."""
    who.require_role(*SUBMITTERS)
    if file is None or not file.filename:
        return _upload_response(request, who, uow, None, error=NO_FILE_FA, status=422)
    try:
        report = read_upload(uow, who, file)
    except DarmanError as exc:  # a file of a kind the intake does not read
        return _upload_response(request, who, uow, None, error=exc.detail, status=422)
    return _upload_response(request, who, uow, report)


def _upload_response(
    request: Request,
    who: Principal,
    uow: ReadUowDep | UowDep,
    report: UploadReport | None,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    session = uow.session
    claims = []
    if report is not None and report.stored:
        found = service.claims_by_id(session, who, claim_ids=[c for _, c, _ in report.stored])
        by_id = {c.id: c for c in found}
        claims = [
            {"row": row, "claim": by_id[cid], "new": new}
            for row, cid, new in report.stored
            if cid in by_id
        ]
    context = page_context(session, who, active="upload")
    context.update(
        {
            "report": report,
            "claims": claims,
            "error": error,
            "shown": SHOWN,
            "columns": [(c, COLUMN_HELP_FA.get(c, "")) for c in bulk.FLAT_COLUMNS],
            "unit": "خط" if report is not None and report.fmt == "ndjson" else "ردیف",
        }
    )
    return render(request, "claims/upload.html", context, status_code=status)


# -------------------------------------------------------------- remittances
@router.get("/claims/remittances")
def remittances_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, page: PageNumber
) -> Response:
    """The payment runs that paid the caller's facility (or scope), newest first, each with
    its remittance as Excel or CSV (rows of the caller's own scope only)."""
    found = remittances.remittances(
        uow.session, who, page=PageParams(page=page, size=REMITTANCE_PAGE)
    )
    context = page_context(uow.session, who, active="remittances")
    context.update(
        {
            "found": found,
            "pages": found.pages,
            "kinds": remittances.PAYMENT_KINDS_FA,
        }
    )
    return render(request, "claims/remittances.html", context)
