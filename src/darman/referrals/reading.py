"""Reading referrals within the caller's scope: one, a page, and the overdue feedback.

A physician sees the referrals they wrote (with the feedback and any referral on that
followed) and those addressed to their facility; national staff see everything and
provincial staff the referring facility's province. Facility desks never list referrals.
Reading a row outside the caller's scope answers NotFound, never the row. The claims
adjudication reads every referral, unscoped, through ``claims_register``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session

from darman.common.errors import NotFound, PermissionDenied
from darman.common.jalali import format_jalali, tehran_today
from darman.common.paging import Page, PageParams, page_of
from darman.referrals import rules
from darman.referrals.callers import _staff_province
from darman.referrals.enums import LABELS_FA, ReferralStatus
from darman.referrals.models import ReferralOrder
from darman.referrals.schemas import FeedbackRead, ReferralAtDeskRead, ReferralRead
from darman.registry import scope
from darman.registry.models import Facility, Practitioner
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that


def in_scope(query: Any, who: Principal) -> Any:
    """Restrict a referrals query to what the caller may list and read."""
    if who.role is Role.PHYSICIAN:
        if who.practitioner_id is None:
            raise PermissionDenied("your user is not linked to a practitioner record")
        return query.where(
            or_(
                ReferralOrder.from_practitioner_id == who.practitioner_id,
                ReferralOrder.to_facility_id == who.facility_id,
            )
        )
    return scope.restrict(
        query,
        who,
        province=ReferralOrder.province_id,
        facility_refused="a facility desk does not list referrals",
    )


def _reads(
    session: Session, rows: Sequence[ReferralOrder], on: dt.date, *, children: bool = True
) -> list[ReferralRead]:
    if not rows:
        return []
    practitioner_ids = {r.from_practitioner_id for r in rows} | {
        r.feedback_practitioner_id for r in rows if r.feedback_practitioner_id
    }
    councils = dict(
        session.execute(
            select(Practitioner.id, Practitioner.council_number).where(
                Practitioner.id.in_(practitioner_ids)
            )
        ).all()
    )
    facility_ids = {r.from_facility_id for r in rows} | {
        r.to_facility_id for r in rows if r.to_facility_id
    }
    facilities = {
        f.id: (f.code, f.name)
        for f in session.execute(
            select(Facility.id, Facility.code, Facility.name).where(Facility.id.in_(facility_ids))
        ).all()
    }
    parent_ids = {r.parent_id for r in rows if r.parent_id}
    parents = dict(
        session.execute(
            select(ReferralOrder.id, ReferralOrder.ref_number).where(
                ReferralOrder.id.in_(parent_ids)
            )
        ).all()
        if parent_ids
        else []
    )
    kids: dict[int, list[ReferralRead]] = {}
    if children:
        child_rows = session.scalars(
            select(ReferralOrder)
            .where(ReferralOrder.parent_id.in_([r.id for r in rows]))
            .order_by(ReferralOrder.id)
        ).all()
        for child, read in zip(
            child_rows, _reads(session, child_rows, on, children=False), strict=True
        ):
            assert child.parent_id is not None
            kids.setdefault(child.parent_id, []).append(read)
    out = []
    for r in rows:
        state = rules.state(r.status, r.valid_until, r.feedback_due_on, on)
        to_code, to_name = facilities.get(r.to_facility_id or 0, (None, r.outside_facility))
        out.append(
            ReferralRead(
                id=r.id,
                ref_number=r.ref_number,
                parent_ref_number=parents.get(r.parent_id) if r.parent_id else None,
                status=r.status,
                state=state.value,
                state_fa=LABELS_FA[state],
                national_id=r.national_id,
                specialty=r.specialty,
                reason=r.reason,
                diagnosis=r.diagnosis,
                from_council_number=councils.get(r.from_practitioner_id, ""),
                from_facility_code=facilities.get(r.from_facility_id, ("", ""))[0] or "",
                from_level=r.from_level,
                to_level=r.to_level,
                to_facility_code=to_code,
                to_facility_name=to_name or "",
                internal=r.internal,
                choice_reason=r.choice_reason,
                issued_on=r.issued_on,
                issued_on_jalali=format_jalali(r.issued_on),
                valid_until=r.valid_until,
                valid_until_jalali=format_jalali(r.valid_until),
                feedback_due_on=r.feedback_due_on,
                feedback_due_on_jalali=format_jalali(r.feedback_due_on),
                days_overdue=(
                    rules.days_overdue(r.feedback_due_on, on)
                    if rules.is_overdue(r.status, r.feedback_due_on, on)
                    else 0
                ),
                feedback=(
                    FeedbackRead(
                        on=r.feedback_on,
                        on_jalali=format_jalali(r.feedback_on),
                        text=r.feedback_text,
                        diagnosis=r.feedback_diagnosis,
                        council_number=councils.get(r.feedback_practitioner_id or 0, ""),
                    )
                    if r.feedback_on is not None
                    else None
                ),
                children=kids.get(r.id, []),
            )
        )
    return out


def _scoped_row(session: Session, who: Principal, referral_id: int) -> ReferralOrder:
    row = session.scalar(
        in_scope(select(ReferralOrder).where(ReferralOrder.id == referral_id), who)
    )
    if row is None:
        raise NotFound(f"no referral {referral_id} in your scope")
    return row


def get(
    session: Session, who: Principal, *, referral_id: int, on: dt.date | None = None
) -> ReferralRead:
    """One referral with its feedback and the referrals on that continue it. NotFound
    outside the caller's scope; PermissionDenied for a facility desk."""
    return _reads(session, [_scoped_row(session, who, referral_id)], on or tehran_today())[0]


def list_referrals(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    national_id: str | None = None,
    status: ReferralStatus | None = None,
    on: dt.date | None = None,
) -> Page[ReferralRead]:
    """Newest first, within scope (see the module docstring)."""
    query = in_scope(select(ReferralOrder), who)
    if national_id:
        query = query.where(ReferralOrder.national_id == national_id)
    if status:
        query = query.where(ReferralOrder.status == status.value)
    on = on or tehran_today()
    return page_of(
        session,
        query,
        page,
        ReferralOrder.id.desc(),
        to_reads=lambda rows: _reads(session, rows, on),
    )


def overdue(
    session: Session,
    who: Principal,
    *,
    page: PageParams,
    province_code: str | None = None,
    on: dt.date | None = None,
) -> Page[ReferralRead]:
    """Referrals whose feedback is later than expected on ``on`` (default today), longest
    overdue first, within scope; staff may narrow to one province."""
    on = on or tehran_today()
    query = in_scope(select(ReferralOrder), who).where(
        ReferralOrder.status == ReferralStatus.ISSUED.value, ReferralOrder.feedback_due_on < on
    )
    if who.role is not Role.PHYSICIAN:
        pid = _staff_province(session, who, province_code, required=False)
        if pid is not None:
            query = query.where(ReferralOrder.province_id == pid)
    return page_of(
        session,
        query,
        page,
        (ReferralOrder.feedback_due_on, ReferralOrder.id),
        to_reads=lambda rows: _reads(session, rows, on),
    )


DESK_ROLES = roles_that(Act.RECEIVE_REFERRALS)


def lookup(
    session: Session,
    who: Principal,
    *,
    ref_number: str,
    national_id: str,
    on: dt.date | None = None,
) -> ReferralAtDeskRead:
    """The referral a patient brings to a level-2 or level-3 centre's reception, found by its
    number and the patient's national ID together, with whether a visit today may use it.

    A centre's desk or physician reads it when it is addressed to their centre or names a
    centre outside the network; staff read it within their scope. Raises NotFound when the
    number and national ID do not match one referral (a mistyped or foreign number),
    PermissionDenied when it is addressed to another centre or for other roles.
    """
    on = on or tehran_today()
    number = ref_number.strip().upper()
    query = select(ReferralOrder).where(
        ReferralOrder.ref_number == number, ReferralOrder.national_id == national_id
    )
    if scope.at_facility(who):
        who.require_role(*DESK_ROLES)
        row = session.scalar(query)
        if row is None:
            raise NotFound(f"no referral {number} for this national ID")
        if row.to_facility_id is not None and row.to_facility_id != who.facility_id:
            raise PermissionDenied("this referral is addressed to another centre")
    else:
        row = session.scalar(in_scope(query, who))
        if row is None:
            raise NotFound(f"no referral {number} for this national ID in your scope")
    read = _reads(session, [row], on)[0]
    usable = rules.is_usable(row.status, row.issued_on, row.valid_until, on)
    if usable:
        why = f"معتبر تا {read.valid_until_jalali}"
    elif row.status == ReferralStatus.ANSWERED:
        why = f"بسته شده با پس‌خوراند {read.feedback.on_jalali if read.feedback else ''}".strip()
    elif on < row.issued_on:
        why = f"از {read.issued_on_jalali} معتبر است"
    else:
        why = f"منقضی شده در {read.valid_until_jalali}"
    return ReferralAtDeskRead(usable=usable, reason_fa=why, referral=read)


def claims_register() -> Select[str, str, dt.date, dt.date]:
    """Every referral as the claims rule R10 matches a specialist visit against it: number,
    the person's national ID, the issue day and the last day a visit may cite it.

    That last day is the referral's validity, ended early on the day the receiving
    centre's feedback closed the episode (a later visit needs a new referral). Unscoped:
    it is for the adjudication batch, which reads every claim's referral, never a caller.
    """
    closed_early = ReferralOrder.feedback_on < ReferralOrder.valid_until
    return select(
        ReferralOrder.ref_number,
        ReferralOrder.national_id,
        ReferralOrder.issued_on,
        case((closed_early, ReferralOrder.feedback_on), else_=ReferralOrder.valid_until).label(
            "valid_until"
        ),
    )
