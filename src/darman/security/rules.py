"""Which scopes each role may hold, and who manages users: pure rules, no I/O."""

from __future__ import annotations

from darman.common.errors import PermissionDenied
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

# Headquarters roles act for the whole country; desk roles act for one
# facility; provincial staff for one province. Finance, review and audit
# exist at both headquarters and provincial directorates.
ALLOWED_SCOPES: dict[Role, frozenset[ScopeLevel]] = {
    Role.ADMIN: frozenset({ScopeLevel.NATIONAL}),
    Role.HQ_ANALYST: frozenset({ScopeLevel.NATIONAL}),
    Role.PROVINCE_MANAGER: frozenset({ScopeLevel.PROVINCE}),
    Role.CLAIMS_REVIEWER: frozenset({ScopeLevel.NATIONAL, ScopeLevel.PROVINCE}),
    Role.FINANCE_OFFICER: frozenset({ScopeLevel.NATIONAL, ScopeLevel.PROVINCE}),
    Role.AUDITOR: frozenset({ScopeLevel.NATIONAL, ScopeLevel.PROVINCE}),
    Role.PROVIDER_USER: frozenset({ScopeLevel.FACILITY}),
    Role.PHYSICIAN: frozenset({ScopeLevel.FACILITY}),
    Role.PHARMACIST: frozenset({ScopeLevel.FACILITY}),
}


def scope_problem(role: Role, scope: ScopeLevel) -> str | None:
    """Why ``role`` may not hold ``scope``, or None when it may."""
    allowed = ALLOWED_SCOPES[role]
    if scope in allowed:
        return None
    names = " or ".join(sorted(s.value for s in allowed))
    return f"a {role.value} works at {names} scope, not {scope.value}"


def require_user_admin(who: Principal) -> None:
    """Users and keys grant access anywhere, so only a national admin may manage them.
    Raises PermissionDenied for anyone else."""
    who.require_role(Role.ADMIN)
    if not who.is_national:
        raise PermissionDenied("only a national administrator manages users and API keys")
