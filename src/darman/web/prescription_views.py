"""E-prescription pages: the physician writes a prescription with live checks and lists their
own; a pharmacy, laboratory or imaging desk looks one up by tracking code and national ID and
dispenses it line by line; staff read what the checks saved.

Every page calls the prescriptions service with the page principal, so a page sees exactly
what the API would. Input errors and the checks' findings are shown in Persian beside the
field they concern (``lines.N.code`` is the code cell of row N).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError

from darman.common.errors import Conflict, DarmanError, InvalidInput
from darman.common.jalali import MONTHS_FA, tehran_today, to_jalali
from darman.common.national_id import problem as national_id_problem
from darman.common.paging import PageParams
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.prescriptions import dispensing, issuing, savings, service
from darman.prescriptions.enums import LABELS_FA, LineKind
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.schemas import (
    MAX_LINES,
    FindingRead,
    LineIn,
    PrescriptionIn,
    RequestKey,
)
from darman.registry import catalogues, scope
from darman.security.deps import ReadUowDep, UowDep
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.web import chart_series
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
LINE_FIELDS = ("kind", "code", "dose", "quantity", "days_supply", "instructions")
STAFF = roles_that(Act.READ_PRESCRIPTION_REPORTS)
FIELD_ERRORS_FA = {
    "kind": "نوع ردیف را دارو یا آزمایش/تصویربرداری انتخاب کنید.",
    "code": "کد دارو یا خدمت را فقط با رقم وارد کنید.",
    "dose": "مقدار مصرف حداکثر ۱۰۰ نویسه است.",
    "quantity": "تعداد را عددی صحیح از ۱ تا ۱۰٬۰۰۰ وارد کنید.",
    "days_supply": "مدت مصرف دارو را به روز وارد کنید (۱ تا ۳۶۵).",
    "instructions": "دستور مصرف حداکثر ۳۰۰ نویسه است.",
}
NO_DAYS_FOR_ORDER_FA = "ردیف آزمایش یا تصویربرداری مدت مصرف ندارد؛ این خانه را خالی بگذارید."
NATIONAL_ID_FA = "کد ملی باید ده رقم با رقم کنترل درست باشد."
NO_LINES_FA = "دست‌کم یک ردیف دارو یا آزمایش وارد کنید."
TOO_MANY_LINES_FA = f"هر نسخه حداکثر {to_persian_digits(MAX_LINES)} ردیف دارد."
_REQUEST_KEY: TypeAdapter[str] = TypeAdapter(RequestKey)
RETRY_FA = "نسخه هم‌زمان با درخواست دیگری ثبت نشد؛ دوباره «صدور نسخه» را بزنید."
RESENT_FA = "این فرم پیش‌تر با نسخهٔ دیگری فرستاده شده است؛ ردیف‌ها را بازبینی و دوباره صادر کنید."


def new_request_key() -> str:
    """The idempotency key of one rendering of the issue form: a double click or a
    resent form issues the prescription once (issuing.issue_keyed)."""
    return uuid.uuid4().hex


# ----------------------------------------------------------------- helpers
@dataclass
class Msg:
    text: str
    blocking: bool = True
    code: str = ""


@dataclass
class Draft:
    """What the physician typed, row by row, and what is wrong with it, by field."""

    national_id: str
    rows: list[dict[str, str]]
    errors: dict[str, list[Msg]] = field(default_factory=dict)
    # row index of each line sent to the service (blank rows are skipped)
    row_of_line: list[int] = field(default_factory=list)
    data: PrescriptionIn | None = None

    def add(self, key: str, msg: Msg) -> None:
        self.errors.setdefault(key, []).append(msg)

    @property
    def blocked(self) -> bool:
        return any(m.blocking for ms in self.errors.values() for m in ms)


def _draft(national_id: str, form: dict[str, list[str]]) -> Draft:
    """Validate the form into a PrescriptionIn, keeping a Persian message per bad field."""
    count = max((len(v) for v in form.values()), default=0)
    rows = [
        {name: (form[name][i] if i < len(form[name]) else "").strip() for name in LINE_FIELDS}
        for i in range(count)
    ]
    draft = Draft(national_id=national_id.strip(), rows=rows)
    if national_id_problem(draft.national_id) is not None:
        draft.add("national_id", Msg(NATIONAL_ID_FA))
    lines: list[LineIn] = []
    for i, row in enumerate(rows):
        if not any(row[k] for k in ("code", "quantity", "days_supply", "dose", "instructions")):
            continue
        kind = row["kind"] or LineKind.DRUG.value
        values = {k: row[k] for k in LINE_FIELDS if row[k]}
        values["kind"] = kind
        if kind == LineKind.SERVICE.value and row["days_supply"]:
            draft.add(f"lines.{i}.days_supply", Msg(NO_DAYS_FOR_ORDER_FA))
            continue
        try:
            lines.append(LineIn.model_validate(values))
            draft.row_of_line.append(i)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else "days_supply"
                name = name if name in FIELD_ERRORS_FA else "code"
                key = f"lines.{i}.{name}"
                if key not in draft.errors:
                    draft.add(key, Msg(FIELD_ERRORS_FA[name]))
    if not lines and not draft.errors:
        draft.add("lines", Msg(NO_LINES_FA))
    if len(lines) > MAX_LINES:
        draft.add("lines", Msg(TOO_MANY_LINES_FA))
    if not draft.errors:
        draft.data = PrescriptionIn(national_id=draft.national_id, lines=lines)
    return draft


def _row_field(draft: Draft, service_field: str) -> str:
    """``lines.2.quantity`` of the service's lines -> the same field of the form's row."""
    parts = service_field.split(".")
    if parts[0] == "lines" and len(parts) == 3 and parts[1].isascii() and parts[1].isdigit():
        line = int(parts[1])
        row = draft.row_of_line[line] if line < len(draft.row_of_line) else line
        return f"lines.{row}.{parts[2]}"
    return service_field


def _add_findings(draft: Draft, findings: list[FindingRead]) -> None:
    for f in findings:
        draft.add(_row_field(draft, f.field), Msg(f.reason_fa, f.blocking, f.code))


def _add_problems(draft: Draft, exc: DarmanError) -> None:
    for p in exc.problems:
        key = _row_field(draft, p.field or "national_id")
        code = getattr(p, "code", "")
        blocking = getattr(p, "blocking", True)
        text = p.reason
        if key == "national_id" and not code:
            text = "بیمه‌شده‌ای با این کد ملی یافت نشد."
        draft.add(key, Msg(text, blocking, code))


def _catalogue(uow: UowDep) -> dict[str, Any]:
    """The formulary and the lab and imaging services, for the code pickers."""
    s = uow.session
    everything = PageParams(page=1, size=500)
    drugs = catalogues.list_drugs(s, page=everything).items
    orders = [
        svc
        for category in ("lab", "imaging")
        for svc in catalogues.list_services(s, page=everything, category=category).items
    ]
    return {
        "drugs": drugs,
        "orders": orders,
        "names": {
            **{("drug", d.generic_code): d.name_fa for d in drugs},
            **{("service", o.code): o.name_fa for o in orders},
        },
    }


def _form_context(draft: Draft, uow: UowDep) -> dict[str, Any]:
    catalogue = _catalogue(uow)
    names = catalogue["names"]
    rows = draft.rows or [dict.fromkeys(LINE_FIELDS, "")]
    return {
        "draft": draft,
        "rows": [
            {
                **row,
                "kind": row["kind"] or LineKind.DRUG.value,
                "name": names.get(
                    (row["kind"] or LineKind.DRUG.value, to_ascii_digits(row["code"])), ""
                ),
            }
            for row in rows
        ],
        "errors": draft.errors,
        "drugs": catalogue["drugs"],
        "orders": catalogue["orders"],
    }


LineForm = Annotated[list[str], Form()]


def _form_lists(
    kind: list[str],
    code: list[str],
    dose: list[str],
    quantity: list[str],
    days_supply: list[str],
    instructions: list[str],
) -> dict[str, list[str]]:
    return {
        "kind": kind,
        "code": code,
        "dose": dose,
        "quantity": quantity,
        "days_supply": days_supply,
        "instructions": instructions,
    }


# ----------------------------------------------------------------- issuing
@router.get("/prescriptions/new")
def new_prescription(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The physician's empty prescription form."""
    who.require_role(Role.PHYSICIAN)
    context = page_context(uow.session, who, active="rx-new")
    context.update(_form_context(Draft(national_id="", rows=[]), uow))
    context["issued"] = None
    context["request_key"] = new_request_key()
    return render(request, "prescriptions/issue.html", context)


@router.post("/prescriptions/check")
def check_prescription(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    national_id: Annotated[str, Form()] = "",
    kind: LineForm = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    code: LineForm = [],  # noqa: B006
    dose: LineForm = [],  # noqa: B006
    quantity: LineForm = [],  # noqa: B006
    days_supply: LineForm = [],  # noqa: B006
    instructions: LineForm = [],  # noqa: B006
) -> Response:
    """htmx: run the issuing checks on the draft without issuing; each finding is swapped in
    beside its field, and the formulary name beside each code."""
    who.require_role(Role.PHYSICIAN)
    form = _form_lists(kind, code, dose, quantity, days_supply, instructions)
    draft = _draft(national_id, form)
    ran = False
    if draft.data is not None:
        try:
            _add_findings(draft, issuing.check(uow.session, who, data=draft.data))
            ran = True
        except InvalidInput as exc:
            _add_problems(draft, exc)
    uow.rollback()  # a check stores nothing
    context = _form_context(draft, uow)
    context["ran"] = ran
    return render(request, "prescriptions/_check.html", context)


def _keyed(data: PrescriptionIn, request_key: str) -> PrescriptionIn:
    """``data`` with the form's key; without one when the form sent none or a mangled
    one (issued unkeyed, as for an API caller that sends no key)."""
    try:
        key = _REQUEST_KEY.validate_python(request_key)
    except ValidationError:
        return data
    return data.model_copy(update={"request_key": key})


@router.post("/prescriptions")
def issue_prescription(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    national_id: Annotated[str, Form()] = "",
    request_key: Annotated[str, Form()] = "",
    kind: LineForm = [],  # noqa: B006
    code: LineForm = [],  # noqa: B006
    dose: LineForm = [],  # noqa: B006
    quantity: LineForm = [],  # noqa: B006
    days_supply: LineForm = [],  # noqa: B006
    instructions: LineForm = [],  # noqa: B006
) -> Response:
    """Issue: the tracking code on success; otherwise the form again with every blocking
    reason beside its field (the refused attempt is kept for the savings report). The
    form's ``request_key`` makes a second sending of the same form (a double click, a
    reload) answer the first result instead of issuing again."""
    who.require_role(Role.PHYSICIAN)
    draft = _draft(national_id, _form_lists(kind, code, dose, quantity, days_supply, instructions))
    issued = None
    if draft.data is not None:
        try:
            issued = issuing.issue_keyed(uow.session, who, data=_keyed(draft.data, request_key))
            uow.commit()
        except PrescriptionRefused as exc:
            uow.commit()  # the refusal is what the checks saved; it has no tracking code
            _add_problems(draft, exc)
        except InvalidInput as exc:
            uow.rollback()
            _add_problems(draft, exc)
        except Conflict as exc:
            uow.rollback()
            resent = any(p.field == "request_key" for p in exc.problems)
            draft.add("lines", Msg(RESENT_FA if resent else RETRY_FA))
        except IntegrityError:  # a tracking code drawn at the same moment elsewhere
            uow.rollback()
            draft.add("lines", Msg(RETRY_FA))
    context = page_context(uow.session, who, active="rx-new")
    # each rendering of the form is a new prescription to write, so it gets a new key
    context["request_key"] = new_request_key()
    if issued is not None:
        context.update(_form_context(Draft(national_id="", rows=[]), uow))
        context["issued"] = issued.prescription
        context["replayed"] = issued.replayed
    else:
        context.update(_form_context(draft, uow))
        context["issued"] = None
        context["refused"] = True
    # a refusal is an answer, not a failed request: the page shows it beside each field
    return render(request, "prescriptions/issue.html", context)


# ------------------------------------------------------------ own prescriptions
@router.get("/prescriptions")
def prescriptions_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, page: PageNumber
) -> Response:
    """A physician's own prescriptions (staff: those in their scope), newest first, with
    what each line has had dispensed. A dispensing desk is refused, as in the API."""
    found = service.list_prescriptions(uow.session, who, page=PageParams(page=page, size=PAGE_SIZE))
    context = page_context(uow.session, who, active="rx-list")
    context.update(
        {
            "found": found,
            "pages": found.pages,
            "status_fa": LABELS_FA,
        }
    )
    return render(request, "prescriptions/list.html", context)


# ------------------------------------------------------------------ savings
def month_fa(year: int, month: int) -> str:
    return f"{MONTHS_FA[month - 1]} {to_persian_digits(year)}"


@router.get("/prescriptions/savings")
def savings_page(request: Request, who: PagePrincipal, uow: ReadUowDep, year: str = "") -> Response:
    """What the checks prevented and the dispensing rate by Jalali month and province."""
    who.require_role(*STAFF)
    this_year = to_jalali(tehran_today()).year
    text = to_ascii_digits(year.strip())
    chosen = (
        int(text) if text.isascii() and text.isdigit() and 1390 <= int(text) <= 1500 else this_year
    )
    report = savings.savings_report(uow.session, who, year=chosen)
    months = sorted({(r.year, r.month) for r in report.rows})
    provinces = sorted({r.province_name_fa for r in report.rows})
    by_key = {(r.year, r.month, r.province_name_fa): r for r in report.rows}
    # a line per province of the country is unreadable: the highest and lowest five and
    # the national average (chart_series); the table below keeps every province
    chart = chart_series.top_and_bottom(
        [month_fa(y, m) for y, m in months],
        {
            name: [
                by_key[(y, m, name)].prevented_rials if (y, m, name) in by_key else 0
                for y, m in months
            ]
            for name in provinces
        },
    )
    context = page_context(uow.session, who, active="rx-savings")
    context.update(
        {
            "year": chosen,
            "years": list(range(this_year, this_year - 4, -1)),
            "rows": [(month_fa(r.year, r.month), r) for r in report.rows],
            "report": report,
            "issued": sum(r.issued for r in report.rows),
            "refused": sum(r.refused for r in report.rows),
            "chart": json.dumps(chart, ensure_ascii=False),
            "chart_note": chart_series.note(chart),
        }
    )
    return render(request, "prescriptions/savings.html", context)


# ------------------------------------------------------------------- nav
_NAV = (
    (
        "/prescriptions/new",
        "rx-new",
        "نسخه‌ی الکترونیک",
        "نوشتن نسخه با بررسی هم‌زمان تداخل و سقف‌ها",
        (Role.PHYSICIAN,),
    ),
    (
        "/prescriptions",
        "rx-list",
        "نسخه‌های من",
        "نسخه‌های صادرشده، وضعیت و مقدار تحویل‌شده",
        (Role.PHYSICIAN,),
    ),
    (
        "/prescriptions/dispense",
        "rx-dispense",
        "تحویل نسخه",
        "جست‌وجو با کد رهگیری و کد ملی و تحویل هر ردیف",
        dispensing.DISPENSERS,
    ),
    (
        "/prescriptions/savings",
        "rx-savings",
        "صرفه‌جویی نسخه‌ی الکترونیک",
        "ارزش اقلام جلوگیری‌شده و نرخ تحویل به تفکیک ماه و استان",
        STAFF,
    ),
)


def prescription_nav(who: Principal) -> list[dict[str, str]]:
    """The e-prescription screens this role may use."""
    out = []
    for href, key, label, hint, roles in _NAV:
        if who.role not in roles:
            continue
        if key == "rx-dispense" and not scope.at_facility(who):
            continue
        out.append({"key": key, "href": href, "label": label, "hint": hint})
    return out


templates.env.globals["prescription_nav"] = prescription_nav
