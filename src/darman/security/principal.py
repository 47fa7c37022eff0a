"""Who is calling and what part of the country they may see."""

from __future__ import annotations

from dataclasses import dataclass

from darman.common.errors import PermissionDenied
from darman.security.enums import Role, ScopeLevel


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    scope_level: ScopeLevel
    province_id: int | None = None
    facility_id: int | None = None
    # set for a physician linked to their practitioner record (council number)
    practitioner_id: int | None = None

    @property
    def is_national(self) -> bool:
        return self.scope_level is ScopeLevel.NATIONAL

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise PermissionDenied(f"role '{self.role.value}' may not do this; allowed: {allowed}")

    def may_see_province(self, province_id: int) -> bool:
        return self.is_national or self.province_id == province_id

    def may_see_facility(self, facility_id: int, facility_province_id: int) -> bool:
        if self.scope_level is ScopeLevel.FACILITY:
            return self.facility_id == facility_id
        return self.may_see_province(facility_province_id)


SYSTEM = Principal(user_id=0, username="system", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL)
