"""Shared machinery of the web pages: templates, Persian formatting, page auth and page errors.

Pages answer HTML, never problem+json: a page route that meets an expired or
missing log-in redirects to /login, and any other DarmanError is shown as a
Persian error page with the same status code (``answer_error``, registered with the
app's error handlers for every path that is a page). API routes keep problem+json.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from darman.common import problems
from darman.common.errors import (
    AuthenticationFailed,
    DarmanError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from darman.common.jalali import (
    TEHRAN,
    format_jalali,
    format_jalali_long,
    format_period_end,
    format_period_start,
    tehran_today,
)
from darman.common.persian import format_number, to_persian_digits
from darman.common.solver import status_fa as solver_status_fa
from darman.registry import scope
from darman.registry import service as registry
from darman.security import service as security
from darman.security.deps import CALLER_LOOKUPS, TOKEN_COOKIE
from darman.security.enums import ROLE_LABELS_FA
from darman.security.principal import Principal
from darman.settings import Settings

log = logging.getLogger("darman.web")

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"

# Everything a page needs is served from this origin; the policy makes the
# browser enforce "no CDN" and refuses inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


# ----------------------------------------------------------- formatting
def fa_number(value: int | float | None) -> str:
    """Grouped integer in Persian digits; an em dash for a missing value."""
    if value is None:
        return "—"
    return format_number(round(value))


def fa_decimal(value: float | None, digits: int = 1) -> str:
    """``1234.5`` -> ``۱٬۲۳۴٫۵``: Persian thousands and decimal separators."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".replace(",", "٬").replace(".", "٫")
    return to_persian_digits(text)


def fa_datetime(value: dt.datetime | None) -> str:
    """A stored UTC timestamp as Tehran local time: ``۱۴۰۵/۰۹/۰۲ ۱۴:۰۵``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(TEHRAN)
    return f"{format_jalali(local.date())} {to_persian_digits(local.strftime('%H:%M'))}"


templates = Jinja2Templates(directory=TEMPLATE_DIR)


def is_htmx(request: Request) -> bool:
    """The request came from htmx (it swaps a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


templates.env.filters["fa"] = to_persian_digits
templates.env.filters["fa_number"] = fa_number
templates.env.filters["fa_decimal"] = fa_decimal
templates.env.filters["fa_datetime"] = fa_datetime
templates.env.filters["fa_jalali"] = format_jalali
templates.env.filters["period_start"] = format_period_start
templates.env.filters["period_end"] = format_period_end
templates.env.filters["solver_fa"] = solver_status_fa


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


# ------------------------------------------------------------- page auth
def page_principal(request: Request) -> Principal:
    """The signed-in user of a page (``signed_in``), as a dependency, read in a read-only
    unit like the API's caller (security/deps.py)."""
    engine: Engine = request.app.state.read_engine
    with engine.connect() as conn:
        return signed_in(request, conn)


def signed_in(request: Request, session: Session | Connection) -> Principal:
    """The signed-in user of a page, from the HttpOnly cookie only.

    Raises AuthenticationFailed (turned into a redirect to /login by ``answer_error``)
    when the cookie is missing, expired, forged or its user disabled.
    """
    settings: Settings = request.app.state.settings
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise AuthenticationFailed("sign in first")
    return security.principal_from_token(session, token=token, secret=settings.secret_key)


PagePrincipal = Annotated[Principal, Depends(page_principal, max_concurrency=CALLER_LOOKUPS)]


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow a log-in (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_redirect(request: Request) -> Response:
    """Send the browser to /login, remembering where it was going.

    An htmx request cannot be redirected by a 303 (the XMLHttpRequest follows
    it and would swap the log-in form into the table), so it gets a 401 with
    ``HX-Redirect`` and htmx navigates the whole page.
    """
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", "/"))
        here = current.path + (f"?{current.query}" if current.query else "")
    else:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    here = safe_next(here)
    target = "/login" if here == "/" else f"/login?next={quote(here, safe='')}"
    response: Response
    if request.headers.get("HX-Request"):
        response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if request.cookies.get(TOKEN_COOKIE):
        response.delete_cookie(TOKEN_COOKIE, path="/")  # stale or forged: drop it
    return response


_ERROR_TEXT_FA: list[tuple[type[DarmanError], str, str]] = [
    (PermissionDenied, "دسترسی مجاز نیست", "نقش یا محدوده‌ی دسترسی شما اجازه‌ی این کار را نمی‌دهد."),
    (NotFound, "یافت نشد", "موردی که خواستید در محدوده‌ی دسترسی شما وجود ندارد."),
    (InvalidInput, "ورودی نادرست", "داده‌ی واردشده پذیرفته نشد؛ آن را بررسی کنید."),
]


def error_page(request: Request, exc: DarmanError) -> Response:
    title, text = "خطا", "درخواست انجام نشد."
    for kind, kind_title, kind_text in _ERROR_TEXT_FA:
        if isinstance(exc, kind):
            title, text = kind_title, kind_text
            break
    context = {"title": title, "message": text, "detail": exc.detail, "status": exc.status}
    return render(request, "error.html", context, status_code=exc.status)


# Paths that are not pages: the API, the FHIR facade, the API docs, assets, probes.
NOT_PAGES = ("/api/", "/fhir/", "/docs", "/openapi.json", "/static/", "/health")


def is_page(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


def answer_error(request: Request, exc: Exception) -> Response | None:
    """A page's answer to an error raised on it (its dependencies' included): sign in
    again, a Persian error page, or for anything unexpected (which the app's handler has
    logged) a Persian 500 page. Malformed requests and unknown paths are left to the
    app's problem+json (None); a page's malformed fields get the Persian error page."""
    if isinstance(exc, StarletteHTTPException):
        return None
    if isinstance(exc, RequestValidationError):
        # a page's malformed address or form: the field and the reason in Persian, never
        # the validator's English
        said = "؛ ".join(
            f"{i['field']}: {i['reason_fa']}" for i in problems.validation_items(exc)[:5]
        )
        response = error_page(request, InvalidInput(f"ورودی پذیرفته نشد: {said}"))
    elif isinstance(exc, AuthenticationFailed):
        response = login_redirect(request)
    elif isinstance(exc, DarmanError):
        response = error_page(request, exc)
    else:
        context = {
            "title": "خطای سامانه",
            "message": "خطای پیش‌بینی‌نشده‌ای رخ داد و ثبت شد.",
            "detail": "",
            "status": 500,
        }
        response = render(request, "error.html", context, status_code=500)
    response.headers.update(SECURITY_HEADERS)
    return response


class PageHeaders:
    """ASGI middleware: the security headers on every page's answer (a page may set its
    own; those are kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ------------------------------------------------------- common page context
def scope_label(session: Session, who: Principal) -> str:
    """``سراسری``, ``استان قم`` or the facility's name and province."""
    if who.is_national:
        return "سراسری"
    if scope.own_records_only(who):
        return "کارت‌های امتیاز خود"
    names = {p.id: p.name_fa for p in registry.list_provinces(session)}
    province = names.get(who.province_id or 0, "")
    if scope.provincial(who):
        return f"استان {province}"
    facility = registry.get_facility(session, who, facility_id=who.facility_id or 0)
    return f"{to_persian_digits(facility.name)} (استان {province})"


def page_context(session: Session, who: Principal, *, active: str) -> dict[str, Any]:
    """What the header of every signed-in page shows."""
    user = security.get_user(session, username=who.username)
    return {
        "who": who,
        "display_name": user.full_name or user.username,
        "role_label": ROLE_LABELS_FA[who.role],
        "scope_label": scope_label(session, who),
        "today_fa": format_jalali_long(tehran_today()),
        "active": active,
    }
