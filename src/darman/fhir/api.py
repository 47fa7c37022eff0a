"""FHIR R4 facade at /fhir/r4: the CapabilityStatement, read and search-type.

Rules: JSON only (``application/fhir+json``); every read and search is
limited to the caller's scope (see ``fhir.service``); every error is an
OperationOutcome with its HTTP status (see ``fhir.outcome``); the
CapabilityStatement is public, everything else needs the credentials the REST
API takes (bearer token, X-API-Key or the web cookie). The facade is
read-only but for submitting a Claim (see ``fhir.claims_api``) and receiving an
Observation (see ``fhir.observations_api``): other
interactions answer 405, unknown paths 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from darman.fhir import (
    capability,
    claims_api,
    observations_api,
    params,
    prescriptions_api,
    referrals_api,
    service,
)
from darman.fhir import mapping as m
from darman.fhir.errors import UnsupportedResourceType
from darman.fhir.outcome import FHIR_JSON, FhirResponse, outcome_response
from darman.security.deps import PrincipalDep, ReadUowDep

_OUTCOME: dict[str, Any] = {"content": {FHIR_JSON: {}}}
router = APIRouter(
    prefix="/fhir/r4",
    tags=["fhir"],
    default_response_class=FhirResponse,
    # what any route of the facade may answer, as an OperationOutcome like every error here
    # (in place of FastAPI's default 422 in JSON, which the facade never answers)
    responses={
        413: {"description": "The request body is over its limit (OperationOutcome)", **_OUTCOME},
        422: {"description": "Input a service refuses (OperationOutcome)", **_OUTCOME},
    },
)
# Claims, e-prescriptions and referrals first: the generic /{resource_type} routes below would
# otherwise take their paths.
router.include_router(claims_api.router)
router.include_router(prescriptions_api.router)
router.include_router(referrals_api.router)
router.include_router(observations_api.router)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad search parameter (OperationOutcome)", **_OUTCOME},
    401: {"description": "No or bad credentials (OperationOutcome)", **_OUTCOME},
    404: {"description": "Unknown type, or no such resource in scope", **_OUTCOME},
    406: {"description": "A _format other than JSON (OperationOutcome)", **_OUTCOME},
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + router.prefix


@router.get("/metadata", summary="CapabilityStatement of the facade", responses={406: _ERRORS[406]})
def metadata(request: Request) -> FhirResponse:
    params.check_format(request.query_params.multi_items())
    return FhirResponse(capability.statement(_base(request)))


@router.get("/{resource_type}", summary="Search a resource type", responses=_ERRORS)
def search(
    resource_type: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """A searchset Bundle of the caller's in-scope matches; see /metadata for the parameters."""
    items = request.query_params.multi_items()
    params.check_format(items)
    paging = params.paging(items)
    found = service.search(
        uow.session, who, resource_type=resource_type, items=items, paging=paging
    )
    base = _base(request)
    entries = [(f"{base}/{r['resourceType']}/{r['id']}", r) for r in found.resources]
    links = params.bundle_links(f"{base}/{resource_type}", items, paging, found.total)
    return FhirResponse(m.searchset(entries, total=found.total, links=links))


@router.get("/{resource_type}/{resource_id}", summary="Read a resource", responses=_ERRORS)
def read(
    resource_type: str, resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """The resource, or 404 when it does not exist or lies outside the caller's scope."""
    params.check_format(request.query_params.multi_items())
    return FhirResponse(
        service.read(uow.session, who, resource_type=resource_type, resource_id=resource_id)
    )


@router.api_route(
    "/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
def unsupported(path: str, request: Request) -> FhirResponse:
    """Everything else the facade does not serve, answered in FHIR rather than problem+json."""
    if request.method == "GET":
        raise UnsupportedResourceType(f"GET /fhir/r4/{path} is not served by this facade")
    return outcome_response(
        405,
        "not-supported",
        [f"{request.method} is not supported: the facade is read-only"],
        headers={"Allow": "GET"},
    )
