"""Append-only audit log, each entry sealed with a keyed hash chained to the one before."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class AuditEntry(Base):
    """One recorded change. ``hash`` seals every other field and the previous entry's
    ``hash`` (``chain.py``). On PostgreSQL a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditUnkeyedPrefix(Base):
    """The entries an earlier release sealed without a key: entries 1 to ``entries``,
    the last sealed ``head_hash``. Written once, by the upgrade that keyed the chain, only
    when the log already held entries; a database begun keyed has no row, and every entry
    must then carry a keyed seal. On PostgreSQL a trigger refuses any later INSERT,
    UPDATE or DELETE; elsewhere a changed row is caught by a checkpoint, which records it."""

    __tablename__ = "audit_unkeyed_prefix"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entries: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
