"""Facilities in the browser: searched, filtered and paged within the caller's scope, one
opened, and edited.

Every read and write goes through ``registry.service``: the scope filter and the write
check are the service's, never this module's. A user the service would refuse sees no
edit form (``may_write_people``), and a post from them gets the Persian 403 page. A wrong
field comes back beside the field, in Persian, with what was typed kept; nothing is
written then. Practitioners and insured people are in ``registry_people_views``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from darman.common.errors import DarmanError, FieldProblem, PermissionDenied
from darman.common.persian import to_persian_digits
from darman.registry import scope
from darman.registry import service as registry
from darman.registry.enums import LABELS_FA
from darman.registry.schemas import FacilityRead, FacilityUpdate
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web.registry_pages import (
    KINDS,
    OWNERSHIPS,
    Pager,
    by_field,
    kind_choice,
    list_page,
    ownership_choice,
    page_number,
    province_choice,
    province_names,
    read_form,
    recent_changes,
    row_id,
    search_text,
)
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

COUNT_FIELDS_FA = {
    "beds_general": "تخت عادی",
    "beds_icu": "تخت ICU",
    "beds_ccu": "تخت CCU",
    "beds_nicu": "تخت NICU",
    "ct_scanners": "دستگاه CT",
    "mri_scanners": "دستگاه MRI",
    "angiography_units": "دستگاه آنژیوگرافی",
    "dialysis_machines": "دستگاه دیالیز",
    "ambulances": "آمبولانس",
    "physicians": "پزشک",
    "nurses": "پرستار",
    "other_staff": "سایر کارکنان",
}
FIELDS_FA = {"name": "نام", "level": "سطح", "city": "شهر", "is_active": "فعال", **COUNT_FIELDS_FA}


@router.get("/registry/facilities")
def facilities_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    q: str = "",
    province: str = "",
    kind: str = "",
    ownership: str = "",
    page: str = "",
) -> Response:
    """Facilities in scope by code order, searched by name or exact code, filtered by
    province, kind and ownership, 25 a page."""

    def read(context: dict[str, Any]) -> None:
        paging = page_number(page)
        code = province_choice(province, context["provinces"])
        found = registry.list_facilities(
            uow.session, who, page=paging, province_code=code, kind=kind_choice(kind),
            ownership=ownership_choice(ownership), q=search_text(q) or None,
        )  # fmt: skip
        filters = {"q": q.strip(), "province": province, "kind": kind, "ownership": ownership}
        context.update(
            {
                "found": found,
                "filters": filters,
                "filtered": any(filters.values()),
                "kinds": KINDS,
                "ownerships": OWNERSHIPS,
                "labels": LABELS_FA,
                "pager": Pager("/registry/facilities", filters, found.page, found.pages),
            }
        )

    return list_page(request, uow.session, who, template="registry/facilities.html", read=read)


def _facility_page(
    request: Request,
    who: Principal,
    session: Session,
    facility: FacilityRead,
    *,
    form: dict[str, str] | None = None,
    problems: list[FieldProblem] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Response:
    problems = problems or []
    context = page_context(session, who, active="registry-records")
    context.update(
        {
            "facility": facility,
            "labels": LABELS_FA,
            "province_name": province_names(session).get(facility.province_code, ""),
            "may_edit": registry.may_write_people(who, facility.province_id),
            "form": form if form is not None else _facility_form(facility),
            "by_field": by_field(problems),
            "problems": [(FIELDS_FA.get(p.field or "", p.field or ""), p.reason) for p in problems],
            "counts": COUNT_FIELDS_FA,
            "saved": saved,
            "entries": recent_changes(
                session, who, entity="facility", entity_id=facility.id, labels=FIELDS_FA
            ),
        }
    )
    return render(request, "registry/facility.html", context, status_code=status)


def _facility_form(f: FacilityRead) -> dict[str, str]:
    """The stored values as the form shows them."""
    form = {k: to_persian_digits(getattr(f, k)) for k in ("level", *COUNT_FIELDS_FA)}
    # the name and city as stored: Persian digits typed back would change them
    form.update(name=f.name, city=f.city)
    form["is_active"] = "on" if f.is_active else ""
    return form


@router.get("/registry/facilities/{facility_id}")
def facility_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, facility_id: str, saved: str = ""
) -> Response:
    """One facility: what it is, its beds, equipment and staff, its latest audit entries,
    and the edit form for those who may change it."""
    found = registry.get_facility(uow.session, who, facility_id=row_id(facility_id))
    return _facility_page(request, who, uow.session, found, saved=saved == "1")


class FacilityForm(BaseModel):
    """The edit form as sent: text, read into ``FacilityUpdate`` by the service's schema."""

    name: str = Field("", max_length=400)
    level: str = Field("", max_length=20)
    city: str = Field("", max_length=200)
    beds_general: str = Field("", max_length=40)
    beds_icu: str = Field("", max_length=40)
    beds_ccu: str = Field("", max_length=40)
    beds_nicu: str = Field("", max_length=40)
    ct_scanners: str = Field("", max_length=40)
    mri_scanners: str = Field("", max_length=40)
    angiography_units: str = Field("", max_length=40)
    dialysis_machines: str = Field("", max_length=40)
    ambulances: str = Field("", max_length=40)
    physicians: str = Field("", max_length=40)
    nurses: str = Field("", max_length=40)
    other_staff: str = Field("", max_length=40)
    is_active: str = Field("", max_length=8)


@router.post("/registry/facilities/{facility_id}")
def edit_facility(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    facility_id: str,
    sent: Annotated[FacilityForm, Form()],
) -> Response:
    """Change a facility through ``registry.update_facility`` (write check and audit entry
    there); a field the schema refuses is named beside it and nothing is written."""
    current = registry.get_facility(uow.session, who, facility_id=row_id(facility_id))
    if not registry.may_write_people(who, current.province_id):
        # the service would refuse too; refusing before the form is read keeps a
        # read-only user from learning which of their values would have passed
        raise PermissionDenied("شما اجازه‌ی ویرایش این مرکز را ندارید")
    form = sent.model_dump()
    values: dict[str, Any] = {**form, "is_active": form["is_active"] == "on"}
    data, problems = read_form(FacilityUpdate, values, required=("level", *COUNT_FIELDS_FA))
    if data is None:
        return _facility_page(request, who, uow.session, current, form=form,
                              problems=problems, status=422)  # fmt: skip
    try:
        registry.update_facility(uow.session, who, facility_id=current.id, data=data)
        uow.commit()
    except PermissionDenied:
        raise
    except DarmanError as exc:
        uow.rollback()
        return _facility_page(request, who, uow.session, current, form=form,
                              problems=exc.problems, status=exc.status)  # fmt: skip
    return RedirectResponse(f"/registry/facilities/{current.id}?saved=1", status_code=303)


def registry_records_nav(who: Principal) -> list[dict[str, str]]:
    """The registry's records: the staff of headquarters and the provinces (a facility's
    own desk looks people up on the eligibility page; a rater reads no registry)."""
    if scope.at_facility(who) or scope.own_records_only(who):
        return []
    return [
        {
            "key": "registry-records",
            "href": "/registry/facilities",
            "label": "مراکز، پزشکان و بیمه‌شدگان",
            "hint": "جستجو، مشاهده و ویرایش پرونده‌های ثبت",
        }
    ]
