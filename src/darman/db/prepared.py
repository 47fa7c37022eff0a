"""Core statements compiled once per database and run straight on the driver's cursor.

For the few reads on the path of every API request (finding the caller, the facts of
an e-prescription check): SQLAlchemy's execution machinery (events, the compiled cache
lookup, result metadata, a Row per row) cost several times what SQLite took to answer
these one-row, indexed queries. Here the statement is compiled to the driver's SQL the
first time it runs on a database, the same bind and result conversions SQLAlchemy would
apply are looked up once, and each run is one ``cursor.execute`` and a ``fetchall``.
Rows come back as plain tuples in the statement's column order.

Only plain selects with named bind parameters (no expanding ``IN``) are supported. The
connection's transaction is begun first when it has none, so the engine's BEGIN rules
(read-only, write lock) apply as for any other statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # bind names, in order for a positional driver
    positional: bool
    defaults: dict[str, Any]  # values the statement carries itself (literals)
    required: frozenset[str]  # binds without a value of their own: the caller gives them
    binds: dict[str, Processor]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, conversion)


class Prepared:
    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, conn: Connection) -> _Compiled:
        dialect = conn.dialect
        compiled = self.statement.compile(dialect=dialect)
        binds: dict[str, Processor] = {}
        for name, bind in compiled.binds.items():
            if bind.expanding:
                raise TypeError(f"expanding bind parameter {name!r}: not supported here")
            binds[name] = bind.type._cached_bind_processor(dialect)
        results = []
        for i, column in enumerate(self.statement.selected_columns):
            proc = column.type._cached_result_processor(dialect, None)
            if proc is not None:
                results.append((i, proc))
        names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(binds)
        made = _Compiled(
            sql=compiled.string,
            names=names,
            positional=bool(dialect.positional),
            defaults={n: v for n, v in compiled.params.items() if v is not None},
            binds=binds,
            results=tuple(results),
            required=frozenset(n for n, b in compiled.binds.items() if b.required),
        )
        self._by_dialect[(dialect.name, dialect.driver)] = made
        return made

    def rows(self, on: Connection | Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        conn = on.connection() if isinstance(on, Session) else on
        c = self._by_dialect.get((conn.dialect.name, conn.dialect.driver)) or self._compile(conn)
        missing = c.required.difference(params)
        if missing:
            raise KeyError(f"no value for bind parameter(s) {', '.join(sorted(missing))}")
        if not conn.in_transaction():
            conn.begin()
        values: dict[str, Any] = {}
        for name, proc in c.binds.items():
            value = params[name] if name in params else c.defaults.get(name)
            values[name] = proc(value) if proc is not None and value is not None else value
        cursor = conn.connection.cursor()
        try:
            if c.positional:
                cursor.execute(c.sql, tuple(values[n] for n in c.names))
            else:
                cursor.execute(c.sql, values)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        if not c.results:
            return [tuple(r) for r in fetched]
        out = []
        for r in fetched:
            row = list(r)
            for i, proc in c.results:
                row[i] = proc(row[i])
            out.append(tuple(row))
        return out

    def first(self, on: Connection | Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(on, params)
        return found[0] if found else None
