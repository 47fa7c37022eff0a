"""Family-physician panels and the referral chain: enrol, transfer, suggest, issue, refer
on, feedback, overdue feedback, and the programme's rollout by province.

Who sees what: a physician sees their own panel, the referrals they wrote (with the
feedback and any referral on that followed) and the referrals addressed to their
facility; national staff see everything and provincial staff their province (the
referring facility's province for referrals, the physician's for panels). Facility
desks (provider users, pharmacists) never list people or referrals. Reading a row
outside the caller's scope answers NotFound, never the row.

Every issued referral is written, with the same number and validity, into the claims
register (``claims.models.Referral``) that the adjudication kernel joins for rule R10.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.models import Referral as ClaimsReferral
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import (
    format_jalali,
    tehran_today,
    to_jalali,
)
from darman.common.paging import Page, PageParams
from darman.db.base import utcnow
from darman.referrals import rules
from darman.referrals.callers import (
    _covered,
    _linked_physician,
    _person,
    _staff_province,
)
from darman.referrals.enums import LABELS_FA, ReferralStatus
from darman.referrals.exceptions import (
    FeedbackAlreadyGiven,
    ReferralStillOpen,
)
from darman.referrals.indicators import (
    PAYABLE as PAYABLE,
)
from darman.referrals.indicators import (
    indicators as indicators,
)
from darman.referrals.models import ReferralOrder
from darman.referrals.panels import _open_enrolment
from darman.referrals.panels import (
    enrol as enrol,
)
from darman.referrals.panels import (
    history as history,
)
from darman.referrals.panels import (
    panel as panel,
)
from darman.referrals.panels import (
    set_capacity as set_capacity,
)
from darman.referrals.panels import (
    transfer as transfer,
)
from darman.referrals.panels import (
    unenrolled as unenrolled,
)

# Panels, rollout, suggestions and indicators live in their own modules; callers reach
# them through here.
from darman.referrals.rollout import (
    phase_on as phase_on,
)
from darman.referrals.rollout import (
    rollout as rollout,
)
from darman.referrals.rollout import (
    seed_rollout as seed_rollout,
)
from darman.referrals.rollout import (
    set_phase as set_phase,
)
from darman.referrals.rollout import (
    shipped_rollout as shipped_rollout,
)
from darman.referrals.schemas import (
    FeedbackIn,
    FeedbackRead,
    ReferralIn,
    ReferralOnIn,
    ReferralRead,
)
from darman.referrals.suggestions import (
    suggest as suggest,
)
from darman.registry.enums import Ownership
from darman.registry.models import (
    Facility,
    Practitioner,
    PractitionerFacility,
)
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal


# ------------------------------------------------------------------ referrals: reading
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
    if who.scope_level is ScopeLevel.FACILITY:
        raise PermissionDenied("a facility desk does not list referrals")
    if who.scope_level is ScopeLevel.PROVINCE:
        return query.where(ReferralOrder.province_id == who.province_id)
    return query


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
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ReferralOrder.id.desc()).offset(page.offset).limit(page.size)
    ).all()
    return Page(
        items=_reads(session, rows, on or tehran_today()),
        total=int(total),
        page=page.page,
        size=page.size,
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
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ReferralOrder.feedback_due_on, ReferralOrder.id)
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return Page(items=_reads(session, rows, on), total=int(total), page=page.page, size=page.size)


# ------------------------------------------------------------------ referrals: writing
def _destination(
    session: Session, data: ReferralOnIn, to_level: int
) -> tuple[Facility | None, bool]:
    if data.facility_code is None:
        return None, False
    facility = session.scalar(select(Facility).where(Facility.code == data.facility_code))
    if facility is None or not facility.is_active:
        raise InvalidInput(
            "no such active facility",
            [FieldProblem("facility_code", f"مرکزی با کد {data.facility_code} نیست")],
        )
    problems = []
    if facility.level < to_level:
        problems.append(
            FieldProblem("facility_code", f"مرکز سطح {facility.level} است؛ ارجاع به سطح {to_level}")
        )
    offers = session.scalar(
        select(PractitionerFacility.id)
        .join(Practitioner, Practitioner.id == PractitionerFacility.practitioner_id)
        .where(
            PractitionerFacility.facility_id == facility.id,
            Practitioner.specialty == data.specialty,
        )
        .limit(1)
    )
    if offers is None:
        problems.append(
            FieldProblem("facility_code", f"این مرکز تخصص «{data.specialty}» را ارائه نمی‌دهد")
        )
    if problems:
        raise InvalidInput("the facility cannot receive this referral", problems)
    return facility, facility.ownership == Ownership.OWNED.value


def _no_open_twin(session: Session, national_id: str, specialty: str, on: dt.date) -> None:
    twin = session.scalar(
        select(ReferralOrder.ref_number).where(
            ReferralOrder.national_id == national_id,
            ReferralOrder.specialty == specialty,
            ReferralOrder.status == ReferralStatus.ISSUED.value,
            ReferralOrder.valid_until >= on,
        )
    )
    if twin is not None:
        raise ReferralStillOpen(
            f"referral {twin} for this specialty is still open",
            [FieldProblem("specialty", f"ارجاع {twin} برای همین تخصص هنوز معتبر است")],
        )


def _new_ref_number(session: Session, on: dt.date) -> str:
    year = to_jalali(on).year
    for _ in range(5):
        code = rules.new_ref_number(year)
        taken = session.scalar(
            select(ClaimsReferral.id).where(ClaimsReferral.ref_number == code)
        ) or session.scalar(select(ReferralOrder.id).where(ReferralOrder.ref_number == code))
        if taken is None:
            return code
    raise Conflict("could not draw an unused referral number; retry")  # pragma: no cover


def _create(
    session: Session,
    who: Principal,
    *,
    data: ReferralOnIn,
    person_id: int,
    national_id: str,
    practitioner: Practitioner,
    facility: Facility,
    from_level: int,
    parent: ReferralOrder | None,
    on: dt.date,
    valid_days: int,
    feedback_days: int,
) -> ReferralOrder:
    to_level = rules.next_level(from_level)
    if to_level is None:
        raise InvalidInput(
            "level 3 is the highest level",
            [FieldProblem("facility_code", "سطح سه بالاترین سطح است")],
        )
    if not 1 <= valid_days <= rules.MAX_VALID_DAYS or feedback_days < 0:
        raise InvalidInput("invalid validity", [FieldProblem("valid_days", "1 to 365")])
    target, internal = _destination(session, data, to_level)
    problem = rules.choice_problem(
        phase_on(session, facility.province_id, on), internal, data.choice_reason
    )
    if problem is not None:
        raise InvalidInput("a reason is needed for leaving the insurer's own network", [problem])
    _no_open_twin(session, national_id, data.specialty, on)
    until = rules.valid_until(on, valid_days)
    row = ReferralOrder(
        ref_number=_new_ref_number(session, on),
        parent_id=parent.id if parent else None,
        status=ReferralStatus.ISSUED.value,
        insured_id=person_id,
        national_id=national_id,
        province_id=facility.province_id,
        from_practitioner_id=practitioner.id,
        from_facility_id=facility.id,
        from_level=from_level,
        to_level=to_level,
        to_facility_id=target.id if target else None,
        outside_facility=data.outside_facility,
        internal=internal,
        specialty=data.specialty,
        reason=data.reason,
        diagnosis=data.diagnosis,
        choice_reason=data.choice_reason,
        issued_on=on,
        valid_until=until,
        feedback_due_on=rules.feedback_due(on, feedback_days),
        feedback_text="",
        feedback_diagnosis="",
        issued_by=who.username,
        created_at=utcnow(),
    )
    session.add(row)
    # the claims kernel's register: what R10 matches a specialist visit's claim against
    session.add(
        ClaimsReferral(
            ref_number=row.ref_number, national_id=national_id, issued_on=on, valid_until=until
        )
    )
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="refer_on" if parent else "refer",
        entity="referral",
        entity_id=row.id,
        after=audit.snapshot(row, exclude=frozenset({"reason"})),
    )
    return row


def issue(
    session: Session,
    who: Principal,
    *,
    data: ReferralIn,
    on: dt.date | None = None,
    valid_days: int = rules.DEFAULT_VALID_DAYS,
    feedback_days: int = rules.DEFAULT_FEEDBACK_DAYS,
) -> ReferralRead:
    """A family physician refers a person on their panel to level 2 for a specialty.

    The receiving facility offers the specialty (a practitioner of it works there) at
    level 2 or above, or is named outside the network. In a province in phase 1 on that
    day, a centre other than the insurer's own needs ``choice_reason``. One open referral
    per person and specialty. Valid ``valid_days`` days from ``on`` (default today) for one
    episode; feedback is due ``feedback_days`` after. Written to the claims register too;
    audited; the caller commits.

    Raises PermissionDenied for a caller who is not a linked family physician,
    InvalidInput naming the field (``national_id``, ``facility_code``, ``choice_reason``),
    ReferralStillOpen when a referral for the specialty is still open.
    """
    on = on or tehran_today()
    practitioner, facility = _linked_physician(session, who)
    if not rules.is_family_physician(practitioner.level, practitioner.specialty):
        raise PermissionDenied(
            "a referral starts with the family physician; a specialist refers on from a "
            "referral addressed to their facility"
        )
    person = _person(session, who, data.national_id)
    enrolment = _open_enrolment(session, person.id)
    if enrolment is None or enrolment.practitioner_id != practitioner.id:
        raise InvalidInput(
            "the person is not on your panel",
            [FieldProblem("national_id", "بیمه‌شده در فهرست شما نیست؛ ابتدا او را ثبت‌نام کنید")],
        )
    if not _covered(session, person.id, on):
        raise InvalidInput(
            "the person is not covered today",
            [FieldProblem("national_id", "بیمه‌شده در این تاریخ پوشش بیمه‌ای ندارد")],
        )
    row = _create(
        session,
        who,
        data=data,
        person_id=person.id,
        national_id=person.national_id,
        practitioner=practitioner,
        facility=facility,
        from_level=rules.FIRST_LEVEL,
        parent=None,
        on=on,
        valid_days=valid_days,
        feedback_days=feedback_days,
    )
    return _reads(session, [row], on)[0]


def _addressed_to_caller(session: Session, who: Principal, referral_id: int) -> ReferralOrder:
    row = _scoped_row(session, who, referral_id)
    if row.to_facility_id != who.facility_id:
        raise PermissionDenied("only the centre the referral is addressed to may act on it")
    return row


def refer_on(
    session: Session,
    who: Principal,
    *,
    referral_id: int,
    data: ReferralOnIn,
    on: dt.date | None = None,
    valid_days: int = rules.DEFAULT_VALID_DAYS,
    feedback_days: int = rules.DEFAULT_FEEDBACK_DAYS,
) -> ReferralRead:
    """A physician of the level-2 centre a referral is addressed to refers the patient on to
    level 3, as a child of that referral, while it is still usable. The same destination
    and phase-1 rules as ``issue`` apply. Raises NotFound outside scope, PermissionDenied
    when the referral is not addressed to the caller's facility, InvalidInput when it is
    no longer usable or already at level 3."""
    on = on or tehran_today()
    practitioner, facility = _linked_physician(session, who)
    parent = _addressed_to_caller(session, who, referral_id)
    if not rules.is_usable(parent.status, parent.issued_on, parent.valid_until, on):
        raise InvalidInput(
            "the referral is answered or expired",
            [FieldProblem("referral_id", "ارجاع بسته شده یا منقضی است")],
        )
    row = _create(
        session,
        who,
        data=data,
        person_id=parent.insured_id,
        national_id=parent.national_id,
        practitioner=practitioner,
        facility=facility,
        from_level=parent.to_level,
        parent=parent,
        on=on,
        valid_days=valid_days,
        feedback_days=feedback_days,
    )
    return _reads(session, [row], on)[0]


def feedback(
    session: Session,
    who: Principal,
    *,
    referral_id: int,
    data: FeedbackIn,
    on: dt.date | None = None,
) -> ReferralRead:
    """The receiving centre's back-referral (پس‌خوراند) to the referring physician, once.

    Only a physician at the facility the referral is addressed to may give it. It closes
    the episode: the claims register's validity ends on the feedback day, so a later
    visit needs a new referral. Audited. Raises NotFound outside scope, PermissionDenied
    for another facility's physician, FeedbackAlreadyGiven the second time.
    """
    on = on or tehran_today()
    practitioner, _ = _linked_physician(session, who)
    row = _addressed_to_caller(session, who, referral_id)
    if row.status == ReferralStatus.ANSWERED:
        raise FeedbackAlreadyGiven(
            "feedback was already given", [FieldProblem("text", "پس‌خوراند قبلا ثبت شده است")]
        )
    if on < row.issued_on:
        raise InvalidInput("feedback before the referral", [FieldProblem("on", "before issue")])
    before = audit.snapshot(row, exclude=frozenset({"reason"}))
    row.status = ReferralStatus.ANSWERED.value
    row.feedback_on = on
    row.feedback_text = data.text
    row.feedback_diagnosis = data.diagnosis or ""
    row.feedback_practitioner_id = practitioner.id
    register = session.scalar(
        select(ClaimsReferral).where(ClaimsReferral.ref_number == row.ref_number)
    )
    if register is not None and register.valid_until > on:
        register.valid_until = on
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="feedback",
        entity="referral",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row, exclude=frozenset({"reason", "feedback_text"})),
    )
    return _reads(session, [row], on)[0]
