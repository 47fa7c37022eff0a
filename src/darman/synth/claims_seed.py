"""A year of synthetic claims for the demo, up to the day it is seeded: loaded,
adjudicated, reviewed and partly paid month by month, so that every claims screen shows
something real and recent.

The claims draw on the registry the seed loaded (same scale and seed give the
same facilities and people), and the payment history replays a delay that
shrinks through the year. Both take the seeding day
(``today``, Tehran's by default) as their anchor: the same seed and day give the same
rows, and another day shifts every date by the difference.
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
from darman.common.persian import format_number
from darman.db import bulk
from darman.referrals.reading import claims_register
from darman.registry.models import Facility
from darman.security.principal import SYSTEM
from darman.synth import claim_links_seed
from darman.synth import claims as synthetic
from darman.synth import claims_reference as synthetic_reference

Progress = Callable[[str], None]
TEHRAN_OFFSET = dt.timedelta(hours=3, minutes=30)


def load(
    session: Session,
    *,
    scale: float,
    seed: int,
    lines: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> int:
    """Insert ``lines`` synthetic claim lines (about 10 % with a violation) as submitted
    claims, with services over the twelve months before ``today`` (the seeding day,
    Tehran's today by default) and every claim filed by the day before it."""
    say = progress or (lambda _m: None)
    if session.scalar(select(func.count()).select_from(Claim)):
        return 0
    window = synthetic_reference.window_before(today or tehran_today())
    ref = synthetic_reference.reference(scale=scale, seed=seed, window=window)
    generated = synthetic.claims(ref, n_lines=lines, seed=seed)
    made = generated.lines
    say(f"{format_number(made.num_rows)} خط سند ساخته شد")
    linked = claim_links_seed.build(
        session,
        lines=made,
        dispensed=generated.dispensings,
        referred=generated.referrals,
        referral_provinces=synthetic_reference.REFERRAL_PROVINCES,
        seed=seed,
        enrolled_from=window.first,
        today=window.last + dt.timedelta(days=1),
    )
    say(
        f"{format_number(linked.counts['prescriptions'])} نسخه، "
        f"{format_number(linked.counts['referral_orders'])} ارجاع و "
        f"{format_number(linked.counts['panel_enrolments'])} ثبت‌نام در فهرست پزشک خانواده"
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
    say(f"{format_number(len(claims))} سند بار شد")
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


# The payment history: the first run once claims are old enough to pay, then one every
# 30 days whose delay shrinks from about four months to about six weeks, each with a
# budget a little short of a month's claims, so that a believable backlog is left.
FIRST_RUN_DAYS, RUN_EVERY_DAYS = 75, 30
FIRST_DELAY_DAYS, LAST_DELAY_DAYS = 120, 45
BUDGET_SHARE_DIVISOR = 9


def payment_days(today: dt.date) -> list[tuple[dt.date, int]]:
    """The demo's monthly payment runs up to ``today``, each with its delay in days: a
    run pays what was filed at least the delay before it."""
    first = synthetic_reference.window_before(today).first
    days = []
    pay_day = first + dt.timedelta(days=FIRST_RUN_DAYS)
    while pay_day <= today:
        days.append(pay_day)
        pay_day += dt.timedelta(days=RUN_EVERY_DAYS)
    delays = np.linspace(FIRST_DELAY_DAYS, LAST_DELAY_DAYS, len(days)).astype(int).tolist()
    return list(zip(days, delays, strict=True))


def process(
    session: Session, *, today: dt.date | None = None, progress: Progress | None = None
) -> None:
    """Adjudicate, route to review, and replay the monthly payment runs of
    ``payment_days`` up to ``today`` (Tehran's today by default)."""
    say = progress or (lambda _m: None)
    run = claims_service.adjudicate_pending(
        session, referrals=claims_register(), actor="system", progress=say
    )
    say(
        f"{format_number(run.lines)} خط رسیدگی شد: {format_number(run.rejected)} رد، "
        f"{format_number(run.partial)} با کسور"
    )
    picked = review.select_for_review(session, actor="system")
    say(
        f"{format_number(picked.selected)} سند به رسیدگی پزشکی رفت، "
        f"{format_number(picked.approved)} تأیید شد"
    )
    # A monthly budget short of what is owed keeps a realistic backlog for the aging screen.
    owed = session.scalar(
        select(func.coalesce(func.sum(Claim.insurer_rials), 0)).where(Claim.status == "approved")
    )
    monthly = max(1, int(owed or 0) // BUDGET_SHARE_DIVISOR)
    for month, (pay_day, delay) in enumerate(payment_days(today or tehran_today())):
        stamp = dt.datetime.combine(pay_day, dt.time(12, 0), tzinfo=dt.UTC)
        result = payment.pay(
            session,
            SYSTEM,
            run_key=f"demo-history-{month + 1:02d}",
            budget_rials=monthly,
            paid_at=stamp,
            submitted_before=pay_day - dt.timedelta(days=delay),
        )
        say(
            f"پرداخت ماه {format_number(month + 1)}: "
            f"{format_number(result.claims_paid)} سند پرداخت شد"
        )
