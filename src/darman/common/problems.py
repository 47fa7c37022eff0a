"""Every error as application/problem+json (RFC 9457), naming the field or row at fault."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
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


def install(app: FastAPI) -> None:
    @app.exception_handler(DarmanError)
    async def _darman(request: Request, exc: DarmanError) -> JSONResponse:
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

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            where = loc[0] if loc else None
            field = ".".join(loc[1:]) if len(loc) > 1 else where
            items.append({"field": field, "in": where, "reason": err.get("msg", "invalid")})
        detail = "; ".join(f"{i['field']}: {i['reason']}" for i in items[:5])
        return problem(422, "Invalid input", detail, "invalid-input", request.url.path, items)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check uniqueness first; this answers the race where two requests
        # pass that check at once and the database's constraint decides.
        return problem(
            409,
            "Conflict",
            "the change conflicts with data saved meanwhile; retry",
            "conflict",
            request.url.path,
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the validators let through (on PostgreSQL, for
        # example, a NUL character in a field typed as plain text): nothing was stored.
        return problem(
            422,
            "Invalid input",
            f"the database refused a value: {str(exc.orig).splitlines()[0]}",
            "invalid-input",
            request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            "http-error",
            request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            "internal-error",
            request.url.path,
        )
