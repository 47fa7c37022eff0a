"""A year of synthetic claims for the demo: loaded, adjudicated, reviewed and partly paid
month by month, so that every claims screen shows something real.

The claims draw on the registry the seed loaded (same scale and seed give the
same facilities and people), and the payment history replays a delay that
shrinks through the year, the way the seeds describe it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.claims import payment, review
from darman.claims import service as claims_service
from darman.claims.models import Claim, ProgrammeRollout
from darman.common.jalali import tehran_today
from darman.db import bulk
from darman.referrals.reading import claims_register
from darman.registry.models import Facility
from darman.security.principal import SYSTEM
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference
from darman.synth import prescriptions_seed

Progress = Callable[[str], None]
TEHRAN_OFFSET = dt.timedelta(hours=3, minutes=30)


def load(
    session: Session, *, scale: float, seed: int, lines: int, progress: Progress | None = None
) -> int:
    """Insert ``lines`` synthetic claim lines (about 10 % with a violation) as submitted claims."""
    say = progress or (lambda _m: None)
    if session.scalar(select(func.count()).select_from(Claim)):
        return 0
    ref = synthetic_reference.reference(scale=scale, seed=seed)
    generated = synthetic.claims(ref, n_lines=lines, seed=seed)
    made = generated.lines
    say(f"generated {made.num_rows:,} claim lines")
    linked = prescriptions_seed.build(
        session,
        lines=made,
        dispensed=generated.dispensings,
        referred=generated.referrals,
        referral_provinces=synthetic_reference.REFERRAL_PROVINCES,
        seed=seed,
    )
    say(
        f"{linked.counts['prescriptions']:,} prescriptions, "
        f"{linked.counts['referral_orders']:,} referrals, "
        f"{linked.counts['panel_enrolments']:,} panel enrolments"
    )
    province_of = dict(session.execute(select(Facility.id, Facility.province_id)).all())
    cols = {name: made[name].to_pylist() for name in made.column_names}
    claims: dict[int, tuple[object, ...]] = {}
    line_rows: list[tuple[object, ...]] = []
    line_no: dict[int, int] = {}
    for i in range(made.num_rows):
        cid = cols["claim_id"][i]
        asked = cols["quantity"][i] * cols["unit_price"][i]
        if cid not in claims:
            submitted_on: dt.date = cols["submitted_date"][i]
            at = dt.datetime.combine(submitted_on, dt.time(10, 0), tzinfo=dt.UTC) - TEHRAN_OFFSET
            digest = hashlib.sha256(f"synthetic:{seed}:{cid}".encode()).hexdigest()
            claims[cid] = [
                cid,
                cols["facility_id"][i],
                province_of[cols["facility_id"][i]],
                f"{cid:09d}",
                cols["national_id"][i],
                cols["nid_valid"][i],
                None,
                cols["visit_type"][i],
                cols["admission_date"][i],
                cols["discharge_date"][i],
                "",
                linked.referral_ref.get(cid),
                linked.prescription_ref.get(cid),
                "submitted",
                digest,
                at,
                submitted_on,
                None,
                0,
                0,
                0,
                0,
                0,
                "",
                0,
                0,
                None,
            ]  # type: ignore[assignment]
        claims[cid][18] = int(claims[cid][18]) + asked  # type: ignore[index,call-overload]
        line_no[cid] = line_no.get(cid, 0) + 1
        line_rows.append(
            (
                cols["line_id"][i],
                cid,
                line_no[cid],
                cols["national_id"][i],
                cols["facility_id"][i],
                cols["item_type"][i],
                cols["code"][i],
                cols["service_date"][i],
                cols["quantity"][i],
                cols["unit_price"][i],
                "pending",
                asked,
                0,
                0,
                0,
                0,
                "",
            )
        )
    conn = session.connection()
    bulk.load(conn, "claims", _CLAIM_COLUMNS, [tuple(c) for c in claims.values()])
    bulk.load(conn, "claim_lines", _LINE_COLUMNS, line_rows)
    if not session.scalar(select(func.count()).select_from(ProgrammeRollout)):
        rollouts = ref.rollouts
        bulk.load(
            conn,
            "programme_rollouts",
            tuple(rollouts.column_names),
            list(zip(*(rollouts[c].to_pylist() for c in rollouts.column_names), strict=True)),
        )
    bulk.reset_sequences(conn, ["claims", "claim_lines", "programme_rollouts"])
    say(f"loaded {len(claims):,} claims")
    return len(line_rows)


_CLAIM_COLUMNS = (
    "id",
    "facility_id",
    "province_id",
    "document_number",
    "national_id",
    "nid_valid",
    "practitioner_council_number",
    "visit_type",
    "admission_date",
    "discharge_date",
    "diagnoses",
    "referral_ref",
    "prescription_ref",
    "status",
    "content_hash",
    "submitted_at",
    "submitted_on",
    "adjudicated_at",
    "asked_rials",
    "allowed_rials",
    "copay_rials",
    "insurer_rials",
    "deducted_rials",
    "review_reason",
    "advance_rials",
    "paid_rials",
    "paid_at",
)
_LINE_COLUMNS = (
    "id",
    "claim_id",
    "line_no",
    "national_id",
    "facility_id",
    "item_type",
    "code",
    "service_date",
    "quantity",
    "unit_price_rials",
    "outcome",
    "asked_rials",
    "allowed_rials",
    "copay_rials",
    "insurer_rials",
    "deducted_rials",
    "reasons",
)


def process(session: Session, *, progress: Progress | None = None) -> None:
    """Adjudicate, route to review, and replay a year of monthly payment runs whose
    delay shrinks from about six months to about two."""
    say = progress or (lambda _m: None)
    run = claims_service.adjudicate_pending(
        session, referrals=claims_register(), actor="system", progress=say
    )
    say(f"adjudicated {run.lines:,} lines: {run.rejected:,} rejected, {run.partial:,} cut")
    picked = review.select_for_review(session, actor="system")
    say(f"{picked.selected:,} claims sent to medical review, {picked.approved:,} approved")
    first = synthetic_reference.YEAR_START
    delays = np.linspace(180, 60, 12).astype(int)
    # A monthly budget short of what is owed keeps a realistic backlog for the aging screen.
    owed = session.scalar(
        select(func.coalesce(func.sum(Claim.insurer_rials), 0)).where(Claim.status == "approved")
    )
    monthly = max(1, int(owed or 0) // 14)
    for month, delay in enumerate(delays.tolist()):
        pay_day = first + dt.timedelta(days=120 + 30 * month)
        if pay_day > tehran_today():
            break
        stamp = dt.datetime.combine(pay_day, dt.time(12, 0), tzinfo=dt.UTC)
        result = payment.pay(
            session,
            SYSTEM,
            run_key=f"demo-history-{month + 1:02d}",
            budget_rials=monthly,
            paid_at=stamp,
            submitted_before=pay_day - dt.timedelta(days=delay),
        )
        say(f"payment run {month + 1:2d}: {result.claims_paid:,} claims paid")
