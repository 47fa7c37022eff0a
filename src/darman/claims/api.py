from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, UploadFile

from darman.claims import bulk, rules, service
from darman.claims.schemas import BulkReport, ClaimIn, ClaimRead, SubmitResult
from darman.claims.submission import store_batch
from darman.common.paging import MAX_ID, MAX_PAGE, Page, PageParams
from darman.db.uow import UnitOfWork
from darman.security.deps import PrincipalDep, UowDep
from darman.security.enums import Role

router = APIRouter(prefix="/api/v1/claims", tags=["claims"])
ClaimId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("", response_model=SubmitResult, status_code=201)
def submit(body: ClaimIn, who: PrincipalDep, uow: UowDep, response: Response) -> SubmitResult:
    """Submit one claim. Sending the same document again answers 200 with the stored claim;
    different content for a submitted document answers 409."""
    stored = service.submit(uow.session, who, claim=body)
    uow.commit()
    if not stored.created:
        response.status_code = 200
    assert stored.claim_id is not None
    return SubmitResult(
        claim_id=stored.claim_id, status=stored.status or "", created=stored.created
    )


@router.post("/bulk", response_model=BulkReport)
def submit_bulk(file: UploadFile, who: PrincipalDep, uow: UowDep) -> BulkReport:
    """NDJSON, CSV or Excel, read as a stream. Each batch of 1,000 claims is committed
    before the next is read, so what was acknowledged survives a crash; resending
    the file creates nothing twice."""
    fmt = bulk.format_of(file.filename or "")
    report = BulkReport(records=0, accepted=0, unchanged=0, conflicts=0, problems=[])
    for good, bad, count in bulk.batches(file.file, fmt):
        report.records = count
        report.problems.extend(p.as_dict() for p in bad)
        if not good:
            continue
        with UnitOfWork(uow.factory) as batch_uow:
            stored = store_batch(batch_uow.session, who, good)
            batch_uow.commit()
        for s in stored:
            if s.problem is not None:
                report.problems.append(s.problem.as_dict())
                report.conflicts += s.claim_id is not None
            elif s.created:
                report.accepted += 1
            else:
                report.unchanged += 1
    return report


@router.get("", response_model=Page[ClaimRead])
def list_claims(
    who: PrincipalDep,
    uow: UowDep,
    status: str | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    size: int = Query(50, ge=1, le=500),
) -> Page[ClaimRead]:
    return service.list_claims(
        uow.session, who, page=PageParams(page=page, size=size), status=status
    )


@router.get("/reasons")
def reasons(who: PrincipalDep) -> list[dict[str, Any]]:
    """Every adjudication reason code with its Persian and English label."""
    return [vars(r) for r in rules.REASONS]


@router.get("/{claim_id}", response_model=ClaimRead)
def get_claim(claim_id: ClaimId, who: PrincipalDep, uow: UowDep) -> ClaimRead:
    return service.get_claim(uow.session, who, claim_id=claim_id)


@router.post("/adjudicate")
def adjudicate(who: PrincipalDep, uow: UowDep) -> dict[str, int]:
    """Adjudicate every submitted claim now (national staff)."""
    who.require_role(Role.ADMIN, Role.HQ_ANALYST)
    run = service.adjudicate_pending(uow.session, actor=who.username)
    uow.commit()
    return vars(run)
