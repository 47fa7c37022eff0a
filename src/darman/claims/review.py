"""Medical review: which adjudicated claims a reviewer must see, and the reviewer's decisions.

Selection is risk based: a random share (deterministic per claim, so a rerun
picks the same claims), every claim above a value threshold, and claims with a
line whose unit price or quantity is an outlier against peer facilities: the
facilities of the same level of care that billed the same service or drug.
Claims not selected are approved (or rejected when nothing is payable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.enums import ClaimStatus, LineOutcome
from darman.claims.models import Claim, ClaimLine
from darman.claims.rules import copay as copay_of
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.registry import scope
from darman.registry.models import Facility
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

REVIEWERS = roles_that(Act.REVIEW_CLAIMS)


@dataclass(frozen=True)
class ReviewPolicy:
    sample_percent: int = 5
    value_threshold_rials: int = 500_000_000
    # A line is an outlier when its asked unit price is above this percentage of the peer
    # median price, or its quantity above this multiple of the peer median quantity.
    price_outlier_percent: int = 200
    quantity_outlier_factor: int = 4
    # Below this many peer facilities for a service and level there is no norm to compare with.
    min_peer_facilities: int = 5


@dataclass(frozen=True)
class SelectionResult:
    selected: int
    approved: int
    rejected: int


def _sampled(claim_id: int, percent: int) -> bool:
    digest = hashlib.sha256(f"review:{claim_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < percent * 100


# Peers: payable lines of the same code at facilities of the same level, over the year
# before the newest pending line (so a norm exists even when few claims wait routing).
PEER_WINDOW_DAYS = 365
PEER_STATUSES = (
    ClaimStatus.ADJUDICATED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.REVIEWED,
    ClaimStatus.APPROVED,
    ClaimStatus.SCHEDULED,
    ClaimStatus.PAID,
)
# Each facility gets one vote (its own median), so one large facility cannot set the norm
# its peers are judged by; quantile_disc keeps the medians actual integer values.
PEER_OUTLIERS_SQL = """
WITH per_facility AS (
    SELECT code, level, facility_id,
           quantile_disc(unit_price, 0.5) AS f_price, quantile_disc(quantity, 0.5) AS f_qty
    FROM lines GROUP BY code, level, facility_id
), peers AS (
    SELECT code, level, quantile_disc(f_price, 0.5) AS p_price, quantile_disc(f_qty, 0.5) AS p_qty
    FROM per_facility GROUP BY code, level HAVING count(*) >= $min_peers
), judged AS (
    SELECT l.claim_id,
           l.unit_price * 100 > p.p_price * $price_percent AS price,
           l.quantity > p.p_qty * $qty_factor AS quantity
    FROM lines l JOIN peers p ON p.code = l.code AND p.level = l.level
    WHERE l.pending
)
SELECT claim_id, bool_or(price), bool_or(quantity)
FROM judged GROUP BY claim_id HAVING bool_or(price) OR bool_or(quantity)
"""
PEER_COLUMNS = pa.schema(
    [
        ("claim_id", pa.int64()),
        ("facility_id", pa.int64()),
        ("level", pa.int64()),
        ("code", pa.string()),
        ("quantity", pa.int64()),
        ("unit_price", pa.int64()),
        ("pending", pa.bool_()),
    ]
)


def _peer_outliers(session: Session, policy: ReviewPolicy) -> dict[int, list[str]]:
    """claim_id -> ["price"], ["quantity"] or both, for each adjudicated claim with a line
    whose asked unit price or quantity is far above what peer facilities bill for it."""
    newest = session.scalar(
        select(func.max(ClaimLine.service_date))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(Claim.status == ClaimStatus.ADJUDICATED.value)
    )
    if newest is None:
        return {}
    rows = session.execute(
        select(
            ClaimLine.claim_id,
            ClaimLine.facility_id,
            Facility.level,
            ClaimLine.code,
            ClaimLine.quantity,
            ClaimLine.unit_price_rials,
            Claim.status == ClaimStatus.ADJUDICATED.value,
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(Facility, Facility.id == ClaimLine.facility_id)
        .where(
            Claim.status.in_([s.value for s in PEER_STATUSES]),
            ClaimLine.outcome != LineOutcome.REJECTED.value,
            ClaimLine.service_date >= newest - dt.timedelta(days=PEER_WINDOW_DAYS),
        )
    ).all()
    if not rows:
        return {}
    columns = list(zip(*rows, strict=True))
    lines = pa.table(
        {f.name: pa.array(c, f.type) for f, c in zip(PEER_COLUMNS, columns, strict=True)}
    )
    con = duckdb.connect()
    try:
        con.register("lines", lines)
        found = con.execute(
            PEER_OUTLIERS_SQL,
            {
                "min_peers": policy.min_peer_facilities,
                "price_percent": policy.price_outlier_percent,
                "qty_factor": policy.quantity_outlier_factor,
            },
        ).fetchall()
    finally:
        con.close()
    return {
        int(cid): [w for w, hit in (("price", price), ("quantity", qty)) if hit]
        for cid, price, qty in found
    }


def select_for_review(
    session: Session, *, actor: str, policy: ReviewPolicy | None = None
) -> SelectionResult:
    """Route every adjudicated claim to review, approval or rejection. The caller commits."""
    policy = policy or ReviewPolicy()
    outliers = _peer_outliers(session, policy)
    claims = session.execute(
        select(Claim.id, Claim.insurer_rials, Claim.allowed_rials).where(
            Claim.status == ClaimStatus.ADJUDICATED.value
        )
    ).all()
    reasons: dict[int, str] = {}
    approve: list[int] = []
    reject: list[int] = []
    for cid, insurer, allowed in claims:
        why = [
            *(["value"] if insurer >= policy.value_threshold_rials else []),
            *outliers.get(cid, []),
            *(["random"] if _sampled(cid, policy.sample_percent) else []),
        ]
        if why and allowed > 0:
            reasons[cid] = ",".join(why)
        elif allowed > 0:
            approve.append(cid)
        else:
            reject.append(cid)
    for label in set(reasons.values()):
        ids = [c for c, r in reasons.items() if r == label]
        session.execute(
            update(Claim)
            .where(Claim.id.in_(ids))
            .values(status=ClaimStatus.IN_REVIEW.value, review_reason=label)
        )
    for ids, status in ((approve, ClaimStatus.APPROVED), (reject, ClaimStatus.REJECTED)):
        for start in range(0, len(ids), 10_000):
            session.execute(
                update(Claim)
                .where(Claim.id.in_(ids[start : start + 10_000]))
                .values(status=status.value)
            )
    result = SelectionResult(len(reasons), len(approve), len(reject))
    if claims:
        audit.record(
            session,
            actor=actor,
            action="select_review",
            entity="claims",
            entity_id=f"{claims[0].id}..{claims[-1].id}",
            after=vars(result),
        )
    return result


def _claim_for_reviewer(session: Session, who: Principal, claim_id: int) -> Claim:
    who.require_role(*REVIEWERS)
    query = select(Claim).where(Claim.id == claim_id)
    query = scope.restrict(query, who, province=Claim.province_id)
    claim = session.scalar(query)
    if claim is None:
        raise NotFound(f"no claim {claim_id} in your review scope")
    return claim


def queue(session: Session, who: Principal, *, limit: int = 100) -> list[Claim]:
    """Claims waiting for review, oldest first, in the reviewer's province."""
    who.require_role(*REVIEWERS)
    query = select(Claim).where(Claim.status == ClaimStatus.IN_REVIEW.value)
    query = scope.restrict(query, who, province=Claim.province_id)
    return list(session.scalars(query.order_by(Claim.submitted_at, Claim.id).limit(limit)).all())


def decide_line(
    session: Session,
    who: Principal,
    *,
    claim_id: int,
    line_no: int,
    action: str,
    allowed_rials: int | None = None,
    reason: str,
) -> ClaimLine:
    """approve keeps the adjudicated amount, cut lowers it to ``allowed_rials``, reject pays
    nothing. A reason is required; every change is audited."""
    claim = _claim_for_reviewer(session, who, claim_id)
    if claim.status != ClaimStatus.IN_REVIEW.value:
        raise Conflict(f"claim {claim_id} is {claim.status}, not in review")
    if not reason.strip():
        raise InvalidInput("a reason is required", [FieldProblem("reason", "required")])
    line = session.scalar(
        select(ClaimLine).where(ClaimLine.claim_id == claim_id, ClaimLine.line_no == line_no)
    )
    if line is None:
        raise NotFound(f"claim {claim_id} has no line {line_no}")
    before = audit.snapshot(line)
    if action == "cut":
        if allowed_rials is None or not 0 <= allowed_rials <= line.allowed_rials:
            raise InvalidInput(
                "a cut needs allowed_rials between 0 and the adjudicated amount",
                [FieldProblem("allowed_rials", f"0..{line.allowed_rials}")],
            )
        new_allowed = allowed_rials
    elif action == "reject":
        new_allowed = 0
    elif action == "approve":
        new_allowed = line.allowed_rials
    else:
        raise InvalidInput("action is approve, cut or reject", [FieldProblem("action", action)])
    # Copayment percentages are whole numbers: recover the line's from its amounts and
    # apply it to the new amount with the policy's own rounding.
    percent = (
        (line.copay_rials * 100 + line.allowed_rials // 2) // line.allowed_rials
        if line.allowed_rials
        else 0
    )
    line.copay_rials = copay_of(new_allowed, percent)
    line.insurer_rials = new_allowed - line.copay_rials
    line.deducted_rials = line.asked_rials - new_allowed
    line.review_cut_rials += line.allowed_rials - new_allowed
    line.allowed_rials = new_allowed
    if action != "approve":
        line.outcome = LineOutcome.REJECTED.value if new_allowed == 0 else LineOutcome.PARTIAL.value
        line.reasons = ";".join(c for c in (line.reasons, "V01") if c)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action=f"review_{action}",
        entity="claim_line",
        entity_id=line.id,
        before=before,
        after={**audit.snapshot(line), "reason": reason},
    )
    return line


def finish(session: Session, who: Principal, *, claim_id: int) -> Claim:
    """Close the review: totals follow the lines; approved if anything is payable."""
    claim = _claim_for_reviewer(session, who, claim_id)
    if claim.status != ClaimStatus.IN_REVIEW.value:
        raise Conflict(f"claim {claim_id} is {claim.status}, not in review")
    sums = session.execute(
        select(
            func.sum(ClaimLine.allowed_rials),
            func.sum(ClaimLine.copay_rials),
            func.sum(ClaimLine.insurer_rials),
            func.sum(ClaimLine.deducted_rials),
        ).where(ClaimLine.claim_id == claim_id)
    ).one()
    before = audit.snapshot(claim)
    claim.allowed_rials, claim.copay_rials, claim.insurer_rials, claim.deducted_rials = (
        int(v or 0) for v in sums
    )
    claim.status = (ClaimStatus.APPROVED if claim.allowed_rials > 0 else ClaimStatus.REJECTED).value
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="review_finish",
        entity="claim",
        entity_id=claim.id,
        before=before,
        after=audit.snapshot(claim),
    )
    return claim


@dataclass(frozen=True)
class Extrapolation:
    sample_claims: int
    rate_ppm: int  # deduction rate of the reviewed sample, parts per million
    target_claims: int
    cut_rials: int


def extrapolate_sample(
    session: Session,
    who: Principal,
    *,
    facility_id: int,
    submitted_from: dt.date,
    submitted_to: dt.date,
) -> Extrapolation:
    """Apply the deduction rate found in a facility's randomly sampled, reviewed claims to
    its unreviewed approved claims of the same period (the insurer's share is cut by that
    rate, in whole rials). Each claim is cut at most once; rerunning changes nothing. The
    caller commits. Raises InvalidInput when no reviewed random sample exists."""
    who.require_role(*REVIEWERS)
    facility = session.get(Facility, facility_id)
    if facility is None or not who.may_see_province(facility.province_id):
        raise NotFound(f"no facility {facility_id} in your review scope")
    window = (
        Claim.facility_id == facility_id,
        Claim.submitted_on >= submitted_from,
        Claim.submitted_on <= submitted_to,
    )
    sample = select(Claim.id).where(
        *window,
        Claim.review_reason.contains("random"),
        Claim.status.in_(
            (ClaimStatus.APPROVED.value, ClaimStatus.REJECTED.value, ClaimStatus.PAID.value)
        ),
    )
    cut, base, n_sample = session.execute(
        select(
            func.coalesce(func.sum(ClaimLine.review_cut_rials), 0),
            func.coalesce(func.sum(ClaimLine.allowed_rials + ClaimLine.review_cut_rials), 0),
            func.count(func.distinct(ClaimLine.claim_id)),
        ).where(ClaimLine.claim_id.in_(sample))
    ).one()
    if not n_sample or not base:
        raise InvalidInput(
            "no reviewed random sample for this facility and period",
            [FieldProblem("facility_id", "review a random sample first")],
        )
    rate = int(cut) * 1_000_000 // int(base)
    targets = session.scalars(
        select(Claim).where(
            *window,
            Claim.status == ClaimStatus.APPROVED.value,
            Claim.review_reason == "",
            Claim.sample_cut_rials == 0,
        )
    ).all()
    total = 0
    for claim in targets:
        amount = claim.insurer_rials * rate // 1_000_000
        claim.sample_cut_rials = amount
        claim.insurer_rials -= amount
        claim.deducted_rials += amount
        total += amount
    result = Extrapolation(int(n_sample), rate, len(targets), total)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="extrapolate_sample",
        entity="facility",
        entity_id=facility_id,
        after={**vars(result), "from": submitted_from.isoformat(), "to": submitted_to.isoformat()},
    )
    return result
