"""FHIR answers on the wire: the media type, and every error as an OperationOutcome.

Rule: nothing under /fhir/r4 answers problem+json. The app's global handler
would turn a DarmanError into problem+json, so the facade's routes catch
errors first, in the route handler itself, which also runs the dependencies:
a missing or bad credential (raised while resolving the principal) becomes a
401 OperationOutcome the same way a missing row becomes a 404 one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from darman.common.errors import AuthenticationFailed, DarmanError
from darman.fhir import mapping as m
from darman.fhir.errors import FormatNotSupported, UnsupportedResourceType

log = logging.getLogger("darman.fhir")
FHIR_JSON = "application/fhir+json"

# HTTP status -> R4 IssueType, for errors that do not pick their own.
_ISSUE_BY_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    422: "invalid",
}


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


def outcome_response(
    status: int,
    issue_type: str,
    diagnostics: list[str],
    headers: Mapping[str, str] | None = None,
) -> FhirResponse:
    body = m.operation_outcome(issue_type, diagnostics, "fatal" if status >= 500 else "error")
    return FhirResponse(body, status_code=status, headers=headers)


def from_error(exc: DarmanError) -> FhirResponse:
    """A DarmanError as an OperationOutcome with the error's own HTTP status."""
    if isinstance(exc, UnsupportedResourceType | FormatNotSupported):
        issue = "not-supported"
    else:
        issue = _ISSUE_BY_STATUS.get(exc.status, "exception" if exc.status >= 500 else "processing")
    lines = [exc.detail]
    for p in exc.problems:
        line = f"{p.field}: {p.reason}" if p.field else p.reason
        if line not in lines:
            lines.append(line)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationFailed) else None
    return outcome_response(exc.status, issue, lines, headers)


class FhirRoute(APIRoute):
    """An APIRoute whose errors, dependency errors included, answer as OperationOutcome."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def fhir_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except DarmanError as exc:
                return from_error(exc)
            except RequestValidationError as exc:
                lines = [
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                    for e in exc.errors()
                ]
                return outcome_response(400, "invalid", lines)
            except StarletteHTTPException as exc:
                issue = _ISSUE_BY_STATUS.get(exc.status_code, "processing")
                return outcome_response(exc.status_code, issue, [str(exc.detail)], exc.headers)
            except Exception:
                # Logged here because the app's catch-all handler never sees it.
                log.exception("unhandled error on %s", request.url.path)
                return outcome_response(
                    500, "exception", ["an unexpected error occurred; it has been logged"]
                )

        return fhir_handler
