from __future__ import annotations

import pytest

from darman.common.errors import PermissionDenied
from darman.security.enums import SCOPE_LABELS_FA, Role, ScopeLevel
from darman.security.principal import Principal
from darman.security.rules import ALLOWED_SCOPES, require_user_admin, scope_problem


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
    assert reason is not None and SCOPE_LABELS_FA[scope] in reason
    assert all(SCOPE_LABELS_FA[s] in reason for s in ALLOWED_SCOPES[role])


def test_desk_roles_work_at_a_facility_and_headquarters_roles_nationally() -> None:
    assert scope_problem(Role.PHARMACIST, ScopeLevel.FACILITY) is None
    assert scope_problem(Role.ADMIN, ScopeLevel.NATIONAL) is None
    assert scope_problem(Role.AUDITOR, ScopeLevel.PROVINCE) is None


@pytest.mark.parametrize(
    ("role", "scope", "allowed"),
    [
        (Role.ADMIN, ScopeLevel.NATIONAL, True),
        (Role.AUDITOR, ScopeLevel.NATIONAL, False),
        (Role.PROVINCE_MANAGER, ScopeLevel.PROVINCE, False),
        # an admin is never given a province scope; were one, it still could not
        (Role.ADMIN, ScopeLevel.PROVINCE, False),
    ],
)
def test_only_a_national_admin_manages_users_and_keys(
    role: Role, scope: ScopeLevel, allowed: bool
) -> None:
    who = Principal(user_id=1, username="u", role=role, scope_level=scope, province_id=1)
    if allowed:
        require_user_admin(who)
    else:
        with pytest.raises(PermissionDenied):
            require_user_admin(who)
