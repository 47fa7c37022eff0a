"""Population pages: the care cascade of a quarter per register and province (with each
province's facilities), and the list of patients a facility should call back. Every figure
comes from the population services with the page principal, so each reader sees their
own province or facility only."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from darman.common.errors import InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import jalali_month, parse_jalali, tehran_today
from darman.population import definitions, panel_cascade, prevention, service
from darman.population.schemas import CascadeRead
from darman.registry import service as registry_service
from darman.security.deps import ReadUowDep
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
STATUS_FA = {"lost_to_follow_up": "خارج از پیگیری", "uncontrolled": "کنترل‌نشده"}


def current_quarter() -> str:
    month = jalali_month(tehran_today())
    return f"{month // 100}Q{(month % 100 + 2) // 3}"


def _names(session: Any) -> tuple[dict[str, str], dict[int, str]]:
    provinces = {p.id: p.name_fa for p in registry_service.list_provinces(session)}
    return {r.code: r.name_fa for r in definitions.registers()}, provinces


def _facility_names(session: Any, who: Principal, ids: set[int]) -> dict[int, str]:
    return {i: registry_service.get_facility(session, who, facility_id=i).name for i in ids}


@router.get("/population")
def cascade_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, quarter: str = ""
) -> Response:
    """The cascade of the quarter asked (the current one by default) per register and
    province, then per facility; a malformed quarter is said in Persian on the page."""
    who.require_role(*service.READERS)
    s = uow.session
    asked = quarter.strip() or current_quarter()
    error = ""
    try:
        read = service.cascade(s, who, quarter=asked)
    except InvalidInput as exc:
        error = exc.detail
        read = CascadeRead(quarter=asked, reference_month=0, rows=[])
    registers, provinces = _names(s)
    context = page_context(s, who, active="population")
    context.update({
        "quarter": asked, "error": error, "read": read, "registers": registers,
        "provinces": provinces, "by_province": service.cascade_by_province(read),
        "facilities": _facility_names(s, who, {r.facility_id for r in read.rows}),
    })  # fmt: skip
    context["charts"] = cascade_charts(context["by_province"], registers, provinces)
    return render(request, "population/cascade.html", context)


@router.get("/population/call-back")
def call_back_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, quarter: str = ""
) -> Response:
    """The patients to call back at the end of the quarter: lost to follow-up or uncontrolled."""
    who.require_role(*service.READERS)
    s = uow.session
    asked = quarter.strip() or current_quarter()
    error = ""
    try:
        rows = service.to_call_back(s, who, quarter=asked)
    except InvalidInput as exc:
        error, rows = exc.detail, []
    registers = _names(s)[0]
    context = page_context(s, who, active="population")
    context.update({
        "quarter": asked, "error": error, "rows": rows, "registers": registers,
        "statuses": STATUS_FA,
        "facilities": _facility_names(s, who, {r.facility_id for r in rows}),
    })  # fmt: skip
    return render(request, "population/call_back.html", context)


def population_nav(who: Principal) -> list[dict[str, str]]:
    if who.role not in service.READERS:
        return []
    links = [
        {
            "key": "population",
            "href": "/population",
            "label": "بیماری‌های مزمن",
            "hint": "آبشار مراقبت فشار خون و دیابت به تفکیک استان و مرکز، و بیماران نیازمند پیگیری",
        }
    ]
    if who.role in ACTION_READERS:
        links.append({
            "key": "population-actions",
            "href": "/population/actions",
            "label": "فهرست اقدام پزشک خانواده",
            "hint": "سالمندان فهرست با مراقبت‌های موعد رسیده، کنار بیماران نیازمند پیگیری",
        })  # fmt: skip
    links.append({
        "key": "population-programmes",
        "href": "/population/programmes",
        "label": "پوشش برنامه‌های پیشگیری",
        "hint": "پوشش هر برنامه به تفکیک استان و مرکز در برابر هدف",
    })  # fmt: skip
    return links


# ------------------------------------------------------------------ the cascade's chart
STAGES_FA = (
    ("registered", "ثبت‌شده"), ("under_care", "تحت مراقبت"), ("controlled", "کنترل‌شده"),
    ("uncontrolled", "کنترل‌نشده"), ("no_visit_3m", "بی‌مراجعه در ۳ ماه"),
    ("lost_to_follow_up", "خارج از پیگیری"),
)  # fmt: skip


def cascade_charts(
    by_province: list[Any], registers: dict[str, str], provinces: dict[int, str]
) -> list[dict[str, str]]:
    """One grouped-bar chart per register: the provinces along the axis, a bar per stage
    of the cascade, as the JSON the page's script draws (the table beside it has the same
    numbers for readers without the chart)."""
    out = []
    for code, name in registers.items():
        rows = [r for r in by_province if r.register_code == code]
        if not rows:
            continue
        data = {
            "labels": [provinces.get(r.province_id, "—") for r in rows],
            "series": [
                {"label": label, "values": [getattr(r, key) for r in rows]}
                for key, label in STAGES_FA
            ],
        }
        out.append({"code": code, "name": name, "json": json.dumps(data, ensure_ascii=False)})
    return out


# ------------------------------------------------------------------ the elderly and prevention
# the physician reads their own panel; staff name one; facility desks have no panel to read
ACTION_READERS = (
    Role.ADMIN, Role.HQ_ANALYST, Role.PROVINCE_MANAGER, Role.AUDITOR, Role.PHYSICIAN,
)  # fmt: skip


@router.get("/population/actions")
def actions_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, physician: str = "", on: str = "",
    quarter: str = "",
) -> Response:  # fmt: skip
    """A family physician's action list: the care cascade of their panel for the quarter,
    their panel's elderly with screenings due, beside the patients of their facility to
    call back this quarter. Staff name the physician by
    council number; every refusal or malformed field is said in Persian on the page."""
    who.require_role(*ACTION_READERS)
    s = uow.session
    asked = quarter.strip() or current_quarter()
    error, due, call_back, panel = "", None, [], None
    wanted = physician.strip() or None
    day = None
    if on.strip():
        try:
            day = parse_jalali(on.strip())
        except InvalidInput:
            error = f"روز «{on}» تاریخ شمسی درستی نیست؛ به شکل ۱۴۰۵/۰۶/۳۱ بنویسید"
    if wanted is None and who.role is not Role.PHYSICIAN:
        error = error or "شماره‌ی نظام پزشک خانواده را بنویسید"
    if not error:
        try:
            due = prevention.due_list(s, who, council_number=wanted, on=day)
            panel = panel_cascade.panel_cascade(s, who, quarter=asked, council_number=wanted)
            if due.facility_id is not None:
                call_back = service.to_call_back(s, who, quarter=asked, facility_id=due.facility_id)
        except (InvalidInput, NotFound, PermissionDenied) as exc:
            error = exc.detail
    context = page_context(s, who, active="population-actions")
    context.update({
        "quarter": asked, "physician": physician.strip(), "on": on.strip(), "error": error,
        "due": due, "call_back": call_back, "registers": _names(s)[0], "statuses": STATUS_FA,
        "panel": panel, "stages": STAGES_FA,
        "is_physician": who.role is Role.PHYSICIAN,
    })  # fmt: skip
    return render(request, "population/actions.html", context)


@router.get("/population/programmes")
def programmes_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, programme: str = "", month: str = ""
) -> Response:
    """A prevention programme's coverage at the end of a Jalali month per province, then
    per family physician's facility, against the programme's target."""
    who.require_role(*service.READERS)
    s = uow.session
    listed = prevention.list_programmes(who)
    chosen = programme.strip() or listed[0].code
    error, read = "", None
    try:
        read = prevention.coverage(s, who, programme=chosen, month=month.strip() or None)
    except InvalidInput as exc:
        error = exc.detail
    provinces = _names(s)[1]
    facility_ids = {r.facility_id for r in read.facilities if r.facility_id} if read else set()
    context = page_context(s, who, active="population-programmes")
    context.update({
        "programmes": listed, "chosen": chosen, "month": month.strip(), "error": error,
        "read": read, "provinces": provinces,
        "facilities": _facility_names(s, who, facility_ids),
        "registers": _names(s)[0],
    })  # fmt: skip
    return render(request, "population/programmes.html", context)


templates.env.globals["population_nav"] = population_nav
