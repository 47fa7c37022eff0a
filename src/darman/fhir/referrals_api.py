"""ServiceRequest on the FHIR R4 facade: referrals and the lab and imaging orders of
e-prescriptions, read and search.

Issuing, referring on and feedback stay on the REST API (``/api/v1/referrals``).
Every answer is limited to the caller's scope as on the REST API (see
``fhir.referrals_service``); a facility desk gets 403. ``fhir.api`` includes this
router ahead of its generic read and search routes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from darman.fhir import mapping as m
from darman.fhir import params
from darman.fhir import referrals_service as service
from darman.fhir.outcome import FhirResponse
from darman.fhir.prescriptions_api import ERRORS, base
from darman.security.deps import PrincipalDep, ReadUowDep

router = APIRouter(default_response_class=FhirResponse)


@router.get("/ServiceRequest", summary="Search referrals and lab/imaging orders",
            responses=ERRORS)  # fmt: skip
def search_service_requests(request: Request, who: PrincipalDep, uow: ReadUowDep) -> FhirResponse:
    """A searchset Bundle of the caller's referrals, then prescription order lines."""
    items = request.query_params.multi_items()
    params.check_format(items)
    paging = params.paging(items)
    found = service.search_requests(uow.session, who, items=items, paging=paging)
    url = base(request)
    entries = [(f"{url}/ServiceRequest/{r['id']}", r) for r in found.resources]
    links = params.bundle_links(f"{url}/ServiceRequest", items, paging, found.total)
    return FhirResponse(m.searchset(entries, total=found.total, links=links))


@router.get("/ServiceRequest/{resource_id}", summary="Read a ServiceRequest", responses=ERRORS)
def read_service_request(
    resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """A referral (referral-<n>) or order line (order-<n>); 404 outside the caller's scope."""
    params.check_format(request.query_params.multi_items())
    return FhirResponse(service.read(uow.session, who, resource_id=resource_id))
