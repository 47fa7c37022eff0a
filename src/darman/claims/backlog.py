"""A whole backlog of submitted claims decided in bounded partitions, each in a transaction
of its own (``darman claims adjudicate``).

The backlog is cut by day of submission and province into partitions of at most
``max_lines`` pending lines (``service.plan_partitions``), decided in that order: memory
follows the partition, never the backlog, so a national year is the same loop run longer.
Each partition is read, decided, written back and audited in one transaction holding the
adjudication turn, then committed: a process killed mid-run leaves the partitions before
it decided and the rest pending, never a claim half decided, and running again picks up
exactly the claims still submitted. The partitions decided first are history for the
ones after them (duplicates, frequency, units left on a prescription), as earlier batches
are for a later one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Select
from sqlalchemy.orm import Session, sessionmaker

from darman.claims import decisions, service
from darman.common.persian import format_number
from darman.db.uow import UnitOfWork

# About 1.9 GB of peak resident memory for a partition this size (bench/RESULTS.md).
DEFAULT_PARTITION_LINES = 1_000_000


def adjudicate_backlog(
    factory: sessionmaker[Session],
    *,
    actor: str,
    referrals: Callable[[], Select[str, str, dt.date, dt.date]],
    max_lines: int = DEFAULT_PARTITION_LINES,
    progress: Callable[[str], None] | None = None,
) -> decisions.AdjudicationRun:
    """Decide every claim submitted when the run begins, partition by partition, committing
    each; returns the sums over the partitions. A claim submitted during the run is decided
    with the partition whose days and provinces it falls in if that one has not run yet,
    otherwise by the next run. ``referrals`` builds the referral register's select (see
    ``service.adjudicate_pending``). An error rolls back the partition under way and ends
    the run; the partitions committed before it stay decided."""
    say = progress or (lambda _msg: None)
    if max_lines < 1:
        raise ValueError("a partition holds at least one line")
    with UnitOfWork(factory) as look:
        plan = service.plan_partitions(look.session, max_lines=max_lines)
    totals = [0, 0, 0, 0, 0]
    for number, partition in enumerate(plan, start=1):
        say(
            f"بخش {format_number(number)} از {format_number(len(plan))}: "
            f"{format_number(partition.lines)} خط"
        )
        with UnitOfWork(factory) as uow:
            run = service.adjudicate_pending(
                uow.session, actor=actor, referrals=referrals(), partition=partition
            )
            uow.commit()
        for i, value in enumerate((run.claims, run.lines, run.accepted, run.partial, run.rejected)):
            totals[i] += value
    return decisions.AdjudicationRun(*totals)
