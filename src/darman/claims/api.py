from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from darman.claims import aging, bulk, payment, review, rules, service
from darman.claims.schemas import BulkReport, ClaimIn, ClaimRead, SubmitResult
from darman.claims.submission import store_batch
from darman.common.jalali import tehran_today
from darman.common.paging import MAX_ID, MAX_PAGE, Page, PageParams
from darman.common.tabular import TableFormat, write_table
from darman.common.validators import AnyDate
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


@router.post("/adjudicate")
def adjudicate(who: PrincipalDep, uow: UowDep) -> dict[str, int]:
    """Adjudicate every submitted claim now (national staff)."""
    who.require_role(Role.ADMIN, Role.HQ_ANALYST)
    run = service.adjudicate_pending(uow.session, actor=who.username)
    uow.commit()
    return vars(run)


# ----------------------------------------------------------------- review
class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "cut", "reject"]
    allowed_rials: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    reason: str = Field(min_length=1, max_length=200)


@router.post("/review/select")
def select_for_review(who: PrincipalDep, uow: UowDep) -> dict[str, int]:
    """Route adjudicated claims to review (random share, high value, outliers) or approval."""
    who.require_role(Role.ADMIN, Role.HQ_ANALYST)
    result = review.select_for_review(uow.session, actor=who.username)
    uow.commit()
    return vars(result)


class ExtrapolateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    submitted_from: AnyDate
    submitted_to: AnyDate


@router.post("/review/extrapolate")
def extrapolate_sample(body: ExtrapolateIn, who: PrincipalDep, uow: UowDep) -> dict[str, int]:
    """Cut a facility's unreviewed approved claims of a period by the deduction rate its
    reviewed random sample showed."""
    result = review.extrapolate_sample(
        uow.session,
        who,
        facility_id=body.facility_id,
        submitted_from=body.submitted_from,
        submitted_to=body.submitted_to,
    )
    uow.commit()
    return vars(result)


@router.get("/review/queue", response_model=list[ClaimRead])
def review_queue(
    who: PrincipalDep, uow: UowDep, limit: int = Query(100, ge=1, le=500)
) -> list[ClaimRead]:
    """Claims waiting for medical review in the reviewer's province, oldest first."""
    rows = review.queue(uow.session, who, limit=limit)
    return [service.get_claim(uow.session, who, claim_id=c.id) for c in rows]


@router.post("/{claim_id}/lines/{line_no}/review")
def review_line(
    claim_id: ClaimId,
    line_no: Annotated[int, Path(ge=1, le=500)],
    body: ReviewDecision,
    who: PrincipalDep,
    uow: UowDep,
) -> dict[str, Any]:
    line = review.decide_line(
        uow.session,
        who,
        claim_id=claim_id,
        line_no=line_no,
        action=body.action,
        allowed_rials=body.allowed_rials,
        reason=body.reason,
    )
    uow.commit()
    return {"line_no": line.line_no, "allowed_rials": line.allowed_rials, "outcome": line.outcome}


@router.post("/{claim_id}/review/finish", response_model=ClaimRead)
def finish_review(claim_id: ClaimId, who: PrincipalDep, uow: UowDep) -> ClaimRead:
    review.finish(uow.session, who, claim_id=claim_id)
    uow.commit()
    return service.get_claim(uow.session, who, claim_id=claim_id)


# ---------------------------------------------------------------- payment
class PaymentRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_key: str = Field(min_length=1, max_length=64)
    budget_rials: Annotated[int, Field(gt=0, le=2**63 - 1, strict=True)]
    province_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class AdvanceRunIn(PaymentRunIn):
    share_percent: Annotated[int, Field(ge=1, le=90)] = 50
    min_wait_days: Annotated[int, Field(ge=0, le=3650)] = 60


@router.post("/payment-runs")
def pay(body: PaymentRunIn, who: PrincipalDep, uow: UowDep) -> dict[str, Any]:
    """Pay approved claims oldest first within the budget. Repeating a run key pays nothing."""
    result = payment.pay(
        uow.session,
        who,
        run_key=body.run_key,
        budget_rials=body.budget_rials,
        province_id=body.province_id,
    )
    uow.commit()
    return vars(result)


@router.post("/advance-runs")
def pay_advances(body: AdvanceRunIn, who: PrincipalDep, uow: UowDep) -> dict[str, Any]:
    """On-account advances for claims waiting longer than ``min_wait_days``."""
    result = payment.pay_advances(
        uow.session,
        who,
        run_key=body.run_key,
        budget_rials=body.budget_rials,
        share_percent=body.share_percent,
        min_wait_days=body.min_wait_days,
        province_id=body.province_id,
    )
    uow.commit()
    return vars(result)


@router.get("/payment-runs/{run_id}/remittance")
def remittance(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    who: PrincipalDep,
    uow: UowDep,
    format: TableFormat = TableFormat.CSV,
) -> Response:
    header, rows = payment.remittance(uow.session, who, run_id=run_id)
    content = write_table(header, rows, format)
    media = (
        "text/csv; charset=utf-8"
        if format is TableFormat.CSV
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="remittance-{run_id}.{format.value}"'
        },
    )


@router.get("/aging")
def claims_aging(
    who: PrincipalDep, uow: UowDep, by: Literal["province", "facility"] = "province"
) -> dict[str, Any]:
    """Unpaid amounts by age bucket, and the payment delay of paid claims by Jalali month."""
    rows = aging.aging(uow.session, who, as_of=tehran_today(), by=by)
    delay = aging.payment_delay(uow.session, who)
    return {
        "buckets": [b for b, _ in aging.BUCKETS],
        "rows": [vars(r) for r in rows],
        "delay": [vars(d) for d in delay],
    }


# Declared last: its one-segment path would otherwise shadow /aging and the like.
@router.get("/{claim_id}", response_model=ClaimRead)
def get_claim(claim_id: ClaimId, who: PrincipalDep, uow: UowDep) -> ClaimRead:
    return service.get_claim(uow.session, who, claim_id=claim_id)
