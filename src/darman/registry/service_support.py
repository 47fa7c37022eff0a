"""Helpers shared by the registry's services: province codes, write checks, audit."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from darman.registry import scope
from darman.registry.models import Province
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

ReadT = TypeVar("ReadT", bound=BaseModel)

# Who may change which registry table. Province managers may write people and
# providers of their own province; catalogues and tariffs are national.
PEOPLE_WRITERS = roles_that(Act.WRITE_PEOPLE)
CATALOGUE_WRITERS = roles_that(Act.WRITE_CATALOGUES)


def province_maps(session: Session) -> tuple[dict[str, int], dict[int, str]]:
    cached = session.info.get("province_maps")
    if cached is None:
        rows = session.execute(select(Province.id, Province.code)).all()
        cached = ({r.code: r.id for r in rows}, {r.id: r.code for r in rows})
        session.info["province_maps"] = cached
    return cached


def province_id_for(session: Session, code: str, *, field: str = "province_code") -> int:
    by_code, _ = province_maps(session)
    if code not in by_code:
        raise InvalidInput(
            f"no province with code '{code}'", [FieldProblem(field, f"unknown province '{code}'")]
        )
    return by_code[code]


def province_code_of(session: Session, province_id: int) -> str:
    return province_maps(session)[1][province_id]


def check_writer(who: Principal, roles: Sequence[Role], province_id: int | None = None) -> None:
    who.require_role(*roles)
    if province_id is not None and not who.may_see_province(province_id):
        raise PermissionDenied("this row belongs to a province outside your scope")
    if scope.at_facility(who):
        raise PermissionDenied("facility users cannot change the registry")


def add_audited(session: Session, who: Principal, row: Any, entity: str) -> None:
    """Insert ``row`` and record its creation, in the caller's transaction."""
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="create",
        entity=entity,
        entity_id=row.id,
        after=audit.snapshot(row),
    )


def update_audited(
    session: Session, who: Principal, row: Any, entity: str, data: BaseModel
) -> None:
    """Set the fields ``data`` gives on ``row`` and record the change (before and after),
    in the caller's transaction; a form sent again with the same values changes nothing
    and records nothing. The caller has checked scope and write rights."""
    before = audit.snapshot(row)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, key, value.value if isinstance(value, Enum) else value)
    session.flush()
    after = audit.snapshot(row)
    if after == before:
        return
    audit.record(
        session,
        actor=who.username,
        action="update",
        entity=entity,
        entity_id=row.id,
        before=before,
        after=after,
    )


def require_unique(session: Session, column: Any, value: Any, field: str) -> None:
    if session.scalar(select(func.count()).where(column == value)):
        raise Conflict(f"{field} '{value}' already exists", [FieldProblem(field, "already exists")])
