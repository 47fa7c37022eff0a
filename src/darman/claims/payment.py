"""Payment runs: approved claims of contracted centres paid oldest first, exactly once.

A run is keyed: repeating a key returns the first run and pays nothing. Runs
are serialised (an advisory lock on PostgreSQL; on SQLite the run's first
statement is a write, which takes the database's write lock), and a unique
(claim, kind) payment is the last guard: no claim is ever paid twice. Every
run writes balanced ledger entries: debits equal credits to the rial.

Accounts: claims_payable (what adjudication owes), advances (on-account
payments made before adjudication), bank (money out), receivable (an advance
larger than the final amount, to be recovered).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, LedgerEntry, Payment, PaymentRun
from darman.common.errors import FieldProblem, InvalidInput, PermissionDenied
from darman.common.jalali import tehran_today
from darman.db import bulk
from darman.db.base import utcnow
from darman.registry.models import Facility, Province
from darman.security.enums import Role
from darman.security.principal import Principal

PAYERS = (Role.FINANCE_OFFICER, Role.ADMIN)
FINAL, ADVANCE = "final", "advance"
_UNPAID_BEFORE_REVIEW = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.ADJUDICATED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.REVIEWED,
    ClaimStatus.APPROVED,
)


@dataclass(frozen=True)
class RunResult:
    run_id: int
    run_key: str
    kind: str
    claims_paid: int
    paid_rials: int
    budget_rials: int
    repeated: bool  # the key had run before: nothing was paid this time


def _check_payer(who: Principal, province_id: int | None) -> None:
    who.require_role(*PAYERS)
    if not who.is_national and province_id != who.province_id:
        raise PermissionDenied("a provincial finance officer pays only in their own province")


def _start(
    session: Session,
    who: Principal,
    *,
    run_key: str,
    kind: str,
    budget_rials: int,
    province_id: int | None,
) -> tuple[PaymentRun, bool]:
    if isinstance(budget_rials, bool) or not isinstance(budget_rials, int) or budget_rials <= 0:
        raise InvalidInput(
            "the budget is a positive whole number of rials",
            [FieldProblem("budget_rials", "positive integer rials")],
        )
    if not run_key or len(run_key) > 64:
        raise InvalidInput(
            "a run key of 1 to 64 characters is required", [FieldProblem("run_key", "required")]
        )
    _check_payer(who, province_id)
    if province_id is not None and session.get(Province, province_id) is None:
        raise InvalidInput(
            f"no province {province_id}", [FieldProblem("province_id", "unknown province")]
        )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7262002)"))
    existing = session.scalar(select(PaymentRun).where(PaymentRun.run_key == run_key))
    if existing is not None:
        return existing, True
    run = PaymentRun(
        run_key=run_key,
        kind=kind,
        province_id=province_id,
        budget_rials=budget_rials,
        paid_rials=0,
        claims_paid=0,
        created_by=who.username,
        created_at=utcnow(),
    )
    session.add(run)
    session.flush()  # the write lock on SQLite is taken here, before anything is read
    return run, False


Candidate = tuple[int, int, int, int, int]  # claim id, facility id, asked, insurer, advance


def _candidates(
    session: Session, *, statuses: tuple[str, ...], province_id: int | None, extra: object = None
) -> list[Candidate]:
    """Payable claims of contracted centres, oldest first."""
    query = (
        select(
            Claim.id, Claim.facility_id, Claim.asked_rials, Claim.insurer_rials, Claim.advance_rials
        )
        .join(Facility, Facility.id == Claim.facility_id)
        .where(Claim.status.in_(statuses), Facility.ownership == "contracted")
        .order_by(Claim.submitted_at, Claim.id)
    )
    if province_id is not None:
        query = query.where(Claim.province_id == province_id)
    if extra is not None:
        query = query.where(extra)  # type: ignore[arg-type]
    return [(int(a), int(b), int(c), int(d), int(e)) for a, b, c, d, e in session.execute(query)]


def _prefix(rows: list[tuple[Candidate, int]], budget: int) -> list[tuple[Candidate, int]]:
    """Oldest first until the next claim does not fit: no younger claim jumps the queue."""
    taken, total = [], 0
    for row, due in rows:
        amount = max(due, 0)
        if total + amount > budget:
            break
        taken.append((row, due))
        total += amount
    return taken


def pay(
    session: Session,
    who: Principal,
    *,
    run_key: str,
    budget_rials: int,
    province_id: int | None = None,
    paid_at: dt.datetime | None = None,
    submitted_before: dt.date | None = None,
) -> RunResult:
    """Pay approved claims (insurer share less any advance) within the budget; caller commits.

    ``paid_at`` and ``submitted_before`` exist to replay history (the demo's past year).
    """
    run, repeated = _start(
        session,
        who,
        run_key=run_key,
        kind=FINAL,
        budget_rials=budget_rials,
        province_id=province_id,
    )
    if repeated:
        return _result(run, repeated=True)
    candidates = _candidates(
        session,
        statuses=(ClaimStatus.APPROVED.value,),
        province_id=province_id,
        extra=None if submitted_before is None else Claim.submitted_on < submitted_before,
    )
    rows = _prefix([(c, c[3] - c[4]) for c in candidates], budget_rials)
    payments: list[tuple[object, ...]] = []
    ledger: list[tuple[object, ...]] = []
    paid: list[tuple[object, ...]] = []
    for (claim_id, facility_id, _, insurer, advance), due in rows:
        out = max(due, 0)
        payments.append((run.id, claim_id, facility_id, FINAL, out))
        for account, debit, credit in (
            ("claims_payable", insurer, 0),
            ("advances", 0, advance),
            ("bank", 0, out),
            ("receivable", max(-due, 0), 0),
        ):
            if debit or credit:
                ledger.append((run.id, claim_id, facility_id, account, debit, credit))
        paid.append((claim_id, advance + out))
    _mark(
        session,
        "UPDATE claims SET status = :status, paid_rials = t.amount, paid_at = :at "
        "FROM pay_marks t WHERE claims.id = t.claim_id",
        paid,
        {"status": ClaimStatus.PAID.value, "at": paid_at or utcnow()},
    )
    _finish(session, who, run, payments, ledger)
    return _result(run, repeated=False)


def pay_advances(
    session: Session,
    who: Principal,
    *,
    run_key: str,
    budget_rials: int,
    share_percent: int,
    min_wait_days: int,
    province_id: int | None = None,
) -> RunResult:
    """On-account advance of ``share_percent`` of the asked amount for claims of contracted
    centres waiting longer than ``min_wait_days`` and not yet advanced. Settled by ``pay``."""
    if not 1 <= share_percent <= 90:
        raise InvalidInput("share_percent is 1 to 90", [FieldProblem("share_percent", "1..90")])
    run, repeated = _start(
        session,
        who,
        run_key=run_key,
        kind=ADVANCE,
        budget_rials=budget_rials,
        province_id=province_id,
    )
    if repeated:
        return _result(run, repeated=True)
    cutoff = tehran_today() - dt.timedelta(days=min_wait_days)
    candidates = _candidates(
        session,
        statuses=tuple(s.value for s in _UNPAID_BEFORE_REVIEW),
        province_id=province_id,
        extra=(Claim.submitted_on <= cutoff) & (Claim.advance_rials == 0),
    )
    # whole rials: the advance is rounded down, never up
    rows = _prefix([(c, c[2] * share_percent // 100) for c in candidates], budget_rials)
    payments: list[tuple[object, ...]] = []
    ledger: list[tuple[object, ...]] = []
    marks: list[tuple[object, ...]] = []
    for (claim_id, facility_id, _, _, _), amount in rows:
        if amount <= 0:
            continue
        payments.append((run.id, claim_id, facility_id, ADVANCE, amount))
        ledger.append((run.id, claim_id, facility_id, "advances", amount, 0))
        ledger.append((run.id, claim_id, facility_id, "bank", 0, amount))
        marks.append((claim_id, amount))
    _mark(
        session,
        "UPDATE claims SET advance_rials = t.amount FROM pay_marks t WHERE claims.id = t.claim_id",
        marks,
        {},
    )
    _finish(session, who, run, payments, ledger)
    return _result(run, repeated=False)


PAYMENT_COLUMNS = ("run_id", "claim_id", "facility_id", "kind", "amount_rials")
LEDGER_COLUMNS = ("run_id", "claim_id", "facility_id", "account", "debit_rials", "credit_rials")


def _mark(
    session: Session, statement: str, rows: list[tuple[object, ...]], params: dict[str, object]
) -> None:
    """Apply per-claim amounts in one set-based UPDATE through a temporary table."""
    if not rows:
        return
    conn = session.connection()
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS pay_marks "
            "(claim_id BIGINT PRIMARY KEY, amount BIGINT)"
        )
    )
    conn.execute(text("DELETE FROM pay_marks"))
    bulk.load(conn, "pay_marks", ("claim_id", "amount"), rows)
    conn.execute(text(statement), params)
    conn.execute(text("DELETE FROM pay_marks"))


def _finish(
    session: Session,
    who: Principal,
    run: PaymentRun,
    payments: list[tuple[object, ...]],
    ledger: list[tuple[object, ...]],
) -> None:
    if payments:
        conn = session.connection()
        bulk.load(conn, "payments", PAYMENT_COLUMNS, payments)
        bulk.load(conn, "ledger_entries", LEDGER_COLUMNS, ledger)
    run.claims_paid = len(payments)
    run.paid_rials = sum(int(p[4]) for p in payments)  # type: ignore[call-overload]
    session.flush()
    session.expire_all()  # claims changed underneath the ORM
    audit.record(
        session,
        actor=who.username,
        action=f"pay_{run.kind}",
        entity="payment_run",
        entity_id=run.id,
        after={
            "run_key": run.run_key,
            "claims": run.claims_paid,
            "paid_rials": run.paid_rials,
            "budget_rials": run.budget_rials,
        },
    )


def _result(run: PaymentRun, *, repeated: bool) -> RunResult:
    return RunResult(
        run.id, run.run_key, run.kind, run.claims_paid, run.paid_rials, run.budget_rials, repeated
    )


def ledger_balance(session: Session, *, run_id: int | None = None) -> tuple[int, int]:
    """(total debits, total credits), of one run or of the whole ledger."""
    query = select(
        func.coalesce(func.sum(LedgerEntry.debit_rials), 0),
        func.coalesce(func.sum(LedgerEntry.credit_rials), 0),
    )
    if run_id is not None:
        query = query.where(LedgerEntry.run_id == run_id)
    debit, credit = session.execute(query).one()
    return int(debit), int(credit)


def remittance(
    session: Session, who: Principal, *, run_id: int
) -> tuple[list[str], list[list[object]]]:
    """Per facility and claim: what this run paid, for the provider's books."""
    who.require_role(*PAYERS, Role.PROVIDER_USER, Role.AUDITOR)
    query = (
        select(
            Facility.code,
            Facility.name,
            Claim.document_number,
            Claim.submitted_on,
            Claim.insurer_rials,
            Claim.advance_rials,
            Payment.kind,
            Payment.amount_rials,
        )
        .join(Claim, Claim.id == Payment.claim_id)
        .join(Facility, Facility.id == Payment.facility_id)
        .where(Payment.run_id == run_id)
        .order_by(Facility.code, Claim.submitted_at, Claim.id)
    )
    if who.facility_id is not None:
        query = query.where(Payment.facility_id == who.facility_id)
    elif who.province_id is not None:
        query = query.where(Claim.province_id == who.province_id)
    header = [
        "facility_code",
        "facility_name",
        "document_number",
        "submitted_on",
        "insurer_rials",
        "advance_rials",
        "kind",
        "paid_rials",
    ]
    return header, [list(r) for r in session.execute(query).all()]


def list_runs(session: Session, who: Principal, *, limit: int = 12) -> list[PaymentRun]:
    """The latest runs the caller may see: all of them nationally, else their province's."""
    who.require_role(*PAYERS, Role.AUDITOR)
    query = select(PaymentRun).order_by(PaymentRun.id.desc()).limit(limit)
    if not who.is_national:
        query = query.where(PaymentRun.province_id == who.province_id)
    return list(session.scalars(query).all())
