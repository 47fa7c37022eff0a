"""Family-physician panels: enrolment, transfer, capacity, history and the unenrolled.

A physician sees their own panel; national staff every panel and provincial staff their
province's; facility desks never list people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import (
    format_jalali,
    tehran_today,
)
from darman.common.paging import Page, PageParams, page_of
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow
from darman.referrals import rules
from darman.referrals.callers import (
    PANEL_MANAGERS,
    _covered,
    _linked_physician,
    _person,
    _require_staff,
    _staff_province,
)
from darman.referrals.enums import EndReason
from darman.referrals.exceptions import (
    AlreadyEnrolled,
    PanelFull,
)
from darman.referrals.models import Panel, PanelEnrolment
from darman.referrals.schemas import (
    EnrolmentRead,
    PanelMember,
    PanelRead,
    UnenrolledRead,
)
from darman.registry import scope
from darman.registry import service_support as registry_service_support
from darman.registry.models import (
    Insured,
    Practitioner,
)
from darman.security.enums import Role
from darman.security.principal import Principal


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
        province_code=registry_service_support.province_code_of(session, practitioner.province_id),
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
            [
                FieldProblem(
                    "capacity",
                    f"کمتر از افراد کنونی فهرست، {to_persian_digits(members)} نفر، نمی‌شود",
                )
            ],
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
    return page_of(
        session,
        query,
        page,
        Insured.id,
        lambda p: UnenrolledRead(
            national_id=p.national_id,
            first_name=p.first_name,
            last_name=p.last_name,
            birth_date_jalali=format_jalali(p.birth_date),
        ),
    )
