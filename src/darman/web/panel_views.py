"""Staff pages for family-physician panels: look a physician's panel up by council number,
set its capacity, move a person to another physician's panel, and list a province's
insured people who are on no panel yet.

National staff see every province and name the one they want; provincial staff see their
own. Changing a panel is for panel managers (national admins and provincial managers);
analysts and auditors read. Every page calls the referrals service with the page principal.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from darman.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from darman.common.paging import PageParams
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.referrals import panels
from darman.registry import scope, service_support
from darman.registry import service as registry
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.web.referral_views import STAFF, problems_fa
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)

MANAGERS = roles_that(Act.MANAGE_PANELS)
UNENROLLED_PAGE = 50
MEMBERS_PAGE = 200


def _clean(text: str) -> str:
    return to_ascii_digits(text.strip())


def _response(
    request: Request,
    who: Principal,
    uow: UowDep,
    *,
    council: str = "",
    province: str = "",
    status: int = 200,
    **extra: Any,
) -> Response:
    s = uow.session
    provinces = registry.list_provinces(s)
    if scope.provincial(who):
        province = service_support.province_code_of(s, who.province_id or 0)
    context = page_context(s, who, active="ref-panels")
    panel = None
    lookup_error = ""
    if council:
        try:
            panel = panels.panel(
                s, who, council_number=council, page=PageParams(page=1, size=MEMBERS_PAGE)
            )
        except (InvalidInput, NotFound) as exc:
            lookup_error = problems_fa(exc).get("council_number") or (
                f"پزشک خانواده‌ای با شماره‌ی نظام {to_persian_digits(council)} در حوزه‌ی شما نیست."
            )
    unenrolled = None
    if province:
        unenrolled = panels.unenrolled(
            s, who, province_code=province, page=PageParams(page=1, size=UNENROLLED_PAGE)
        )
    context.update(
        {
            "council": council,
            "province": province,
            "provinces": provinces,
            "national_scope": who.is_national,
            "may_change": who.role in MANAGERS,
            "panel": panel,
            "lookup_error": lookup_error,
            "unenrolled": unenrolled,
            "errors": {},
            "kept": {},
            "message": None,
            **extra,
        }
    )
    return render(request, "referrals/panels.html", context, status_code=status)


@router.get("/referrals/panels")
def panels_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, council: str = "", province: str = ""
) -> Response:
    """A family physician's panel by council number, and a province's unenrolled people."""
    who.require_role(*STAFF)
    council, province = _clean(council), _clean(province)
    if province and province not in {p.code for p in registry.list_provinces(uow.session)}:
        province = ""
    return _response(request, who, uow, council=council, province=province)


@router.post("/referrals/panels/capacity")
def set_capacity(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    council: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
) -> Response:
    """Set how many people the physician's panel may hold (panel managers)."""
    who.require_role(*MANAGERS)
    council, text = _clean(council), _clean(capacity)
    kept = {"capacity": capacity}
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 5000:
        errors = {"capacity": "ظرفیت را عددی از ۱ تا ۵٬۰۰۰ وارد کنید."}
        return _response(request, who, uow, council=council, status=422, errors=errors, kept=kept)
    try:
        read = panels.set_capacity(uow.session, who, council_number=council, capacity=int(text))
        uow.commit()
    except (InvalidInput, Conflict, NotFound) as exc:
        uow.rollback()
        errors = problems_fa(exc)
        if "form" in errors and "capacity" not in errors:
            errors["capacity"] = errors.pop("form")
        return _response(
            request, who, uow, council=council, status=exc.status, errors=errors, kept=kept
        )
    message = f"ظرفیت فهرست {read.physician_name} {to_persian_digits(read.capacity)} نفر شد."
    return _response(request, who, uow, council=council, message=message)


@router.post("/referrals/panels/transfer")
def transfer(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    council: Annotated[str, Form()] = "",
    national_id: Annotated[str, Form()] = "",
    to_council: Annotated[str, Form()] = "",
) -> Response:
    """Move a person to another family physician's panel from today (panel managers)."""
    who.require_role(*MANAGERS)
    council, nid, target = _clean(council), _clean(national_id), _clean(to_council)
    kept = {"national_id": nid, "to_council": target}
    try:
        read = panels.transfer(uow.session, who, national_id=nid, council_number=target)
        uow.commit()
    except (InvalidInput, Conflict, NotFound, PermissionDenied) as exc:
        uow.rollback()
        errors = problems_fa(exc)
        if "council_number" in errors:
            errors["to_council"] = errors.pop("council_number")
        if "form" in errors and "national_id" not in errors:
            errors["national_id"] = errors.pop("form")
        return _response(
            request, who, uow, council=council, status=exc.status, errors=errors, kept=kept
        )
    message = (
        f"بیمه‌شده‌ی {to_persian_digits(read.national_id)} از {read.enrolled_on_jalali} "
        f"در فهرست {read.physician_name} است."
    )
    return _response(request, who, uow, council=council or target, message=message)
