"""Observation on the FHIR R4 facade: POST a blood-pressure panel or an HbA1c.

POST /fhir/r4/Observation answers the Observation as stored, with its id: 201 when a measurement
is new, 200 when the same person, code and day were received before (nothing is stored
twice). A refused Observation answers an OperationOutcome whose issues name the elements
(``expression``) in Persian: 415 when the body is not JSON, 400 when it is not an
Observation, 422 when values are missing or wrong, 403 outside the caller's scope.
``fhir.api`` includes this router ahead of its generic routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from darman.common.errors import InvalidInput
from darman.fhir import intake, observations
from darman.fhir.claims_intake import ClaimStructureInvalid
from darman.fhir.outcome import FHIR_JSON, FhirResponse
from darman.security.deps import PrincipalDep, UowDep

router = APIRouter(default_response_class=FhirResponse)

_OUTCOME: dict[str, Any] = {"content": {FHIR_JSON: {}}}
_POST_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Received before: the stored Observation", **_OUTCOME},
    400: {"description": "Not an Observation in FHIR JSON (OperationOutcome)", **_OUTCOME},
    401: {"description": "No or bad credentials (OperationOutcome)", **_OUTCOME},
    403: {"description": "Outside the caller's role or scope (OperationOutcome)", **_OUTCOME},
    415: {"description": "A body that is not JSON (OperationOutcome)", **_OUTCOME},
    422: {"description": "Missing or wrong values, each element named", **_OUTCOME},
}


@router.post(
    "/Observation",
    status_code=201,
    summary="Receive a blood-pressure panel or an HbA1c",
    responses=_POST_ERRORS,
)
def create_observation(
    request: Request, body: Annotated[Any, Body()], who: PrincipalDep, uow: UowDep
) -> FhirResponse:
    """Store the measurements of one Observation (clinicians, at a facility in their scope)."""
    refusal = intake.not_json(request, "Observation")
    if refusal is not None:
        return refusal
    try:
        answer, created = observations.record(uow.session, who, body=body)
    except (ClaimStructureInvalid, InvalidInput) as exc:
        return intake.refused(exc)
    uow.commit()
    return FhirResponse(answer, status_code=201 if created else 200)
