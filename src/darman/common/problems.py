"""Every error as application/problem+json (RFC 9457), naming the field or row at fault.

Parts of the site that answer errors in another form (the FHIR facade's
OperationOutcome, the web pages' HTML) register an answer for their paths with
``answer_errors_under``; the app's handlers ask those first.

``PROBLEM_RESPONSES`` declares these answers in the OpenAPI document: the app adds it
to every router of the REST API, so each operation lists the problem statuses it may
answer, with the problem document's schema (``Problem``) under its own media type.
"""

from __future__ import annotations

import functools
import http
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from darman.common.constraints import fields_of
from darman.common.errors import AuthenticationFailed, DarmanError, TooManyAttempts
from darman.common.validation_fa import reason_fa

log = logging.getLogger("darman")
MEDIA_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    """One thing wrong: the field (and, for a request's own fields, the part of the
    request it came in: body, query, path, header) or the file's row, and why."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    field: str | None = None
    in_: str | None = Field(default=None, alias="in")
    row: int | None = None
    reason: str
    code: str | None = Field(
        default=None, description="a request's own fields: the validator's error type"
    )
    reason_fa: str | None = Field(
        default=None, description="a request's own fields: the reason, in Persian"
    )


class Problem(BaseModel):
    """The problem document (RFC 9457) every error of the REST API answers with."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="https://darman.example/problems/<slug>")
    title: str
    status: int
    detail: str
    instance: str = Field(description="the path that was asked")
    errors: list[ProblemItem] = Field(
        default_factory=list, description="each field or row at fault; absent when none"
    )


# The problem document's schemas, as components of the OpenAPI document: the answers
# below refer to them, and ``install`` adds them to the document the app serves.
_REF = "#/components/schemas/"
_PROBLEM_SCHEMA = Problem.model_json_schema(ref_template=_REF + "{model}")
PROBLEM_COMPONENTS: dict[str, dict[str, Any]] = {
    Problem.__name__: {k: v for k, v in _PROBLEM_SCHEMA.items() if k != "$defs"},
    **_PROBLEM_SCHEMA.get("$defs", {}),
}


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI answer of a route: the problem document, with what the status means."""
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": _REF + Problem.__name__}}},
    }


# The problem answers any REST route may give; a route that answers another status (410
# for an expired prescription) adds it with ``problem_response``.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_response("The body could not be read as the declared form or JSON"),
    401: problem_response("No credentials, or bad ones (a bearer token or an X-API-Key)"),
    403: problem_response("The caller's role or scope does not allow this"),
    404: problem_response("No such row, or none in the caller's scope"),
    409: problem_response("Conflicts with what is stored"),
    413: problem_response("The request body is over its limit"),
    422: problem_response("Invalid input: each error names the field or row and why"),
}


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
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(
        exc.status,
        exc.title,
        exc.detail,
        exc.slug,
        request.url.path,
        [p.as_dict() for p in exc.problems],
        headers,
    )


def validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Each of a request's invalid fields: where, the validator's English message and error
    type (for programs) and the reason in Persian (for people)."""
    items = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else None
        field = ".".join(loc[1:]) if len(loc) > 1 else where
        items.append(
            {
                "field": field,
                "in": where,
                "reason": err.get("msg", "invalid"),
                "code": err.get("type"),
                "reason_fa": reason_fa(err),
            }
        )
    return items


async def _validation(request: Request, exc: Any) -> Response:
    items = validation_items(exc)
    detail = "ورودی پذیرفته نشد: " + "؛ ".join(f"{i['field']}: {i['reason_fa']}" for i in items[:5])
    return problem(422, "Invalid input", detail, "invalid-input", request.url.path, items)


async def _integrity(request: Request, exc: Any) -> Response:
    # Services check uniqueness first; this answers the race where two requests
    # pass that check at once and the database's constraint decides.
    items = [
        {
            "field": name,
            # the constraint may be a missing value as well as a clash: the reason says both
            "reason": "refused by the database's constraint on this field; another request "
            "may have saved the same value first",
            "reason_fa": "پایگاه داده این مقدار را نپذیرفت؛ "
            "شاید درخواست دیگری هم‌زمان همین را ثبت کرده باشد",
        }
        for name in fields_of(exc)
    ]
    named = f" ({', '.join(i['field'] for i in items)})" if items else ""
    return problem(
        409,
        "Conflict",
        f"the change conflicts with data saved meanwhile{named}; retry",
        "conflict",
        request.url.path,
        items,
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
    phrase = _phrase(exc.status_code)
    return problem(
        exc.status_code,
        phrase or str(exc.detail),
        str(exc.detail),
        phrase.lower().replace(" ", "-") if phrase else "http-error",
        request.url.path,
        headers=getattr(exc, "headers", None),
    )


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


async def answer_http(request: Request, exc: StarletteHTTPException) -> Response:
    """The answer the app's handlers give an HTTP error, for code that runs before them
    (a middleware refusing a request): the part of the site the path belongs to answers
    in its own form, the rest as problem+json."""
    other = _elsewhere(request, exc)
    return other if other is not None else await _http(request, exc)


async def _unexpected(request: Request, exc: Any) -> Response:
    return problem(
        500,
        "Internal error",
        "an unexpected error occurred; it has been logged",
        "internal-error",
        request.url.path,
    )


Handler = Callable[[Request, Any], Awaitable[Response]]


def _document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, built once: FastAPI's from the app's routes, with the schemas
    ``PROBLEM_RESPONSES`` refers to among its components."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        taken = schemas.keys() & PROBLEM_COMPONENTS.keys()
        if taken:  # a route's own model of the same name would be replaced
            raise RuntimeError(f"OpenAPI schemas {sorted(taken)} are the problem document's")
        schemas.update(PROBLEM_COMPONENTS)
        app.openapi_schema = document
    return app.openapi_schema


def install(app: FastAPI) -> None:
    """The app's error handlers, and its OpenAPI document with the problem schemas."""
    app.state.error_answers = []
    # FastAPI's how-to "Extending OpenAPI": the app's document is built by a function of
    # its own, here FastAPI's document with the problem document's schemas added.
    app.openapi = functools.partial(_document, app)  # type: ignore[method-assign]
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
