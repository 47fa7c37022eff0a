"""What the insurer spent on treatment, by the insured person's province of residence:
the insurer's share of adjudicated documents (those still waiting, rejected or drafts do
not count), for the equity and planning analyses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, ClaimLine
from darman.registry.models import Insured

SPENT = (
    ClaimStatus.ADJUDICATED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.REVIEWED,
    ClaimStatus.APPROVED,
    ClaimStatus.SCHEDULED,
    ClaimStatus.PAID,
)


def spending_by_province(
    session: Session, *, start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """Per province of residence: ``insurer_rials`` (the insurer's share of adjudicated
    documents with a service from ``start`` to ``end`` inclusive), ``patients`` (distinct
    insured people among them) and ``lines``."""
    first_day = (
        select(ClaimLine.claim_id, func.min(ClaimLine.service_date).label("day"))
        .group_by(ClaimLine.claim_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Insured.province_id,
            func.coalesce(func.sum(Claim.insurer_rials), 0),
            func.count(func.distinct(Claim.national_id)),
            func.count(Claim.id),
        )
        .join(first_day, first_day.c.claim_id == Claim.id)
        .join(Insured, Insured.national_id == Claim.national_id)
        .where(
            Claim.status.in_([s.value for s in SPENT]),
            first_day.c.day >= start,
            first_day.c.day <= end,
        )
        .group_by(Insured.province_id)
    ).all()
    return {
        int(pid): {"insurer_rials": int(total), "patients": int(people), "claims": int(n)}
        for pid, total, people, n in rows
    }
