"""Bulk loading of rows: COPY on PostgreSQL, executemany on SQLite, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import gc
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from pyarrow import csv as pa_csv
from sqlalchemy import Connection, Select, Table, text

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


def read_arrow(conn: Connection, query: Select[Any], schema: pa.Schema) -> pa.Table:
    """The rows of ``query`` as an Arrow table of ``schema`` (columns by position), read on the
    caller's connection and transaction, so it sees the caller's uncommitted writes (flush the
    session first). PostgreSQL streams ``COPY (SELECT ...) TO STDOUT`` as CSV into Arrow's
    CSV reader; SQLite fetches tuples from the driver's cursor in batches, each made one Arrow
    struct array, and dates (stored as ISO text) and booleans (0/1) are cast by Arrow, not
    per value in Python.
    """
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        return _pg_read(raw, sql, schema)
    # each batch of tuples straight into Arrow as one struct array (no Python loop per value)
    row_type = pa.struct([(f.name, _sqlite_type(f.type)) for f in schema])
    batches: list[pa.Array] = []
    cursor = raw.cursor()  # type: ignore[union-attr]
    with _collector_paused():
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            batches.append(pa.array(rows, type=row_type))
    cursor.close()
    columns = pa.chunked_array(batches, type=row_type).flatten()
    return pa.table(
        [
            column if column.type == field.type else column.cast(field.type)
            for column, field in zip(columns, schema, strict=True)
        ],
        schema=schema,
    )


def _sqlite_type(kind: pa.DataType) -> pa.DataType:
    # SQLite gives dates as ISO text and booleans as 0/1: read as such, cast by Arrow after
    if pa.types.is_date(kind):
        return pa.string()
    if pa.types.is_boolean(kind):
        return pa.int64()
    return kind


# Reads running at once in a server's threads share one pause: the first turns the
# collector off, the last puts it back as the first found it.
_pause_lock = threading.Lock()
_pausers = 0
_was_on = True


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off while a read makes millions of short-lived tuples: each
    batch is freed as soon as Arrow has it, yet the tuples' allocations would trigger
    collections that walk every object the process holds (half the read's time, measured).
    Back as it was once the last read running ends."""
    global _pausers, _was_on
    with _pause_lock:
        if _pausers == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausers -= 1
            if _pausers == 0 and _was_on:
                gc.enable()


def _pg_read(raw: object, sql: str, schema: pa.Schema) -> pa.Table:
    cursor = raw.cursor()  # type: ignore[attr-defined]
    chunks: list[bytes] = []
    with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for data in copy:
            chunks.append(bytes(data))
    cursor.close()
    data = b"".join(chunks)
    if not data:
        return schema.empty_table()
    encoding = raw.info.encoding  # type: ignore[attr-defined]
    if encoding.replace("-", "").lower() != "utf8":
        data = data.decode(encoding).encode()
    return pa_csv.read_csv(
        pa.py_buffer(data),
        read_options=pa_csv.ReadOptions(column_names=schema.names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=schema,
            # COPY writes NULL unquoted and an empty string as "": keep them apart
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def load_arrow(conn: Connection, table: str, data: pa.Table) -> int:
    """Insert an Arrow table into ``table`` (same column names) in the caller's transaction:
    COPY of Arrow-written CSV on PostgreSQL, executemany on SQLite."""
    if data.num_rows == 0:
        return 0
    cols = ", ".join(data.column_names)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = raw.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, data.num_rows, CHUNK * 4):
                out = io.BytesIO()
                pa_csv.write_csv(
                    data.slice(start, CHUNK * 4),
                    out,
                    pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
                )
                copy.write(out.getvalue())
        cursor.close()
        return data.num_rows
    columns = []
    for column in data.columns:
        if pa.types.is_date(column.type):
            column = column.cast(pa.string())
        columns.append(column.to_pylist())
    marks = ", ".join("?" for _ in data.column_names)
    cursor = raw.cursor()  # type: ignore[union-attr]
    cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", zip(*columns, strict=True))
    cursor.close()
    return data.num_rows


def reserve_ids(conn: Connection, table: str, count: int) -> list[int]:
    """Ids for ``count`` new rows of ``table``, to be inserted explicitly in this transaction.

    PostgreSQL: drawn from the table's id sequence in one round trip, so they are never
    handed out twice. SQLite: the ids above the largest one stored. No other writer can
    take them before this transaction ends: SQLite lets a transaction write only if no
    other one committed since it began reading (otherwise the write fails as busy), and
    then holds the database's single write lock until it ends.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": count},
            ).scalars()
        )
    top = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    return list(range(top + 1, top + 1 + count))


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> int:
    """Insert ``rows`` into a mapped table, each value converted by its column's type exactly as
    the ORM would store it (dates and timestamps on SQLite, for one), without the ORM's cost
    per row: COPY on PostgreSQL, executemany on SQLite, in the caller's transaction.

    Defaults the model sets in Python are not applied: give every column that has one.
    """
    if not rows:
        return 0
    converters = [
        (i, proc)
        for i, name in enumerate(columns)
        if (proc := table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
        is not None
    ]
    if converters:
        # Column by column, and each distinct value once: a batch repeats few dates and
        # one timestamp.
        by_column: list[Sequence[object]] = list(zip(*rows, strict=True))
        for i, proc in converters:
            memo: dict[object, object] = {None: None}
            by_column[i] = [
                memo[v] if v in memo else memo.setdefault(v, proc(v)) for v in by_column[i]
            ]
        rows = list(zip(*by_column, strict=True))
    cols = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    marks = ", ".join("?" for _ in columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", rows)
    return len(rows)
