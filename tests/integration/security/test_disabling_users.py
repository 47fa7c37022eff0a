"""The last active administrator is never disabled, even when two administrators disable
each other at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.security import service
from darman.security.enums import Role
from darman.security.exceptions import CannotDisableYourself, LastActiveAdmin
from darman.security.models import User
from tests import factories as f


def _users(session_factory, *names: str, role: Role = Role.ADMIN) -> list[int]:
    with session_factory() as s:
        ids = [f.user(s, username=name, role=role).id for name in names]
        s.commit()
    return ids


def _active(session_factory) -> dict[str, bool]:
    with session_factory() as s:
        return {
            name: bool(active) for name, active in s.execute(select(User.username, User.is_active))
        }


def _disables(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).where(AuditEntry.action == "disable")) or 0


def test_the_last_active_admin_cannot_be_disabled_but_a_disabled_one_stays_disabled(
    session_factory,
) -> None:
    (chief,) = _users(session_factory, "chief")
    _users(session_factory, "retired")
    with session_factory() as s:
        service.disable_user(s, actor="cli", username="retired", acting_user_id=None)
        s.commit()
    with session_factory() as s, pytest.raises(LastActiveAdmin) as refused:
        service.disable_user(s, actor="cli", username="chief", acting_user_id=None)
    assert refused.value.detail.startswith("«chief» تنها مدیر فعال سامانه است")
    assert refused.value.problems[0].field == "username"
    with session_factory() as s:  # already disabled: nothing to refuse, nothing recorded
        assert not service.disable_user(
            s, actor="cli", username="retired", acting_user_id=chief
        ).is_active
        s.commit()
    assert _active(session_factory) == {"chief": True, "retired": False}
    assert _disables(session_factory) == 1


def test_a_user_who_is_not_an_admin_may_be_disabled_while_one_admin_is_left(
    session_factory,
) -> None:
    _users(session_factory, "chief")
    _users(session_factory, "clerk", role=Role.HQ_ANALYST)
    with session_factory() as s:
        service.disable_user(s, actor="cli", username="clerk", acting_user_id=None)
        s.commit()
    assert _active(session_factory) == {"chief": True, "clerk": False}


def test_nobody_disables_their_own_account_even_with_other_admins_left(session_factory) -> None:
    chief, _ = _users(session_factory, "chief", "deputy")
    with session_factory() as s, pytest.raises(CannotDisableYourself):
        service.disable_user(s, actor="chief", username="chief", acting_user_id=chief)
    assert _active(session_factory) == {"chief": True, "deputy": True}


def test_two_admins_disabling_each_other_at_once_leave_one_active(session_factory) -> None:
    chief, deputy = _users(session_factory, "chief", "deputy")
    first = session_factory()
    service.disable_user(first, actor="chief", username="deputy", acting_user_id=chief)

    def deputy_disables_chief() -> None:
        with session_factory() as second:
            service.disable_user(second, actor="deputy", username="chief", acting_user_id=deputy)
            second.commit()

    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(deputy_disables_chief)
        time.sleep(0.5)
        # it waits for the first change (PostgreSQL's row locks, SQLite's write lock)...
        assert not other.done()
        first.commit()
        first.close()
        # ...and then finds the chief the last active admin
        with pytest.raises(LastActiveAdmin):
            other.result(timeout=30)
    assert _active(session_factory) == {"chief": True, "deputy": False}
    assert _disables(session_factory) == 1
