"""The Persian web shell: log-in, log-out, the home page per role and the eligibility lookup.

``mount`` is called by the app factory; it adds /static and every page route.
Pages authenticate with the HttpOnly ``darman_token`` cookie set here.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from darman.audit import service as audit
from darman.common import national_id as nid
from darman.common import problems
from darman.common.errors import AccountLocked, AuthenticationFailed, InvalidInput, NotFound
from darman.common.jalali import format_jalali, tehran_today
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow
from darman.db.uow import UnitOfWork
from darman.registry import scope
from darman.registry import service as registry
from darman.registry.enums import LABELS_FA
from darman.security import service as security
from darman.security.deps import TOKEN_COOKIE, ReadUowDep, SettingsDep, UowDep
from darman.security.enums import ROLE_LABELS_FA, Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.settings import Settings
from darman.web import (
    admin_views,
    allocation_views,
    appointments_views,
    audit_labels,
    audit_views,
    circulars_views,
    claims_policy_forms,
    claims_policy_views,
    claims_views,
    dispense_views,
    epidemic_views,
    navigation,  # noqa: F401  (registers the top bar's menus with the templates)
    panel_views,
    performance_targets_views,
    performance_views,
    planning_views,
    population_views,
    prescription_views,
    procurement_views,
    provider_claims_views,
    referral_desk_views,
    referral_views,
    registry_catalogue_views,
    registry_people_views,
    registry_records_views,
    registry_views,
)
from darman.web.rendering import (
    STATIC_DIR,
    PageHeaders,
    PagePrincipal,
    answer_error,
    is_page,
    page_context,
    render,
    safe_next,
    signed_in,
)

router = APIRouter(include_in_schema=False)

WRONG_CREDENTIALS_FA = "نام کاربری یا گذرواژه نادرست است."
LOCKED_FA = (
    "حساب شما پس از چند ورود ناموفق پیاپی موقتاً قفل شده است؛ "
    "{minutes} دقیقه‌ی دیگر دوباره تلاش کنید."
)
_AUDIT_ROLES = roles_that(Act.READ_AUDIT)
_DESK_ROLES = roles_that(Act.CHECK_ELIGIBILITY)


def mount(app: FastAPI) -> None:
    """Serve the vendored assets at /static and the page routes at /, /login, /registry, /claims,
    /prescriptions, /referrals, /planning, /performance, /procurement, /appointments,
    /circulars and /admin."""
    problems.answer_errors_under(app, is_page, answer_error)
    app.add_middleware(PageHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    app.include_router(registry_views.router)
    app.include_router(registry_records_views.router)
    app.include_router(registry_people_views.router)
    app.include_router(registry_catalogue_views.router)
    # before the claims pages, whose /claims/{claim_id} would otherwise take /claims/policy
    app.include_router(claims_policy_views.router)
    app.include_router(claims_policy_forms.router)
    app.include_router(provider_claims_views.router)  # /claims/upload, /claims/remittances
    app.include_router(claims_views.router)
    app.include_router(prescription_views.router)
    app.include_router(dispense_views.router)
    app.include_router(referral_desk_views.router)
    app.include_router(panel_views.router)
    app.include_router(referral_views.router)
    app.include_router(planning_views.router)
    app.include_router(allocation_views.router)
    app.include_router(performance_views.router)
    app.include_router(performance_targets_views.router)
    app.include_router(procurement_views.router)
    app.include_router(appointments_views.router)
    app.include_router(circulars_views.router)
    app.include_router(population_views.router)
    app.include_router(admin_views.router)
    app.include_router(audit_views.router)
    app.include_router(epidemic_views.router)


# ------------------------------------------------------------------ log-in
@router.get("/login")
def login_form(request: Request, uow: ReadUowDep, next: str | None = None) -> Response:
    try:
        signed_in(request, uow.session)
    except AuthenticationFailed:
        return render(request, "login.html", {"next": safe_next(next), "username": ""})
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/login")
def login_submit(
    request: Request,
    reads: ReadUowDep,
    uow: UowDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (five failures lock the account), then set the session cookie."""
    username = username.strip()
    try:
        user = security.authenticate(
            reads.session,
            uow.session,
            username=username,
            password=password,
            max_failed=settings.max_failed_logins,
            lockout_minutes=settings.lockout_minutes,
        )
    except AuthenticationFailed as exc:
        uow.commit()  # the failure count and any lock must survive the refusal
        if isinstance(exc, AccountLocked):
            error = LOCKED_FA.format(minutes=_fa_minutes_left(uow, username, settings))
        else:
            error = WRONG_CREDENTIALS_FA
        context = {"next": safe_next(next), "username": username, "error": error}
        return render(request, "login.html", context, status_code=401)
    uow.commit()
    token = security.issue_token(
        user, secret=settings.secret_key, minutes=settings.access_token_minutes
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=settings.access_token_minutes * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _fa_minutes_left(uow: UnitOfWork, username: str, settings: Settings) -> str:
    """Whole minutes until the lock ends, in Persian digits."""
    try:
        user = security.get_user(uow.session, username=username)
    except NotFound:
        return to_persian_digits(settings.lockout_minutes)
    if user.locked_until is None:
        return to_persian_digits(settings.lockout_minutes)
    seconds = (user.locked_until - utcnow()).total_seconds()
    return to_persian_digits(max(1, math.ceil(seconds / 60)))


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


# -------------------------------------------------------------------- home
@router.get("/")
def home(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The dashboard: who you are, what you may see, and the cards your role uses. A rater
    has no place to see figures of: their home is their own scorecards."""
    if scope.own_records_only(who):
        return RedirectResponse("/appointments/my-scorecards", status_code=303)
    session = uow.session
    context = page_context(session, who, active="home")
    rows = registry.province_overview(session, who)
    withheld = registry_views.beds_ratio_withheld(session)
    context["totals"] = registry_views.totals(rows, beds=withheld is None)
    context["beds_withheld"] = withheld
    context["province_count"] = len(rows)
    context["facility"] = None
    if scope.at_facility(who) and who.facility_id is not None:
        facility = registry.get_facility(session, who, facility_id=who.facility_id)
        context["facility"] = facility
        context["facility_kind"] = LABELS_FA.get(facility.kind, facility.kind)
        context["facility_ownership"] = LABELS_FA.get(facility.ownership, facility.ownership)
    context["users"] = None
    if who.role is Role.ADMIN:
        users, total = security.list_users(session, limit=8)
        context["users"] = [
            {
                "username": u.username,
                "full_name": u.full_name,
                "role": ROLE_LABELS_FA.get(Role(u.role), u.role),
                "active": u.is_active,
            }
            for u in users
        ]
        context["user_total"] = total
    context["audit_entries"] = None
    if who.role in _AUDIT_ROLES and who.is_national:
        entries, audit_total = audit.list_entries(session, limit=6)
        context["audit_entries"] = [
            {
                "at": e.at,
                "actor": e.actor,
                "action": audit_labels.action_fa(e.action),
                "entity": audit_labels.entity_fa(e.entity),
                "entity_id": e.entity_id,
            }
            for e in entries
        ]
        context["audit_total"] = audit_total
    context["show_eligibility"] = who.role in _DESK_ROLES or who.role is Role.ADMIN
    context["exports"] = _exports(who)
    return render(request, "home.html", context)


def _exports(who: Principal) -> list[dict[str, str]]:
    """Registry downloads the caller may take; the API filters each by the caller's scope."""
    tables = [("facilities", "مراکز درمانی"), ("practitioners", "پزشکان")]
    if not scope.at_facility(who):
        tables.insert(1, ("insured", "بیمه‌شدگان"))
    return [
        {
            "label": label,
            "csv": f"/api/v1/registry/{t}/export?format=csv",
            "xlsx": f"/api/v1/registry/{t}/export?format=xlsx",
        }
        for t, label in tables
    ]


# ------------------------------------------------------------ eligibility
@router.get("/eligibility")
def eligibility(
    request: Request, who: PagePrincipal, uow: ReadUowDep, national_id: str = ""
) -> Response:
    """htmx fragment: is this national ID covered today, within the caller's scope?"""
    context: dict[str, Any] = {"national_id": national_id.strip(), "result": None, "error": None}
    today = tehran_today()  # the desk's day, not the server's
    try:
        code = nid.normalize(national_id.strip())
        context["result"] = registry.eligibility(uow.session, who, national_id=code, on=today)
        context["today_fa"] = format_jalali(today)
    except InvalidInput:
        context["error"] = "کد ملی واردشده معتبر نیست (ده رقم با رقم کنترل درست)."
    except NotFound:
        context["error"] = "بیمه‌شده‌ای با این کد ملی در محدوده‌ی دسترسی شما یافت نشد."
    return render(request, "_eligibility.html", context)
