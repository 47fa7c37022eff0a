"""Population pages: the care cascade of a quarter per register and province (with each
province's facilities), and the list of patients a facility should call back. Every figure
comes from the population services with the page principal, so each reader sees their
own province or facility only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from darman.common.errors import InvalidInput
from darman.common.jalali import jalali_month, tehran_today
from darman.population import definitions, service
from darman.population.schemas import CascadeRead
from darman.registry import service as registry_service
from darman.security.deps import ReadUowDep
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
    return [
        {
            "key": "population",
            "href": "/population",
            "label": "بیماری‌های مزمن",
            "hint": "آبشار مراقبت فشار خون و دیابت به تفکیک استان و مرکز، و بیماران نیازمند پیگیری",
        }
    ]


templates.env.globals["population_nav"] = population_nav
