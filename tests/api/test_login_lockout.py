"""Failed log-ins are counted one by one however many arrive at once, so a burst of guesses
locks the account after exactly the configured number, and the lock holds even for the
right password until it passes."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.db.uow import UnitOfWork
from darman.security.models import User
from tests import factories as f

TOKEN = "/api/v1/auth/token"
AT_ONCE = 40
MAX_FAILED = 5  # Settings.max_failed_logins, as the test app is built
LOCKOUT = dt.timedelta(minutes=15)  # Settings.lockout_minutes


def _all_at_once(client: TestClient, username: str, password: str) -> list[httpx.Response]:
    """AT_ONCE log-ins from as many threads, released together by a barrier."""
    start = threading.Barrier(AT_ONCE)

    def one(_: int) -> httpx.Response:
        start.wait()
        return client.post(TOKEN, data={"username": username, "password": password})

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return list(pool.map(one, range(AT_ONCE)))


def _log_in(client: TestClient, password: str) -> httpx.Response:
    return client.post(TOKEN, data={"username": "clerk", "password": password})


def test_forty_wrong_log_ins_at_once_lock_the_account_after_exactly_five(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="clerk")
    uow.commit()
    answers = _all_at_once(client, "clerk", "wrong-pass")
    assert {r.status_code for r in answers} == {401}
    titles = Counter(r.json()["title"] for r in answers)
    # four plain refusals; the fifth failure locks, and every later one meets the lock
    assert titles == {"Authentication failed": MAX_FAILED - 1, "Account locked": 36}
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        remaining = user.locked_until - dt.datetime.now(dt.UTC)
        assert LOCKOUT - dt.timedelta(minutes=1) < remaining <= LOCKOUT
        assert user.failed_logins == 0  # the lock starts a fresh count for when it passes
        locks = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "lock", AuditEntry.entity == "user")
        ).all()
        assert [e.entity_id for e in locks] == [str(user.id)]
    right = _log_in(client, f.PASSWORD)
    assert right.status_code == 401 and right.json()["title"] == "Account locked"


def test_once_the_lock_passes_the_right_password_works_and_clears_the_count(
    client: TestClient, uow: UnitOfWork, session_factory
) -> None:
    f.user(uow.session, username="clerk")
    uow.commit()
    _all_at_once(client, "clerk", "wrong-pass")
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        s.commit()
    for _ in range(MAX_FAILED - 1):  # the count after the lock starts afresh
        assert _log_in(client, "wrong-pass").json()["title"] == "Authentication failed"
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        assert user.failed_logins == MAX_FAILED - 1
    assert _log_in(client, f.PASSWORD).status_code == 200
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        assert (user.failed_logins, user.locked_until) == (0, None)
