"""A log-in attempt is judged on what the account is when it is written, not when its
password was checked: a lock set in between refuses it, right password or not."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
from sqlalchemy import select

from darman.common.errors import AccountLocked, AuthenticationFailed
from darman.security import service
from darman.security.models import User
from tests import factories as f

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _check(session_factory, password: str):
    with session_factory() as reads:
        return service.check_password(reads, username="clerk", password=password, now=NOW)


def _record(session_factory, check, *, max_failed: int = 5):
    """Record ``check`` in a unit of its own, committed whatever the answer."""
    with session_factory() as writes:
        try:
            return service.record_login(
                writes, check=check, max_failed=max_failed, lockout_minutes=15, now=NOW
            )
        finally:
            writes.commit()


def _lock(session_factory, until: dt.datetime) -> None:
    with session_factory() as s:
        s.scalars(select(User).where(User.username == "clerk")).one().locked_until = until
        s.commit()


def _state(session_factory) -> tuple[int, dt.datetime | None]:
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        return user.failed_logins, user.locked_until


@pytest.fixture
def clerk(session_factory) -> None:
    with session_factory() as s:
        f.user(s, username="clerk")
        s.commit()


def test_the_right_password_checked_before_a_lock_is_refused_once_it_is_locked(
    session_factory, clerk
) -> None:
    right = _check(session_factory, f.PASSWORD)
    assert right.right
    _lock(session_factory, NOW + dt.timedelta(minutes=10))
    with pytest.raises(AccountLocked, match="try in 10 min"):
        _record(session_factory, right)
    # the lock stands: the refused success cleared nothing
    assert _state(session_factory) == (0, NOW + dt.timedelta(minutes=10))


def test_a_wrong_password_checked_before_a_lock_is_refused_as_locked_and_not_counted(
    session_factory, clerk
) -> None:
    wrong = _check(session_factory, "wrong-pass")
    assert not wrong.right
    _lock(session_factory, NOW + dt.timedelta(minutes=3))
    with pytest.raises(AccountLocked):
        _record(session_factory, wrong)
    assert _state(session_factory) == (0, NOW + dt.timedelta(minutes=3))


def test_the_third_failure_locks_when_three_are_allowed_and_a_lock_refuses_the_check(
    session_factory, clerk
) -> None:
    for count in (1, 2):
        with pytest.raises(AuthenticationFailed) as refused:
            _record(session_factory, _check(session_factory, "wrong-pass"), max_failed=3)
        assert not isinstance(refused.value, AccountLocked)
        assert _state(session_factory) == (count, None)
    with pytest.raises(AccountLocked, match="3 failed log-ins"):
        _record(session_factory, _check(session_factory, "wrong-pass"), max_failed=3)
    assert _state(session_factory) == (0, NOW + dt.timedelta(minutes=15))
    with pytest.raises(AccountLocked, match="try in 15 min"):
        _check(session_factory, f.PASSWORD)


def test_an_attempt_on_an_account_disabled_meanwhile_is_refused_as_a_wrong_log_in(
    session_factory, clerk
) -> None:
    right = _check(session_factory, f.PASSWORD)
    with session_factory() as s:
        s.scalars(select(User).where(User.username == "clerk")).one().is_active = False
        s.commit()
    with pytest.raises(AuthenticationFailed) as refused:
        _record(session_factory, right)
    assert not isinstance(refused.value, AccountLocked)


def _median_seconds_to_refuse(session_factory, username: str) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        with session_factory() as reads, pytest.raises(AuthenticationFailed):
            check = service.check_password(reads, username=username, password="wrong", now=NOW)
            if not check.right:
                raise AuthenticationFailed("wrong username or password")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_username_is_refused_as_slowly_as_a_wrong_password(
    session_factory, clerk
) -> None:
    """A password hash check costs tens of milliseconds and a missing row next to
    nothing: answered without one, an unknown username would be told apart by its speed.
    Compared as a ratio within one run, so a busy machine slows both alike."""
    wrong_password = _median_seconds_to_refuse(session_factory, "clerk")
    unknown_user = _median_seconds_to_refuse(session_factory, "nobody-by-this-name")
    assert unknown_user > wrong_password / 3, (unknown_user, wrong_password)
