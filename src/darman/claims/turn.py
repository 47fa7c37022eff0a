"""Whose turn it is to adjudicate: one batch at a time across every process and machine.

The kernel's rules that look at other lines (frequency, duplicates, the units left on a
dispensed e-prescription) read the lines decided before as history. Two batches decided
side by side would each miss the other's lines: a duplicate sent to two adjudicators at
once would be paid twice. So batches never overlap; several adjudicators give a standby
that takes over at once, not parallel batches.

PostgreSQL: a transaction-scoped advisory lock, released by the batch's commit or
rollback (a process that dies drops it with its connection). SQLite: a unit that may
write already holds the database's write lock from its ``BEGIN IMMEDIATE``, so a second
adjudicator cannot even begin until the first has committed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# beside the audit chain's 7262001 and payment runs' 7262002
ADJUDICATION_LOCK = 7262003


def take(session: Session, *, wait: bool = True) -> bool:
    """Take the adjudication turn for the session's transaction; with ``wait=False`` answer
    False at once when another transaction holds it. Taking it again is a no-op."""
    if session.get_bind().dialect.name != "postgresql":
        # a session begins lazily: begin now, so the write lock is held from here on
        session.connection()
        return True
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADJUDICATION_LOCK})
        return True
    got = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADJUDICATION_LOCK}
    ).scalar_one()
    return bool(got)
