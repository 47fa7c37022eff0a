"""Claims on the FHIR R4 facade: POST a Claim, read Claim, ClaimResponse and
ExplanationOfBenefit, search Claim.

POST /fhir/r4/Claim answers the ClaimResponse: 201 when the claim is new, 200
when the same content was submitted before (nothing is stored twice), 409 when
the document was submitted with other content. A refused Claim answers an
OperationOutcome whose issues name the elements (``expression``): 415 when the
body is not sent as JSON, 400 when the JSON is not a Claim, 422 when values are
missing or wrong. The three resources
of a claim share its id. ``fhir.api`` includes this router ahead of its
generic read and search routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from darman.common.errors import Conflict, InvalidInput
from darman.db.uow import UnitOfWork
from darman.fhir import claims_service, intake, params
from darman.fhir import mapping as m
from darman.fhir.claims_intake import ClaimStructureInvalid
from darman.fhir.outcome import FHIR_JSON, FhirResponse
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep
from darman.security.principal import Principal

PREFIX = "/fhir/r4"  # the facade's; this router is included into it without a prefix
router = APIRouter(default_response_class=FhirResponse)

_OUTCOME: dict[str, Any] = {"content": {FHIR_JSON: {}}}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or bad credentials (OperationOutcome)", **_OUTCOME},
    404: {"description": "No such claim in your scope (OperationOutcome)", **_OUTCOME},
    406: {"description": "A _format other than JSON (OperationOutcome)", **_OUTCOME},
}
_POST_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Submitted before with the same content: its ClaimResponse", **_OUTCOME},
    400: {"description": "Not a Claim in FHIR JSON (OperationOutcome)", **_OUTCOME},
    401: _READ_ERRORS[401],
    403: {"description": "The caller may not submit claims (OperationOutcome)", **_OUTCOME},
    409: {"description": "Submitted before with other content (OperationOutcome)", **_OUTCOME},
    415: {"description": "A body that is not JSON (OperationOutcome)", **_OUTCOME},
    422: {"description": "Missing or wrong values, each element named", **_OUTCOME},
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


@router.post(
    "/Claim",
    status_code=201,
    summary="Submit a Claim; answers its ClaimResponse",
    responses=_POST_ERRORS,
)
def create_claim(
    request: Request, body: Annotated[Any, Body()], who: PrincipalDep, uow: UowDep
) -> FhirResponse:
    """Submit one claim (provider users for their own facility, admins for any)."""
    refusal = intake.not_json(request, "Claim")
    if refusal is not None:
        return refusal
    try:
        claim_id, created = claims_service.submit(uow.session, who, body=body)
    except (ClaimStructureInvalid, InvalidInput, Conflict) as exc:
        return intake.refused(exc)
    uow.commit()
    answer = claims_service.read(
        uow.session, who, resource_type="ClaimResponse", resource_id=str(claim_id)
    )
    return FhirResponse(
        answer,
        status_code=201 if created else 200,
        headers={"Location": f"{_base(request)}/Claim/{claim_id}"},
    )


@router.get("/Claim", summary="Search the caller's claims", responses=_READ_ERRORS)
def search_claims(request: Request, who: PrincipalDep, uow: ReadUowDep) -> FhirResponse:
    """A searchset Bundle of Claims by _id, identifier, patient, provider or status."""
    items = request.query_params.multi_items()
    params.check_format(items)
    paging = params.paging(items)
    found = claims_service.search(uow.session, who, items=items, paging=paging)
    base = _base(request)
    entries = [(f"{base}/Claim/{r['id']}", r) for r in found.resources]
    links = params.bundle_links(f"{base}/Claim", items, paging, found.total)
    return FhirResponse(m.searchset(entries, total=found.total, links=links))


def _read(
    resource_type: str, resource_id: str, request: Request, who: Principal, uow: UnitOfWork
) -> FhirResponse:
    params.check_format(request.query_params.multi_items())
    return FhirResponse(
        claims_service.read(uow.session, who, resource_type=resource_type, resource_id=resource_id)
    )


@router.get("/Claim/{resource_id}", summary="Read a Claim", responses=_READ_ERRORS)
def read_claim(
    resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """The claim as submitted; 404 outside the caller's scope."""
    return _read("Claim", resource_id, request, who, uow)


@router.get("/ClaimResponse/{resource_id}", summary="Read a ClaimResponse", responses=_READ_ERRORS)
def read_claim_response(
    resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """The outcome and each item's adjudication (same id as the Claim)."""
    return _read("ClaimResponse", resource_id, request, who, uow)


@router.get(
    "/ExplanationOfBenefit/{resource_id}",
    summary="Read an ExplanationOfBenefit",
    responses=_READ_ERRORS,
)
def read_explanation_of_benefit(
    resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """Claim, adjudication, totals and payment in one (same id as the Claim)."""
    return _read("ExplanationOfBenefit", resource_id, request, who, uow)
