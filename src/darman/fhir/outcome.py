"""FHIR answers on the wire: the media type, and every error as an OperationOutcome.

Rule: nothing under /fhir/r4 answers problem+json. The facade registers
``answer_error`` with the app's error handlers for its paths
(``problems.answer_errors_under``): a missing or bad credential (raised while
resolving the principal) becomes a 401 OperationOutcome the same way a missing row
becomes a 404 one.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from darman.common.errors import AuthenticationFailed, DarmanError
from darman.fhir import mapping as m
from darman.fhir.errors import FormatNotSupported, UnsupportedResourceType

FHIR_JSON = "application/fhir+json"
FHIR_PREFIX = "/fhir/"

# HTTP status -> R4 IssueType, for errors that do not pick their own.
_ISSUE_BY_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-long",
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


def is_fhir(path: str) -> bool:
    return path.startswith(FHIR_PREFIX)


def answer_error(request: Request, exc: Exception) -> Response:
    """Any error raised under /fhir/r4, credentials' included (they are found while the
    route's dependencies are solved), as an OperationOutcome."""
    if isinstance(exc, DarmanError):
        return from_error(exc)
    if isinstance(exc, RequestValidationError):
        lines = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        return outcome_response(400, "invalid", lines)
    if isinstance(exc, StarletteHTTPException):
        issue = _ISSUE_BY_STATUS.get(exc.status_code, "processing")
        return outcome_response(exc.status_code, issue, [str(exc.detail)], exc.headers)
    # the app's handler has logged it
    return outcome_response(500, "exception", ["an unexpected error occurred; it has been logged"])
