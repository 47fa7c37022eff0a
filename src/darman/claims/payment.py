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

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.claims import shortfall
from darman.claims.enums import ClaimStatus
from darman.claims.models import LedgerEntry, PaymentRun
from darman.common.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from darman.common.jalali import tehran_today
from darman.db.base import utcnow
from darman.registry.models import Province
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
    why = shortfall.of_final_run(
        session,
        left=budget_rials - paid,
        province_id=province_id,
        submitted_before=submitted_before,
    )
    return _explained(_result(run, repeated=False), why)


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
    statuses = tuple(s.value for s in _UNPAID_BEFORE_REVIEW)
    # whole rials, rounded down; split so that asked * share cannot overflow BIGINT
    share = "CAST(:share AS BIGINT)"
    count, paid = _choose(
        session,
        due=f"(c.asked_rials / 100 * {share} + c.asked_rials % 100 * {share} / 100)",
        statuses=statuses,
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
    why = shortfall.of_advance_run(
        session,
        left=budget_rials - paid,
        statuses=statuses,
        province_id=province_id,
        cutoff=cutoff,
        share_percent=share_percent,
        min_wait_days=min_wait_days,
    )
    return _explained(_result(run, repeated=False), why)


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


def _explained(result: RunResult, why: shortfall.Shortfall) -> RunResult:
    """``result`` with why it paid less than its budget."""
    return replace(
        result,
        why=why.why,
        why_fa=why.why_fa,
        next_claim_rials=why.next_claim_rials,
        waiting_review=why.waiting_review,
        waiting_adjudication=why.waiting_adjudication,
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
