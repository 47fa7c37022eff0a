"""REST endpoints of the circulars repository: record one, read one with its effects and
timeline, search, in force on a day, clusters, consolidation projects and the progress
report. A circular's number may hold a slash (``1403/125``), so it travels as the path's
tail (``/by-number/1403/125``) or as a parameter."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from darman.circulars import attachments, consolidation, search, service, workbench
from darman.circulars import audience as addressed
from darman.circulars.enums import Status
from darman.circulars.schemas import CircularCreate, Number
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import format_jalali
from darman.common.validators import AnyDate, parse_any_date
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/circulars", tags=["circulars"])
DateQuery = Annotated[
    str | None, Query(max_length=10, description="Jalali 1403/01/01 or 2024-03-20")
]


ProvinceQuery = Annotated[
    str | None,
    Query(max_length=64, description="a province's code (07) or Persian name"),
]
KindQuery = Annotated[
    str | None,
    Query(max_length=64, description="a kind of centre (hospital, or its Persian label)"),
]


def content_disposition(filename: str) -> str:
    """An attachment header that keeps a Persian file name (RFC 6266 ``filename*``), with
    an ASCII fallback for clients that read only ``filename``."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _day(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day: dt.date = parse_any_date(value)
    except ValueError as exc:
        raise InvalidInput(f"{field}: تاریخ نادرست است", [FieldProblem(field, str(exc))]) from exc
    return day


@router.post("", status_code=201)
def create(body: CircularCreate, who: PrincipalDep, uow: UowDep) -> object:
    """Record one circular and its effects on circulars already stored (headquarters)."""
    c = service.create(uow.session, who, body)
    out = service.read(c)
    uow.commit()
    return out


@router.get("/search")
def search_circulars(
    who: PrincipalDep,
    uow: ReadUowDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    issuer: Annotated[str | None, Query(max_length=200)] = None,
    status: Status | None = None,
    audience: Annotated[str | None, Query(max_length=100)] = None,
    province: ProvinceQuery = None,
    facility_kind: KindQuery = None,
    issued_from: DateQuery = None,
    issued_to: DateQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> object:
    """Circulars holding every word of ``q`` (typed any way: Arabic or Persian letters, any
    digits, with or without the zero-width non-joiner or diacritics), best first, each with
    its matched passage and the marked words as character offsets into it."""
    filters = search.Filters(
        issued_from=_day(issued_from, "issued_from"),
        issued_to=_day(issued_to, "issued_to"),
        issuer=issuer,
        status=status,
        audience=audience,
        province=addressed.code_of(addressed.PROVINCE, province),
        facility_kind=addressed.code_of(addressed.FACILITY_KIND, facility_kind),
    )
    found = search.search(uow.session, who, q, filters=filters, limit=limit, offset=offset)
    # past COUNT_CAP matches, "total" is the cap and "more" is true
    return {"total": found.total, "more": found.more, "items": found.hits}


@router.get("/in-force")
def in_force(
    who: PrincipalDep,
    uow: ReadUowDep,
    on: Annotated[str, Query(max_length=10, description="Jalali 1405/01/01 or 2026-03-21")],
    issuer: Annotated[str | None, Query(max_length=200)] = None,
    province: ProvinceQuery = None,
    facility_kind: KindQuery = None,
) -> object:
    """The circulars that applied on the day, with their status then and the amendments
    in force then; with a province or a kind of centre, only those binding it."""
    day = _day(on, "on")
    if day is None:
        raise InvalidInput("on: روز را بدهید", [FieldProblem("on", "خالی است")])
    found = service.in_force(
        uow.session,
        who,
        day,
        issuer=issuer,
        province=addressed.code_of(addressed.PROVINCE, province),
        facility_kind=addressed.code_of(addressed.FACILITY_KIND, facility_kind),
    )
    return {
        "on": day,
        "on_fa": format_jalali(day),
        "items": [
            {
                "number": f.circular.number,
                "subject": f.circular.subject,
                "issuer": f.circular.issuer,
                "issued_on": f.circular.issued_on,
                "status": f.status.value,
                "amended_by": [
                    {"number": e.source, "provisions": e.provisions, "effective_on": e.effective_on}
                    for e in f.amendments
                ],
            }
            for f in found
        ],
    }


@router.get("/by-number/{number:path}")
def get_circular(
    who: PrincipalDep, uow: ReadUowDep, number: Annotated[str, Path(max_length=32)]
) -> object:
    """One circular with its effects (on it and by it) and its timeline."""
    c = service.read(service.get(uow.session, who, number))
    on_it, by_it = service.effects_of(uow.session, who, number)
    return {
        "circular": c,
        "attachments": attachments.listed(uow.session, who, number),
        "effects_on_it": on_it,
        "effects_by_it": by_it,
        "timeline": service.timeline(uow.session, who, number),
    }


NumberQuery = Annotated[
    str, Query(min_length=1, max_length=32, description="the circular's number")
]


@router.post("/attachments", status_code=201)
def attach_file(
    file: UploadFile, number: NumberQuery, who: PrincipalDep, uow: UowDep, response: Response
) -> object:
    """Attach a file to the circular (headquarters). The same content again returns the
    stored attachment with 200 and changes nothing."""
    content = file.file.read(attachments.MAX_BYTES + 1)
    a, new = attachments.attach(uow.session, who, number, file.filename or "", content)
    out = attachments.read(a)
    uow.commit()
    if not new:
        response.status_code = 200
    return out


@router.get("/attachments")
def list_attachments(who: PrincipalDep, uow: ReadUowDep, number: NumberQuery) -> object:
    """The circular's attached files, without their content."""
    return attachments.listed(uow.session, who, number)


@router.get("/attachments/{attachment_id}")
def download_attachment(
    who: PrincipalDep, uow: ReadUowDep, attachment_id: Annotated[int, Path(ge=1)]
) -> Response:
    """One attached file as it was handed over."""
    a = attachments.fetch(uow.session, who, attachment_id)
    return Response(
        content=a.content,
        media_type=a.media_type,
        headers={"Content-Disposition": content_disposition(a.filename)},
    )


def _clusters_out(computed: workbench.Computed | None, found: list[workbench.Cluster]) -> object:
    return {
        "computed_at": computed.at.isoformat() if computed else None,
        "computed_at_fa": computed.at_fa if computed else "",
        "circulars_clustered": computed.circulars if computed else 0,
        "clusters": [
            {
                "members": [m.__dict__ for m in c.members],
                "centre": c.centre,
                "best_jaccard": round(c.best_jaccard, 4),
                "best_containment": round(c.best_containment, 4),
            }
            for c in found
        ],
    }


@router.get("/clusters")
def clusters(who: PrincipalDep, uow: ReadUowDep) -> object:
    """The stored groups of overlapping circulars still in force, largest first, and when
    they were computed (null: never; POST ``/clusters/refresh``)."""
    return _clusters_out(workbench.computed(uow.session, who), workbench.clusters(uow.session, who))


@router.post("/clusters/refresh")
def refresh_clusters(who: PrincipalDep, uow: UowDep) -> object:
    """Compute the clusters of the circulars in force now and store them (headquarters)."""
    computed = workbench.refresh(uow.session, who)
    out = _clusters_out(computed, workbench.clusters(uow.session, who))
    uow.commit()
    return out


@router.get("/progress")
def progress(who: PrincipalDep, uow: ReadUowDep) -> object:
    """Circulars in force before consolidation and now, the target, clusters left."""
    p = workbench.progress(uow.session, who)
    return {**p.__dict__, "share_done": round(p.share_done, 4)}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectIn(Strict):
    number: Number
    subject: Annotated[str, Field(min_length=2, max_length=300)]
    members: list[Number] = Field(min_length=2, max_length=500)
    effective_on: AnyDate


class ProjectOut(BaseModel):
    number: str
    subject: str
    status: str
    effective_on: dt.date
    effective_on_fa: str
    members: list[str]
    approvers: list[str]
    draft: str


def _project(view: consolidation.ProjectView) -> ProjectOut:
    p = view.project
    return ProjectOut(
        number=p.number, subject=p.subject, status=p.status, effective_on=p.effective_on,
        effective_on_fa=format_jalali(p.effective_on), members=view.members,
        approvers=view.approvers, draft=p.draft,
    )  # fmt: skip


@router.get("/projects")
def projects(who: PrincipalDep, uow: ReadUowDep) -> list[ProjectOut]:
    return [_project(v) for v in consolidation.list_projects(uow.session, who)]


@router.post("/projects", status_code=201)
def create_project(body: ProjectIn, who: PrincipalDep, uow: UowDep) -> ProjectOut:
    """Draft a consolidated circular from circulars in force; it will repeal them."""
    view = consolidation.create(
        uow.session, who, number=body.number, subject=body.subject, members=body.members,
        effective_on=body.effective_on,
    )  # fmt: skip
    out = _project(view)
    uow.commit()
    return out


@router.post("/projects/{number:path}/approve")
def approve_project(
    who: PrincipalDep, uow: UowDep, number: Annotated[str, Path(max_length=32)]
) -> ProjectOut:
    """The caller's approval; the second person's issues the consolidated circular.
    Approving again changes nothing."""
    out = _project(consolidation.approve(uow.session, who, number))
    uow.commit()
    return out
