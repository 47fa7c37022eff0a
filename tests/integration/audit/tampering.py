"""Changing the audit tables as their owner could: on PostgreSQL the append-only triggers
are switched off for one transaction (the owner may; the product's role should not be
the owner, docs/deploy.md), on SQLite there are none to switch off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

_TRIGGERS = {
    "audit_log": "audit_log_append_only",
    "audit_unkeyed_prefix": "audit_unkeyed_prefix_fixed",
}


@contextmanager
def as_owner(engine: Engine) -> Iterator[Connection]:
    """One committed transaction in which the audit tables take any change."""
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            for table, trigger in _TRIGGERS.items():
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        yield conn
        if postgres:
            for table, trigger in _TRIGGERS.items():
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
