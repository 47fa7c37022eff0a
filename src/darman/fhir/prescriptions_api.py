"""E-prescriptions on the FHIR R4 facade: read and search MedicationRequest and
MedicationDispense; dispense a drug line by POSTing a MedicationDispense.

Issuing stays on the REST API (``POST /api/v1/prescriptions``). POST
/fhir/r4/MedicationDispense (see ``fhir.dispense_intake`` for what to send) answers
the stored MedicationDispense: 201 when dispensed now, 200 for a retry with the same
request identifier (nothing dispensed again); a refusal is an OperationOutcome naming
the element: 400 not a MedicationDispense, 403 not a dispensing facility's user, 404
no such tracking code for this national ID, 409 the identifier used for another line
or quantity, 410 expired, 415 not JSON, 422 wrong values or more than is left (also
when another pharmacy took it a moment before). Every answer is
limited to the caller's scope as on the REST API (see ``fhir.prescriptions_service``);
a dispensing facility gets 403 on read and search. ``fhir.api`` includes this router
ahead of its generic read and search routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from darman.common.errors import Conflict, DarmanError, FieldProblem, InvalidInput, NotFound
from darman.fhir import claims_mapping as cm
from darman.fhir import mapping as m
from darman.fhir import params
from darman.fhir import prescriptions_service as service
from darman.fhir.dispense_intake import DispenseStructureInvalid
from darman.fhir.outcome import FHIR_JSON, FhirResponse, outcome_response
from darman.prescriptions.exceptions import PrescriptionExpired
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

PREFIX = "/fhir/r4"  # the facade's; this router is included into it without a prefix
router = APIRouter(default_response_class=FhirResponse)

_OUTCOME: dict[str, Any] = {"content": {FHIR_JSON: {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad search parameter (OperationOutcome)", **_OUTCOME},
    401: {"description": "No or bad credentials (OperationOutcome)", **_OUTCOME},
    403: {"description": "A dispensing facility may not list or read (OperationOutcome)",
          **_OUTCOME},
    404: {"description": "No such resource in your scope (OperationOutcome)", **_OUTCOME},
    406: {"description": "A _format other than JSON (OperationOutcome)", **_OUTCOME},
}  # fmt: skip


def base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _search(resource_type: str, request: Request, who: Any, uow: Any) -> FhirResponse:
    items = request.query_params.multi_items()
    params.check_format(items)
    paging = params.paging(items)
    found = service.search_resources(
        uow.session, who, resource_type=resource_type, items=items, paging=paging
    )
    url = base(request)
    entries = [(f"{url}/{resource_type}/{r['id']}", r) for r in found.resources]
    links = params.bundle_links(f"{url}/{resource_type}", items, paging, found.total)
    return FhirResponse(m.searchset(entries, total=found.total, links=links))


def _read(
    resource_type: str, resource_id: str, request: Request, who: Any, uow: Any
) -> FhirResponse:
    params.check_format(request.query_params.multi_items())
    return FhirResponse(
        service.read(uow.session, who, resource_type=resource_type, resource_id=resource_id)
    )


@router.get("/MedicationRequest", summary="Search drug lines of e-prescriptions", responses=ERRORS)
def search_medication_requests(
    request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """A searchset Bundle of MedicationRequests (one per drug line) in the caller's scope."""
    return _search("MedicationRequest", request, who, uow)


@router.get("/MedicationRequest/{resource_id}", summary="Read a MedicationRequest",
            responses=ERRORS)  # fmt: skip
def read_medication_request(
    resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """One drug line of an issued prescription; 404 outside the caller's scope."""
    return _read("MedicationRequest", resource_id, request, who, uow)


@router.get("/MedicationDispense", summary="Search dispensings of drug lines", responses=ERRORS)
def search_medication_dispenses(
    request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """A searchset Bundle of MedicationDispenses (one per dispensing) in the caller's scope."""
    return _search("MedicationDispense", request, who, uow)


@router.get("/MedicationDispense/{resource_id}", summary="Read a MedicationDispense",
            responses=ERRORS)  # fmt: skip
def read_medication_dispense(
    resource_id: str, request: Request, who: PrincipalDep, uow: ReadUowDep
) -> FhirResponse:
    """One dispensing of a drug line; 404 outside the caller's scope."""
    return _read("MedicationDispense", resource_id, request, who, uow)


_POST_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"description": "A retry of the same request: the first dispensing", **_OUTCOME},
    400: {"description": "Not a MedicationDispense in FHIR JSON (OperationOutcome)", **_OUTCOME},
    401: ERRORS[401],
    403: {"description": "Not a dispensing facility's user (OperationOutcome)", **_OUTCOME},
    404: {"description": "No such tracking code for this national ID", **_OUTCOME},
    409: {"description": "The identifier names another line or quantity", **_OUTCOME},
    410: {"description": "The prescription has expired (OperationOutcome)", **_OUTCOME},
    415: {"description": "A body that is not JSON (OperationOutcome)", **_OUTCOME},
    422: {"description": "Missing or wrong values, or more than is left", **_OUTCOME},
}
_ISSUE = {400: "structure", 404: "not-found", 409: "conflict", 410: "business-rule", 422: "invalid"}


def _refused(exc: DarmanError) -> FhirResponse:
    problems = exc.problems or [FieldProblem(None, exc.detail)]
    return FhirResponse(
        cm.element_outcome(_ISSUE.get(exc.status, "invalid"), problems), status_code=exc.status
    )


@router.post("/MedicationDispense", status_code=201, summary="Dispense a drug line",
             responses=_POST_ERRORS)  # fmt: skip
def create_medication_dispense(
    request: Request, body: Annotated[Any, Body()], who: PrincipalDep, uow: UowDep
) -> FhirResponse:
    """Dispense part or all of one drug line at the caller's facility (pharmacist)."""
    params.check_format(request.query_params.multi_items())
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in params.JSON_FORMATS:
        return outcome_response(
            415, "not-supported", [f"send the MedicationDispense as {FHIR_JSON}, not '{media}'"]
        )
    try:
        resource, created = service.dispense(uow.session, who, body=body)
    except (DispenseStructureInvalid, InvalidInput, NotFound, Conflict, PrescriptionExpired) as exc:
        return _refused(exc)
    uow.commit()
    return FhirResponse(
        resource,
        status_code=201 if created else 200,
        headers={"Location": f"{base(request)}/MedicationDispense/{resource['id']}"},
    )
