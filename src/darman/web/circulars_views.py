"""Circulars pages: search with the matched words highlighted, one circular with its
effects and timeline, and the consolidation workbench (clusters, projects and the progress
toward the target with a bar chart). Every member of staff reads them; every figure comes
from the circulars services with the page principal."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from darman.circulars import attachments, consolidation, search, service, workbench
from darman.circulars import audience as addressed
from darman.circulars.api import content_disposition
from darman.circulars.enums import EFFECT_FA, PROJECT_FA, STATUS_FA, ProjectStatus, Status
from darman.common.errors import DarmanError, FieldProblem, InvalidInput
from darman.common.persian import to_ascii_digits
from darman.common.validators import parse_any_date
from darman.registry.enums import LABELS_FA, FacilityKind
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
PAGE = 20
KINDS_FA = {k.value: LABELS_FA[k] for k in FacilityKind}


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
    page: PageNumber,
    q: str = "",
    issuer: str = "",
    status: str = "",
    since: str = "",
    until: str = "",
    province: str = "",
    kind: str = "",
) -> Response:
    """The search form and, when asked, the circulars found with their passages."""
    who.require_role(*service.READERS)
    errors: list[str] = []
    filters = search.Filters(
        issued_from=_date(since, "«از تاریخ»", errors),
        issued_to=_date(until, "«تا تاریخ»", errors),
        issuer=issuer.strip() or None,
        status=Status(status) if status in {s.value for s in Status} else None,
        province=province if province in addressed.province_names() else None,
        facility_kind=kind if kind in KINDS_FA else None,
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
            "province": province,
            "kind": kind,
            "provinces_fa": addressed.province_names(),
            "kinds_fa": KINDS_FA,
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
    request: Request, who: PagePrincipal, uow: ReadUowDep, number: str = "", done: str = ""
) -> Response:
    """One circular: its particulars, whom it binds, its attachments, text, effects on it
    and by it, and its timeline."""
    if not number:
        raise InvalidInput("شماره‌ی بخشنامه را بدهید", [FieldProblem("number", "خالی")])
    return _circular(request, who, uow.session, number[:32], done=done)


def _circular(
    request: Request,
    who: Principal,
    session: Session,
    number: str,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    c = service.read(service.get(session, who, number))
    on_it, by_it = service.effects_of(session, who, c.number)
    context = page_context(session, who, active="circulars")
    message = {"attached": "پرونده پیوست شد.", "again": "این پرونده پیش‌تر پیوست شده بود."}
    context.update(
        {
            "tab": "search",
            "c": c,
            "files": attachments.listed(session, who, c.number),
            "may_write": who.role in service.WRITERS,
            "message": message.get(done, ""),
            "error": error,
            "on_it": on_it,
            "by_it": by_it,
            "timeline": service.timeline(session, who, c.number),
            "effect_fa": {k.value: label for k, label in EFFECT_FA.items()},
        }
    )
    return render(request, "circulars/view.html", context, status_code=status)


@router.post("/circulars/attachments")
def attachment_upload(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    file: UploadFile,
    number: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Attach a file to the circular (headquarters); a bad file is named on the page."""
    who.require_role(*service.WRITERS)
    content = file.file.read(attachments.MAX_BYTES + 1)
    try:
        _, new = attachments.attach(uow.session, who, number, file.filename or "", content)
        uow.commit()
    except DarmanError as exc:
        uow.rollback()
        reasons = "؛ ".join(p.reason for p in exc.problems)
        error = f"{exc.detail}{': ' + reasons if reasons else ''}"
        return _circular(request, who, uow.session, number, error=error, status=exc.status)
    done = "attached" if new else "again"
    return RedirectResponse(f"/circulars/view?number={quote(number)}&done={done}", status_code=303)


@router.get("/circulars/attachments/{attachment_id}")
def attachment_download(
    who: PagePrincipal, uow: ReadUowDep, attachment_id: Annotated[int, Path(ge=1)]
) -> Response:
    """One attached file as it was handed over."""
    a = attachments.fetch(uow.session, who, attachment_id)
    return Response(
        content=a.content,
        media_type=a.media_type,
        headers={"Content-Disposition": content_disposition(a.filename)},
    )


@router.get("/circulars/workbench")
def workbench_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, done: str = ""
) -> Response:
    """Clusters of overlapping circulars in force, the consolidation projects, and the
    progress toward the target."""
    who.require_role(*service.READERS)
    message = DONE_FA.get(done)
    return _workbench(request, who, uow.session, message=message)


DONE_FA = {
    "clustered": "خوشه‌ها دوباره محاسبه و ذخیره شدند.",
    "created": "طرح تجمیعی ساخته شد؛ دو نفر باید آن را تأیید کنند.",
    "approved": "تأیید شما ثبت شد.",
}


def _workbench(
    request: Request,
    who: Principal,
    session: Session,
    *,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    report = workbench.progress(session, who)
    top = max(report.in_force_before, report.in_force_now, report.target, 1)
    bars: list[dict[str, Any]] = [
        {"key": "before", "label": "نافذ پیش از تجمیع", "value": report.in_force_before},
        {"key": "now", "label": "نافذ اکنون", "value": report.in_force_now},
        {"key": "target", "label": "هدف", "value": report.target},
    ]
    for bar in bars:
        bar["percent"] = round(100 * bar["value"] / top)
    context = page_context(session, who, active="circulars")
    context.update(
        {
            "tab": "workbench",
            "report": report,
            "bars": bars,
            "clusters": workbench.clusters(session, who)[:50],
            "computed": workbench.computed(session, who),
            "projects": consolidation.list_projects(session, who),
            "project_fa": {s.value: label for s, label in PROJECT_FA.items()},
            "status_fa": {s.value: label for s, label in STATUS_FA.items()},
            "draft": ProjectStatus.DRAFT.value,
            "may_write": who.role in service.WRITERS,
            "message": message,
            "error": error,
        }
    )
    return render(request, "circulars/workbench.html", context, status_code=status)


@router.post("/circulars/workbench/projects")
def project_create(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    members: Annotated[str, Form(max_length=20_000)] = "",
    number: Annotated[str, Form(max_length=64)] = "",
    subject: Annotated[str, Form(max_length=300)] = "",
    effective_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Draft a consolidated circular from a cluster's members (headquarters)."""
    who.require_role(*service.WRITERS)
    try:
        day = parse_any_date(effective_on)
        if day is None:
            raise ValueError("خالی است")
    except ValueError:
        error = f"تاریخ اجرای «{effective_on}» درست نیست؛ مانند ۱۴۰۵/۰۱/۰۱ بنویسید."
        return _workbench(request, who, uow.session, error=error, status=422)
    try:
        consolidation.create(
            uow.session, who, number=to_ascii_digits(number.strip()),
            subject=subject.strip() or "بخشنامه‌ی تجمیعی",
            members=[m.strip() for m in members.split(",") if m.strip()], effective_on=day,
        )  # fmt: skip
        uow.commit()
    except DarmanError as exc:
        uow.rollback()
        reasons = "؛ ".join(p.reason for p in exc.problems)
        error = f"{exc.detail}{': ' + reasons if reasons else ''}"
        return _workbench(request, who, uow.session, error=error, status=exc.status)
    return RedirectResponse("/circulars/workbench?done=created", status_code=303)


@router.post("/circulars/workbench/clusters")
def clusters_refresh(who: PagePrincipal, uow: UowDep) -> Response:
    """Compute the clusters of the circulars in force now and store them (headquarters)."""
    who.require_role(*service.WRITERS)
    workbench.refresh(uow.session, who)
    uow.commit()
    return RedirectResponse("/circulars/workbench?done=clustered", status_code=303)


@router.post("/circulars/workbench/approve")
def project_approve(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    number: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The caller's approval of a draft; the second person's issues it. Approving again
    changes nothing."""
    who.require_role(*service.WRITERS)
    consolidation.approve(uow.session, who, number[:32])
    uow.commit()
    return RedirectResponse("/circulars/workbench?done=approved", status_code=303)


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
