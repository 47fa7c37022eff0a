"""Referral pages: the family physician's panel and referrals (suggested internal centres in
the service's order, a reason for leaving the network in phase-1 provinces), the referrals a
centre receives with the feedback form, and the programme's indicators for staff.

Every page calls the referrals service with the page principal, so a page sees exactly what
the API would. Errors are shown in Persian beside the field they concern.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from darman.common.errors import Conflict, DarmanError, InvalidInput, NotFound
from darman.common.jalali import MONTHS_FA, tehran_today, to_jalali
from darman.common.paging import PageParams
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.referrals import indicators, panels, reading, service
from darman.referrals import suggestions as referrals_suggestions
from darman.referrals.schemas import FeedbackIn, ReferralIn
from darman.registry import service as registry
from darman.security.deps import ReadUowDep, UowDep
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.web import chart_series
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)

STAFF = roles_that(Act.READ_REFERRAL_REPORTS)
LIST_SIZE = 50
FIELDS_FA = {
    "national_id": "کد ملی باید ده رقم با رقم کنترل درست باشد.",
    "specialty": "تخصص مقصد را بنویسید (دست‌کم دو نویسه).",
    "reason": "دلیل ارجاع را بنویسید (دست‌کم سه نویسه).",
    "diagnosis": "کد تشخیص ICD-10 را به شکل I10 یا E11.9 وارد کنید.",
    "facility_code": "مرکز مقصد را انتخاب کنید یا کد مرکز دیگر را وارد کنید.",
    "outside_facility": "نام مرکز خارج از شبکه حداکثر ۲۰۰ نویسه است.",
    "choice_reason": "دلیل انتخاب مرکزی غیر از مراکز ملکی سازمان را بنویسید.",
    "text": "متن پس‌خوراند را بنویسید (دست‌کم سه نویسه).",
    "capacity": "ظرفیت را عددی از ۱ تا ۵٬۰۰۰ وارد کنید.",
}
CONFLICT_FA = {
    "already-enrolled": "این بیمه‌شده در فهرست یک پزشک خانواده است.",
    "panel-full": "ظرفیت فهرست این پزشک تکمیل است.",
    "referral-still-open": "برای این بیمه‌شده ارجاع باز دیگری با همین تخصص هست.",
    "feedback-already-given": "پس‌خوراند این ارجاع قبلاً ثبت شده است.",
}


def problems_fa(exc: DarmanError) -> dict[str, str]:
    """Field -> Persian message; the service's own Persian reason where it wrote one."""
    out: dict[str, str] = {}
    slug = getattr(exc, "slug", "")
    for p in exc.problems:
        name = (p.field or "").split(".")[-1] or "national_id"
        persian = p.reason and not p.reason.isascii()
        text = p.reason.split("(")[0].strip() if persian else FIELDS_FA.get(name, "")
        out[name] = text or FIELDS_FA.get(name, "ورودی این خانه پذیرفته نشد.")
    if isinstance(exc, Conflict) and slug in CONFLICT_FA:
        out.setdefault("form", CONFLICT_FA[slug])
    if not out:
        out["form"] = "درخواست پذیرفته نشد؛ ورودی‌ها را بررسی کنید."
    return out


def validation_fa(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "facility_code"
        out.setdefault(name, FIELDS_FA.get(name, "ورودی این خانه پذیرفته نشد."))
    return out


def referral_id_of(text: str) -> int:
    """A referral id from the page's path; NotFound for anything else."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 2**31 - 1:
        raise NotFound(f"'{text}' is not an id")
    return int(text)


def destination_fields(destination: str, other_code: str, outside_facility: str) -> dict[str, str]:
    """The form's choice of centre as the schema's fields: a suggested centre's code, another
    registered centre by code, or a centre outside the network by name."""
    if destination and destination != "other":
        return {"facility_code": destination}
    if other_code.strip():
        return {"facility_code": other_code.strip()}
    if outside_facility.strip() or destination == "other":
        return {"outside_facility": outside_facility}
    return {}


def _my_facility_code(uow: UowDep, who: Principal) -> str:
    if who.facility_id is None:
        return ""
    return registry.get_facility(uow.session, who, facility_id=who.facility_id).code


# ------------------------------------------------------------------ panel
def _panel_response(
    request: Request, who: Principal, uow: UowDep, status: int = 200, **extra: Any
) -> Response:
    context = page_context(uow.session, who, active="ref-panel")
    context.update(
        {
            "panel": panels.panel(uow.session, who, page=PageParams(page=1, size=500)),
            "errors": {},
            "national_id": "",
            "message": None,
            "transfer_errors": {},
            "transfer_national_id": "",
            "transfer_message": None,
            **extra,
        }
    )
    return render(request, "referrals/panel.html", context, status_code=status)


@router.get("/referrals/panel")
def panel_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The family physician's panel: who is enrolled, how full it is, and enrolment."""
    who.require_role(Role.PHYSICIAN)
    return _panel_response(request, who, uow)


@router.post("/referrals/panel/enrol")
def panel_enrol(
    request: Request, who: PagePrincipal, uow: UowDep, national_id: Annotated[str, Form()] = ""
) -> Response:
    """Enrol a covered resident by national ID into the caller's own panel."""
    who.require_role(Role.PHYSICIAN)
    national_id = to_ascii_digits(national_id.strip())
    try:
        read = panels.enrol(uow.session, who, national_id=national_id)
        uow.commit()
    except (InvalidInput, Conflict, NotFound) as exc:
        uow.rollback()
        errors = problems_fa(exc)
        if "form" in errors and "national_id" not in errors:
            errors["national_id"] = errors.pop("form")
        return _panel_response(
            request, who, uow, status=exc.status, errors=errors, national_id=national_id
        )
    who_fa = to_persian_digits(read.national_id)
    message = f"بیمه‌شده‌ی {who_fa} از {read.enrolled_on_jalali} در فهرست شما ثبت شد."
    return _panel_response(request, who, uow, message=message)


@router.post("/referrals/panel/transfer")
def panel_transfer_in(
    request: Request, who: PagePrincipal, uow: UowDep, national_id: Annotated[str, Form()] = ""
) -> Response:
    """A person on another family physician's panel moves to the caller's panel (the person
    came to them); the old enrolment ends today and stays in the history."""
    who.require_role(Role.PHYSICIAN)
    national_id = to_ascii_digits(national_id.strip())
    own = panels.panel(uow.session, who, page=PageParams(page=1, size=1)).council_number
    try:
        read = panels.transfer(uow.session, who, national_id=national_id, council_number=own)
        uow.commit()
    except (InvalidInput, Conflict, NotFound) as exc:
        uow.rollback()
        errors = problems_fa(exc)
        text = errors.pop("form", "") or errors.pop("council_number", "")
        if text and "national_id" not in errors:
            errors["national_id"] = text
        return _panel_response(
            request,
            who,
            uow,
            status=exc.status,
            transfer_errors=errors,
            transfer_national_id=national_id,
        )
    who_fa = to_persian_digits(read.national_id)
    came_from = to_persian_digits(read.transferred_from_council_number or "")
    message = (
        f"بیمه‌شده‌ی {who_fa} از فهرست پزشک {came_from} به فهرست شما منتقل شد "
        f"(از {read.enrolled_on_jalali})."
    )
    return _panel_response(request, who, uow, transfer_message=message)


# ------------------------------------------------------------------ refer
def _refer_response(
    request: Request, who: Principal, uow: UowDep, status: int = 200, **extra: Any
) -> Response:
    context = page_context(uow.session, who, active="ref-new")
    context.update({"errors": {}, "kept": {}, "issued": None, "suggestions": [], **extra})
    return render(request, "referrals/new.html", context, status_code=status)


@router.get("/referrals/new")
def new_referral(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    who.require_role(Role.PHYSICIAN)
    return _refer_response(request, who, uow)


@router.get("/referrals/suggestions")
def suggestions(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    specialty: str = "",
    level: str = "2",
    prefix: str = "",
) -> Response:
    """htmx: the insurer's own centres offering the specialty at level 2 (or 3 for a referral
    on), in the service's order. ``prefix`` keeps the radio ids of several forms apart."""
    who.require_role(Role.PHYSICIAN)
    specialty = specialty.strip()
    to_level = 3 if level.strip() == "3" else 2
    prefix = prefix if prefix.isascii() and prefix.replace("-", "").isalnum() else ""
    found = (
        referrals_suggestions.suggest(uow.session, who, specialty=specialty, level=to_level)
        if len(specialty) >= 2
        else []
    )
    context = {"suggestions": found, "specialty": specialty, "kept": {}, "prefix": prefix}
    return render(request, "referrals/_suggestions.html", context)


@router.post("/referrals")
def issue_referral(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    national_id: Annotated[str, Form()] = "",
    specialty: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    diagnosis: Annotated[str, Form()] = "",
    destination: Annotated[str, Form()] = "",
    other_code: Annotated[str, Form()] = "",
    outside_facility: Annotated[str, Form()] = "",
    choice_reason: Annotated[str, Form()] = "",
) -> Response:
    """Refer a person on the caller's panel: to a suggested own centre, another registered
    centre by code, or a centre outside the network by name (with a reason in phase 1)."""
    who.require_role(Role.PHYSICIAN)
    kept = {
        "national_id": national_id,
        "specialty": specialty,
        "reason": reason,
        "diagnosis": diagnosis,
        "destination": destination,
        "other_code": other_code,
        "outside_facility": outside_facility,
        "choice_reason": choice_reason,
    }
    body: dict[str, Any] = {
        "national_id": national_id,
        "specialty": specialty,
        "reason": reason,
        "diagnosis": diagnosis,
        "choice_reason": choice_reason,
    }
    body.update(destination_fields(destination, other_code, outside_facility))
    suggested = []
    if len(specialty.strip()) >= 2:
        try:
            suggested = referrals_suggestions.suggest(uow.session, who, specialty=specialty.strip())
        except DarmanError:
            suggested = []
    try:
        data = ReferralIn.model_validate(body)
    except ValidationError as exc:
        errors = validation_fa(exc)
        return _refer_response(
            request, who, uow, 422, errors=errors, kept=kept, suggestions=suggested
        )
    try:
        issued = service.issue(uow.session, who, data=data)
        uow.commit()
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        return _refer_response(
            request,
            who,
            uow,
            exc.status,
            errors=problems_fa(exc),
            kept=kept,
            suggestions=suggested,
        )
    return _refer_response(request, who, uow, issued=issued)


# ------------------------------------------------------------------ lists
def referrals_response(
    request: Request, who: Principal, uow: UowDep, status: int = 200, **extra: Any
) -> Response:
    """Referrals the physician wrote (with feedback, overdue flagged) and those addressed
    to their centre (with the feedback form)."""
    found = reading.list_referrals(uow.session, who, page=PageParams(page=1, size=LIST_SIZE))
    mine = _my_facility_code(uow, who)
    received = [r for r in found.items if r.to_facility_code and r.to_facility_code == mine]
    written = [r for r in found.items if r not in received]
    context = page_context(uow.session, who, active="ref-list")
    context.update(
        {
            "written": written,
            "received": received,
            "overdue": sum(1 for r in written if r.state == "overdue"),
            "errors": {},
            "focus": None,
            "kept": {},
            "errors_on": {},
            "focus_on": None,
            "kept_on": {},
            "message": None,
            **extra,
        }
    )
    return render(request, "referrals/list.html", context, status_code=status)


@router.get("/referrals")
def referrals_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    who.require_role(Role.PHYSICIAN, *STAFF)
    if who.role is not Role.PHYSICIAN:
        return _overdue_page(request, who, uow)
    return referrals_response(request, who, uow)


def _overdue_page(request: Request, who: Principal, uow: UowDep) -> Response:
    late = reading.overdue(uow.session, who, page=PageParams(page=1, size=LIST_SIZE))
    context = page_context(uow.session, who, active="ref-list")
    context.update({"late": late})
    return render(request, "referrals/overdue.html", context)


@router.post("/referrals/{referral_id}/feedback")
def give_feedback(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    referral_id: str,
    text: Annotated[str, Form()] = "",
    diagnosis: Annotated[str, Form()] = "",
) -> Response:
    """The receiving centre's feedback to the referring physician; closes the referral."""
    who.require_role(Role.PHYSICIAN)
    rid = referral_id_of(referral_id)
    kept = {"text": text, "diagnosis": diagnosis}
    try:
        data = FeedbackIn.model_validate({"text": text, "diagnosis": diagnosis.strip() or None})
    except ValidationError as exc:
        return referrals_response(
            request, who, uow, 422, errors=validation_fa(exc), focus=rid, kept=kept
        )
    try:
        read = service.feedback(uow.session, who, referral_id=rid, data=data)
        uow.commit()
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        return referrals_response(
            request, who, uow, exc.status, errors=problems_fa(exc), focus=rid, kept=kept
        )
    message = f"پس‌خوراند ارجاع {to_persian_digits(read.ref_number)} ثبت شد."
    return referrals_response(request, who, uow, message=message)


# ------------------------------------------------------------------ indicators
@router.get("/referrals/indicators")
def indicators_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, year: str = ""
) -> Response:
    """Referral rate, internal share, feedback and bypass rates, panel size: by province
    and Jalali month, for national and provincial staff."""
    who.require_role(*STAFF)
    this_year = to_jalali(tehran_today()).year
    text = to_ascii_digits(year.strip())
    chosen = (
        int(text) if text.isascii() and text.isdigit() and 1390 <= int(text) <= 1500 else this_year
    )
    report = indicators.indicators(uow.session, who, year=chosen)
    months = sorted({(r.year, r.month) for r in report.rows})
    provinces = sorted({r.province_name_fa for r in report.rows})
    by_key = {(r.year, r.month, r.province_name_fa): r for r in report.rows}
    # a line per province of the country is unreadable: the highest and lowest five and
    # the national average (chart_series); the table below keeps every province
    chart = chart_series.top_and_bottom(
        [f"{MONTHS_FA[m - 1]} {to_persian_digits(y)}" for y, m in months],
        {
            name: [
                by_key[(y, m, name)].referrals if (y, m, name) in by_key else 0 for y, m in months
            ]
            for name in provinces
        },
    )
    context = page_context(uow.session, who, active="ref-indicators")
    context.update(
        {
            "year": chosen,
            "years": list(range(this_year, this_year - 4, -1)),
            "rows": [
                (f"{MONTHS_FA[r.month - 1]} {to_persian_digits(r.year)}", r) for r in report.rows
            ],
            "chart": json.dumps(chart, ensure_ascii=False),
            "chart_note": chart_series.note(chart),
        }
    )
    return render(request, "referrals/indicators.html", context)


# ------------------------------------------------------------------- nav
_NAV: tuple[tuple[str, str, str, str, tuple[Role, ...]], ...] = (
    (
        "/referrals/panel",
        "ref-panel",
        "فهرست پزشک خانواده",
        "افراد ثبت‌نام‌شده، ظرفیت و ثبت‌نام با کد ملی",
        (Role.PHYSICIAN,),
    ),
    (
        "/referrals/new",
        "ref-new",
        "ارجاع بیمار",
        "ارجاع به سطح دو با پیشنهاد مراکز ملکی سازمان",
        (Role.PHYSICIAN,),
    ),
    (
        "/referrals",
        "ref-list",
        "ارجاع‌ها و پس‌خوراند",
        "ارجاع‌های نوشته‌شده و رسیده، پس‌خوراند و دیرکرد",
        (Role.PHYSICIAN, *STAFF),
    ),
    (
        "/referrals/desk",
        "ref-desk",
        "پذیرش ارجاع",
        "بررسی اعتبار ارجاع بیمار با شماره‌ی ارجاع و کد ملی",
        roles_that(Act.RECEIVE_REFERRALS),
    ),
    (
        "/referrals/panels",
        "ref-panels",
        "فهرست‌های پزشکان خانواده",
        "ظرفیت، انتقال و بیمه‌شدگان بدون پزشک خانواده",
        STAFF,
    ),
    (
        "/referrals/indicators",
        "ref-indicators",
        "شاخص‌های نظام ارجاع",
        "نرخ ارجاع، سهم داخلی، پس‌خوراند و دور زدن ارجاع",
        STAFF,
    ),
)


def referral_nav(who: Principal) -> list[dict[str, str]]:
    """The referral screens this role may use."""
    return [
        {"key": key, "href": href, "label": label, "hint": hint}
        for href, key, label, hint, roles in _NAV
        if who.role in roles
    ]


templates.env.globals["referral_nav"] = referral_nav
