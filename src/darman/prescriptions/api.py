"""REST endpoints of the e-prescription: issue, read within scope, look up, dispense, savings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from darman.common.paging import MAX_ID, Page, PagingDep
from darman.common.problems import problem_response
from darman.common.validators import NationalId
from darman.prescriptions import dispensing, issuing, rules, service
from darman.prescriptions import savings as prescriptions_savings
from darman.prescriptions.enums import PrescriptionStatus
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.schemas import (
    DispenseIn,
    DispenseResult,
    FindingRead,
    LookupIn,
    PrescriptionIn,
    PrescriptionRead,
    SavingsReport,
)
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep

router = APIRouter(prefix="/api/v1/prescriptions", tags=["prescriptions"])
PrescriptionId = Annotated[int, Path(ge=1, le=MAX_ID)]
EXPIRED: dict[int | str, dict[str, Any]] = {
    410: problem_response("The prescription has expired: nothing may be dispensed")
}


@router.post(
    "",
    response_model=PrescriptionRead,
    status_code=201,
    responses={200: {"model": PrescriptionRead, "description": "a replayed request key"}},
)
def issue(
    body: PrescriptionIn, who: PrincipalDep, uow: UowDep, response: Response
) -> PrescriptionRead:
    """Issue a prescription (physician linked to a practitioner). A refusal answers 422
    with every problem per line (`lines.N.code`, its Persian reason and code); the
    refused attempt is kept for the savings report. With `request_key`, a retry of the
    same prescription answers the first result again (200 instead of 201 when it was
    issued, the same 422 when it was refused) and stores nothing; the key with another
    prescription is a 409."""
    try:
        issued = issuing.issue_keyed(uow.session, who, data=body)
    except PrescriptionRefused:
        uow.commit()  # the refused prescription and its findings are what the checks saved
        raise
    uow.commit()
    if issued.replayed:
        response.status_code = 200
    return issued.prescription


@router.post("/check", response_model=list[FindingRead])
def check(body: PrescriptionIn, who: PrincipalDep, uow: ReadUowDep) -> list[FindingRead]:
    """Every check of issuing on a draft (refusals and warnings per line field), without
    storing or auditing anything: the prescribing screen calls it as lines change. 200
    even when a finding blocks; the `request_key` is ignored."""
    return issuing.check(uow.session, who, data=body)


@router.get("", response_model=Page[PrescriptionRead])
def list_prescriptions(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    national_id: Annotated[NationalId | None, Query()] = None,
    status: PrescriptionStatus | None = None,
) -> Page[PrescriptionRead]:
    """A physician's own prescriptions, or those in a staff member's scope; refused to
    pharmacies, laboratories and imaging centres."""
    return service.list_prescriptions(
        uow.session,
        who,
        page=paging,
        national_id=national_id,
        status=status,
    )


@router.get("/reasons")
def reasons(who: PrincipalDep) -> list[dict[str, Any]]:
    """Every check's code with its Persian and English label and whether it blocks."""
    return [vars(r) for r in rules.REASONS]


@router.get("/savings", response_model=SavingsReport)
def savings(
    who: PrincipalDep,
    uow: ReadUowDep,
    year: int | None = Query(None, ge=1390, le=1500, description="Jalali year of issue"),
    province_code: str | None = Query(None, min_length=2, max_length=2),
) -> SavingsReport:
    """What the checks prevented (rials at reference price) and the dispensing rate, by
    Jalali month and province."""
    return prescriptions_savings.savings_report(
        uow.session, who, year=year, province_code=province_code
    )


@router.post("/lookup", response_model=PrescriptionRead, responses=EXPIRED)
def lookup(body: LookupIn, who: PrincipalDep, uow: ReadUowDep) -> PrescriptionRead:
    """The prescription to dispense, by tracking code and the patient's national ID (POST so
    the national ID stays out of URLs and logs). 404 for a foreign code, 410 once expired."""
    return dispensing.lookup(
        uow.session, who, tracking_code=body.tracking_code, national_id=body.national_id
    )


@router.post("/dispense", response_model=DispenseResult, responses=EXPIRED)
def dispense(body: DispenseIn, who: PrincipalDep, uow: UowDep) -> DispenseResult:
    """Dispense part or all of some lines; a retry with the same `request_key` answers the
    first result and dispenses nothing again (409 if it names other lines or quantities);
    422 for more than is left, however recently another pharmacy took it."""
    result = dispensing.dispense(uow.session, who, data=body)
    uow.commit()
    return result


@router.get("/{prescription_id}", response_model=PrescriptionRead)
def get(prescription_id: PrescriptionId, who: PrincipalDep, uow: ReadUowDep) -> PrescriptionRead:
    return service.get(uow.session, who, prescription_id=prescription_id)
