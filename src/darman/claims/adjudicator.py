"""The background adjudicator: submitted claims are decided in batches every few seconds,
without anyone running a command (``darman worker``).

Each round looks for pending claims in a read-only unit (no lock, nothing written when
there is nothing to do), then, in a writing unit, asks for the adjudication turn without
waiting (``turn.take``): a second adjudicator, on this machine or another, finds the turn
taken and tries again next round, so batches never overlap and no claim is decided twice.
The batch is the oldest ``batch_claims`` submitted claims, decided by the same kernel and
written back with its audit entry in one transaction (``service.adjudicate_pending``): a
process stopped or killed mid-batch leaves every claim of the batch pending, never half
decided. When a batch was full the next starts after a short pause, otherwise after
``every`` seconds, so under load a batch takes everything that came while the last ran.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from darman.claims import decisions, service, turn
from darman.claims.enums import ClaimStatus
from darman.claims.models import Claim
from darman.db.base import utcnow
from darman.db.uow import UnitOfWork

DEFAULT_EVERY_S = 2.0
DEFAULT_BATCH_CLAIMS = 5_000
# After a full batch the next one starts after this pause, not at once: on SQLite a batch
# holds the database's write lock, and a writer waiting for it (a submission) retries in
# SQLite's busy handler every 100 ms at most, so back-to-back batches would starve it.
PAUSE_AFTER_FULL_S = 0.2

_OLDEST_PENDING = select(func.min(Claim.submitted_at)).where(
    Claim.status == ClaimStatus.SUBMITTED.value
)


@dataclass(frozen=True)
class Batch:
    """One committed batch: what was decided, how long it took, and how long the claim that
    had waited longest took from its submission to its decision."""

    run: decisions.AdjudicationRun
    seconds: float
    oldest_waited_s: float


def oldest_pending(session: Session) -> dt.datetime | None:
    """When the longest-waiting submitted claim was submitted; None when none waits."""
    return session.scalar(_OLDEST_PENDING)


def decide_batch(
    session: Session,
    *,
    actor: str,
    referrals: Select[str, str, dt.date, dt.date],
    batch_claims: int = DEFAULT_BATCH_CLAIMS,
) -> decisions.AdjudicationRun | None:
    """Decide the oldest ``batch_claims`` submitted claims if the adjudication turn is free;
    None when another adjudicator holds it. The caller commits (which releases the turn)."""
    if not turn.take(session, wait=False):
        return None
    return service.adjudicate_pending(session, actor=actor, referrals=referrals, limit=batch_claims)


def run(
    writes: sessionmaker[Session],
    reads: sessionmaker[Session],
    *,
    actor: str,
    referrals: Callable[[], Select[str, str, dt.date, dt.date]],
    stop: threading.Event,
    every_s: float = DEFAULT_EVERY_S,
    batch_claims: int = DEFAULT_BATCH_CLAIMS,
    on_batch: Callable[[Batch], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> int:
    """Decide batches until ``stop`` is set; a batch under way when it is set is finished
    and committed first. Returns the number of claims decided.

    ``referrals`` builds the referral register's select (see ``adjudicate_pending``). A
    database that cannot be reached or is locked is reported through ``on_retry`` and
    tried again next round; any other error ends the loop with the batch rolled back."""
    decided = 0
    while not stop.is_set():
        full = False
        try:
            with UnitOfWork(reads) as look:
                since = oldest_pending(look.session)
            if since is not None:
                started = time.perf_counter()
                with UnitOfWork(writes) as uow:
                    result = decide_batch(
                        uow.session, actor=actor, referrals=referrals(), batch_claims=batch_claims
                    )
                    uow.commit()
                if result is not None and result.claims:
                    decided += result.claims
                    full = result.claims >= batch_claims
                    if on_batch is not None:
                        waited = (utcnow() - since).total_seconds()
                        on_batch(Batch(result, time.perf_counter() - started, waited))
        except OperationalError as exc:
            if on_retry is not None:
                on_retry(str(exc.orig or exc).strip().splitlines()[0])
        stop.wait(min(every_s, PAUSE_AFTER_FULL_S) if full else every_s)
    return decided
