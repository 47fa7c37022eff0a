"""The tariffs of a Jalali year and the drug formulary, read-only: national reference data
every signed-in user reads (``registry.catalogues``); amounts in rials with Persian digits
and separators.

The tariffs are priced per Jalali year and their page picks the year by a select, the
latest by default. The formulary is listed per Jalali year too (``drug_years``); its page
picks the year the same way, the current Jalali year by default (the list in force), else
the latest listed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from darman.common.errors import PermissionDenied
from darman.common.jalali import fiscal_year, tehran_today
from darman.common.money import format_rials
from darman.common.persian import to_ascii_digits
from darman.registry import catalogues, scope
from darman.registry.enums import LABELS_FA
from darman.security.deps import ReadUowDep
from darman.security.principal import Principal
from darman.web.registry_pages import BadAddress, Pager, bad_address_page, page_number, search_text
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
templates.env.filters["rials"] = format_rials

DRUG_FORMS_FA = {
    "tablet": "قرص",
    "capsule": "کپسول",
    "syrup": "شربت",
    "injection": "تزریقی",
    "ointment": "پماد",
    "drops": "قطره",
    "inhaler": "افشانه‌ی استنشاقی",
    "suppository": "شیاف",
}


def _year_choice(
    text: str, years: list[int], *, default: int | None = None, what: str = "تعرفه‌ای"
) -> int | None:
    """The year asked for, else ``default`` when listed, else the latest listed one (None
    when nothing is listed)."""
    cleaned = to_ascii_digits(text.strip())
    if not cleaned:
        if default in years:
            return default
        return years[0] if years else None
    if not cleaned.isascii() or not cleaned.isdigit() or int(cleaned) not in years:
        raise BadAddress(f"برای سال «{text[:20]}» {what} ثبت نشده است.")
    return int(cleaned)


@router.get("/registry/tariffs")
def tariffs_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, year: str = "", page: str = ""
) -> Response:
    """Every tariff of one Jalali year: service, level, ownership and amount in rials."""
    _not_for_raters(who)
    session = uow.session
    context = page_context(session, who, active="registry-catalogues")
    years = catalogues.tariff_years(session)
    try:
        paging = page_number(page)
        chosen = _year_choice(year, years)
    except BadAddress as exc:
        return bad_address_page(request, context, exc)
    rows: list[dict[str, Any]] = []
    found = None
    if chosen is not None:
        found = catalogues.list_tariffs(session, page=paging, year=chosen)
        names = catalogues.names_of(session, services={t.service_code for t in found.items})
        rows = [{"t": t, "name": names.get(("service", t.service_code), "")} for t in found.items]
    filters = {"year": str(chosen or "")}
    context.update(
        {
            "years": years,
            "year": chosen,
            "rows": rows,
            "found": found,
            "labels": LABELS_FA,
            "pager": Pager("/registry/tariffs", filters, found.page, found.pages)
            if found
            else None,
        }
    )
    return render(request, "registry/tariffs.html", context)


@router.get("/registry/formulary")
def formulary_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    q: str = "",
    covered: str = "",
    year: str = "",
    page: str = "",
) -> Response:
    """The drug formulary of one Jalali year by generic code, searched by name or exact
    code, with whether the insurer covers each drug that year and its reference price per
    unit in rials."""
    _not_for_raters(who)
    session = uow.session
    context = page_context(session, who, active="registry-catalogues")
    years = catalogues.formulary_years(session)
    try:
        paging = page_number(page)
        chosen = _year_choice(year, years, default=fiscal_year(tehran_today()), what="فهرست دارویی")
        if covered not in ("", "yes", "no"):
            raise BadAddress(f"پالایه‌ی پوشش «{covered[:20]}» شناخته نیست.")
    except BadAddress as exc:
        return bad_address_page(request, context, exc)
    found = None
    if chosen is not None:
        found = catalogues.list_formulary(
            session,
            page=paging,
            year=chosen,
            covered={"yes": True, "no": False}.get(covered),
            q=search_text(q) or None,
        )
    searched = {"q": q.strip(), "covered": covered}
    filters = {**searched, "year": str(chosen or "")}
    context.update(
        {
            "found": found,
            "years": years,
            "year": chosen,
            "filters": filters,
            "filtered": any(searched.values()),
            "forms": DRUG_FORMS_FA,
            "pager": Pager("/registry/formulary", filters, found.page, found.pages)
            if found
            else None,
        }
    )
    return render(request, "registry/formulary.html", context)


def _not_for_raters(who: Principal) -> None:
    # an interview rater works on their own scorecards and reads no registry
    if scope.own_records_only(who):
        raise PermissionDenied(scope.OWN_REFUSED)


def registry_catalogue_nav(who: Principal) -> list[dict[str, str]]:
    """Tariffs and the formulary: reference data, open to every signed-in role with a
    place (a rater has none)."""
    if scope.own_records_only(who):
        return []
    return [
        {
            "key": "registry-catalogues",
            "href": "/registry/tariffs",
            "label": "تعرفه‌ها و فهرست دارو",
            "hint": "تعرفه‌ی خدمات هر سال و داروهای فهرست سازمان",
        }
    ]
