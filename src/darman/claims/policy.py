"""Adjudication policy as data: dated copayment and filing-deadline parameters by province,
and the provinces where the referral and e-prescription programmes are in force.

Headquarters sets entries on top of the built-in defaults of ``rules``. On any day a
province's entry beats the national one, and among entries for the same thing (same
parameter, province, visit type and ownership) the one starting latest wins, so a new
rate from 1406/01/01 replaces the old one from that day without editing it. The resolved,
non-overlapping periods feed the kernel through ``rules.policy_tables``; a rerun over old
claims still sees the policy of their dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims import rules
from darman.claims.enums import VisitType
from darman.claims.models import PolicyParameter, ProgrammeRollout
from darman.common.errors import FieldProblem, InvalidInput
from darman.db.base import utcnow
from darman.registry.enums import Ownership
from darman.registry.models import Province
from darman.security.enums import Role
from darman.security.principal import Principal


class Parameter(StrEnum):
    COPAY_PERCENT = "copay_percent"
    FILING_DEADLINE_DAYS = "filing_deadline_days"
    # the referral programme's periods, set by headquarters like the adjudication ones
    REFERRAL_VALID_DAYS = "referral_valid_days"
    REFERRAL_FEEDBACK_DAYS = "referral_feedback_days"


# Day-count parameters other than the filing deadline: parameter -> largest allowed value.
DAY_PARAMETERS = {Parameter.REFERRAL_VALID_DAYS: 365, Parameter.REFERRAL_FEEDBACK_DAYS: 365}


class Programme(StrEnum):
    REFERRAL = "referral"
    EPRESCRIPTION = "eprescription"


PROGRAMME_LABELS_FA = {Programme.REFERRAL: "نظام ارجاع", Programme.EPRESCRIPTION: "نسخه الکترونیک"}
# Filing deadlines beyond ten years would make the frequency look-back unbounded.
MAX_DEADLINE_DAYS = 3650


# ------------------------------------------------------------------ effective policy
def _stored(session: Session, parameter: Parameter) -> list[PolicyParameter]:
    return list(
        session.scalars(
            select(PolicyParameter)
            .where(PolicyParameter.parameter == parameter.value)
            .order_by(PolicyParameter.id)
        )
    )


def effective_copay(session: Session) -> list[rules.CopayRate]:
    """Copayment periods in force, national and per province, defaults included, ordered
    by province (national first), visit type, ownership and date."""
    by_key: dict[tuple[int | None, str, str], list[tuple[dt.date, dt.date, int]]] = {}
    for c in rules.DEFAULT_COPAY:
        by_key.setdefault((c.province_id, c.visit_type, c.ownership), []).append(
            (c.valid_from, c.valid_to, c.percent)
        )
    # listed after the defaults and in the order set, so the later one wins a tie
    for p in _stored(session, Parameter.COPAY_PERCENT):
        by_key.setdefault((p.province_id, p.visit_type or "", p.ownership or ""), []).append(
            (p.valid_from, p.valid_to, p.value)
        )
    return [
        rules.CopayRate(visit, ownership, percent, start, end, province_id=province)
        for (province, visit, ownership) in sorted(by_key, key=_national_first)
        for start, end, percent in rules.winning_periods(by_key[(province, visit, ownership)])
    ]


def effective_deadlines(session: Session) -> list[rules.FilingDeadline]:
    """Filing-deadline periods in force, national and per province, defaults included."""
    by_province: dict[int | None, list[tuple[dt.date, dt.date, int]]] = {}
    for d in rules.DEFAULT_DEADLINES:
        by_province.setdefault(d.province_id, []).append((d.valid_from, d.valid_to, d.days))
    for p in _stored(session, Parameter.FILING_DEADLINE_DAYS):
        by_province.setdefault(p.province_id, []).append((p.valid_from, p.valid_to, p.value))
    return [
        rules.FilingDeadline(province, start, end, days)
        for province in sorted(by_province, key=lambda pid: (pid is not None, pid or 0))
        for start, end, days in rules.winning_periods(by_province[province])
    ]


@dataclass(frozen=True)
class DayPeriod:
    """A day-count parameter in force from valid_from to valid_to; province None is national."""

    province_id: int | None
    valid_from: dt.date
    valid_to: dt.date
    days: int


def effective_days(session: Session, parameter: Parameter, default: int) -> list[DayPeriod]:
    """The periods in force of a day-count parameter, national (with the caller's built-in
    ``default`` under it) first, then per province."""
    by_province: dict[int | None, list[tuple[dt.date, dt.date, int]]] = {
        None: [(rules.FOREVER_FROM, rules.FOREVER_TO, default)]
    }
    for p in _stored(session, parameter):
        by_province.setdefault(p.province_id, []).append((p.valid_from, p.valid_to, p.value))
    return [
        DayPeriod(province, start, end, days)
        for province in sorted(by_province, key=lambda pid: (pid is not None, pid or 0))
        for start, end, days in rules.winning_periods(by_province[province])
    ]


def days_on(
    session: Session, parameter: Parameter, *, province_id: int | None, on: dt.date
) -> int | None:
    """The value in force on ``on`` for the province: its own entry beats the national one,
    the latest start wins, and among equal starts the one set last. None when headquarters
    set nothing that covers the day (the caller's default applies)."""
    rows = session.scalars(
        select(PolicyParameter).where(
            PolicyParameter.parameter == parameter.value,
            PolicyParameter.valid_from <= on,
            PolicyParameter.valid_to >= on,
        )
    ).all()
    found = [r for r in rows if r.province_id is None or r.province_id == province_id]
    if not found:
        return None
    return max(found, key=lambda r: (r.province_id is not None, r.valid_from, r.id)).value


def _national_first(key: tuple[int | None, str, str]) -> tuple[bool, int, str, str]:
    province, visit, ownership = key
    return (province is not None, province or 0, visit, ownership)


def kernel_tables(session: Session) -> tuple[pa.Table, pa.Table]:
    """The kernel's ``copay_rates`` and ``calendar`` for the policy in force; the built-in
    defaults alone when headquarters has set nothing."""
    if session.scalar(select(PolicyParameter.id).limit(1)) is None:
        return rules.default_policy()
    return rules.policy_tables(effective_copay(session), effective_deadlines(session))


# ------------------------------------------------------------------ setting it
def _require_headquarters(who: Principal) -> None:
    # only national admins exist (security.rules), so this is headquarters
    who.require_role(Role.ADMIN)


def _period(valid_from: dt.date, valid_to: dt.date | None) -> dt.date:
    end = valid_to or rules.FOREVER_TO
    if not rules.FOREVER_FROM <= valid_from <= rules.FOREVER_TO:
        raise InvalidInput("valid_from is out of range", [FieldProblem("valid_from", "1900-2100")])
    if end < valid_from:
        raise InvalidInput(
            "the period ends before it starts", [FieldProblem("valid_to", "before valid_from")]
        )
    if end > rules.FOREVER_TO:
        raise InvalidInput("valid_to is out of range", [FieldProblem("valid_to", "1900-2100")])
    return end


def _province(session: Session, province_id: int | None) -> None:
    if province_id is not None and session.get(Province, province_id) is None:
        raise InvalidInput(
            f"no province {province_id}", [FieldProblem("province_code", "unknown province")]
        )


def _save(
    session: Session,
    who: Principal,
    parameter: Parameter,
    *,
    value: int,
    valid_from: dt.date,
    valid_to: dt.date | None,
    province_id: int | None,
    note: str,
    visit_type: str | None = None,
    ownership: str | None = None,
) -> PolicyParameter:
    """Store one dated entry (its period and province checked first) and audit it."""
    end = _period(valid_from, valid_to)
    _province(session, province_id)
    entry = PolicyParameter(
        parameter=parameter.value,
        province_id=province_id,
        visit_type=visit_type,
        ownership=ownership,
        value=value,
        valid_from=valid_from,
        valid_to=end,
        note=note,
        created_by=who.username,
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="set_policy",
        entity="policy_parameter",
        entity_id=entry.id,
        after=audit.snapshot(entry),
    )
    return entry


def set_copay(
    session: Session,
    who: Principal,
    *,
    visit_type: str,
    ownership: str,
    percent: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    province_id: int | None = None,
    note: str = "",
) -> PolicyParameter:
    """Set the patient's share (whole percent, 0-100) for a visit type at owned or contracted
    centres from ``valid_from`` (to ``valid_to``, open if omitted), nationally or for one
    province. National admins only; audited; the caller commits. Raises InvalidInput
    naming the field, PermissionDenied for other roles."""
    _require_headquarters(who)
    problems = []
    if visit_type not in {v.value for v in VisitType}:
        problems.append(FieldProblem("visit_type", "outpatient, inpatient or emergency"))
    if ownership not in {o.value for o in Ownership}:
        problems.append(FieldProblem("ownership", "owned or contracted"))
    if isinstance(percent, bool) or not 0 <= percent <= 100:
        problems.append(FieldProblem("percent", "a whole number from 0 to 100"))
    if problems:
        raise InvalidInput("invalid copayment rate", problems)
    return _save(
        session,
        who,
        Parameter.COPAY_PERCENT,
        value=percent,
        valid_from=valid_from,
        valid_to=valid_to,
        province_id=province_id,
        note=note,
        visit_type=visit_type,
        ownership=ownership,
    )


def set_filing_deadline(
    session: Session,
    who: Principal,
    *,
    days: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    province_id: int | None = None,
    note: str = "",
) -> PolicyParameter:
    """Set how many days after the service a document may still be filed, for documents
    submitted from ``valid_from`` on, nationally or for one province. National admins only;
    audited; the caller commits."""
    _require_headquarters(who)
    if isinstance(days, bool) or not 1 <= days <= MAX_DEADLINE_DAYS:
        raise InvalidInput(
            "invalid filing deadline", [FieldProblem("days", f"1 to {MAX_DEADLINE_DAYS}")]
        )
    return _save(
        session,
        who,
        Parameter.FILING_DEADLINE_DAYS,
        value=days,
        valid_from=valid_from,
        valid_to=valid_to,
        province_id=province_id,
        note=note,
    )


def set_days(
    session: Session,
    who: Principal,
    *,
    parameter: Parameter,
    days: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    province_id: int | None = None,
    note: str = "",
) -> PolicyParameter:
    """Set a programme's day-count parameter (``DAY_PARAMETERS``: how long a referral is
    valid, when its feedback is due) from ``valid_from`` on, nationally or for one
    province. National admins only; audited; the caller commits. Raises InvalidInput
    naming ``parameter`` or ``days``."""
    _require_headquarters(who)
    if parameter not in DAY_PARAMETERS:
        raise InvalidInput(
            "not a day-count parameter",
            [FieldProblem("parameter", ", ".join(p.value for p in DAY_PARAMETERS))],
        )
    top = DAY_PARAMETERS[parameter]
    if isinstance(days, bool) or not 1 <= days <= top:
        raise InvalidInput(f"invalid {parameter.value}", [FieldProblem("days", f"1 to {top}")])
    return _save(
        session,
        who,
        parameter,
        value=days,
        valid_from=valid_from,
        valid_to=valid_to,
        province_id=province_id,
        note=note,
    )


def list_parameters(session: Session) -> list[PolicyParameter]:
    """Every entry headquarters has set, oldest first (the defaults are not entries)."""
    return list(session.scalars(select(PolicyParameter).order_by(PolicyParameter.id)))


# ------------------------------------------------------------------ programme rollouts
def list_rollouts(session: Session) -> list[ProgrammeRollout]:
    return list(
        session.scalars(
            select(ProgrammeRollout).order_by(
                ProgrammeRollout.programme, ProgrammeRollout.province_id
            )
        )
    )


ROLLOUT_PHASES = (1, 2)


def set_rollout(
    session: Session,
    who: Principal,
    *,
    province_id: int,
    programme: str,
    active_from: dt.date,
    phase: int | None = None,
) -> ProgrammeRollout:
    """From ``active_from`` the programme's claim rule applies in the province (referral:
    specialist visits need a valid referral; e-prescription: drug lines need a dispensed
    prescription). Setting it again moves the date. ``phase`` (1 or 2) places the province
    in a phase of the referral programme; left out, a new row is phase 1 and an existing
    row keeps its phase. National admins only; audited."""
    _require_headquarters(who)
    if programme not in {p.value for p in Programme}:
        raise InvalidInput(
            "unknown programme", [FieldProblem("programme", "referral or eprescription")]
        )
    if phase is not None and (isinstance(phase, bool) or phase not in ROLLOUT_PHASES):
        raise InvalidInput("unknown phase", [FieldProblem("phase", "1 or 2")])
    _period(active_from, None)
    _province(session, province_id)
    row = session.scalar(
        select(ProgrammeRollout).where(
            ProgrammeRollout.province_id == province_id, ProgrammeRollout.programme == programme
        )
    )
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = ProgrammeRollout(
            province_id=province_id, programme=programme, active_from=active_from, phase=phase or 1
        )
        session.add(row)
    else:
        row.active_from = active_from
        if phase is not None:
            row.phase = phase
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="set_rollout",
        entity="programme_rollout",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return row


def set_referral_bypass(
    session: Session, who: Principal, *, province_id: int, copay_percent: int | None
) -> ProgrammeRollout:
    """How the claims rules treat a specialist visit without a valid referral where the
    referral programme runs in the province: ``None`` rejects it (R10); a percent (0-100)
    pays it with the patient's share raised to that percent (D03), a bypass penalty.
    Needs the province's referral rollout. National admins only; audited; the caller
    commits."""
    _require_headquarters(who)
    if copay_percent is not None and (
        isinstance(copay_percent, bool) or not 0 <= copay_percent <= 100
    ):
        raise InvalidInput(
            "invalid bypass copayment", [FieldProblem("copay_percent", "0 to 100, or empty")]
        )
    _province(session, province_id)
    row = session.scalar(
        select(ProgrammeRollout).where(
            ProgrammeRollout.province_id == province_id,
            ProgrammeRollout.programme == Programme.REFERRAL.value,
        )
    )
    if row is None:
        raise InvalidInput(
            "the referral programme does not run in this province",
            [FieldProblem("province_code", "set its referral rollout first")],
        )
    before = audit.snapshot(row)
    row.bypass_copay_percent = copay_percent
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="set_referral_bypass",
        entity="programme_rollout",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return row
