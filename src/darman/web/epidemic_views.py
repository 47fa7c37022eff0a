"""Epidemic pages: the cost dashboard (per province and ownership, the distribution and
the months of discharge) and the monthly statements to the government (list and issue,
detail, a printable page, Excel). Every figure comes from the population services with the
page principal: a province's manager sees their province's cost, statements are national."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse

from darman.common.errors import Conflict, InvalidInput
from darman.common.paging import MAX_ID
from darman.common.persian import to_persian_digits
from darman.population import epidemic_service as cost
from darman.population import epidemic_statements as statements
from darman.population.epidemic_schemas import CostSummary
from darman.registry import service as registry_service
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.synth import service as synth
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
IdP = Annotated[int, Path(ge=1, le=MAX_ID)]
OWNERSHIP_FA = {"owned": "ملکی", "contracted": "طرف قرارداد"}
CHART_HEIGHT = 120
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _provinces(session: Any) -> dict[int, str]:
    return {p.id: p.name_fa for p in registry_service.list_provinces(session)}


def _bars(summary: CostSummary) -> list[dict[str, Any]]:
    """The months of discharge as SVG bars (heights in pixels; no inline style is allowed)."""
    top = max((m.admissions for m in summary.months), default=0) or 1
    return [
        {"month": m.month, "admissions": m.admissions, "insurer": m.insurer_rials,
         "height": round(CHART_HEIGHT * m.admissions / top), "x": i * 22}
        for i, m in enumerate(summary.months)
    ]  # fmt: skip


def _scale_note(session: Any) -> str:
    """Said on the page when the figures come from the demo's synthetic country."""
    found = synth.existing_seed(session)
    if found is None or found.scale >= 1:
        return ""
    # written out (0.0002, never 2e-04) in Persian digits with the Persian decimal point
    return to_persian_digits(f"{found.scale:.6f}".rstrip("0").rstrip(".").replace(".", "٫"))


@router.get("/population/epidemic")
def dashboard(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The epidemic's cost per province and ownership, its distribution and its months."""
    who.require_role(*cost.COST_READERS)
    s = uow.session
    summary = cost.cost_summary(s, who)
    rows = summary.rows
    context = page_context(s, who, active="epidemic")
    context.update({
        "summary": summary, "provinces": _provinces(s), "ownership": OWNERSHIP_FA,
        "whole": next((r for r in rows if r.province_id is None and r.ownership is None), None),
        "by_ownership": [r for r in rows if r.province_id is None and r.ownership is not None],
        "by_province": [r for r in rows if r.province_id is not None and r.ownership is None],
        "detail": [r for r in rows if r.province_id is not None and r.ownership is not None],
        "bars": _bars(summary), "chart_height": CHART_HEIGHT, "scale": _scale_note(s),
        "may_read_statements": who.role in statements.READERS,
    })  # fmt: skip
    return render(request, "population/epidemic.html", context)


def _list_response(
    request: Request, who: Principal, session: Any, *, month: str = "", error: str = "",
    message: str = "", status: int = 200,
) -> Response:  # fmt: skip
    context = page_context(session, who, active="epidemic")
    context.update({
        "statements": statements.list_statements(session, who), "month": month,
        "error": error, "message": message, "may_issue": who.role in statements.ISSUERS,
    })  # fmt: skip
    return render(request, "population/epidemic_statements.html", context, status_code=status)


@router.get("/population/epidemic/statements")
def statements_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, issued: int = 0, again: int = 0
) -> Response:
    """The statements issued, latest first, with the form to issue a month's."""
    who.require_role(*statements.READERS)
    message = ""
    if issued:
        message = "صورت‌حساب صادر شد." if not again else "این ماه پیش‌تر با همین ارقام صادر شده بود."
    return _list_response(request, who, uow.session, message=message)


@router.post("/population/epidemic/statements")
def issue_page(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    month: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Issue a month's statement; a bad month or a month that needs a correction is said in
    Persian on the list."""
    who.require_role(*statements.ISSUERS)
    try:
        result = statements.issue(uow.session, who, month=month)
        uow.commit()
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        return _list_response(
            request, who, uow.session, month=month, error=exc.detail, status=exc.status
        )
    again = "" if result.created else "&again=1"
    return RedirectResponse(
        f"/population/epidemic/statements/{result.statement.id}?issued=1{again}", 303
    )


def _detail_context(request: Request, who: Principal, session: Any, statement_id: int) -> Any:
    detail = statements.get(session, who, statement_id=statement_id)
    provinces, facilities = statements.place_names(session, who, detail)
    context = page_context(session, who, active="epidemic")
    context.update({
        "s": detail, "provinces": provinces, "facilities": facilities,
        "ownership": OWNERSHIP_FA, "episode": cost.episode(detail.episode_code),
        "may_issue": who.role in statements.ISSUERS,
    })  # fmt: skip
    return context


@router.get("/population/epidemic/statements/{statement_id}")
def statement_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, statement_id: IdP, issued: int = 0,
    again: int = 0,
) -> Response:  # fmt: skip
    """A statement with its lines per admission and what it corrects or is corrected by."""
    who.require_role(*statements.READERS)
    context = _detail_context(request, who, uow.session, statement_id)
    context["message"] = (
        ("این ماه پیش‌تر با همین ارقام صادر شده بود." if again else "صورت‌حساب صادر شد.")
        if issued
        else ""
    )
    return render(request, "population/epidemic_statement.html", context)


@router.get("/population/epidemic/statements/{statement_id}/print")
def statement_print(
    request: Request, who: PagePrincipal, uow: ReadUowDep, statement_id: IdP
) -> Response:
    """The statement as a printable Persian page (A4, no menus)."""
    who.require_role(*statements.READERS)
    context = _detail_context(request, who, uow.session, statement_id)
    return render(request, "population/epidemic_print.html", context)


@router.get("/population/epidemic/statements/{statement_id}/xlsx")
def statement_xlsx(who: PagePrincipal, uow: ReadUowDep, statement_id: IdP) -> Response:
    name, content = statements.workbook(uow.session, who, statement_id=statement_id)
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/population/epidemic/statements/{statement_id}/corrections")
def correct_page(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    statement_id: IdP,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Issue a correction from the statement's page; a refusal is said on it in Persian."""
    who.require_role(*statements.ISSUERS)
    try:
        new = statements.correct(uow.session, who, statement_id=statement_id, reason=reason)
        uow.commit()
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        context = _detail_context(request, who, uow.session, statement_id)
        context.update({"message": "", "error": exc.detail, "reason": reason})
        return render(request, "population/epidemic_statement.html", context, exc.status)
    return RedirectResponse(f"/population/epidemic/statements/{new.id}?issued=1", 303)


def epidemic_nav(who: Principal) -> list[dict[str, str]]:
    if who.role not in cost.COST_READERS:
        return []
    return [
        {
            "key": "epidemic",
            "href": "/population/epidemic",
            "label": "هزینه‌ی همه‌گیری",
            "hint": "هزینه‌ی بستری‌های کووید-۱۹ به تفکیک استان و مالکیت، و صورت‌حساب ماهانه به دولت",
        }
    ]


templates.env.globals["epidemic_nav"] = epidemic_nav
