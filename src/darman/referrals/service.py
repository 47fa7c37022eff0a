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

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jdatetime
from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims import policy
from darman.claims.models import ClaimLine, ProgrammeRollout
from darman.claims.models import Referral as ClaimsReferral
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import (
    fiscal_year_bounds,
    format_jalali,
    parse_jalali,
    tehran_today,
    to_jalali,
)
from darman.common.paging import Page, PageParams
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow
from darman.referrals import rules
from darman.referrals.enums import LABELS_FA, EndReason, ReferralStatus
from darman.referrals.exceptions import (
    AlreadyEnrolled,
    FeedbackAlreadyGiven,
    PanelFull,
    ReferralStillOpen,
)
from darman.referrals.models import Panel, PanelEnrolment, ReferralOrder
from darman.referrals.schemas import (
    EnrolmentRead,
    FeedbackIn,
    FeedbackRead,
    IndicatorReport,
    IndicatorRow,
    PanelMember,
    PanelRead,
    ReferralIn,
    ReferralOnIn,
    ReferralRead,
    RolloutRead,
    SuggestionRead,
    UnenrolledRead,
)
from darman.registry import scope
from darman.registry import service as registry_service
from darman.registry.enums import Ownership
from darman.registry.models import (
    CoveragePeriod,
    Facility,
    Insured,
    Practitioner,
    PractitionerFacility,
    Province,
    Service,
)
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

PROGRAMME = policy.Programme.REFERRAL.value
# Staff who manage panels and set capacities; every national or provincial user may read.
PANEL_MANAGERS = (Role.ADMIN, Role.PROVINCE_MANAGER)


# ------------------------------------------------------------------ callers
def _linked_physician(session: Session, who: Principal) -> tuple[Practitioner, Facility]:
    who.require_role(Role.PHYSICIAN)
    if who.practitioner_id is None or who.facility_id is None:
        raise PermissionDenied(
            "your user is not linked to a practitioner record at a facility; "
            "ask an administrator to link it"
        )
    practitioner = session.get(Practitioner, who.practitioner_id)
    facility = session.get(Facility, who.facility_id)
    if practitioner is None or facility is None:
        raise PermissionDenied("your facility or practitioner record no longer exists")
    return practitioner, facility


def _require_staff(who: Principal, what: str) -> None:
    if who.scope_level is ScopeLevel.FACILITY:
        raise PermissionDenied(f"{what} is for national and provincial staff")


def _staff_province(
    session: Session, who: Principal, province_code: str | None, *, required: bool
) -> int | None:
    """The province a staff report or list is about: a provincial user's own; for national
    staff the one named (or every province when not required)."""
    pid = registry_service.province_id_for(session, province_code) if province_code else None
    if who.scope_level is ScopeLevel.PROVINCE:
        if pid is not None and pid != who.province_id:
            raise PermissionDenied("that province is outside your scope")
        return who.province_id
    if pid is None and required:
        raise InvalidInput(
            "name the province", [FieldProblem("province_code", "required for national staff")]
        )
    return pid


def _person(session: Session, who: Principal, national_id: str) -> Insured:
    person = session.scalar(
        scope.insured(select(Insured).where(Insured.national_id == national_id), who)
    )
    if person is None:
        raise InvalidInput(
            "no insured person with this national ID in your scope",
            [FieldProblem("national_id", "بیمه‌شده‌ای با این کد ملی نیست (unknown insured)")],
        )
    return person


def _covered(session: Session, insured_id: int, on: dt.date) -> bool:
    return (
        session.scalar(
            select(CoveragePeriod.id)
            .where(CoveragePeriod.insured_id == insured_id, CoveragePeriod.start_date <= on)
            .where((CoveragePeriod.end_date.is_(None)) | (CoveragePeriod.end_date >= on))
            .limit(1)
        )
        is not None
    )


# ------------------------------------------------------------------ panels
def _family_physician(session: Session, who: Principal, council_number: str | None) -> Practitioner:
    """The panel a change is about: a physician's own, or one a panel manager names."""
    if who.role is Role.PHYSICIAN:
        own, _ = _linked_physician(session, who)
        if council_number is not None and council_number != own.council_number:
            raise PermissionDenied("a physician changes only their own panel")
        practitioner = own
    else:
        who.require_role(*PANEL_MANAGERS)
        if council_number is None:
            raise InvalidInput(
                "name the family physician", [FieldProblem("council_number", "required")]
            )
        found = session.scalar(
            scope.practitioners(
                select(Practitioner).where(Practitioner.council_number == council_number), who
            )
        )
        if found is None:
            raise InvalidInput(
                "no such practitioner in your scope",
                [FieldProblem("council_number", f"پزشکی با شماره نظام {council_number} نیست")],
            )
        practitioner = found
    if not rules.is_family_physician(practitioner.level, practitioner.specialty):
        raise InvalidInput(
            "only a level-1 general or family physician holds a panel",
            [FieldProblem("council_number", "این پزشک پزشک خانواده‌ی سطح یک نیست")],
        )
    return practitioner


def _open_enrolment(session: Session, insured_id: int) -> PanelEnrolment | None:
    return session.scalar(
        select(PanelEnrolment).where(PanelEnrolment.open_insured_id == insured_id)
    )


def _lock_panel(session: Session, who: Principal, practitioner_id: int) -> Panel:
    """The panel row, created at the default capacity if missing, locked for the rest of
    the transaction on PostgreSQL (SQLite serialises writers anyway)."""
    panel = session.scalar(
        select(Panel).where(Panel.practitioner_id == practitioner_id).with_for_update()
    )
    if panel is None:
        panel = Panel(
            practitioner_id=practitioner_id,
            capacity=rules.DEFAULT_PANEL_CAPACITY,
            updated_by=who.username,
            updated_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(panel)
        except IntegrityError:  # created by a concurrent enrolment: take theirs
            panel = session.scalars(
                select(Panel).where(Panel.practitioner_id == practitioner_id).with_for_update()
            ).one()
    return panel


def _members(session: Session, practitioner_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PanelEnrolment)
            .where(
                PanelEnrolment.practitioner_id == practitioner_id,
                PanelEnrolment.ended_on.is_(None),
            )
        )
        or 0
    )


def _take_place(session: Session, who: Principal, practitioner: Practitioner) -> None:
    panel = _lock_panel(session, who, practitioner.id)
    problem = rules.capacity_problem(_members(session, practitioner.id), panel.capacity)
    if problem is not None:
        raise PanelFull("the family physician's panel is full", [problem])


def _check_person_for(
    session: Session, person: Insured, practitioner: Practitioner, on: dt.date
) -> None:
    if person.province_id != practitioner.province_id:
        raise InvalidInput(
            "a person enrols with a family physician of their own province",
            [FieldProblem("national_id", "بیمه‌شده ساکن استان دیگری است")],
        )
    if not _covered(session, person.id, on):
        raise InvalidInput(
            "the person is not covered today",
            [FieldProblem("national_id", "بیمه‌شده در این تاریخ پوشش بیمه‌ای ندارد")],
        )


def _add_enrolment(session: Session, row: PanelEnrolment) -> PanelEnrolment:
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:  # another desk enrolled the person at the same moment
        raise AlreadyEnrolled(
            "the person was enrolled meanwhile", [FieldProblem("national_id", "already on a panel")]
        ) from exc
    return row


def _name(p: Practitioner) -> str:
    return f"{p.first_name} {p.last_name}"


def _enrolment_reads(session: Session, rows: Sequence[PanelEnrolment]) -> list[EnrolmentRead]:
    ids = {r.practitioner_id for r in rows}
    by_id = {p.id: p for p in session.scalars(select(Practitioner).where(Practitioner.id.in_(ids)))}
    earlier = {r.id: r.practitioner_id for r in rows}
    out = []
    for r in rows:
        p = by_id[r.practitioner_id]
        prev = earlier.get(r.transferred_from_id) if r.transferred_from_id else None
        if r.transferred_from_id and prev is None:
            prev = session.scalar(
                select(PanelEnrolment.practitioner_id).where(
                    PanelEnrolment.id == r.transferred_from_id
                )
            )
        prev_council = (
            session.scalar(select(Practitioner.council_number).where(Practitioner.id == prev))
            if prev is not None
            else None
        )
        out.append(
            EnrolmentRead(
                id=r.id,
                national_id=r.national_id,
                council_number=p.council_number,
                physician_name=_name(p),
                enrolled_on=r.enrolled_on,
                enrolled_on_jalali=format_jalali(r.enrolled_on),
                ended_on=r.ended_on,
                ended_on_jalali=format_jalali(r.ended_on),
                end_reason=r.end_reason,
                transferred_from_council_number=prev_council,
            )
        )
    return out


def enrol(
    session: Session,
    who: Principal,
    *,
    national_id: str,
    council_number: str | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> EnrolmentRead:
    """Put an insured person on a family physician's panel from ``on`` (default today).

    A physician enrols into their own panel; a national admin or provincial manager names
    the physician by council number. The physician is a level-1 general or family
    physician; the person lives in the physician's province, is covered that day and is
    on no panel yet (a change of physician is a transfer). Audited; the caller commits.

    Raises InvalidInput naming ``national_id`` or ``council_number``, AlreadyEnrolled,
    PanelFull at capacity, PermissionDenied for other roles.
    """
    on = on or tehran_today()
    practitioner = _family_physician(session, who, council_number)
    person = _person(session, who, national_id)
    _check_person_for(session, person, practitioner, on)
    current = _open_enrolment(session, person.id)
    if current is not None:
        holder = session.get(Practitioner, current.practitioner_id)
        raise AlreadyEnrolled(
            "the person is already on a panel; transfer them instead",
            [
                FieldProblem(
                    "national_id",
                    f"بیمه‌شده در فهرست پزشک {holder.council_number if holder else ''} است؛ "
                    "برای تغییر پزشک از انتقال استفاده کنید",
                )
            ],
        )
    _take_place(session, who, practitioner)
    row = _add_enrolment(
        session,
        PanelEnrolment(
            insured_id=person.id,
            national_id=person.national_id,
            practitioner_id=practitioner.id,
            province_id=practitioner.province_id,
            enrolled_on=on,
            open_insured_id=person.id,
            end_reason="",
            note=note,
            created_by=who.username,
            created_at=utcnow(),
        ),
    )
    audit.record(
        session,
        actor=who.username,
        action="enrol",
        entity="panel_enrolment",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return _enrolment_reads(session, [row])[0]


def transfer(
    session: Session,
    who: Principal,
    *,
    national_id: str,
    council_number: str,
    note: str = "",
    on: dt.date | None = None,
) -> EnrolmentRead:
    """Move an enrolled person to another family physician's panel from ``on``; the old
    enrolment ends that day and stays in the person's history.

    Done by the receiving physician (the person comes to them) or a panel manager. The
    same conditions as ``enrol`` hold for the new physician. Raises InvalidInput when the
    person is on no panel or already on this one, PanelFull, PermissionDenied.
    """
    on = on or tehran_today()
    practitioner = _family_physician(session, who, council_number)
    person = _person(session, who, national_id)
    current = _open_enrolment(session, person.id)
    if current is None:
        raise InvalidInput(
            "the person is on no panel; enrol them instead",
            [FieldProblem("national_id", "بیمه‌شده در فهرست هیچ پزشک خانواده‌ای نیست")],
        )
    if current.practitioner_id == practitioner.id:
        raise InvalidInput(
            "the person is already on this physician's panel",
            [FieldProblem("council_number", "بیمه‌شده در فهرست همین پزشک است")],
        )
    _check_person_for(session, person, practitioner, on)
    _take_place(session, who, practitioner)
    before = audit.snapshot(current)
    current.ended_on = on
    current.end_reason = EndReason.TRANSFER.value
    current.open_insured_id = None
    session.flush()
    row = _add_enrolment(
        session,
        PanelEnrolment(
            insured_id=person.id,
            national_id=person.national_id,
            practitioner_id=practitioner.id,
            province_id=practitioner.province_id,
            enrolled_on=on,
            transferred_from_id=current.id,
            open_insured_id=person.id,
            end_reason="",
            note=note,
            created_by=who.username,
            created_at=utcnow(),
        ),
    )
    audit.record(
        session,
        actor=who.username,
        action="transfer",
        entity="panel_enrolment",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return _enrolment_reads(session, [row])[0]


def _readable_panel(session: Session, who: Principal, council_number: str | None) -> Practitioner:
    if who.role is Role.PHYSICIAN:
        own, _ = _linked_physician(session, who)
        if council_number is not None and council_number != own.council_number:
            raise NotFound(f"no panel {council_number} in your scope")
        return own
    _require_staff(who, "reading a panel")
    if council_number is None:
        raise InvalidInput("name the physician", [FieldProblem("council_number", "required")])
    found = session.scalar(
        scope.practitioners(
            select(Practitioner).where(Practitioner.council_number == council_number), who
        )
    )
    if found is None:
        raise NotFound(f"no panel {council_number} in your scope")
    return found


def panel(
    session: Session, who: Principal, *, page: PageParams, council_number: str | None = None
) -> PanelRead:
    """A family physician's current panel, earliest enrolled first. A physician reads their
    own (another's is NotFound); staff read any in their scope; facility desks are refused."""
    practitioner = _readable_panel(session, who, council_number)
    capacity = session.scalar(
        select(Panel.capacity).where(Panel.practitioner_id == practitioner.id)
    )
    rows = session.execute(
        select(PanelEnrolment, Insured)
        .join(Insured, Insured.id == PanelEnrolment.insured_id)
        .where(PanelEnrolment.practitioner_id == practitioner.id, PanelEnrolment.ended_on.is_(None))
        .order_by(PanelEnrolment.enrolled_on, PanelEnrolment.id)
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return PanelRead(
        council_number=practitioner.council_number,
        physician_name=_name(practitioner),
        province_code=registry_service.province_code_of(session, practitioner.province_id),
        capacity=capacity or rules.DEFAULT_PANEL_CAPACITY,
        members=_members(session, practitioner.id),
        page=page.page,
        size=page.size,
        items=[
            PanelMember(
                national_id=p.national_id,
                first_name=p.first_name,
                last_name=p.last_name,
                enrolled_on=e.enrolled_on,
                enrolled_on_jalali=format_jalali(e.enrolled_on),
            )
            for e, p in rows
        ],
    )


def set_capacity(
    session: Session, who: Principal, *, council_number: str, capacity: int
) -> PanelRead:
    """Set how many people a family physician's panel may hold (1 to MAX_PANEL_CAPACITY,
    never below its current members). National admins and provincial managers in scope;
    audited."""
    who.require_role(*PANEL_MANAGERS)
    practitioner = _family_physician(session, who, council_number)
    if isinstance(capacity, bool) or not 1 <= capacity <= rules.MAX_PANEL_CAPACITY:
        raise InvalidInput(
            "invalid capacity", [FieldProblem("capacity", f"1 to {rules.MAX_PANEL_CAPACITY}")]
        )
    row = _lock_panel(session, who, practitioner.id)
    members = _members(session, practitioner.id)
    if capacity < members:
        raise InvalidInput(
            "the capacity is below the panel's current members",
            [FieldProblem("capacity", f"at least {members}")],
        )
    before = audit.snapshot(row)
    row.capacity = capacity
    row.updated_by = who.username
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="set_capacity",
        entity="panel",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return panel(
        session, who, page=PageParams(page=1, size=1), council_number=practitioner.council_number
    )


def history(session: Session, who: Principal, *, national_id: str) -> list[EnrolmentRead]:
    """Every enrolment of a person, oldest first (transfers included). A physician reads the
    history of people on their own panel; staff of people in their scope."""
    if who.role is Role.PHYSICIAN:
        own, _ = _linked_physician(session, who)
        person = _person(session, who, national_id)
        current = _open_enrolment(session, person.id)
        if current is None or current.practitioner_id != own.id:
            raise NotFound("this person is not on your panel")
    else:
        _require_staff(who, "a person's panel history")
        person = _person(session, who, national_id)
    rows = session.scalars(
        select(PanelEnrolment)
        .where(PanelEnrolment.insured_id == person.id)
        .order_by(PanelEnrolment.enrolled_on, PanelEnrolment.id)
    ).all()
    return _enrolment_reads(session, rows)


def unenrolled(
    session: Session, who: Principal, *, page: PageParams, province_code: str | None = None
) -> Page[UnenrolledRead]:
    """Insured people of one province on no panel, in registry order. National and
    provincial staff only (never a facility desk); national staff name the province."""
    _require_staff(who, "the list of people without a family physician")
    pid = _staff_province(session, who, province_code, required=True)
    query = select(Insured).where(
        Insured.province_id == pid,
        ~select(PanelEnrolment.id).where(PanelEnrolment.open_insured_id == Insured.id).exists(),
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Insured.id).offset(page.offset).limit(page.size)).all()
    return Page(
        items=[
            UnenrolledRead(
                national_id=p.national_id,
                first_name=p.first_name,
                last_name=p.last_name,
                birth_date_jalali=format_jalali(p.birth_date),
            )
            for p in rows
        ],
        total=int(total),
        page=page.page,
        size=page.size,
    )


# ------------------------------------------------------------------ rollout
def phase_on(session: Session, province_id: int, on: dt.date) -> int | None:
    """The referral programme's phase in the province on ``on``; None before it starts."""
    row = session.scalar(
        select(ProgrammeRollout).where(
            ProgrammeRollout.province_id == province_id,
            ProgrammeRollout.programme == PROGRAMME,
            ProgrammeRollout.active_from <= on,
        )
    )
    return row.phase if row is not None else None


def rollout(session: Session) -> list[RolloutRead]:
    """Where the referral programme runs: province, phase and first day, by phase."""
    rows = session.execute(
        select(ProgrammeRollout, Province)
        .join(Province, Province.id == ProgrammeRollout.province_id)
        .where(ProgrammeRollout.programme == PROGRAMME)
        .order_by(ProgrammeRollout.phase, Province.code)
    ).all()
    return [
        RolloutRead(
            province_code=p.code,
            province_name_fa=p.name_fa,
            phase=r.phase,
            active_from=r.active_from,
            active_from_jalali=format_jalali(r.active_from),
        )
        for r, p in rows
    ]


def set_phase(
    session: Session, who: Principal, *, province_code: str, phase: int, active_from: dt.date
) -> RolloutRead:
    """Place a province in phase 1 or 2 of the referral programme from ``active_from``:
    from that day specialist visits there need a valid referral (claims rule R10), and in
    phase 1 referrals go to the insurer's own centres unless a reason is written. National
    admins only; audited (through the claims policy)."""
    pid = registry_service.province_id_for(session, province_code)
    policy.set_rollout(
        session, who, province_id=pid, programme=PROGRAMME, active_from=active_from, phase=phase
    )
    return next(r for r in rollout(session) if r.province_code == province_code)


def shipped_rollout() -> list[tuple[str, int, dt.date]]:
    """The programme's starting rollout shipped as data (``referrals/data/rollout.csv``):
    province code, phase, first day."""
    text = resources.files("darman.referrals").joinpath("data/rollout.csv").read_text("utf-8")
    return [
        (r["province_code"], int(r["phase"]), parse_jalali(r["active_from"]))
        for r in csv.DictReader(io.StringIO(text))
    ]


def seed_rollout(session: Session, who: Principal) -> list[RolloutRead]:
    """Write the shipped rollout (Tehran and Alborz in phase 1) for provinces where the
    referral programme has no row yet; rows already set are left alone."""
    present = {r.province_code for r in rollout(session)}
    for code, phase, start in shipped_rollout():
        if code not in present:
            set_phase(session, who, province_code=code, phase=phase, active_from=start)
    return rollout(session)


# ------------------------------------------------------------------ suggestions
def _candidates(
    session: Session, *, province_id: int, specialty: str, level: int, on: dt.date
) -> list[rules.Candidate]:
    offered = session.execute(
        select(
            Facility.id,
            Facility.code,
            Facility.name,
            Facility.city,
            Facility.level,
            func.count(func.distinct(Practitioner.id)),
        )
        .join(PractitionerFacility, PractitionerFacility.facility_id == Facility.id)
        .join(Practitioner, Practitioner.id == PractitionerFacility.practitioner_id)
        .where(
            Facility.province_id == province_id,
            Facility.ownership == Ownership.OWNED.value,
            Facility.is_active.is_(True),
            Facility.level == level,
            Practitioner.specialty == specialty,
        )
        .group_by(Facility.id, Facility.code, Facility.name, Facility.city, Facility.level)
    ).all()
    if not offered:
        return []
    load = dict(
        session.execute(
            select(ReferralOrder.to_facility_id, func.count())
            .where(
                ReferralOrder.to_facility_id.in_([r[0] for r in offered]),
                ReferralOrder.specialty == specialty,
                ReferralOrder.status == ReferralStatus.ISSUED.value,
                ReferralOrder.valid_until >= on,
            )
            .group_by(ReferralOrder.to_facility_id)
        ).all()
    )
    return [
        rules.Candidate(
            facility_id=r[0],
            code=r[1],
            name=r[2],
            city=r[3],
            level=r[4],
            practitioners=int(r[5]),
            open_referrals=int(load.get(r[0], 0)),
        )
        for r in offered
    ]


def suggest(
    session: Session,
    who: Principal,
    *,
    specialty: str,
    level: int = 2,
    province_code: str | None = None,
    city: str | None = None,
    on: dt.date | None = None,
) -> list[SuggestionRead]:
    """The insurer's own facilities in the province that offer the specialty (a
    practitioner of it works there) at the level asked for: same city first, then the
    lightest load (open referrals of the specialty per practitioner of it there).

    A physician gets those of their facility's province and city; staff name the province
    (and optionally a city). Empty when no own facility offers it: the physician may then
    choose another centre with a written reason.
    """
    on = on or tehran_today()
    if not rules.FIRST_LEVEL < level <= rules.TOP_LEVEL:
        raise InvalidInput("invalid level", [FieldProblem("level", "2 or 3")])
    if who.role is Role.PHYSICIAN:
        _, facility = _linked_physician(session, who)
        pid: int | None = facility.province_id
        city = city or facility.city
    else:
        _require_staff(who, "suggesting facilities")
        pid = _staff_province(session, who, province_code, required=True)
    assert pid is not None
    ranked = rules.rank(
        _candidates(session, province_id=pid, specialty=specialty, level=level, on=on), city
    )
    return [
        SuggestionRead(
            facility_code=c.code,
            name=c.name,
            city=c.city,
            level=c.level,
            same_city=rules.same_city(c.city, city),
            practitioners=c.practitioners,
            open_referrals=c.open_referrals,
            load=float(round(c.load, 3)),
        )
        for c in ranked
    ]


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


# ------------------------------------------------------------------ indicators
Key = tuple[dt.date, int]
PAYABLE = ("accepted", "partial")


def _month_ends(year: int, today: dt.date) -> list[tuple[int, dt.date]]:
    """(month, last day or today if sooner) of each month of Jalali ``year`` begun by today."""
    out = []
    for month in range(1, 13):
        start = jdatetime.date(year, month, 1).togregorian()
        if start > today:
            break
        nxt = (
            jdatetime.date(year + 1, 1, 1) if month == 12 else jdatetime.date(year, month + 1, 1)
        ).togregorian()
        out.append((month, min(nxt - dt.timedelta(days=1), today)))
    return out


def indicators(
    session: Session,
    who: Principal,
    *,
    year: int,
    province_code: str | None = None,
    today: dt.date | None = None,
) -> IndicatorReport:
    """The programme's indicators by province and Jalali month of ``year``.

    * referral rate: referrals by family physicians per 1,000 level-1 visits (accepted or
      partly accepted claim lines of visit services at level-1 facilities, by service
      date and the facility's province);
    * internal share: referrals to the insurer's own facilities / all referrals issued;
    * feedback rate: referrals answered (so far) / referrals issued that month;
    * bypass rate: specialist-visit claim lines (visit services of level 2 and above)
      rejected with R10 / all adjudicated specialist-visit lines, counting only lines in a
      province where the referral programme was active on the service date;
    * average panel size: people on a panel at the month's end (today for the running
      month) / family physicians with at least one.

    National and provincial staff only; provincial staff see their province.
    """
    _require_staff(who, "the referral indicators")
    pid = _staff_province(session, who, province_code, required=False)
    today = today or tehran_today()
    start, end = fiscal_year_bounds(year)
    n: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def narrow(query: Any, column: Any) -> Any:
        return query.where(column == pid) if pid is not None else query

    R = ReferralOrder
    for day, prov, level, count, internal, answered in session.execute(
        narrow(
            select(
                R.issued_on,
                R.province_id,
                R.from_level,
                func.count(),
                func.sum(case((R.internal.is_(True), 1), else_=0)),
                func.sum(case((R.status == ReferralStatus.ANSWERED.value, 1), else_=0)),
            )
            .where(R.issued_on >= start, R.issued_on <= end)
            .group_by(R.issued_on, R.province_id, R.from_level),
            R.province_id,
        )
    ):
        acc = n[(day, prov)]
        acc["referrals"] += int(count)
        acc["from_level1"] += int(count) if level == rules.FIRST_LEVEL else 0
        acc["internal"] += int(internal or 0)
        acc["answered"] += int(answered or 0)

    visit_codes = select(Service.code).where(Service.category == "visit")
    for day, prov, count in session.execute(
        narrow(
            select(ClaimLine.service_date, Facility.province_id, func.count())
            .join(Facility, Facility.id == ClaimLine.facility_id)
            .where(
                ClaimLine.service_date >= start,
                ClaimLine.service_date <= end,
                ClaimLine.item_type == "service",
                ClaimLine.code.in_(visit_codes),
                ClaimLine.outcome.in_(PAYABLE),
                Facility.level == rules.FIRST_LEVEL,
            )
            .group_by(ClaimLine.service_date, Facility.province_id),
            Facility.province_id,
        )
    ):
        n[(day, prov)]["visits"] += int(count)

    for day, prov, count, bypass in session.execute(
        narrow(
            select(
                ClaimLine.service_date,
                Facility.province_id,
                func.count(),
                func.sum(case((ClaimLine.reasons.like("%R10%"), 1), else_=0)),
            )
            .join(Facility, Facility.id == ClaimLine.facility_id)
            .join(
                ProgrammeRollout,
                (ProgrammeRollout.province_id == Facility.province_id)
                & (ProgrammeRollout.programme == PROGRAMME),
            )
            .where(
                ClaimLine.service_date >= start,
                ClaimLine.service_date <= end,
                ClaimLine.service_date >= ProgrammeRollout.active_from,
                ClaimLine.item_type == "service",
                ClaimLine.code.in_(visit_codes.where(Service.min_level >= 2)),
                ClaimLine.outcome != "pending",
            )
            .group_by(ClaimLine.service_date, Facility.province_id),
            Facility.province_id,
        )
    ):
        acc = n[(day, prov)]
        acc["specialist"] += int(count)
        acc["bypass"] += int(bypass or 0)

    E = PanelEnrolment
    panels: dict[tuple[int, int], tuple[int, int]] = {}
    for month, last in _month_ends(year, today):
        for prov, members, physicians in session.execute(
            narrow(
                select(E.province_id, func.count(), func.count(func.distinct(E.practitioner_id)))
                .where(E.enrolled_on <= last, (E.ended_on.is_(None)) | (E.ended_on > last))
                .group_by(E.province_id),
                E.province_id,
            )
        ):
            panels[(month, prov)] = (int(members), int(physicians))
    return _indicator_rows(session, year, n, panels)


def _indicator_rows(
    session: Session,
    year: int,
    per_day: dict[Key, dict[str, int]],
    panels: dict[tuple[int, int], tuple[int, int]],
) -> IndicatorReport:
    months: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, prov), acc in per_day.items():
        m = months[(int(to_jalali(day).month), prov)]
        for k, v in acc.items():
            m[k] += v
    for key in panels:
        months.setdefault(key, defaultdict(int))
    names = {p.id: (p.code, p.name_fa) for p in session.scalars(select(Province))}
    rows = []
    for (month, prov), m in sorted(months.items(), key=lambda kv: (kv[0][0], names[kv[0][1]])):
        members, physicians = panels.get((month, prov), (0, 0))
        code, name = names[prov]
        rows.append(
            IndicatorRow(
                year=year,
                month=month,
                month_label=to_persian_digits(f"{year:04d}/{month:02d}"),
                province_code=code,
                province_name_fa=name,
                referrals=m["referrals"],
                from_level1=m["from_level1"],
                level1_visits=m["visits"],
                referral_rate_per_1000_visits=rules.rate(m["from_level1"], m["visits"], 1000),
                internal_referrals=m["internal"],
                internal_share_percent=rules.rate(m["internal"], m["referrals"]),
                answered=m["answered"],
                feedback_rate_percent=rules.rate(m["answered"], m["referrals"]),
                specialist_lines=m["specialist"],
                bypass_lines=m["bypass"],
                bypass_rate_percent=rules.rate(m["bypass"], m["specialist"]),
                panel_members=members,
                panels=physicians,
                average_panel_size=round(members / physicians, 1) if physicians else None,
            )
        )
    return IndicatorReport(rows=rows)
