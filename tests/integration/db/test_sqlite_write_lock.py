"""SQLite writers queue for the file's write lock in arrival order, across threads and
processes, and the lock is let go by commit, rollback and a closed connection."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from darman.db import sqlite_lock
from darman.db.engine import make_engine
from darman.db.sqlite_lock import FifoLock


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    lock = FifoLock()
    assert lock.acquire(1)
    order: list[int] = []
    threads = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: lock.acquire(5) and order.append(i))
        t.start()
        threads.append(t)
        time.sleep(0.02)  # thread i is queued before thread i + 1 asks
    for _ in range(5):
        lock.release()
        time.sleep(0.02)
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_waiter_gives_up_after_its_timeout_and_leaves_the_queue() -> None:
    lock = FifoLock()
    assert lock.acquire(1)
    assert not lock.acquire(0.05)
    lock.release()
    assert lock.acquire(0.05)  # nobody is left queued ahead


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def test_concurrent_writers_all_commit_one_at_a_time(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    inside = [0]
    overlapped = []

    def writer(n: int) -> None:
        with engine.begin() as conn:
            inside[0] += 1
            overlapped.append(inside[0] > 1)
            conn.execute(text("SELECT count(*) FROM t")).scalar()
            time.sleep(0.005)  # another writer would commit here if it could
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            inside[0] -= 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 20
    assert not any(overlapped)
    engine.dispose()


def test_rollback_and_a_closed_connection_let_the_lock_go(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    conn = engine.connect()
    conn.execute(text("INSERT INTO t VALUES (1)"))
    conn.rollback()
    conn.execute(text("INSERT INTO t VALUES (2)"))
    conn.close()  # returned to the pool mid-transaction: rolled back, lock released
    with engine.begin() as other:
        other.execute(text("INSERT INTO t VALUES (3)"))
    with engine.connect() as check:
        assert check.execute(text("SELECT n FROM t")).scalars().all() == [3]
    engine.dispose()


def _hold(url: str, ready: Any, seconds: float) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (100)"))
        ready.set()
        time.sleep(seconds)
    engine.dispose()


def test_another_process_waits_for_the_lock_and_then_writes(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold, args=(str(engine.url), ready, 0.5))
    holder.start()
    assert ready.wait(30)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    waited = time.perf_counter() - t0
    holder.join(30)
    assert 0.2 < waited < 5
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 100]
    engine.dispose()


def test_one_lock_serves_every_engine_on_the_same_file(tmp_path: Path) -> None:
    path = str(tmp_path / "same.db")
    assert sqlite_lock.for_file(path) is sqlite_lock.for_file(str(tmp_path / "." / "same.db"))
