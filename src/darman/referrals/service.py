"""The referral chain's use cases: issue a referral, refer on, give feedback.

Writing the chain lives here; reading (``reading``), panels (``panels``), rollout,
periods (``policy``), suggestions and indicators live in their own modules, which callers
import directly.

The claims adjudication reads the referrals for rule R10 from this register itself
(``claims_register``), never from a copy of its own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from darman.common.jalali import tehran_today, to_jalali
from darman.db.base import utcnow
from darman.referrals import policy as programme_policy
from darman.referrals import rules
from darman.referrals.callers import _covered, _linked_physician, _person
from darman.referrals.enums import ReferralStatus
from darman.referrals.exceptions import FeedbackAlreadyGiven, ReferralStillOpen
from darman.referrals.models import ReferralOrder
from darman.referrals.panels import _open_enrolment
from darman.referrals.reading import _reads, _scoped_row
from darman.referrals.rollout import phase_on
from darman.referrals.schemas import FeedbackIn, ReferralIn, ReferralOnIn, ReferralRead
from darman.registry.enums import Ownership
from darman.registry.models import Facility, Practitioner, PractitionerFacility
from darman.security.principal import Principal


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
        taken = session.scalar(select(ReferralOrder.id).where(ReferralOrder.ref_number == code))
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
    valid_days: int | None,
    feedback_days: int | None,
) -> ReferralOrder:
    to_level = rules.next_level(from_level)
    if valid_days is None or feedback_days is None:
        in_force = programme_policy.periods_on(session, facility.province_id, on)
        valid_days = in_force.valid_days if valid_days is None else valid_days
        feedback_days = in_force.feedback_days if feedback_days is None else feedback_days
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
    valid_days: int | None = None,
    feedback_days: int | None = None,
) -> ReferralRead:
    """A family physician refers a person on their panel to level 2 for a specialty.

    The receiving facility offers the specialty (a practitioner of it works there) at
    level 2 or above, or is named outside the network. In a province in phase 1 on that
    day, a centre other than the insurer's own needs ``choice_reason``. One open referral
    per person and specialty. Valid ``valid_days`` days from ``on`` (default today) for one
    episode; feedback is due ``feedback_days`` after; both default to the periods
    headquarters set for the province on that day (``referrals.policy``). Claims cite it by
    its number (``claims_register``); audited; the caller commits.

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
    valid_days: int | None = None,
    feedback_days: int | None = None,
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
    the episode: for claims its validity ends on the feedback day (``claims_register``),
    so a later visit needs a new referral. Audited. Raises NotFound outside scope, PermissionDenied
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
