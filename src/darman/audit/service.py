"""Recording and verifying the hash-chained audit log.

Each entry's hash covers its own fields and the previous entry's hash, so
changing, deleting or reordering any past entry breaks the chain from there on.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from darman.audit.models import AuditEntry
from darman.db.base import utcnow

GENESIS = "0" * 64

# Every change that moves money or a record writes one entry, often on a request's
# path while the SQLite write lock is held: the chain's tail is read and the entry
# written as Core statements (SQLAlchemy caches their compiled form), not through the
# ORM's unit of work (which cost more than the rest of issuing a prescription).
_ENTRIES = AuditEntry.__table__
assert isinstance(_ENTRIES, Table)
_LAST_ENTRY = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_INSERT_ENTRY = insert(_ENTRIES).returning(_ENTRIES.c.id)


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


def _digest(
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    """Append one entry in the caller's transaction (it lands or vanishes with the change).
    The session's pending changes are flushed first; the entry returned holds what was
    stored (id, seq, hash) but is not attached to the session.

    On PostgreSQL a transaction-scoped advisory lock serialises writers so two
    transactions cannot both extend the chain from the same last entry; on
    SQLite the database-wide write lock does the same.
    """
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
    digest = _digest(**fields)
    new_id = session.connection().execute(_INSERT_ENTRY, {**fields, "hash": digest}).scalar_one()
    return AuditEntry(id=new_id, **fields, hash=digest)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session, *, batch: int = 5000) -> VerifyReport:
    """Walk the chain in order; report the first altered, missing or reordered entry."""
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return VerifyReport(
                    checked, ChainProblem(expected_seq, f"entry {expected_seq} is missing")
                )
            if entry.prev_hash != prev_hash:
                return VerifyReport(
                    checked,
                    ChainProblem(entry.seq, "its link to the previous entry does not match"),
                )
            recomputed = _digest(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                before=entry.before,
                after=entry.after,
                prev_hash=entry.prev_hash,
            )
            if recomputed != entry.hash:
                return VerifyReport(
                    checked, ChainProblem(entry.seq, "its content was altered after it was written")
                )
            prev_hash = entry.hash
            expected_seq += 1
            checked += 1
            last_seq = entry.seq
        session.expunge_all()
    return VerifyReport(checked, None)


def list_entries(
    session: Session, *, entity: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    count = select(func.count()).select_from(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
        count = count.where(AuditEntry.entity == entity)
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)).all()
    return list(rows), int(session.scalar(count) or 0)
