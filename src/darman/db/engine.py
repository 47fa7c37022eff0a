"""Engine construction for SQLite (embedded, WAL) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from darman.db import sqlite_lock

# The execution option of a read-only engine (``read_only``). On SQLite its transactions
# begin DEFERRED without the write lock, so readers run beside the writer (WAL); on
# both databases a write inside one is refused.
READ_ONLY = "darman_read_only"


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> Engine:
    """Build the engine; for a SQLite file, create its folder and turn on WAL and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per request thread (the server runs up to 40 at once), so
        # requests waiting for the write lock do not also exhaust the pool.
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": 30}, pool_size=pool_size or 40,
            max_overflow=10,
        )  # fmt: skip

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # The default 2 MiB page cache makes bulk writes of a million rows grow
            # faster than linearly (index pages evicted between statements).
            cur.execute("PRAGMA cache_size=-131072")
            cur.close()
            # pysqlite would otherwise begin transactions lazily (and not before a
            # SAVEPOINT), so releasing a savepoint could commit the whole unit of
            # work. SQLAlchemy emits BEGIN itself instead.
            dbapi_conn.isolation_level = None

        # IMMEDIATE takes the write lock at the start. A deferred transaction that read
        # first and then writes is refused at once ("database is locked") when another
        # writer committed in between, and the busy timeout does not help it; taken up
        # front, the lock is waited for instead. The price: units of work on one SQLite
        # file run one at a time (PostgreSQL is the database for concurrent load).
        # Before BEGIN IMMEDIATE, writers queue in arrival order on this file's lock
        # (sqlite_lock.py) instead of sleeping in SQLite's busy handler; the lock is let
        # go once COMMIT or ROLLBACK has run (the dialect's own calls, since the engine
        # events fire before them).
        if path and path != ":memory:":
            _queue_writers(engine, sqlite_lock.for_file(path))
        else:

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn: Any) -> None:
                if not _begin(conn):
                    _begin_immediate(conn)

        return engine
    sized = {} if pool_size is None else {"pool_size": pool_size}
    return create_engine(url, echo=echo, pool_pre_ping=True, **sized)


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for units of work that only read: on SQLite they take
    no write lock and do not wait for the writer; a write in one fails loudly (SQLite's
    ``query_only``, PostgreSQL's READ ONLY transaction) instead of racing the writers."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True, "postgresql_readonly": True})
    return engine.execution_options(**{READ_ONLY: True})


def _begin(conn: Any) -> bool:
    """BEGIN on a SQLite connection: DEFERRED and ``PRAGMA query_only`` for a read-only
    one, else IMMEDIATE (the pragma is set or cleared before BEGIN, where it takes
    effect, and on every BEGIN, so no path back to the pool leaves a writer refused).
    True when the transaction is read-only.

    These run on the driver's connection, not through SQLAlchemy's execution (events,
    result handling), which cost more than SQLite's BEGIN on every unit of work."""
    wanted = bool(conn.get_execution_options().get(READ_ONLY))
    raw = _raw(conn.connection)
    if conn.info.get("query_only", False) != wanted:
        raw.execute(f"PRAGMA query_only = {'ON' if wanted else 'OFF'}")
        conn.info["query_only"] = wanted
    if wanted:
        raw.execute("BEGIN")
    return wanted


def _begin_immediate(conn: Any) -> None:
    _raw(conn.connection).execute("BEGIN IMMEDIATE")


def _raw(connection: Any) -> Any:
    return getattr(connection, "dbapi_connection", connection)


def _queue_writers(engine: Engine, lock: sqlite_lock.FileWriteLock) -> None:
    dialect = engine.dialect
    commit, rollback, close = dialect.do_commit, dialect.do_rollback, dialect.do_close

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        if _begin(conn):
            return
        raw = _raw(conn.connection)
        lock.acquire(raw)
        try:
            _begin_immediate(conn)
        except BaseException:
            lock.release(raw)
            raise

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            lock.release(_raw(dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            lock.release(_raw(dbapi_connection))

    def do_close(dbapi_connection: Any) -> None:
        try:
            close(dbapi_connection)
        finally:
            lock.release(_raw(dbapi_connection))

    # on this engine's dialect instance only
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_close = do_close  # type: ignore[method-assign]


def make_session_factory(engine: Engine, *, reads_only: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``reads_only``, on its ``read_only`` twin."""
    bind = read_only(engine) if reads_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
