"""The write lock of one SQLite file, taken in arrival order before ``BEGIN IMMEDIATE``.

SQLite lets one transaction write at a time. A connection that finds the lock taken
is put to sleep by SQLite's busy handler in growing steps (1, 2, 5, 10 ... 100 ms)
and tries again, so under load a late arrival can take the lock ahead of one that has
been sleeping for seconds: that was the multi-second tail of the e-prescription
benchmark. Here waiters queue instead: threads of one process in a FIFO (the lock is
handed to the longest waiter on release), and processes serving the same file (more
than one server worker, a CLI batch) through ``flock`` on a sidecar file, which the
kernel hands over as soon as it is released, without polling. SQLite's own lock stays
underneath for any process that does not take this one.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections import deque
from typing import IO

# As long as SQLite's own busy timeout (engine.py): then the request fails as before.
WAIT_SECONDS = 30.0


class FifoLock:
    """A mutex whose waiters get it in the order they asked (``threading.Lock`` does not
    promise an order, and a thread that releases often takes it straight back)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:
                return True  # handed over between the timeout and here: it is ours
        return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # straight to the next; stays held
            else:
                self._held = False


class FileWriteLock:
    """The write lock of one database file for every thread and process that uses it."""

    def __init__(self, db_path: str) -> None:
        self._threads = FifoLock()
        self._path = db_path + "-writelock"
        self._file: IO[bytes] | None = None
        self._owner: int | None = None  # id of the DBAPI connection holding it

    def acquire(self, dbapi_connection: object) -> None:
        if not self._threads.acquire(WAIT_SECONDS):
            raise sqlite3.OperationalError(
                f"database is locked (no write lock after {WAIT_SECONDS:.0f} s)"
            )
        try:
            if self._file is None:
                self._file = open(self._path, "ab")  # noqa: SIM115 - kept open on purpose
            # blocks in the kernel without holding the GIL
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        self._owner = id(dbapi_connection)

    def release(self, dbapi_connection: object) -> None:
        """After the connection's COMMIT or ROLLBACK; a no-op for a connection that does
        not hold the lock (a rollback on return to the pool, a read-only close)."""
        if self._owner != id(dbapi_connection):
            return
        self._owner = None
        assert self._file is not None
        fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._threads.release()


_LOCKS: dict[str, FileWriteLock] = {}
_LOCKS_MUTEX = threading.Lock()


def for_file(path: str) -> FileWriteLock:
    """One lock per database file in this process, shared by every engine on it."""
    key = os.path.realpath(path)
    with _LOCKS_MUTEX:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileWriteLock(key)
        return lock
