"""Recording and reading the audit log.

Each entry is sealed with a keyed hash (``chain.py``) over its own fields and the
previous entry's seal, so changing, deleting or reordering any past entry breaks the
chain from there on, and without the key nobody can re-seal the entries after a change
(``verification.py`` walks it).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from darman.audit import chain
from darman.audit.exceptions import AuditKeyMissing
from darman.audit.models import AuditEntry
from darman.db.base import utcnow
from darman.db.engine import AUDIT_KEY

GENESIS = chain.GENESIS

# Every change that moves money or a record writes one entry, often on a request's
# path while the SQLite write lock is held: the chain's tail is read and the entry
# written as Core statements (SQLAlchemy caches their compiled form), not through the
# ORM's unit of work (which cost more than the rest of issuing a prescription).
_ENTRIES = AuditEntry.__table__
assert isinstance(_ENTRIES, Table)
_LAST_ENTRY = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_INSERT_ENTRY = insert(_ENTRIES).returning(_ENTRIES.c.id)


def session_secret(session: Session) -> str:
    """The audit key the session carries (``make_session_factory(..., audit_key=)``);
    AuditKeyMissing without one."""
    secret = session.info.get(AUDIT_KEY)
    if not isinstance(secret, str):
        raise AuditKeyMissing(
            "the audit log cannot be sealed or verified without its key: set DARMAN_AUDIT_KEY "
            "(docs/deploy.md) or run in demo mode (DARMAN_DEMO_MODE=1)"
        )
    return secret


def snapshot(obj: Any, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Column values of a mapped object, JSON-safe, for the before/after of an entry."""
    mapper = inspect(obj).mapper
    return {
        col.key: _json_safe(getattr(obj, col.key))
        for col in mapper.column_attrs
        if col.key not in exclude
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it lands or vanishes with the change),
    sealed with the session's audit key (AuditKeyMissing without one).
    The session's pending changes are flushed first; the entry returned holds what was
    stored (id, seq, hash) but is not attached to the session.

    On PostgreSQL a transaction-scoped advisory lock serialises writers so two
    transactions cannot both extend the chain from the same last entry; on
    SQLite the database-wide write lock does the same.
    """
    key = chain.entry_key(session_secret(session))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7262001)"))
    # the caller's pending changes first, as they would have been with the entry
    session.flush()
    last = session.execute(_LAST_ENTRY).first()
    fields: dict[str, Any] = {
        "seq": (last[0] + 1) if last else 1,
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": {k: _json_safe(v) for k, v in before.items()} if before is not None else None,
        "after": {k: _json_safe(v) for k, v in after.items()} if after is not None else None,
        "prev_hash": last[1] if last else GENESIS,
    }
    digest = chain.seal(key, chain.canonical(**fields))
    new_id = session.connection().execute(_INSERT_ENTRY, {**fields, "hash": digest}).scalar_one()
    return AuditEntry(id=new_id, **fields, hash=digest)


def list_entries(
    session: Session,
    *,
    entity: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    entity_id: str | None = None,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEntry], int]:
    """Entries newest first, with how many match: each filter given narrows to entries
    with exactly that ``entity``, ``actor``, ``action`` or ``entity_id``, written at or
    after ``since`` and before ``before`` (aware datetimes)."""
    conditions = [
        column == value
        for column, value in (
            (AuditEntry.entity, entity),
            (AuditEntry.actor, actor),
            (AuditEntry.action, action),
            (AuditEntry.entity_id, entity_id),
        )
        if value
    ]
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if before is not None:
        conditions.append(AuditEntry.at < before)
    query = select(AuditEntry).where(*conditions)
    count = select(func.count()).select_from(AuditEntry).where(*conditions)
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)).all()
    return list(rows), int(session.scalar(count) or 0)


def get_entry(session: Session, *, seq: int) -> AuditEntry | None:
    """The entry numbered ``seq``, or None when the log has none."""
    return session.scalar(select(AuditEntry).where(AuditEntry.seq == seq))
