"""Circulars pages: search with the matched words highlighted, one circular with its
effects and timeline, and the consolidation workbench (clusters, projects and the progress
toward the target with a bar chart). Every member of staff reads them; every figure comes
from the circulars services with the page principal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from darman.circulars import consolidation, search, service, workbench
from darman.circulars.enums import EFFECT_FA, PROJECT_FA, STATUS_FA, ProjectStatus, Status
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.validators import parse_any_date
from darman.security.deps import ReadUowDep
from darman.security.principal import Principal
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
PAGE = 20


def segments(passage: str, marks: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The passage cut into (text, is a match) pieces, for the template to mark safely."""
    out: list[tuple[str, bool]] = []
    last = 0
    for a, b in marks:
        if a > last:
            out.append((passage[last:a], False))
        out.append((passage[a:b], True))
        last = b
    if last < len(passage):
        out.append((passage[last:], False))
    return out


def _date(value: str, field: str, errors: list[str]) -> Any:
    if not value.strip():
        return None
    try:
        return parse_any_date(value)
    except ValueError:
        errors.append(f"تاریخ «{value}» در {field} درست نیست؛ مانند ۱۴۰۳/۰۱/۰۱ بنویسید.")
        return None


@router.get("/circulars")
def search_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    q: str = "",
    issuer: str = "",
    status: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    """The search form and, when asked, the circulars found with their passages."""
    who.require_role(*service.READERS)
    errors: list[str] = []
    filters = search.Filters(
        issued_from=_date(since, "«از تاریخ»", errors),
        issued_to=_date(until, "«تا تاریخ»", errors),
        issuer=issuer.strip() or None,
        status=Status(status) if status in {s.value for s in Status} else None,
    )
    found = None
    page = max(1, min(page, 500))
    if q.strip() and not errors:
        try:
            found = search.search(
                uow.session, who, q[:500], filters=filters, limit=PAGE, offset=(page - 1) * PAGE
            )
        except InvalidInput as exc:
            errors.append(exc.detail)
    context = page_context(uow.session, who, active="circulars")
    context.update(
        {
            "tab": "search",
            "q": q,
            "issuer": issuer,
            "status": status,
            "since": since,
            "until": until,
            "page": page,
            "found": found,
            "errors": errors,
            "segments": segments,
            "status_fa": {s.value: label for s, label in STATUS_FA.items()},
            "pages": ((found.total + PAGE - 1) // PAGE) if found else 0,
        }
    )
    return render(request, "circulars/search.html", context)


@router.get("/circulars/view")
def circular_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, number: str = ""
) -> Response:
    """One circular: its particulars, text, effects on it and by it, and its timeline."""
    if not number:
        raise InvalidInput("شماره‌ی بخشنامه را بدهید", [FieldProblem("number", "خالی")])
    c = service.read(service.get(uow.session, who, number[:32]))
    on_it, by_it = service.effects_of(uow.session, who, c.number)
    context = page_context(uow.session, who, active="circulars")
    context.update(
        {
            "tab": "search",
            "c": c,
            "on_it": on_it,
            "by_it": by_it,
            "timeline": service.timeline(uow.session, who, c.number),
            "effect_fa": {k.value: label for k, label in EFFECT_FA.items()},
        }
    )
    return render(request, "circulars/view.html", context)


@router.get("/circulars/workbench")
def workbench_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """Clusters of overlapping circulars in force, the consolidation projects, and the
    progress toward the target."""
    who.require_role(*service.READERS)
    report = workbench.progress(uow.session, who)
    top = max(report.in_force_before, report.in_force_now, report.target, 1)
    bars: list[dict[str, Any]] = [
        {"key": "before", "label": "نافذ پیش از تجمیع", "value": report.in_force_before},
        {"key": "now", "label": "نافذ اکنون", "value": report.in_force_now},
        {"key": "target", "label": "هدف", "value": report.target},
    ]
    for bar in bars:
        bar["percent"] = round(100 * bar["value"] / top)
    context = page_context(uow.session, who, active="circulars")
    context.update(
        {
            "tab": "workbench",
            "report": report,
            "bars": bars,
            "clusters": workbench.clusters(uow.session, who)[:50],
            "projects": consolidation.list_projects(uow.session, who),
            "project_fa": {s.value: label for s, label in PROJECT_FA.items()},
            "status_fa": {s.value: label for s, label in STATUS_FA.items()},
            "draft": ProjectStatus.DRAFT.value,
        }
    )
    return render(request, "circulars/workbench.html", context)


def circulars_nav(who: Principal) -> list[dict[str, str]]:
    if who.role not in service.READERS:
        return []
    return [
        {
            "key": "circulars",
            "href": "/circulars",
            "label": "بخشنامه‌ها",
            "hint": "جست‌وجوی بخشنامه‌ها، سرگذشت هر بخشنامه و تجمیع بخشنامه‌های همپوشان",
        }
    ]


templates.env.globals["circulars_nav"] = circulars_nav
