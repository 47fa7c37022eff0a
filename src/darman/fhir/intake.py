"""What every FHIR create route does before and after its own work: refuse a body that is not
FHIR JSON, and answer a refused resource as an OperationOutcome naming its elements."""

from __future__ import annotations

from fastapi import Request

from darman.common.errors import DarmanError, FieldProblem
from darman.fhir import claims_mapping as cm
from darman.fhir import params
from darman.fhir.outcome import FHIR_JSON, FhirResponse, outcome_response

_ISSUE = {400: "structure", 409: "conflict", 422: "invalid"}


def not_json(request: Request, resource: str) -> FhirResponse | None:
    """A 415 OperationOutcome when the body is not sent as JSON; None when it is."""
    params.check_format(request.query_params.multi_items())
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in params.JSON_FORMATS:
        return None
    return outcome_response(
        415, "not-supported", [f"send the {resource} as {FHIR_JSON}, not '{media or 'nothing'}'"]
    )


def refused(exc: DarmanError) -> FhirResponse:
    """The refusal as an OperationOutcome with one issue per element named."""
    problems = exc.problems or [FieldProblem(None, exc.detail)]
    return FhirResponse(
        cm.element_outcome(_ISSUE.get(exc.status, "invalid"), problems), status_code=exc.status
    )
