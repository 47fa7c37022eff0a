from __future__ import annotations

import pytest

from darman.security.enums import Role, ScopeLevel
from darman.security.rules import ALLOWED_SCOPES, scope_problem


def test_every_role_has_at_least_one_scope() -> None:
    assert set(ALLOWED_SCOPES) == set(Role)
    assert all(ALLOWED_SCOPES.values())


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.ADMIN, ScopeLevel.PROVINCE),
        (Role.HQ_ANALYST, ScopeLevel.FACILITY),
        (Role.PHYSICIAN, ScopeLevel.NATIONAL),
        (Role.PROVINCE_MANAGER, ScopeLevel.NATIONAL),
    ],
)
def test_a_role_outside_its_scopes_is_refused_with_the_allowed_ones_named(
    role: Role, scope: ScopeLevel
) -> None:
    reason = scope_problem(role, scope)
    assert reason is not None and scope.value in reason


def test_desk_roles_work_at_a_facility_and_headquarters_roles_nationally() -> None:
    assert scope_problem(Role.PHARMACIST, ScopeLevel.FACILITY) is None
    assert scope_problem(Role.ADMIN, ScopeLevel.NATIONAL) is None
    assert scope_problem(Role.AUDITOR, ScopeLevel.PROVINCE) is None
