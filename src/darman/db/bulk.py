"""Bulk loading of rows: COPY on PostgreSQL, executemany on SQLite, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, text

CHUNK = 50_000


def _sqlite_value(value: object) -> object:
    # SQLAlchemy stores dates on SQLite as ISO text; write them the same way.
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[object, ...]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``rows`` into ``table`` on the caller's connection and transaction."""
    cols = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for start in range(0, len(rows), CHUNK):
                for row in rows[start : start + CHUNK]:
                    copy.write_row(row)
                if progress:
                    progress(len(rows[start : start + CHUNK]))
        return len(rows)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
    raw = conn.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        cursor.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in chunk])
        if progress:
            progress(len(chunk))
    return len(rows)


def reset_sequences(conn: Connection, tables: Sequence[str]) -> None:
    """After explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )
