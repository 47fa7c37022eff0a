from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from darman.claims import aging, bulk, payment, remittances, review, rules, service
from darman.claims.schemas import (
    BulkBatchAck,
    BulkReport,
    BulkStreamError,
    BulkSummary,
    ClaimIn,
    ClaimRead,
    SubmitResult,
)
from darman.claims.submission import Acknowledged, submit_stream
from darman.common.errors import DarmanError
from darman.common.jalali import tehran_today
from darman.common.paging import MAX_ID, Page, PagingDep
from darman.common.tabular import DOWNLOAD_CONTENT, MEDIA_TYPES, TableFormat, write_table
from darman.common.validators import AnyDate
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep
from darman.security.rules import Act, roles_that

log = logging.getLogger("darman")
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


NDJSON = "application/x-ndjson"
BULK_DESCRIPTION = """NDJSON (one claim per line), CSV or Excel (one row per claim line), read as a
stream. Each batch of 1,000 records is committed before the next is read, so what was
acknowledged survives a crash, and resending the file creates nothing twice: a record
whose document is stored with the same content counts as unchanged, other content is a
conflict unless the stored claim is a draft (which the new content replaces). Every
problem names the file's line or row and the field.

**Default answer** (`application/json`): one report once the whole file is stored.

**Progress as it happens**: send `Accept: application/x-ndjson` and the answer is NDJSON,
one JSON object a line, flushed as each batch is committed:

- `{"type": "batch", ...}` per committed batch: `first_record`..`last_record` (records
  counted from 1, blank lines are not records), `first_row`..`last_row` (the file's own
  line or row numbers), `records`, `accepted`, `unchanged`, `conflicts`, `rejected`
  (these four add up to `records`) and `problems`, each with its `row`, `field` and
  `reason`. Everything in a batch line is stored and committed.
- then `{"type": "summary", ...}` with the totals, once the whole file is stored;
- or, if the upload stops on an error after batches were acknowledged, a last
  `{"type": "error", "status", "title", "detail", "errors"}` instead of the summary.

A stream that ends with neither a summary nor an error was cut off (the connection or
the server went down): the batches acknowledged before stay stored; send the file
again to store the rest. A file that cannot be read at all (a CSV header that does not
match) and a caller who may not submit are answered before any line, as
`application/problem+json`."""


def _ndjson_line(model: BaseModel) -> bytes:
    return model.model_dump_json().encode("utf-8") + b"\n"


def _progress(
    first: Acknowledged | None, rest: Iterator[Acknowledged], path: str
) -> Iterator[bytes]:
    totals = BulkSummary(
        batches=0, records=0, accepted=0, unchanged=0, conflicts=0, rejected=0, problem_count=0
    )
    try:
        for ack in itertools.chain([first] if first is not None else [], rest):
            totals.batches += 1
            totals.records += ack.records
            totals.accepted += ack.accepted
            totals.unchanged += ack.unchanged
            totals.conflicts += ack.conflicts
            totals.rejected += ack.rejected
            totals.problem_count += len(ack.problems)
            yield _ndjson_line(_batch_line(ack))
    except DarmanError as exc:
        yield _ndjson_line(
            BulkStreamError(
                status=exc.status,
                title=exc.title,
                detail=exc.detail,
                errors=[p.as_dict() for p in exc.problems],
            )
        )
        return
    except IntegrityError:
        yield _ndjson_line(
            BulkStreamError(
                status=409,
                title="Conflict",
                detail="a batch conflicts with claims saved meanwhile; send the file again",
            )
        )
        return
    except Exception:  # the status line is sent: say so in the stream, not as a 500
        log.exception("bulk upload to %s stopped", path)
        yield _ndjson_line(
            BulkStreamError(
                status=500,
                title="Internal error",
                detail="the upload stopped; the batches acknowledged before are stored",
            )
        )
        return
    yield _ndjson_line(totals)


def _batch_line(ack: Acknowledged) -> BulkBatchAck:
    return BulkBatchAck(
        first_record=ack.first_record,
        last_record=ack.last_record,
        first_row=ack.first_row,
        last_row=ack.last_row,
        records=ack.records,
        accepted=ack.accepted,
        unchanged=ack.unchanged,
        conflicts=ack.conflicts,
        rejected=ack.rejected,
        problems=[p.as_dict() for p in ack.problems],
    )


def _wants_ndjson(accept: str) -> bool:
    return any(part.split(";", 1)[0].strip().lower() == NDJSON for part in accept.split(","))


@router.post(
    "/bulk",
    response_model=BulkReport,
    description=BULK_DESCRIPTION,
    responses={
        200: {
            "description": "the report, or with `Accept: application/x-ndjson` the progress",
            "content": {
                NDJSON: {
                    "schema": {
                        "oneOf": [
                            BulkBatchAck.model_json_schema(),
                            BulkSummary.model_json_schema(),
                            BulkStreamError.model_json_schema(),
                        ]
                    }
                }
            },
        }
    },
)
def submit_bulk(file: UploadFile, who: PrincipalDep, uow: UowDep, request: Request) -> Any:
    fmt = bulk.format_of(file.filename or "")
    uow.rollback()  # each batch is a unit of work of its own: end the request's read
    acks = submit_stream(uow.factory, who, file.file, fmt)
    if _wants_ndjson(request.headers.get("accept", "")):
        # The first batch is read before answering, so a file that cannot be read at all or
        # a caller who may not submit still gets a problem+json answer with its status.
        first = next(acks, None)
        return StreamingResponse(
            _progress(first, acks, request.url.path),
            media_type=NDJSON,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
    report = BulkReport(records=0, accepted=0, unchanged=0, conflicts=0, problems=[])
    for ack in acks:
        report.records = ack.last_record
        report.accepted += ack.accepted
        report.unchanged += ack.unchanged
        report.conflicts += ack.conflicts
        report.problems.extend(p.as_dict() for p in ack.problems)
    return report


@router.get("", response_model=Page[ClaimRead])
def list_claims(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    status: str | None = None,
) -> Page[ClaimRead]:
    return service.list_claims(uow.session, who, page=paging, status=status)


@router.get("/reasons")
def reasons(who: PrincipalDep) -> list[dict[str, Any]]:
    """Every adjudication reason code with its Persian and English label."""
    return [vars(r) for r in rules.REASONS]


@router.post("/adjudicate")
def adjudicate(request: Request, who: PrincipalDep, uow: UowDep) -> dict[str, int]:
    """Adjudicate every submitted claim now (national staff)."""
    who.require_role(*roles_that(Act.RUN_CLAIMS_BATCHES))
    # the referral register comes from the referral domain, which sits above claims; the
    # app hands its reader over at start-up (app.py)
    referrals = request.app.state.referral_register()
    run = service.adjudicate_pending(uow.session, actor=who.username, referrals=referrals)
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
    who.require_role(*roles_that(Act.RUN_CLAIMS_BATCHES))
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
    who: PrincipalDep, uow: ReadUowDep, limit: int = Query(100, ge=1, le=500)
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


@router.get(
    "/payment-runs/{run_id}/remittance",
    response_class=Response,
    responses={200: {"description": "The remittance as CSV or Excel", "content": DOWNLOAD_CONTENT}},
)
def remittance(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    who: PrincipalDep,
    uow: ReadUowDep,
    format: TableFormat = TableFormat.CSV,
) -> Response:
    header, rows = remittances.remittance(uow.session, who, run_id=run_id)
    content = write_table(header, rows, format, sheet="remittance")
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="remittance-{run_id}.{format.value}"'
        },
    )


@router.get("/aging")
def claims_aging(
    who: PrincipalDep, uow: ReadUowDep, by: Literal["province", "facility"] = "province"
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
def get_claim(claim_id: ClaimId, who: PrincipalDep, uow: ReadUowDep) -> ClaimRead:
    return service.get_claim(uow.session, who, claim_id=claim_id)
