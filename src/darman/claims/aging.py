"""What the insurer owes contracted centres, by how long it has waited, and how long
paid claims waited: the delay the seeds want brought from 18 months to zero."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim
from darman.claims.service import in_scope
from darman.common.jalali import to_jalali
from darman.registry.models import Facility, Province
from darman.security.principal import Principal

# (label, lower bound in days inclusive); a month is counted as 30.44 days
BUCKETS: tuple[tuple[str, int], ...] = (
    ("<1", 0),
    ("1-3", 30),
    ("3-6", 91),
    ("6-12", 183),
    ("12-18", 365),
    (">18", 548),
)
UNPAID = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.ADJUDICATED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.REVIEWED,
    ClaimStatus.APPROVED,
    ClaimStatus.SCHEDULED,
)
_ADJUDICATED = (
    ClaimStatus.ADJUDICATED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.REVIEWED,
    ClaimStatus.APPROVED,
    ClaimStatus.SCHEDULED,
)


def bucket_of(days: int) -> str:
    label = BUCKETS[0][0]
    for name, lower in BUCKETS:
        if days >= lower:
            label = name
    return label


@dataclass
class AgingRow:
    key: str  # province name or facility code
    label: str
    claims: int = 0
    total_rials: int = 0
    buckets: dict[str, int] = field(default_factory=lambda: {b: 0 for b, _ in BUCKETS})


def aging(
    session: Session, who: Principal, *, as_of: dt.date, by: str = "province"
) -> list[AgingRow]:
    """Unpaid amount (the insurer's share once adjudicated, the asked amount before; less any
    advance) of contracted centres' claims, per province or per facility, by age bucket."""
    due = (
        case(
            (Claim.status.in_([s.value for s in _ADJUDICATED]), Claim.insurer_rials),
            else_=Claim.asked_rials,
        )
        - Claim.advance_rials
    )
    key_cols = (
        (Province.code, Province.name_fa) if by == "province" else (Facility.code, Facility.name)
    )
    query = (
        select(*key_cols, Claim.submitted_on, due)
        .join(Facility, Facility.id == Claim.facility_id)
        .join(Province, Province.id == Claim.province_id)
        .where(Claim.status.in_([s.value for s in UNPAID]), Facility.ownership == "contracted")
    )
    rows: dict[str, AgingRow] = {}
    for key, label, submitted, amount in session.execute(in_scope(query, who)):
        row = rows.setdefault(key, AgingRow(key, label))
        value = int(amount)
        row.claims += 1
        row.total_rials += value
        row.buckets[bucket_of((as_of - submitted).days)] += value
    return sorted(rows.values(), key=lambda r: (-r.total_rials, r.key))


@dataclass(frozen=True)
class DelayRow:
    month: str  # Jalali year/month of payment, 1404/07
    paid_claims: int
    mean_days: float
    p90_days: float


def payment_delay(session: Session, who: Principal) -> list[DelayRow]:
    """Days from submission to payment of paid claims, by Jalali month of payment."""
    query = select(Claim.submitted_on, Claim.paid_at).where(
        Claim.status == ClaimStatus.PAID.value, Claim.paid_at.is_not(None)
    )
    by_month: dict[str, list[int]] = defaultdict(list)
    for submitted, paid_at in session.execute(in_scope(query, who)):
        j = to_jalali(paid_at.date())
        by_month[f"{j.year:04d}/{j.month:02d}"].append((paid_at.date() - submitted).days)
    return [
        DelayRow(
            month,
            len(days),
            round(float(np.mean(days)), 1),
            round(float(np.percentile(days, 90)), 1),
        )
        for month, days in sorted(by_month.items())
    ]
