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
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim, LedgerEntry, PaymentRun
from darman.common.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from darman.common.jalali import tehran_today
from darman.common.money import format_rials
from darman.common.persian import format_number
from darman.db.base import utcnow
from darman.registry.models import Facility, Province
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

PAYERS = roles_that(Act.PAY_CLAIMS)
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
    # why a run paid less than its budget (None when it spent it all, or repeated):
    # "budget_reached" (the next claim in the queue did not fit what was left) or
    # "queue_empty" (no claim left in scope to pay or advance), said in Persian in why_fa
    why: str | None = None
    why_fa: str | None = None
    next_claim_rials: int | None = None  # what the first claim left in the queue costs
    waiting_review: int = 0  # claims of the scope held in medical review or approval
    waiting_adjudication: int = 0  # claims of the scope not yet adjudicated


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
    at: dt.datetime | None = None,
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
        asked = (kind, budget_rials, province_id)
        if (existing.kind, existing.budget_rials, existing.province_id) != asked:
            # a key names one run: reusing it for other terms is a mistake, not a repeat
            raise Conflict(
                f"run key '{run_key}' was used for run {existing.id} with other terms",
                [FieldProblem("run_key", "already used for a different run")],
            )
        return existing, True
    run = PaymentRun(
        run_key=run_key,
        kind=kind,
        province_id=province_id,
        budget_rials=budget_rials,
        paid_rials=0,
        claims_paid=0,
        created_by=who.username,
        # a replayed run (the demo's past year) is dated the day it paid, as its claims are
        created_at=at or utcnow(),
    )
    session.add(run)
    session.flush()  # the write lock on SQLite is taken here, before anything is read
    return run, False


# The most a run can pay: sums are BIGINT in the database (SQLite refuses anything larger).
_MAX_BUDGET = 2**63 - 1
_POSITIVE_DUE = "CASE WHEN due > 0 THEN due ELSE 0 END"


def _choose(
    session: Session,
    *,
    due: str,
    statuses: tuple[str, ...],
    province_id: int | None,
    budget: int,
    where: str = "",
    params: dict[str, object] | None = None,
    paid_only: bool = False,
) -> tuple[int, int]:
    """Fill the temporary table ``pay_sel`` with the claims this run pays, in the database.

    Payable claims of contracted centres are ranked oldest first (submitted_at, id) and taken
    while the running sum of what each costs the budget (its amount, never below zero) stays
    within it: the first claim that does not fit ends the run, so no younger claim jumps the
    queue. ``due`` is the SQL amount per claim of ``claims c``. With ``paid_only``, claims
    whose amount is not positive are left out of the run (they still count in the queue).
    Returns (claims chosen, rials paid).
    """
    conn = session.connection()
    key = "BIGINT" if conn.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS pay_sel (seq {key}, claim_id BIGINT,"
            " facility_id BIGINT, insurer BIGINT, advance BIGINT, due BIGINT)"
        )
    )
    conn.execute(text("DELETE FROM pay_sel"))
    filters = "c.status IN :statuses AND f.ownership = 'contracted'" + where
    if province_id is not None:
        filters += " AND c.province_id = :province"
    order = "ORDER BY c.submitted_at, c.id"
    statement = text(
        "INSERT INTO pay_sel (seq, claim_id, facility_id, insurer, advance, due)"
        " SELECT seq, claim_id, facility_id, insurer, advance, due FROM ("
        "  SELECT c.id AS claim_id, c.facility_id AS facility_id, c.insurer_rials AS insurer,"
        f"  c.advance_rials AS advance, {due} AS due, ROW_NUMBER() OVER ({order}) AS seq,"
        f"  SUM(CASE WHEN {due} > 0 THEN {due} ELSE 0 END)"
        f"   OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS spent"
        f"  FROM claims c JOIN facilities f ON f.id = c.facility_id WHERE {filters}"
        ") ranked WHERE spent <= :budget" + (" AND due > 0" if paid_only else "")
    ).bindparams(bindparam("statuses", expanding=True))
    conn.execute(
        statement,
        {
            "statuses": list(statuses),
            "province": province_id,
            "budget": min(budget, _MAX_BUDGET),
            **(params or {}),
        },
    )
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE pay_sel"))
    count, paid = conn.execute(
        text(f"SELECT COUNT(*), COALESCE(SUM({_POSITIVE_DUE}), 0) FROM pay_sel")
    ).one()
    return int(count), int(paid)


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
        at=paid_at,
    )
    if repeated:
        return _result(run, repeated=True)
    count, paid = _choose(
        session,
        due="c.insurer_rials - c.advance_rials",
        statuses=(ClaimStatus.APPROVED.value,),
        province_id=province_id,
        budget=budget_rials,
        where="" if submitted_before is None else " AND c.submitted_on < :before",
        params={"before": submitted_before},
    )
    conn = session.connection()
    conn.execute(
        text(
            "INSERT INTO payments (run_id, claim_id, facility_id, kind, amount_rials)"
            f" SELECT :run, claim_id, facility_id, :kind, {_POSITIVE_DUE} FROM pay_sel"
            " ORDER BY seq"
        ),
        {"run": run.id, "kind": FINAL},
    )
    # per claim: the payable it settles, the advance it clears, the bank transfer, and
    # what the provider owes back when the advance was larger than the final amount
    _ledger(
        session,
        run.id,
        [
            ("claims_payable", "insurer", "0"),
            ("advances", "0", "advance"),
            ("bank", "0", _POSITIVE_DUE),
            ("receivable", "CASE WHEN due < 0 THEN -due ELSE 0 END", "0"),
        ],
    )
    conn.execute(
        text(
            "UPDATE claims SET status = :status, paid_at = :at,"
            " paid_rials = t.advance + CASE WHEN t.due > 0 THEN t.due ELSE 0 END"
            " FROM pay_sel t WHERE claims.id = t.claim_id"
        ),
        {"status": ClaimStatus.PAID.value, "at": run.created_at},
    )
    _finish(session, who, run, count, paid)
    if paid >= budget_rials:
        return _result(run, repeated=False)
    return _explained(
        _result(run, repeated=False),
        _shortfall(session, province_id=province_id, submitted_before=submitted_before),
    )


@dataclass(frozen=True)
class _Queue:
    """What is left in a final run's scope once it has paid."""

    next_document: str | None
    next_due: int | None
    waiting_review: int
    waiting_adjudication: int


def _shortfall(
    session: Session, *, province_id: int | None, submitted_before: dt.date | None
) -> _Queue:
    """The first approved claim the run left unpaid, and how many claims of its scope are
    held in review or not yet adjudicated (claims of contracted centres only, as paid)."""

    def scoped(query: Any) -> Any:  # a select of any columns, narrowed to the run's scope
        query = query.join(Facility, Facility.id == Claim.facility_id).where(
            Facility.ownership == "contracted"
        )
        if province_id is not None:
            query = query.where(Claim.province_id == province_id)
        if submitted_before is not None:
            query = query.where(Claim.submitted_on < submitted_before)
        return query

    first = session.execute(
        scoped(
            select(Claim.document_number, Claim.insurer_rials - Claim.advance_rials)
            .where(Claim.status == ClaimStatus.APPROVED.value)
            .order_by(Claim.submitted_at, Claim.id)
            .limit(1)
        )
    ).first()

    def count(*statuses: ClaimStatus) -> int:
        query = select(func.count(Claim.id)).where(Claim.status.in_([s.value for s in statuses]))
        return int(session.scalar(scoped(query)) or 0)

    return _Queue(
        next_document=None if first is None else str(first[0]),
        next_due=None if first is None else int(first[1]),
        waiting_review=count(ClaimStatus.IN_REVIEW, ClaimStatus.REVIEWED),
        waiting_adjudication=count(ClaimStatus.SUBMITTED, ClaimStatus.ADJUDICATED),
    )


def _explained(result: RunResult, queue: _Queue) -> RunResult:
    """``result`` with why it paid less than its budget, in Persian."""
    left = result.budget_rials - result.paid_rials
    held = []
    if queue.waiting_review:
        held.append(f"{format_number(queue.waiting_review)} سند در بررسی پزشکی یا تأیید")
    if queue.waiting_adjudication:
        held.append(f"{format_number(queue.waiting_adjudication)} سند در انتظار رسیدگی")
    waiting = f"؛ {' و '.join(held)} است و پس از تأیید پرداخت می‌شود" if held else ""
    if queue.next_due is not None:
        why = "budget_reached"
        said = (
            f"بودجه به سند بعدی صف نرسید: سند {queue.next_document} "
            f"{format_rials(queue.next_due)} است و از مانده‌ی بودجه ({format_rials(left)}) "
            "بیشتر؛ اسناد جوان‌تر از آن پرداخت نشد تا نوبت صف به هم نخورد"
        )
    else:
        why = "queue_empty"
        said = "سند تأییدشده‌ی دیگری در این گستره نمانده است"
    return replace(
        result,
        why=why,
        why_fa=said + waiting,
        next_claim_rials=queue.next_due,
        waiting_review=queue.waiting_review,
        waiting_adjudication=queue.waiting_adjudication,
    )


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
    # whole rials, rounded down; split so that asked * share cannot overflow BIGINT
    share = "CAST(:share AS BIGINT)"
    count, paid = _choose(
        session,
        due=f"(c.asked_rials / 100 * {share} + c.asked_rials % 100 * {share} / 100)",
        statuses=tuple(s.value for s in _UNPAID_BEFORE_REVIEW),
        province_id=province_id,
        budget=budget_rials,
        where=" AND c.submitted_on <= :cutoff AND c.advance_rials = 0",
        params={"cutoff": cutoff, "share": share_percent},
        paid_only=True,
    )
    conn = session.connection()
    conn.execute(
        text(
            "INSERT INTO payments (run_id, claim_id, facility_id, kind, amount_rials)"
            " SELECT :run, claim_id, facility_id, :kind, due FROM pay_sel ORDER BY seq"
        ),
        {"run": run.id, "kind": ADVANCE},
    )
    _ledger(session, run.id, [("advances", "due", "0"), ("bank", "0", "due")])
    conn.execute(
        text("UPDATE claims SET advance_rials = t.due FROM pay_sel t WHERE claims.id = t.claim_id")
    )
    _finish(session, who, run, count, paid)
    if paid >= budget_rials:
        return _result(run, repeated=False)
    return _advance_explained(
        _result(run, repeated=False),
        _advance_shortfall(
            session, province_id=province_id, cutoff=cutoff, share_percent=share_percent
        ),
        min_wait_days=min_wait_days,
    )


@dataclass(frozen=True)
class _AdvanceQueue:
    """What an advance run left in its scope: the first claim it could have advanced and
    did not, and the unadvanced claims too young to be advanced yet."""

    next_document: str | None
    next_due: int | None
    too_young: int


def _advance_shortfall(
    session: Session, *, province_id: int | None, cutoff: dt.date, share_percent: int
) -> _AdvanceQueue:
    """Claims of contracted centres in the run's scope, not advanced and not yet reviewed,
    as the run chose them (oldest first)."""

    def scoped(query: Any) -> Any:  # a select of any columns, narrowed to the run's scope
        query = (
            query.join(Facility, Facility.id == Claim.facility_id)
            .where(Facility.ownership == "contracted")
            .where(Claim.status.in_([s.value for s in _UNPAID_BEFORE_REVIEW]))
            .where(Claim.advance_rials == 0, Claim.asked_rials > 0)
        )
        if province_id is not None:
            query = query.where(Claim.province_id == province_id)
        return query

    first = session.execute(
        scoped(select(Claim.document_number, Claim.asked_rials))
        .where(Claim.submitted_on <= cutoff)
        .order_by(Claim.submitted_at, Claim.id)
        .limit(1)
    ).first()
    young = session.scalar(scoped(select(func.count(Claim.id))).where(Claim.submitted_on > cutoff))
    return _AdvanceQueue(
        next_document=None if first is None else str(first[0]),
        # as the run computes it: whole rials of the share, rounded down
        next_due=None if first is None else int(first[1]) * share_percent // 100,
        too_young=int(young or 0),
    )


def _advance_explained(result: RunResult, queue: _AdvanceQueue, *, min_wait_days: int) -> RunResult:
    """``result`` with why an advance run paid less than its budget, in Persian."""
    left = result.budget_rials - result.paid_rials
    if queue.next_due is not None:
        why = "budget_reached"
        said = (
            f"بودجه به سند بعدی صف نرسید: پیش‌پرداخت سند {queue.next_document} "
            f"{format_rials(queue.next_due)} است و از مانده‌ی بودجه ({format_rials(left)}) "
            "بیشتر؛ اسناد جوان‌تر از آن پیش‌پرداخت نگرفتند تا نوبت صف به هم نخورد"
        )
    else:
        why = "queue_empty"
        said = (
            f"سند دیگری در این گستره نیست که بیش از {format_number(min_wait_days)} روز "
            "در انتظار مانده و پیش‌پرداخت نگرفته باشد"
        )
    if queue.too_young:
        said += (
            f"؛ {format_number(queue.too_young)} سند هنوز کمتر از "
            f"{format_number(min_wait_days)} روز در صف است"
        )
    return replace(result, why=why, why_fa=said, next_claim_rials=queue.next_due)


def _ledger(session: Session, run_id: int, entries: list[tuple[str, str, str]]) -> None:
    """One ledger entry per chosen claim and account (debit, credit as SQL over ``pay_sel``),
    leaving out entries that are zero on both sides; grouped by claim in queue order."""
    legs = " UNION ALL ".join(
        f"SELECT seq, claim_id, facility_id, {k} AS leg, '{account}' AS account,"
        f" {debit} AS debit, {credit} AS credit FROM pay_sel"
        for k, (account, debit, credit) in enumerate(entries)
    )
    session.connection().execute(
        text(
            "INSERT INTO ledger_entries"
            " (run_id, claim_id, facility_id, account, debit_rials, credit_rials)"
            " SELECT :run, claim_id, facility_id, account, debit, credit"
            f" FROM ({legs}) legs WHERE debit <> 0 OR credit <> 0 ORDER BY seq, leg"
        ),
        {"run": run_id},
    )


def _finish(session: Session, who: Principal, run: PaymentRun, count: int, paid: int) -> None:
    session.connection().execute(text("DELETE FROM pay_sel"))
    run.claims_paid = count
    run.paid_rials = paid
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
