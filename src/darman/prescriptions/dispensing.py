"""Dispensing by tracking code plus national ID: in parts, never past the prescribed total,
idempotent per request key, audited; the dispensings are what the claims rule R11 reads
(``dispensed_for_claims``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, aliased

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import format_jalali, tehran_today
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow
from darman.prescriptions import rules
from darman.prescriptions.enums import LineKind, PrescriptionStatus
from darman.prescriptions.exceptions import PrescriptionExpired
from darman.prescriptions.models import (
    Prescription,
    PrescriptionDispensing,
    PrescriptionLine,
)
from darman.prescriptions.reading import read_back
from darman.prescriptions.schemas import (
    DispensedLine,
    DispenseIn,
    DispenseResult,
    PrescriptionRead,
)
from darman.registry import scope
from darman.registry.models import (
    Facility,
    Service,
)
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

DISPENSERS = roles_that(Act.DISPENSE)


# ------------------------------------------------------------------ dispensing
def _for_dispensing(
    session: Session,
    who: Principal,
    *,
    tracking_code: str,
    national_id: str,
    on: dt.date,
    lock: bool = False,
) -> Prescription:
    """The issued prescription with this code and national ID; with ``lock``, its row
    locked until the caller's transaction ends (PostgreSQL; a SQLite writer already holds
    the database's one write lock), read afresh once the lock is granted."""
    who.require_role(*DISPENSERS)
    if not scope.at_facility(who) or who.facility_id is None:
        raise PermissionDenied("prescriptions are dispensed by a facility's user")
    code = rules.normalize_tracking_code(tracking_code)
    if code is None:
        raise InvalidInput(
            "the tracking code is mistyped: its check character does not match",
            [FieldProblem("tracking_code", "کد رهگیری نادرست است؛ دوباره وارد کنید")],
        )
    query = select(Prescription).where(
        Prescription.tracking_code == code,
        Prescription.national_id == national_id,
        Prescription.status == PrescriptionStatus.ISSUED.value,
    )
    if lock:
        # FOR NO KEY UPDATE: serialises the dispensings of one prescription without
        # blocking rows that merely reference it
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    p = session.scalar(query)
    if p is None:
        raise NotFound(
            "no prescription has this tracking code for this national ID",
            [FieldProblem("tracking_code", "نسخه‌ای با این کد رهگیری برای این کد ملی نیست")],
        )
    if on > p.expires_on:
        raise PrescriptionExpired(
            f"the prescription expired on {format_jalali(p.expires_on, persian_digits=False)}",
            [
                FieldProblem(
                    "tracking_code",
                    f"مهلت پیچیدن نسخه در {format_jalali(p.expires_on)} به پایان رسیده است",
                )
            ],
        )
    return p


def lookup(
    session: Session,
    who: Principal,
    *,
    tracking_code: str,
    national_id: str,
    on: dt.date | None = None,
) -> PrescriptionRead:
    """The prescription a pharmacy, laboratory or imaging centre is about to dispense.

    Raises InvalidInput for a mistyped code (check character), NotFound when no issued
    prescription has this code for this national ID (a foreign or unknown code),
    PrescriptionExpired after its expiry date, PermissionDenied for other roles.
    """
    p = _for_dispensing(
        session, who, tracking_code=tracking_code, national_id=national_id, on=on or tehran_today()
    )
    return read_back(session, p)


def _replay(
    session: Session,
    facility_id: int,
    request_key: str,
    p: Prescription,
    wanted: list[tuple[int, int]],
) -> DispenseResult | None:
    """The first answer to a request this facility already dispensed under this key, or
    None for a new key. Read under the prescription's lock, so every dispensing of it is
    committed and its rows are numbered in the order they were made: each line's total
    as the first answer gave it is the line's counter now, less the parts dispensed after.

    Raises Conflict when the key was used for another prescription, or for other lines or
    quantities of this one.
    """
    later = aliased(PrescriptionDispensing)
    dispensed_after = (
        select(func.coalesce(func.sum(later.quantity), 0))
        .where(
            later.line_id == PrescriptionDispensing.line_id, later.id > PrescriptionDispensing.id
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(PrescriptionDispensing, PrescriptionLine, dispensed_after)
        .join(PrescriptionLine, PrescriptionLine.id == PrescriptionDispensing.line_id)
        .where(
            PrescriptionDispensing.facility_id == facility_id,
            PrescriptionDispensing.request_key == request_key,
        )
        .order_by(PrescriptionLine.line_no)
        .execution_options(populate_existing=True)
    ).all()
    if not rows:
        return None
    if any(d.prescription_id != p.id for d, _, _ in rows):
        raise Conflict(
            "this request key was used for another prescription",
            [FieldProblem("request_key", "already used")],
        )
    if sorted(wanted) != sorted((line.line_no, d.quantity) for d, line, _ in rows):
        # a retry repeats the request; other lines or quantities are a new request
        raise Conflict(
            "this request key was used for other lines or quantities",
            [FieldProblem("request_key", "already used for a different dispensing")],
        )
    lines = []
    for d, line, after in rows:
        total = line.dispensed - int(after)
        lines.append(
            DispensedLine(
                line_no=line.line_no,
                code=line.code,
                quantity=d.quantity,
                dispensed_total=total,
                remaining=rules.remaining(line.quantity, total),
            )
        )
    return DispenseResult(
        tracking_code=p.tracking_code or "",
        dispensed_on=rows[0][0].dispensed_on,
        lines=lines,
        replayed=True,
    )


def dispense(
    session: Session, who: Principal, *, data: DispenseIn, on: dt.date | None = None
) -> DispenseResult:
    """Dispense part or all of some lines of a prescription at the caller's facility.

    A line is never dispensed beyond its prescribed quantity in total, across every
    pharmacy. The prescription's row is locked first, so requests for one prescription
    are decided one after another, each on what the ones before it committed: of twenty
    pharmacies racing for the last units one succeeds and every other is refused as any
    later request for more than is left (InvalidInput on the line's quantity). The line's
    counter moves by a conditional UPDATE (``dispensed + q <= quantity``) as well. The
    request is all or nothing. ``request_key`` makes it idempotent: a retry by the same
    facility, even one sent while the first was still running, returns the first answer
    (``replayed``, the totals as they stood after it) and dispenses nothing again; the
    key is checked before what is left, since the first request may have taken it all.
    Each part dispensed is a ``PrescriptionDispensing`` row, what the claims rule R11
    matches pharmacy claims against (``dispensed_for_claims``), and the request is audited.

    Raises what ``lookup`` raises, InvalidInput for an unknown line, a line this kind
    of facility does not dispense or a quantity above what is left, Conflict when the key
    belongs to another prescription or to other lines or quantities.
    """
    on = on or tehran_today()
    p = _for_dispensing(
        session, who, tracking_code=data.tracking_code, national_id=data.national_id, on=on,
        lock=True,
    )  # fmt: skip
    assert who.facility_id is not None and p.tracking_code is not None
    facility = session.get(Facility, who.facility_id)
    assert facility is not None
    wanted = [(li.line_no, li.quantity) for li in data.lines]
    replayed = _replay(session, facility.id, data.request_key, p, wanted)
    if replayed is not None:
        return replayed
    lines = {
        li.line_no: li
        for li in session.scalars(
            select(PrescriptionLine)
            .where(PrescriptionLine.prescription_id == p.id)
            .execution_options(populate_existing=True)  # the counters as committed
        )
    }
    categories = {
        r.code: r.category
        for r in session.execute(
            select(Service.code, Service.category).where(
                Service.code.in_([li.code for li in lines.values()])
            )
        )
    }
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    for i, want in enumerate(data.lines):
        line = lines.get(want.line_no)
        at = f"lines.{i}"
        if line is None or want.line_no in seen:
            problems.append(FieldProblem(f"{at}.line_no", "no such line, or named twice"))
            continue
        seen.add(want.line_no)
        what = "drug" if line.kind == LineKind.DRUG else categories.get(line.code, "")
        if not rules.may_dispense(facility.kind, what):
            problems.append(
                FieldProblem(f"{at}.line_no", f"a {facility.kind} does not dispense {what} lines")
            )
        left = rules.remaining(line.quantity, line.dispensed)
        if want.quantity > left:
            problems.append(
                FieldProblem(
                    f"{at}.quantity",
                    f"بیش از باقی‌مانده‌ی نسخه ({to_persian_digits(left)}); only {left} left",
                )
            )
    if problems:
        raise InvalidInput("the dispensing request cannot be met", problems)

    now = utcnow()
    session.add_all(
        PrescriptionDispensing(
            line_id=lines[want.line_no].id,
            prescription_id=p.id,
            facility_id=facility.id,
            request_key=data.request_key,
            quantity=want.quantity,
            dispensed_on=on,
            dispensed_at=now,
            dispensed_by=who.username,
        )
        for want in data.lines
    )
    session.flush()
    out: list[DispensedLine] = []
    for i, want in enumerate(data.lines):
        line = lines[want.line_no]
        moved = session.execute(
            update(PrescriptionLine)
            .where(
                PrescriptionLine.id == line.id,
                PrescriptionLine.dispensed + want.quantity <= PrescriptionLine.quantity,
            )
            .values(dispensed=PrescriptionLine.dispensed + want.quantity)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            # not while every dispensing takes the prescription's lock; the condition
            # holds the line to its prescribed quantity whatever else writes the counter
            raise Conflict(
                f"line {want.line_no} was dispensed elsewhere meanwhile; look it up again",
                [FieldProblem(f"lines.{i}.quantity", "بیش از باقی‌مانده‌ی نسخه")],
            )
        total = line.dispensed + want.quantity
        out.append(
            DispensedLine(
                line_no=line.line_no,
                code=line.code,
                quantity=want.quantity,
                dispensed_total=total,
                remaining=rules.remaining(line.quantity, total),
            )
        )
    audit.record(
        session,
        actor=who.username,
        action="dispense",
        entity="prescription",
        entity_id=p.id,
        after={
            "tracking_code": p.tracking_code,
            "facility_id": facility.id,
            "request_key": data.request_key,
            "lines": {str(d.line_no): d.quantity for d in out},
        },
    )
    session.expire_all()  # line counters moved in the database, not on the loaded objects
    return DispenseResult(tracking_code=p.tracking_code, dispensed_on=on, lines=out, replayed=False)


def dispensed_for_claims() -> Select[str | None, str, str, int]:
    """Every drug dispensed, as the claims rule R11 matches a pharmacy's claim lines
    against it: the prescription's tracking code, its person's national ID, the drug and
    the quantity of one dispensing (a line dispensed in parts has a row per part).
    Laboratory and imaging orders are left out: R11 concerns drugs. Unscoped: it is for
    the adjudication batch, which reads every claim's prescription, never a caller.
    """
    return (
        select(
            Prescription.tracking_code.label("prescription_ref"),
            Prescription.national_id,
            PrescriptionLine.code,
            PrescriptionDispensing.quantity,
        )
        .join(PrescriptionLine, PrescriptionLine.id == PrescriptionDispensing.line_id)
        .join(Prescription, Prescription.id == PrescriptionDispensing.prescription_id)
        .where(PrescriptionLine.kind == LineKind.DRUG.value)
    )
