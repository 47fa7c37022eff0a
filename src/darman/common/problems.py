"""Every error as application/problem+json (RFC 9457), naming the field or row at fault.

Parts of the site that answer errors in another form (the FHIR facade's
OperationOutcome, the web pages' HTML) register an answer for their paths with
``answer_errors_under``; the app's handlers ask those first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from darman.common.errors import AuthenticationFailed, DarmanError

log = logging.getLogger("darman")
MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str,
    problems: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://darman.example/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if problems:
        body["errors"] = problems
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# (does this path belong to the part, its answer to an error or None to leave it here)
PathTest = Callable[[str], bool]
ErrorAnswer = Callable[[Request, Exception], Response | None]


def answer_errors_under(app: FastAPI, applies: PathTest, answer: ErrorAnswer) -> None:
    """Errors raised on paths where ``applies`` holds are answered by ``answer`` (in the
    order registered); where it returns None, as problem+json."""
    app.state.error_answers.append((applies, answer))


def _elsewhere(request: Request, exc: Exception) -> Response | None:
    for applies, answer in request.app.state.error_answers:
        if applies(request.url.path):
            found: Response | None = answer(request, exc)
            if found is not None:
                return found
    return None


async def _darman(request: Request, exc: Any) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationFailed) else None
    return problem(
        exc.status,
        exc.title,
        exc.detail,
        exc.slug,
        request.url.path,
        [p.as_dict() for p in exc.problems],
        headers,
    )


async def _validation(request: Request, exc: Any) -> Response:
    items = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else None
        field = ".".join(loc[1:]) if len(loc) > 1 else where
        items.append({"field": field, "in": where, "reason": err.get("msg", "invalid")})
    detail = "; ".join(f"{i['field']}: {i['reason']}" for i in items[:5])
    return problem(422, "Invalid input", detail, "invalid-input", request.url.path, items)


async def _integrity(request: Request, exc: Any) -> Response:
    # Services check uniqueness first; this answers the race where two requests
    # pass that check at once and the database's constraint decides.
    return problem(
        409,
        "Conflict",
        "the change conflicts with data saved meanwhile; retry",
        "conflict",
        request.url.path,
    )


async def _data(request: Request, exc: Any) -> Response:
    # The database refused a value the validators let through (on PostgreSQL, for
    # example, a NUL character in a field typed as plain text): nothing was stored.
    return problem(
        422,
        "Invalid input",
        f"the database refused a value: {str(exc.orig).splitlines()[0]}",
        "invalid-input",
        request.url.path,
    )


async def _http(request: Request, exc: Any) -> Response:
    return problem(
        exc.status_code,
        str(exc.detail),
        str(exc.detail),
        "http-error",
        request.url.path,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected(request: Request, exc: Any) -> Response:
    return problem(
        500,
        "Internal error",
        "an unexpected error occurred; it has been logged",
        "internal-error",
        request.url.path,
    )


Handler = Callable[[Request, Any], Awaitable[Response]]


def install(app: FastAPI) -> None:
    app.state.error_answers = []
    handlers: list[tuple[type[Exception], Handler]] = [
        (DarmanError, _darman),
        (RequestValidationError, _validation),
        (IntegrityError, _integrity),
        (DataError, _data),
        (StarletteHTTPException, _http),
        (Exception, _unexpected),
    ]
    for kind, handler in handlers:
        app.add_exception_handler(kind, _asking_elsewhere_first(handler, logs=kind is Exception))


def _asking_elsewhere_first(handler: Handler, *, logs: bool) -> Handler:
    async def answer(request: Request, exc: Any) -> Response:
        if logs:  # unexpected: whoever answers, the traceback is kept
            log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        other = _elsewhere(request, exc)
        return other if other is not None else await handler(request, exc)

    return answer
