"""Registry records in the browser: facilities, practitioners and insured people searched,
filtered and paged within the caller's scope, one record opened, and a facility edited.

Every read and write goes through ``registry.service``: the scope filter and the write
check are the service's, never this module's. A user the service would refuse sees no
edit form (``may_write_people``), and a post from them gets the Persian 403 page the
service's refusal raises. A wrong field comes back beside the field, in Persian, with
what was typed kept; nothing is written then.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import DarmanError, FieldProblem, NotFound, PermissionDenied
from darman.common.paging import MAX_ID, PageParams
from darman.common.persian import to_persian_digits
from darman.common.validation_fa import problems_fa
from darman.registry import scope
from darman.registry import service as registry
from darman.registry.enums import LABELS_FA
from darman.registry.schemas import FacilityRead, FacilityUpdate
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.web import audit_labels
from darman.web.registry_search import (
    KINDS,
    OWNERSHIPS,
    BadAddress,
    Pager,
    bad_address_page,
    kind_choice,
    ownership_choice,
    page_number,
    province_choice,
    provinces_in_scope,
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
AUDIT_READERS = roles_that(Act.READ_AUDIT)
_NATIONAL_ID = re.compile(r"[0-9]{10}")


def _row_id(text: str) -> int:
    """A path id; anything that cannot be a row id is simply not found."""
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_ID:
        raise NotFound(f"'{text[:20]}' is not an id")
    return int(text)


def _province_names(session: Session) -> dict[str, str]:
    return {p.code: p.name_fa for p in registry.list_provinces(session)}


def _list_page(
    request: Request,
    session: Session,
    who: Principal,
    *,
    template: str,
    active: str,
    read: Any,
) -> Response:
    """A browse page: ``read(context)`` fills the rows from the checked filters, or raises
    BadAddress for a filter no form of ours sends."""
    context = page_context(session, who, active=active)
    context["provinces"] = provinces_in_scope(session, who)
    context["province_names"] = _province_names(session)
    try:
        read(context)
    except BadAddress as exc:
        return bad_address_page(request, context, exc)
    return render(request, template, context)


# -------------------------------------------------------------- facilities
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

    return _list_page(request, uow.session, who, template="registry/facilities.html",
                      active="registry-records", read=read)  # fmt: skip


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
    by_field: dict[str, list[str]] = {}
    for p in problems or []:
        by_field.setdefault(p.field or "", []).append(p.reason)
    entries: list[Any] = []
    if who.role in AUDIT_READERS:  # the audit log's own rule: not every reader sees it
        entries, _ = audit.list_entries(
            session, entity="facility", entity_id=str(facility.id), limit=10
        )
    context = page_context(session, who, active="registry-records")
    context.update(
        {
            "facility": facility,
            "labels": LABELS_FA,
            "province_name": _province_names(session).get(facility.province_code, ""),
            "may_edit": registry.may_write_people(who, facility.province_id),
            "form": form if form is not None else _facility_form(facility),
            "by_field": by_field,
            "problems": [
                (FIELDS_FA.get(p.field or "", p.field or ""), p.reason) for p in problems or []
            ],
            "counts": COUNT_FIELDS_FA,
            "saved": saved,
            "entries": [_entry_row(e) for e in entries],
        }
    )
    return render(request, "registry/facility.html", context, status_code=status)


def _entry_row(e: Any) -> dict[str, Any]:
    """An audit entry of the facility: when, who, what, and each field that changed."""
    changed = [c for c in audit_labels.changes(e.before, e.after) if c.changed]
    return {
        "at": e.at,
        "actor": e.actor,
        "action": audit_labels.action_fa(e.action),
        "changes": [
            {
                "key": c.key,
                "label": FIELDS_FA.get(c.key, c.label),
                "before": c.before,
                "after": c.after,
            }
            for c in changed
        ],
    }


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
    found = registry.get_facility(uow.session, who, facility_id=_row_id(facility_id))
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
    current = registry.get_facility(uow.session, who, facility_id=_row_id(facility_id))
    if not registry.may_write_people(who, current.province_id):
        # the service would refuse too; saying so before reading the form keeps a
        # read-only user from learning which of their values would have passed
        raise PermissionDenied("شما اجازه‌ی ویرایش این مرکز را ندارید")
    form = sent.model_dump()
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "is_active"}
    values["is_active"] = form["is_active"] == "on"
    # a number left empty would read as "unchanged" to the schema: on this form, where
    # every field shows its value, emptying one is a mistake to name, not a no-op
    problems = [
        FieldProblem(k, "لازم است و خالی مانده")
        for k in ("level", *COUNT_FIELDS_FA)
        if not values[k].strip()
    ]
    try:
        data = FacilityUpdate.model_validate(values)
    except ValidationError as exc:
        problems += problems_fa(exc)
    if problems:
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


# ----------------------------------------------------------- practitioners
@router.get("/registry/practitioners")
def practitioners_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    q: str = "",
    province: str = "",
    page: str = "",
) -> Response:
    """Practitioners in scope, searched by council number or name, filtered by province."""

    def read(context: dict[str, Any]) -> None:
        paging = page_number(page)
        code = province_choice(province, context["provinces"])
        found = registry.list_practitioners(
            uow.session, who, page=paging, province_code=code, q=search_text(q) or None
        )
        filters = {"q": q.strip(), "province": province}
        context.update(
            {
                "found": found,
                "filters": filters,
                "filtered": any(filters.values()),
                "labels": LABELS_FA,
                "pager": Pager("/registry/practitioners", filters, found.page, found.pages),
            }
        )

    return _list_page(request, uow.session, who, template="registry/practitioners.html",
                      active="registry-records", read=read)  # fmt: skip


@router.get("/registry/practitioners/{practitioner_id}")
def practitioner_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, practitioner_id: str
) -> Response:
    """One practitioner and the facilities in scope they work at."""
    found = registry.get_practitioner(uow.session, who, practitioner_id=_row_id(practitioner_id))
    context = page_context(uow.session, who, active="registry-records")
    context.update(
        {
            "p": found,
            "labels": LABELS_FA,
            "province_name": _province_names(uow.session).get(found.province_code, ""),
            "workplaces": [c for c in found.facility_codes.split(";") if c],
        }
    )
    return render(request, "registry/practitioner.html", context)


# ------------------------------------------------------------------ insured
@router.get("/registry/insured")
def insured_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    q: str = "",
    province: str = "",
    page: str = "",
) -> Response:
    """Insured people in scope, found by national ID (ten digits) or by name, filtered by
    province. At a facility the service lets one person be looked up by national ID only,
    so a name search there is answered with that rule in Persian, not a 403."""

    def read(context: dict[str, Any]) -> None:
        paging = page_number(page)
        code = province_choice(province, context["provinces"])
        typed = search_text(q)
        national_id = typed if _NATIONAL_ID.fullmatch(typed) else None
        filters = {"q": q.strip(), "province": province}
        context.update({"filters": filters, "filtered": any(filters.values()),
                        "labels": LABELS_FA, "only_by_id": scope.at_facility(who)})  # fmt: skip
        if scope.at_facility(who) and national_id is None:
            context.update({"found": None, "pager": None})
            return
        found = registry.list_insured(
            uow.session, who, page=paging, province_code=code, national_id=national_id,
            q=None if national_id else typed or None,
        )  # fmt: skip
        context.update(
            {"found": found, "pager": Pager("/registry/insured", filters, found.page, found.pages)}
        )

    return _list_page(request, uow.session, who, template="registry/insured_list.html",
                      active="registry-records", read=read)  # fmt: skip


@router.get("/registry/insured/{insured_id}")
def one_insured_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, insured_id: str
) -> Response:
    """One insured person with their coverage periods, earliest first."""
    person = registry.get_insured(uow.session, who, insured_id=_row_id(insured_id))
    periods = registry.list_coverage(
        uow.session, who, page=PageParams(page=1, size=500), national_id=person.national_id
    )
    context = page_context(uow.session, who, active="registry-records")
    context.update(
        {
            "person": person,
            "labels": LABELS_FA,
            "province_name": _province_names(uow.session).get(person.province_code, ""),
            "periods": sorted(periods.items, key=lambda c: c.start_date),
        }
    )
    return render(request, "registry/insured.html", context)


def registry_records_nav(who: Principal) -> list[dict[str, str]]:
    """The registry's records: the staff of headquarters and the provinces (a facility's
    own desk looks people up on the eligibility page)."""
    if scope.at_facility(who):
        return []
    return [
        {
            "key": "registry-records",
            "href": "/registry/facilities",
            "label": "مراکز، پزشکان و بیمه‌شدگان",
            "hint": "جستجو، مشاهده و ویرایش پرونده‌های ثبت",
        }
    ]
