"""Why a payment run paid less than its budget, said in Persian: reads of the queue a run
left in its scope once it has paid, never a write. A final run stopped at the first approved
claim that did not fit what was left of its budget ("budget_reached", with what that claim
costs) or found none left ("queue_empty"), and counts the claims of its scope still held in
medical review or approval and those not yet adjudicated; an advance run likewise, counting
the unadvanced claims too young to be advanced yet. ``payment`` sets these on its RunResult."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim
from darman.common.money import format_rials
from darman.common.persian import format_number
from darman.registry.models import Facility


@dataclass(frozen=True)
class Shortfall:
    """Why a run paid less than its budget, as RunResult carries it."""

    why: str  # "budget_reached" | "queue_empty"
    why_fa: str
    next_claim_rials: int | None  # what the first claim left in the queue costs
    waiting_review: int = 0  # claims of the scope held in medical review or approval
    waiting_adjudication: int = 0  # claims of the scope not yet adjudicated


def of_final_run(
    session: Session, *, left: int, province_id: int | None, submitted_before: dt.date | None
) -> Shortfall:
    """Why a final run with ``left`` rials of its budget unspent paid no more."""
    return _said(
        _shortfall(session, province_id=province_id, submitted_before=submitted_before),
        left=left,
    )


def of_advance_run(
    session: Session,
    *,
    left: int,
    statuses: tuple[str, ...],
    province_id: int | None,
    cutoff: dt.date,
    share_percent: int,
    min_wait_days: int,
) -> Shortfall:
    """Why an advance run with ``left`` rials of its budget unspent advanced no more, over
    the claims it chose from (``statuses``, submitted on or before ``cutoff``)."""
    queue = _advance_shortfall(
        session,
        statuses=statuses,
        province_id=province_id,
        cutoff=cutoff,
        share_percent=share_percent,
    )
    return _advance_said(queue, left=left, min_wait_days=min_wait_days)


@dataclass(frozen=True)
class _Queue:
    """What is left in a final run's scope once it has paid."""

    next_document: str | None
    next_due: int | None
    waiting_review: int
    waiting_adjudication: int


def _shortfall(
    session: Session, *, province_id: int | None, submitted_before: dt.date | None
) -> _Queue:
    """The first approved claim the run left unpaid, and how many claims of its scope are
    held in review or not yet adjudicated (claims of contracted centres only, as paid)."""

    def scoped(query: Any) -> Any:  # a select of any columns, narrowed to the run's scope
        query = query.join(Facility, Facility.id == Claim.facility_id).where(
            Facility.ownership == "contracted"
        )
        if province_id is not None:
            query = query.where(Claim.province_id == province_id)
        if submitted_before is not None:
            query = query.where(Claim.submitted_on < submitted_before)
        return query

    first = session.execute(
        scoped(
            select(Claim.document_number, Claim.insurer_rials - Claim.advance_rials)
            .where(Claim.status == ClaimStatus.APPROVED.value)
            .order_by(Claim.submitted_at, Claim.id)
            .limit(1)
        )
    ).first()

    def count(*statuses: ClaimStatus) -> int:
        query = select(func.count(Claim.id)).where(Claim.status.in_([s.value for s in statuses]))
        return int(session.scalar(scoped(query)) or 0)

    return _Queue(
        next_document=None if first is None else str(first[0]),
        next_due=None if first is None else int(first[1]),
        waiting_review=count(ClaimStatus.IN_REVIEW, ClaimStatus.REVIEWED),
        waiting_adjudication=count(ClaimStatus.SUBMITTED, ClaimStatus.ADJUDICATED),
    )


def _said(queue: _Queue, *, left: int) -> Shortfall:
    """Why a final run with ``left`` rials of its budget unspent stopped, in Persian."""
    held = []
    if queue.waiting_review:
        held.append(f"{format_number(queue.waiting_review)} سند در بررسی پزشکی یا تأیید")
    if queue.waiting_adjudication:
        held.append(f"{format_number(queue.waiting_adjudication)} سند در انتظار رسیدگی")
    waiting = f"؛ {' و '.join(held)} است و پس از تأیید پرداخت می‌شود" if held else ""
    if queue.next_due is not None:
        why = "budget_reached"
        said = (
            f"بودجه به سند بعدی صف نرسید: سند {queue.next_document} "
            f"{format_rials(queue.next_due)} است و از مانده‌ی بودجه ({format_rials(left)}) "
            "بیشتر؛ اسناد جوان‌تر از آن پرداخت نشد تا نوبت صف به هم نخورد"
        )
    else:
        why = "queue_empty"
        said = "سند تأییدشده‌ی دیگری در این گستره نمانده است"
    return Shortfall(
        why=why,
        why_fa=said + waiting,
        next_claim_rials=queue.next_due,
        waiting_review=queue.waiting_review,
        waiting_adjudication=queue.waiting_adjudication,
    )


@dataclass(frozen=True)
class _AdvanceQueue:
    """What an advance run left in its scope: the first claim it could have advanced and
    did not, and the unadvanced claims too young to be advanced yet."""

    next_document: str | None
    next_due: int | None
    too_young: int


def _advance_shortfall(
    session: Session,
    *,
    statuses: tuple[str, ...],
    province_id: int | None,
    cutoff: dt.date,
    share_percent: int,
) -> _AdvanceQueue:
    """Claims of contracted centres in the run's scope, not advanced and not yet reviewed,
    as the run chose them (oldest first)."""

    def scoped(query: Any) -> Any:  # a select of any columns, narrowed to the run's scope
        query = (
            query.join(Facility, Facility.id == Claim.facility_id)
            .where(Facility.ownership == "contracted")
            .where(Claim.status.in_(statuses))
            .where(Claim.advance_rials == 0, Claim.asked_rials > 0)
        )
        if province_id is not None:
            query = query.where(Claim.province_id == province_id)
        return query

    first = session.execute(
        scoped(select(Claim.document_number, Claim.asked_rials))
        .where(Claim.submitted_on <= cutoff)
        .order_by(Claim.submitted_at, Claim.id)
        .limit(1)
    ).first()
    young = session.scalar(scoped(select(func.count(Claim.id))).where(Claim.submitted_on > cutoff))
    return _AdvanceQueue(
        next_document=None if first is None else str(first[0]),
        # as the run computes it: whole rials of the share, rounded down
        next_due=None if first is None else int(first[1]) * share_percent // 100,
        too_young=int(young or 0),
    )


def _advance_said(queue: _AdvanceQueue, *, left: int, min_wait_days: int) -> Shortfall:
    """Why an advance run with ``left`` rials of its budget unspent stopped, in Persian."""
    if queue.next_due is not None:
        why = "budget_reached"
        said = (
            f"بودجه به سند بعدی صف نرسید: پیش‌پرداخت سند {queue.next_document} "
            f"{format_rials(queue.next_due)} است و از مانده‌ی بودجه ({format_rials(left)}) "
            "بیشتر؛ اسناد جوان‌تر از آن پیش‌پرداخت نگرفتند تا نوبت صف به هم نخورد"
        )
    else:
        why = "queue_empty"
        said = (
            f"سند دیگری در این گستره نیست که بیش از {format_number(min_wait_days)} روز "
            "در انتظار مانده و پیش‌پرداخت نگرفته باشد"
        )
    if queue.too_young:
        said += (
            f"؛ {format_number(queue.too_young)} سند هنوز کمتر از "
            f"{format_number(min_wait_days)} روز در صف است"
        )
    return Shortfall(why=why, why_fa=said, next_claim_rials=queue.next_due)
