"""Engine construction for SQLite (embedded, WAL) and PostgreSQL.

One engine per process. Units of work that only read use its ``read_only`` twin: the
same engine and pool with an execution option that the SQLite ``begin`` hook reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

# The execution option of a read-only engine (``read_only``). On SQLite its transactions
# begin DEFERRED without the write lock, so readers run beside the writer (WAL); on
# both databases a write inside one is refused.
READ_ONLY = "darman_read_only"
# The ``Session.info`` entry holding the key that seals the audit log (settings'
# ``audit_secret``). It travels with the session, so every service that records an entry
# seals it without being handed the key; the database never holds it.
AUDIT_KEY = "darman_audit_key"
# How long a SQLite writer waits for the write lock before "database is locked". Write
# units are short (a request's changes, or a bulk batch of 1,000 records), so a waiter
# that has not got the lock in this time is behind something that is stuck.
SQLITE_BUSY_TIMEOUT_S = 30
# Requests run on the server's thread pool (40 threads), each holding at most one
# connection at a time. SQLite connections cost nothing, so there are as many as threads.
# A PostgreSQL connection is a server process, and the server allows about a hundred
# for everyone: 10 kept plus 10 more under load per server process is more than two
# cores can keep busy, and threads beyond that wait their turn in the pool.
SQLITE_POOL_SIZE = 40
POSTGRES_POOL_SIZE = 10


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> Engine:
    """Build the engine; for a SQLite file, create its folder and turn on WAL and foreign keys."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo, pool_size=pool_size or SQLITE_POOL_SIZE)
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=pool_size or POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_POOL_SIZE,
    )  # fmt: skip


def _sqlite_engine(url: str, *, echo: bool, pool_size: int) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, pool_size=pool_size,
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
        # SQLAlchemy's documented recipe for SQLite transactions: pysqlite would begin
        # lazily (and not before a SAVEPOINT), so releasing a savepoint could commit the
        # whole unit of work; with the driver's own handling off, the "begin" hook
        # below emits BEGIN.
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        # A unit that may write takes the write lock up front (IMMEDIATE): a deferred
        # transaction that read first and then writes is refused at once ("database is
        # locked") when another writer committed in between, and the busy timeout does
        # not help it. A read-only unit begins DEFERRED and never takes the lock; its
        # ``query_only`` makes a stray write fail loudly. The pragma is set or cleared on
        # every BEGIN (cached per pooled connection), so no connection goes back to the
        # pool refusing writes.
        reads_only = bool(conn.get_execution_options().get(READ_ONLY))
        if conn.info.get("query_only", False) != reads_only:
            conn.exec_driver_sql(f"PRAGMA query_only = {'ON' if reads_only else 'OFF'}")
            conn.info["query_only"] = reads_only
        conn.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")

    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for units of work that only read: on SQLite they take
    no write lock and do not wait for the writer; a write in one fails loudly (SQLite's
    ``query_only``, PostgreSQL's READ ONLY transaction) instead of racing the writers."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True, "postgresql_readonly": True})
    return engine.execution_options(**{READ_ONLY: True})


def make_session_factory(
    engine: Engine, *, audit_key: str | None, reads_only: bool = False
) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``reads_only``, on its ``read_only`` twin. Each
    session carries ``audit_key`` (``AUDIT_KEY`` in its ``info``); a session without one
    can read the audit log but neither write nor verify it."""
    bind = read_only(engine) if reads_only else engine
    info = {AUDIT_KEY: audit_key} if audit_key is not None else {}
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True, info=info)
