"""The monthly claim on the government for an epidemic's cost: statements numbered in the
order issued, with the supporting detail per admission, audited, and never changed once
issued.

- A month's statement claims the insurer's share of the episode's admissions discharged in
  that Jalali month, as they stand when it is issued.
- Issuing a month again with the same figures answers the statement issued (idempotent: no
  second statement, no second audit entry); with different figures (claims adjudicated or
  reviewed since) it is refused: the month needs a correction.
- A correction is a new statement, the month's next revision with its own number, that
  names the one it corrects and why; only the latest of a month's chain can be corrected.
- Two requests issuing (or correcting) at the same moment give one statement: issuing is
  serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: its write lock), and
  the request that waited finds the month issued after it began, which it is refused with a
  Persian conflict naming the statement; should the database's unique numbering decide
  instead, the loser is refused the same way, never answered with an error page.

Services never commit; the caller owns the transaction."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.common.jalali import format_month, jalali_month_bounds
from darman.db.base import utcnow
from darman.population import epidemic_service as cost
from darman.population.epidemic_models import (
    EpidemicStatement,
    EpidemicStatementLine,
    StatementImmutable,
)
from darman.population.epidemic_schemas import (
    IssueResult,
    StatementDetail,
    StatementLineRead,
    StatementRead,
)
from darman.security.enums import Role
from darman.security.principal import SYSTEM, Principal

# the claim on the government is national: headquarters issue it, auditors read it
ISSUERS = (Role.ADMIN, Role.HQ_ANALYST)
READERS = (Role.ADMIN, Role.HQ_ANALYST, Role.AUDITOR)
LINE_COLUMNS = (
    "admission_id", "claim_ids", "national_id", "province_id", "facility_id", "ownership",
    "admission_date", "discharge_date", "los_days", "icu_days", "drugs_insurer_rials",
    "services_insurer_rials", "insurer_rials", "total_rials",
)  # fmt: skip


# the advisory lock that serialises issuing and correcting statements on PostgreSQL
ISSUE_LOCK = 7262025


def _serialise(session: Session) -> None:
    """Wait for any other transaction issuing or correcting a statement to end (PostgreSQL;
    on SQLite a writing transaction holds the database's write lock from its start)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ISSUE_LOCK})


def _issued_meanwhile(number: int, statement: str) -> Conflict:
    return Conflict(
        f"صورت‌حساب ماه {format_month(number)} هم‌زمان با درخواست شما با شماره‌ی {statement} "
        "صادر شد؛ صورت‌حساب دیگری صادر نشد",
        [FieldProblem("month", f"issued meanwhile as {statement}")],
    )


def _month_lines(session: Session, episode_code: str, month: int) -> list[dict[str, object]]:
    """The admissions a month's statement claims for, every one the episode holds (the
    gathering runs with the system's national view: the claim is the whole country's)."""
    table = cost.admissions_table(session, SYSTEM, episode_code=episode_code)
    first, last = jalali_month_bounds(month)
    day = table["discharge_date"]
    in_month = pc.and_(
        pc.greater_equal(day, pa.scalar(first, pa.date32())),
        pc.less_equal(day, pa.scalar(last, pa.date32())),
    )
    rows = table.filter(in_month).select(list(LINE_COLUMNS)).to_pylist()
    return [{"line_no": i, **r} for i, r in enumerate(rows, start=1)]


def _content_hash(lines: list[dict[str, object]]) -> str:
    text = json.dumps(lines, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _head(session: Session, episode_code: str, month: int) -> EpidemicStatement | None:
    """The month's latest statement (the end of its correction chain), if any."""
    return session.scalars(
        select(EpidemicStatement)
        .where(EpidemicStatement.episode_code == episode_code, EpidemicStatement.month == month)
        .order_by(EpidemicStatement.revision.desc())
        .limit(1)
    ).first()


def _store(
    session: Session,
    who: Principal,
    *,
    episode_code: str,
    month: int,
    lines: list[dict[str, object]],
    digest: str,
    corrects: EpidemicStatement | None,
    reason: str,
) -> EpidemicStatement:
    last_seq = session.scalar(
        select(func.max(EpidemicStatement.seq)).where(
            EpidemicStatement.episode_code == episode_code
        )
    )
    seq = int(last_seq or 0) + 1

    def total(key: str) -> int:
        return sum(int(line[key]) for line in lines)  # type: ignore[call-overload]

    statement = EpidemicStatement(
        number=f"{episode_code.upper()}-{seq:05d}", episode_code=episode_code, month=month,
        seq=seq, revision=0 if corrects is None else corrects.revision + 1,
        corrects_id=None if corrects is None else corrects.id, reason=reason,
        admissions=len(lines), patient_days=total("los_days"), icu_days=total("icu_days"),
        drugs_insurer_rials=total("drugs_insurer_rials"),
        services_insurer_rials=total("services_insurer_rials"),
        insurer_rials=total("insurer_rials"), total_rials=total("total_rials"),
        content_hash=digest, issued_by=who.username, issued_at=utcnow(),
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(statement)
            session.flush()
    except IntegrityError:  # the same number or revision taken by a request at this moment
        raise _issued_meanwhile(month, f"{episode_code.upper()}-{seq:05d}") from None
    session.execute(
        insert(EpidemicStatementLine), [{"statement_id": statement.id, **line} for line in lines]
    )
    audit.record(
        session, actor=who.username,
        action="population.epidemic." + ("issue" if corrects is None else "correct"),
        entity="epidemic_statement", entity_id=statement.number,
        before=None if corrects is None else {
            "number": corrects.number, "insurer_rials": corrects.insurer_rials,
            "admissions": corrects.admissions,
        },
        after=audit.snapshot(statement),
    )  # fmt: skip
    return statement


def issue(
    session: Session, who: Principal, *, month: str, episode_code: str = cost.DEFAULT_EPISODE
) -> IssueResult:
    """Issue the statement of ``month`` (``1405/03``). The same month again with the same
    figures answers the first statement (``created`` false). InvalidInput on a malformed
    month, an unknown episode or a month without admissions; Conflict when the month was
    issued with other figures (a correction is needed) or by another request while this
    one waited its turn (see the module docstring); audited."""
    who.require_role(*ISSUERS)
    asked_at = utcnow()
    ep = cost.episode(episode_code)
    number = cost.parse_month(month)
    _serialise(session)
    lines = _month_lines(session, ep.code, number)
    digest = _content_hash(lines)
    head = _head(session, ep.code, number)
    if head is not None:
        if head.issued_at >= asked_at:  # issued by another request while this one waited
            raise _issued_meanwhile(number, head.number)
        if head.content_hash == digest:
            return IssueResult(created=False, statement=_read(session, head))
        raise Conflict(
            f"صورت‌حساب ماه {format_month(number)} پیش‌تر با شماره‌ی {head.number} صادر شده و "
            "ارقام آن از آن پس تغییر کرده است؛ صورت‌حساب اصلاحی صادر کنید",
            [FieldProblem("month", f"issued as {head.number}; issue a correction")],
        )
    if not lines:
        raise InvalidInput(
            f"در ماه {format_month(number)} هیچ بستری {ep.name_fa} ترخیص نشده است",
            [FieldProblem("month", "no admission of the episode was discharged this month")],
        )
    statement = _store(
        session, who, episode_code=ep.code, month=number, lines=lines, digest=digest,
        corrects=None, reason="",
    )  # fmt: skip
    return IssueResult(created=True, statement=_read(session, statement))


def correct(session: Session, who: Principal, *, statement_id: int, reason: str) -> StatementRead:
    """Issue a correction of statement ``statement_id``: the month's admissions as they stand
    now, in a new numbered statement naming the one it corrects and ``reason``. NotFound for
    an unknown statement; Conflict when a later correction exists (correct that one) or
    nothing changed; audited with the corrected statement's figures as before."""
    who.require_role(*ISSUERS)
    _serialise(session)
    old = session.get(EpidemicStatement, statement_id)
    if old is None:
        raise NotFound(
            f"صورت‌حساب {statement_id} پیدا نشد", [FieldProblem("statement_id", "unknown")]
        )
    if not reason.strip():
        raise InvalidInput("دلیل اصلاح را بنویسید", [FieldProblem("reason", "required")])
    head = _head(session, old.episode_code, old.month)
    assert head is not None  # old itself is one of the month's statements
    if head.id != old.id:
        raise Conflict(
            f"صورت‌حساب {old.number} پیش‌تر با {head.number} اصلاح شده است؛ آخرین را اصلاح کنید",
            [FieldProblem("statement_id", f"corrected by {head.number}")],
        )
    lines = _month_lines(session, old.episode_code, old.month)
    digest = _content_hash(lines)
    if digest == old.content_hash:
        raise Conflict(
            f"ارقام ماه {format_month(old.month)} از صدور {old.number} تغییری نکرده است",
            [FieldProblem("statement_id", "nothing changed since it was issued")],
        )
    new = _store(
        session, who, episode_code=old.episode_code, month=old.month, lines=lines,
        digest=digest, corrects=old, reason=reason.strip(),
    )  # fmt: skip
    return _read(session, new)


def _read(session: Session, statement: EpidemicStatement) -> StatementRead:
    corrected_by = session.scalar(
        select(EpidemicStatement.id).where(EpidemicStatement.corrects_id == statement.id)
    )
    read = StatementRead.model_validate(statement, from_attributes=True)
    return read.model_copy(update={"corrected_by_id": corrected_by})


def list_statements(
    session: Session, who: Principal, *, episode_code: str | None = None
) -> list[StatementRead]:
    """Every statement, latest first (national staff and auditors)."""
    who.require_role(*READERS)
    query = select(EpidemicStatement).order_by(EpidemicStatement.seq.desc())
    if episode_code:
        query = query.where(EpidemicStatement.episode_code == episode_code)
    found = list(session.scalars(query))
    corrected: dict[int | None, int] = {
        row.corrects_id: row.id
        for row in session.execute(
            select(EpidemicStatement.corrects_id, EpidemicStatement.id).where(
                EpidemicStatement.corrects_id.is_not(None)
            )
        )
    }
    return [
        StatementRead.model_validate(s, from_attributes=True).model_copy(
            update={"corrected_by_id": corrected.get(s.id)}
        )
        for s in found
    ]


def get(session: Session, who: Principal, *, statement_id: int) -> StatementDetail:
    """A statement with its lines per admission; NotFound for an unknown id."""
    who.require_role(*READERS)
    statement = session.get(EpidemicStatement, statement_id)
    if statement is None:
        raise NotFound(
            f"صورت‌حساب {statement_id} پیدا نشد", [FieldProblem("statement_id", "unknown")]
        )
    lines = session.scalars(
        select(EpidemicStatementLine)
        .where(EpidemicStatementLine.statement_id == statement.id)
        .order_by(EpidemicStatementLine.line_no)
    )
    head = _read(session, statement)
    return StatementDetail(
        **head.model_dump(),
        lines=[StatementLineRead.model_validate(r, from_attributes=True) for r in lines],
    )


def refuse_change(session: Session, who: Principal, *, statement_id: int) -> None:
    """An issued statement is never edited: Conflict (StatementImmutable) in Persian, after
    the caller's role and the statement's existence are checked."""
    who.require_role(*READERS)
    detail = get(session, who, statement_id=statement_id)
    raise StatementImmutable(
        f"صورت‌حساب صادرشده {detail.number} تغییر نمی‌کند و حذف نمی‌شود؛ برای اصلاح، "
        "صورت‌حساب اصلاحی صادر کنید",
        [FieldProblem("statement", "issued statements are immutable; issue a correction")],
    )


def place_names(
    session: Session, who: Principal, detail: StatementDetail
) -> tuple[dict[int, str], dict[int, str]]:
    """The Persian names of the provinces and facilities a statement's lines name."""
    from darman.registry import service as registry_service

    provinces = {p.id: p.name_fa for p in registry_service.list_provinces(session)}
    facilities = {
        i: registry_service.get_facility(session, who, facility_id=i).name
        for i in sorted({line.facility_id for line in detail.lines})
    }
    return provinces, facilities


def workbook(session: Session, who: Principal, *, statement_id: int) -> tuple[str, bytes]:
    """The statement as an Excel file: its name and bytes."""
    from darman.population import epidemic_workbook

    detail = get(session, who, statement_id=statement_id)
    provinces, facilities = place_names(session, who, detail)
    content = epidemic_workbook.statement_workbook(
        detail, provinces=provinces, facilities=facilities
    )
    return epidemic_workbook.file_name(detail), content
