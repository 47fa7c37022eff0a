"""Reading and verifying the audit log over HTTP: national administrators and auditors.

Served with security's routes: the log itself sits below security (logging in and
managing users write to it), and reading it needs the caller's identity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from darman.audit import service, verification
from darman.common.paging import Page, PagingDep
from darman.security.deps import PrincipalDep, ReadUowDep
from darman.security.rules import require_audit_reader

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEntryRead(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


class VerifyRead(BaseModel):
    ok: bool
    entries_checked: int
    first_bad_seq: int | None
    reason: str | None


@router.get("", response_model=Page[AuditEntryRead])
def list_entries(
    who: PrincipalDep,
    uow: ReadUowDep,
    paging: PagingDep,
    entity: str | None = None,
) -> Page[AuditEntryRead]:
    require_audit_reader(who)
    rows, total = service.list_entries(
        uow.session, entity=entity, offset=paging.offset, limit=paging.size
    )
    items = [AuditEntryRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, page=paging.page, size=paging.size)


@router.get("/verify", response_model=VerifyRead)
def verify(who: PrincipalDep, uow: ReadUowDep) -> VerifyRead:
    require_audit_reader(who)
    report = verification.verify(uow.session)
    return VerifyRead(
        ok=report.ok,
        entries_checked=report.entries,
        first_bad_seq=report.problem.seq if report.problem else None,
        reason=report.problem.reason if report.problem else None,
    )
