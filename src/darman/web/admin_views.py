"""Administration pages: users (search, create, disable, enable, one user's detail) and
their API keys (create, disable, enable, rotate). Only a national administrator opens
them (``require_user_admin``); every change goes through the security service, which
audits it.

Like every other form of the web app, these post to this origin only: the session cookie
is SameSite=Lax and the pages' Content-Security-Policy allows ``form-action 'self'``.
A new key's secret is shown once, on the answer to the post that made it, never in an
address (which would land in the browser's history and the server's logs).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from darman.appointments import service as appointments
from darman.audit import service as audit
from darman.common.errors import DarmanError, FieldProblem
from darman.common.paging import PageParams
from darman.common.persian import to_ascii_digits
from darman.registry import service as registry
from darman.security import api_keys
from darman.security import service as security
from darman.security.deps import ReadUowDep, UowDep
from darman.security.enums import ROLE_LABELS_FA, SCOPE_LABELS_FA, Role, ScopeLevel
from darman.security.principal import Principal
from darman.security.rules import ALLOWED_SCOPES, require_user_admin
from darman.web import audit_labels
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)
PAGE = 25

# The form's fields by the names the service reports problems under.
FIELDS_FA = {
    "username": "نام کاربری",
    "full_name": "نام کامل",
    "password": "گذرواژه",
    "role": "نقش",
    "scope_level": "گستره",
    "province_id": "استان",
    "facility_id": "شناسه‌ی مرکز درمانی",
    "practitioner_council_number": "شماره‌ی نظام پزشکی",
    "rater": "کد ارزیاب",
    "name": "نام کلید",
    "key_id": "کلید",
}

DONE_FA = {
    "created": "کاربر ساخته شد.",
    "disabled": "کاربر غیرفعال شد؛ نشست‌ها و کلیدهای او دیگر کار نمی‌کنند.",
    "enabled": "کاربر دوباره فعال شد.",
    "key-disabled": "کلید غیرفعال شد؛ درخواست‌هایی که با آن بیایند پذیرفته نمی‌شوند.",
    "key-enabled": "کلید دوباره فعال شد.",
}


def _roles() -> list[dict[str, str]]:
    """Each role with the scopes it may hold, for the form's lists and its hint."""
    return [
        {
            "value": role.value,
            "label": ROLE_LABELS_FA[role],
            "scopes": " یا ".join(
                SCOPE_LABELS_FA[s] for s in ScopeLevel if s in ALLOWED_SCOPES[role]
            ),
        }
        for role in Role
    ]


def _user_row(user: Any, provinces: dict[int, str], raters: dict[int, str]) -> dict[str, Any]:
    return {
        # the rater record a rater's account scores as ("" while none is linked)
        "rater": raters.get(user.id, ""),
        "is_rater": user.role == Role.RATER.value,
        "username": user.username,
        "full_name": user.full_name,
        "role": ROLE_LABELS_FA.get(Role(user.role), user.role),
        "scope": SCOPE_LABELS_FA.get(ScopeLevel(user.scope_level), user.scope_level),
        "province": provinces.get(user.province_id or 0, ""),
        "facility_id": user.facility_id,
        "active": user.is_active,
        "locked_until": user.locked_until,
        "created_at": user.created_at,
    }


def _province_names(session: Session) -> dict[int, str]:
    return {p.id: p.name_fa for p in registry.list_provinces(session)}


# ------------------------------------------------------------------ users
@router.get("/admin/users")
def users_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    page: PageNumber,
    q: str = "",
    role: str = "",
) -> Response:
    """Users in username order, 25 a page, searched by username or name and by role."""
    require_user_admin(who)
    q = q.strip()[:64]
    wanted = Role(role) if role in {r.value for r in Role} else None
    paging = PageParams(page=page, size=PAGE)
    users, total = security.list_users(
        uow.session, offset=paging.offset, limit=PAGE, text=q, role=wanted
    )
    provinces = _province_names(uow.session)
    raters = appointments.rater_codes_of(uow.session, (u.id for u in users))
    context = page_context(uow.session, who, active="admin-users")
    context.update(
        {
            "tab": "users",
            "users": [_user_row(u, provinces, raters) for u in users],
            "total": total,
            "q": q,
            "role": wanted.value if wanted else "",
            "roles": _roles(),
            "page": paging.page,
            "pages": max(1, -(-total // PAGE)),
        }
    )
    return render(request, "admin/users.html", context)


@router.get("/admin/users/new")
def new_user_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    require_user_admin(who)
    return _user_form(request, who, uow.session, form={}, problems=[])


def _user_form(
    request: Request,
    who: Principal,
    session: Session,
    *,
    form: dict[str, str],
    problems: list[FieldProblem],
    detail: str = "",
    status: int = 200,
) -> Response:
    by_field: dict[str, list[str]] = {}
    for p in problems:
        by_field.setdefault(p.field or "", []).append(p.reason)
    context = page_context(session, who, active="admin-users")
    context.update(
        {
            "tab": "users",
            "form": form,
            "detail": detail,
            "problems": [(FIELDS_FA.get(p.field or "", p.field or ""), p.reason) for p in problems],
            "by_field": by_field,
            "roles": _roles(),
            "scopes": [{"value": s.value, "label": SCOPE_LABELS_FA[s]} for s in ScopeLevel],
            "provinces": registry.list_provinces(session),
        }
    )
    return render(request, "admin/user_new.html", context, status_code=status)


def _whole_number(text: str, field: str, problems: list[FieldProblem]) -> int | None:
    """A number typed in either digits; None when left empty, a problem when not a number."""
    text = to_ascii_digits(text).strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        problems.append(FieldProblem(field, f"«{text}» عدد نیست؛ شناسه را با رقم بنویسید"))
        return None
    return int(text)


@router.post("/admin/users")
def create_user(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    username: Annotated[str, Form(max_length=200)] = "",
    full_name: Annotated[str, Form(max_length=400)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    scope_level: Annotated[str, Form(max_length=16)] = "",
    province_id: Annotated[str, Form(max_length=20)] = "",
    facility_id: Annotated[str, Form(max_length=20)] = "",
    practitioner: Annotated[str, Form(max_length=32)] = "",
    rater: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Create a user; a wrong field is named in Persian beside the field and the form is
    shown again with what was typed (never the password)."""
    require_user_admin(who)
    form = {"username": username, "full_name": full_name, "role": role,
            "scope_level": scope_level, "province_id": province_id,
            "facility_id": facility_id, "practitioner": practitioner,
            "rater": rater}  # fmt: skip
    problems: list[FieldProblem] = []
    if role not in {r.value for r in Role}:
        problems.append(FieldProblem("role", "یکی از نقش‌های فهرست را برگزینید"))
    if scope_level not in {s.value for s in ScopeLevel}:
        problems.append(FieldProblem("scope_level", "یکی از گستره‌های فهرست را برگزینید"))
    province = _whole_number(province_id, "province_id", problems)
    facility = _whole_number(facility_id, "facility_id", problems)
    rater = rater.strip()
    if role in {r.value for r in Role} and (
        linking := appointments.link_problem(Role(role), rater)
    ):
        problems.append(linking)
    if problems:
        return _user_form(request, who, uow.session, form=form, problems=problems, status=422)
    council = to_ascii_digits(practitioner).strip()
    try:
        security.create_user(
            uow.session,
            places=registry.UserPlaces(uow.session),
            actor=who.username,
            username=username.strip(),
            password=password,
            role=Role(role),
            scope_level=ScopeLevel(scope_level),
            province_id=province,
            facility_id=facility,
            full_name=full_name.strip(),
            practitioner_council_number=council or None,
        )
        if rater:
            # in the same unit: a refused link leaves no account behind
            appointments.link_user(uow.session, who, rater_code=rater, username=username.strip())
        uow.commit()
    except DarmanError as exc:
        uow.rollback()
        return _user_form(request, who, uow.session, form=form, problems=exc.problems,
                          detail=exc.detail, status=exc.status)  # fmt: skip
    return RedirectResponse(f"/admin/users/{username.strip()}?done=created", status_code=303)


@router.get("/admin/users/{username}")
def user_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, username: str, done: str = ""
) -> Response:
    """One user: role, scope and state, the buttons to disable or enable, their API keys,
    and the latest audit entries about them."""
    require_user_admin(who)
    return _user_detail(request, who, uow.session, username, message=DONE_FA.get(done))


def _user_detail(
    request: Request,
    who: Principal,
    session: Session,
    username: str,
    *,
    message: str | None = None,
    error: str | None = None,
    new_key: api_keys.NewApiKey | None = None,
    status: int = 200,
) -> Response:
    user = security.get_user(session, username=username)
    facility_name = ""
    if user.facility_id is not None:
        facility_name = registry.get_facility(session, who, facility_id=user.facility_id).name
    entries, entry_total = audit.list_entries(
        session, entity="user", entity_id=str(user.id), limit=10
    )
    context = page_context(session, who, active="admin-users")
    context.update(
        {
            "tab": "users",
            "user": _user_row(
                user, _province_names(session), appointments.rater_codes_of(session, [user.id])
            ),
            "facility_name": facility_name,
            "is_self": user.id == who.user_id,
            "keys": api_keys.list_api_keys(session, username=username),
            "entries": [_entry_row(e) for e in entries],
            "entry_total": entry_total,
            "user_id": user.id,
            "message": message,
            "error": error,
            "new_key": new_key,
        }
    )
    response = render(request, "admin/user.html", context, status_code=status)
    if new_key is not None:
        # the secret is on this page only: no cache or back button may keep it
        response.headers["Cache-Control"] = "no-store"
    return response


def _entry_row(e: Any) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": audit_labels.action_fa(e.action),
        "changes": [c for c in audit_labels.changes(e.before, e.after) if c.changed],
    }


def _refused(exc: DarmanError) -> str:
    reasons = "؛ ".join(
        f"{FIELDS_FA.get(p.field or '', p.field or '')}: {p.reason}" for p in exc.problems
    )
    return exc.detail + (f" ({reasons})" if reasons else "")


def _change(
    request: Request,
    who: Principal,
    uow: Any,
    username: str,
    done: str,
    act: Any,
) -> Response:
    """Run one state change, commit and go back to the user's page; a refusal (the last
    administrator, your own account, no such key) is shown on that page with its status."""
    try:
        act()
        uow.commit()
    except DarmanError as exc:
        uow.rollback()
        return _user_detail(request, who, uow.session, username, error=_refused(exc),
                            status=exc.status)  # fmt: skip
    return RedirectResponse(f"/admin/users/{username}?done={done}", status_code=303)


@router.post("/admin/users/{username}/disable")
def disable_user(request: Request, who: PagePrincipal, uow: UowDep, username: str) -> Response:
    require_user_admin(who)
    return _change(request, who, uow, username, "disabled", lambda: security.disable_user(
        uow.session, actor=who.username, username=username, acting_user_id=who.user_id
    ))  # fmt: skip


@router.post("/admin/users/{username}/enable")
def enable_user(request: Request, who: PagePrincipal, uow: UowDep, username: str) -> Response:
    require_user_admin(who)
    return _change(request, who, uow, username, "enabled", lambda: security.enable_user(
        uow.session, actor=who.username, username=username
    ))  # fmt: skip


# --------------------------------------------------------------- API keys
@router.post("/admin/users/{username}/keys")
def create_key(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    username: str,
    name: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Issue a key and show its secret once, on this answer."""
    require_user_admin(who)
    try:
        new = api_keys.create_api_key(uow.session, actor=who.username, username=username, name=name)
        uow.commit()
    except DarmanError as exc:
        uow.rollback()
        return _user_detail(request, who, uow.session, username, error=_refused(exc),
                            status=exc.status)  # fmt: skip
    return _user_detail(request, who, uow.session, username, new_key=new, status=201)


@router.post("/admin/users/{username}/keys/{key_id}/rotate")
def rotate_key(
    request: Request, who: PagePrincipal, uow: UowDep, username: str, key_id: int
) -> Response:
    """A new secret for the key, shown once; the old one stops working."""
    require_user_admin(who)
    try:
        new = api_keys.rotate_api_key(
            uow.session, actor=who.username, username=username, key_id=key_id
        )
        uow.commit()
    except DarmanError as exc:
        uow.rollback()
        return _user_detail(request, who, uow.session, username, error=_refused(exc),
                            status=exc.status)  # fmt: skip
    return _user_detail(request, who, uow.session, username, new_key=new)


@router.post("/admin/users/{username}/keys/{key_id}/disable")
def disable_key(
    request: Request, who: PagePrincipal, uow: UowDep, username: str, key_id: int
) -> Response:
    require_user_admin(who)
    return _change(request, who, uow, username, "key-disabled", lambda: api_keys.set_api_key_active(
        uow.session, actor=who.username, username=username, key_id=key_id, active=False
    ))  # fmt: skip


@router.post("/admin/users/{username}/keys/{key_id}/enable")
def enable_key(
    request: Request, who: PagePrincipal, uow: UowDep, username: str, key_id: int
) -> Response:
    require_user_admin(who)
    return _change(request, who, uow, username, "key-enabled", lambda: api_keys.set_api_key_active(
        uow.session, actor=who.username, username=username, key_id=key_id, active=True
    ))  # fmt: skip


def admin_nav(who: Principal) -> list[dict[str, str]]:
    """The administration screens: users and keys a national administrator's only; the
    audit log also a national auditor's, whose work it is."""
    audit_log = {
        "key": "admin-audit",
        "href": "/admin/audit",
        "label": "دفتر رویدادها",
        "hint": "رویدادهای ثبت‌شده با پالایه‌ها و وارسی زنجیره",
    }
    if not who.is_national:
        return []
    if who.role is Role.AUDITOR:
        return [audit_log]
    if who.role is not Role.ADMIN:
        return []
    return [
        {
            "key": "admin-users",
            "href": "/admin/users",
            "label": "کاربران و کلیدها",
            "hint": "ساخت، غیرفعال و فعال کردن کاربران و کلیدهای API",
        },
        audit_log,
    ]


templates.env.globals["admin_nav"] = admin_nav
