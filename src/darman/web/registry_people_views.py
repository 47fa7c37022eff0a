"""Practitioners and insured people in the browser: searched and paged within the caller's
scope, one opened (a person with their coverage periods), and corrected (names, sex and
birth date; a practitioner's specialty and level).

As on the facilities' pages, reads and writes go through ``registry.service``, which owns
the scope filter, the write check and the audit entry; the form is shown only to those
``may_write_people`` allows, and a refused field is named beside it in Persian.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from darman.common.errors import DarmanError, FieldProblem, PermissionDenied
from darman.common.jalali import format_jalali
from darman.common.paging import PageParams
from darman.common.persian import to_persian_digits
from darman.db.uow import UnitOfWork
from darman.registry import scope
from darman.registry import service as registry
from darman.registry.enums import LABELS_FA, Sex
from darman.registry.schemas import (
    InsuredRead,
    InsuredUpdate,
    PractitionerRead,
    PractitionerUpdate,
)
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web.registry_pages import (
    Pager,
    by_field,
    list_page,
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

FIELDS_FA = {
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "specialty": "تخصص",
    "level": "سطح",
    "sex": "جنس",
    "birth_date": "تاریخ تولد",
}
# Coverage plans by code; a plan not named here is shown by its code.
PLANS_FA = {"general": "عمومی"}
SEXES = [{"value": s.value, "label": LABELS_FA[s]} for s in Sex]
_NATIONAL_ID = re.compile(r"[0-9]{10}")


class PersonForm(BaseModel):
    """Either edit form as sent, as text; the service's update schema reads it."""

    first_name: str = Field("", max_length=200)
    last_name: str = Field("", max_length=200)
    specialty: str = Field("", max_length=200)
    level: str = Field("", max_length=20)
    sex: str = Field("", max_length=16)
    birth_date: str = Field("", max_length=40)


def _problems(problems: list[FieldProblem]) -> list[tuple[str, str]]:
    return [(FIELDS_FA.get(p.field or "", p.field or ""), p.reason) for p in problems]


def _save(
    uow: UnitOfWork,
    write: Callable[[], object],
    again: Callable[[list[FieldProblem], int], Response],
    done: str,
) -> Response:
    """Run the service's write and commit, then go to the record's page; a refusal other
    than the write check's (which is the 403 page) is shown on the form."""
    try:
        write()
        uow.commit()
    except PermissionDenied:
        raise
    except DarmanError as exc:
        uow.rollback()
        return again(exc.problems, exc.status)
    return RedirectResponse(done, status_code=303)


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

    return list_page(request, uow.session, who, template="registry/practitioners.html", read=read)


def _practitioner_form(p: PractitionerRead) -> dict[str, str]:
    """The stored values as the form shows them, the level in Persian digits."""
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "specialty": p.specialty,
        "level": to_persian_digits(p.level),
    }


def _practitioner_page(
    request: Request,
    who: Principal,
    session: Session,
    p: PractitionerRead,
    *,
    form: dict[str, str] | None = None,
    problems: list[FieldProblem] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Response:
    problems = problems or []
    province_id = registry.get_practitioner_row(session, who, practitioner_id=p.id).province_id
    context = page_context(session, who, active="registry-records")
    context.update(
        {
            "p": p,
            "labels": LABELS_FA,
            "province_name": province_names(session).get(p.province_code, ""),
            "workplaces": [c for c in p.facility_codes.split(";") if c],
            "may_edit": registry.may_write_people(who, province_id),
            "form": form if form is not None else _practitioner_form(p),
            "by_field": by_field(problems),
            "problems": _problems(problems),
            "saved": saved,
            "entries": recent_changes(
                session, who, entity="practitioner", entity_id=p.id, labels=FIELDS_FA
            ),
        }
    )
    return render(request, "registry/practitioner.html", context, status_code=status)


@router.get("/registry/practitioners/{practitioner_id}")
def practitioner_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, practitioner_id: str, saved: str = ""
) -> Response:
    """One practitioner, the facilities in scope they work at, and the edit form for
    those who may change them."""
    found = registry.get_practitioner(uow.session, who, practitioner_id=row_id(practitioner_id))
    return _practitioner_page(request, who, uow.session, found, saved=saved == "1")


@router.post("/registry/practitioners/{practitioner_id}")
def edit_practitioner(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    practitioner_id: str,
    sent: Annotated[PersonForm, Form()],
) -> Response:
    """Correct a practitioner through ``registry.update_practitioner``."""
    s = uow.session
    current = registry.get_practitioner(s, who, practitioner_id=row_id(practitioner_id))
    if not registry.may_write_people(who, _practitioner_province(s, who, current.id)):
        raise PermissionDenied("شما اجازه‌ی ویرایش این پزشک را ندارید")
    form = sent.model_dump(include={"first_name", "last_name", "specialty", "level"})
    data, problems = read_form(PractitionerUpdate, form, required=form)

    def again(problems: list[FieldProblem], status: int) -> Response:
        return _practitioner_page(request, who, s, current, form=form, problems=problems,
                                  status=status)  # fmt: skip

    if data is None:
        return again(problems, 422)
    return _save(
        uow,
        lambda: registry.update_practitioner(s, who, practitioner_id=current.id, data=data),
        again,
        f"/registry/practitioners/{current.id}?saved=1",
    )


def _practitioner_province(session: Session, who: Principal, practitioner_id: int) -> int:
    return registry.get_practitioner_row(session, who, practitioner_id=practitioner_id).province_id


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
                        "labels": LABELS_FA})  # fmt: skip
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

    return list_page(request, uow.session, who, template="registry/insured_list.html", read=read)


def _insured_form(person: InsuredRead) -> dict[str, str]:
    """The stored values as the form shows them, the birth date in Jalali."""
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "sex": person.sex.value,
        "birth_date": format_jalali(person.birth_date),
    }


def _insured_page(
    request: Request,
    who: Principal,
    session: Session,
    person: InsuredRead,
    *,
    form: dict[str, str] | None = None,
    problems: list[FieldProblem] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Response:
    problems = problems or []
    province_id = registry.get_insured_row(session, who, insured_id=person.id).province_id
    periods = registry.list_coverage(
        session, who, page=PageParams(page=1, size=500), national_id=person.national_id
    )
    context = page_context(session, who, active="registry-records")
    context.update(
        {
            "person": person,
            "labels": LABELS_FA,
            "sexes": SEXES,
            "plans": PLANS_FA,
            "province_name": province_names(session).get(person.province_code, ""),
            "periods": sorted(periods.items, key=lambda c: c.start_date),
            "may_edit": registry.may_write_people(who, province_id),
            "form": form if form is not None else _insured_form(person),
            "by_field": by_field(problems),
            "problems": _problems(problems),
            "saved": saved,
            "entries": recent_changes(
                session, who, entity="insured", entity_id=person.id, labels=FIELDS_FA
            ),
        }
    )
    return render(request, "registry/insured.html", context, status_code=status)


@router.get("/registry/insured/{insured_id}")
def one_insured_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, insured_id: str, saved: str = ""
) -> Response:
    """One insured person with their coverage periods, earliest first, and the edit form
    for those who may correct them."""
    person = registry.get_insured(uow.session, who, insured_id=row_id(insured_id))
    return _insured_page(request, who, uow.session, person, saved=saved == "1")


@router.post("/registry/insured/{insured_id}")
def edit_insured(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    insured_id: str,
    sent: Annotated[PersonForm, Form()],
) -> Response:
    """Correct a person's name, sex or birth date through ``registry.update_insured``."""
    s = uow.session
    current = registry.get_insured(s, who, insured_id=row_id(insured_id))
    province_id = registry.get_insured_row(s, who, insured_id=current.id).province_id
    if not registry.may_write_people(who, province_id):
        raise PermissionDenied("شما اجازه‌ی ویرایش این بیمه‌شده را ندارید")
    form = sent.model_dump(include={"first_name", "last_name", "sex", "birth_date"})
    data, problems = read_form(InsuredUpdate, form, required=form)

    def again(problems: list[FieldProblem], status: int) -> Response:
        return _insured_page(request, who, s, current, form=form, problems=problems,
                             status=status)  # fmt: skip

    if data is None:
        return again(problems, 422)
    return _save(
        uow,
        lambda: registry.update_insured(s, who, insured_id=current.id, data=data),
        again,
        f"/registry/insured/{current.id}?saved=1",
    )
