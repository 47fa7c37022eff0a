"""The audit log as pages: entries filtered by actor, action, entity and Jalali dates, each
with its before and after as a table of Persian labels, and the hash chain's verification.

National administrators and national auditors open them (``require_audit_reader``),
the same readers as the read-only API (security/audit_api.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response

from darman.audit import service as audit
from darman.audit import verification
from darman.common.jalali import TEHRAN
from darman.common.paging import PageParams
from darman.common.persian import to_ascii_digits
from darman.common.validators import parse_any_date
from darman.security.deps import ReadUowDep
from darman.security.rules import require_audit_reader
from darman.web import audit_labels
from darman.web.paging import PageNumber
from darman.web.rendering import PagePrincipal, page_context, render

router = APIRouter(include_in_schema=False)
PAGE = 30


def _day(value: str, label: str, errors: list[str]) -> dt.date | None:
    """A day typed as people type it (``۱۴۰۵/۹/۱۶``, ``1405-09-16``, Gregorian ISO); an
    error naming the field otherwise."""
    if not value.strip():
        return None
    try:
        day: dt.date | None = parse_any_date(value)
    except ValueError as exc:
        errors.append(f"{label}: {exc}؛ مانند ۱۴۰۵/۰۹/۱۶ بنویسید.")
        return None
    return day


def _tehran_midnight(day: dt.date) -> dt.datetime:
    """The start of a Tehran business day: the log's times are UTC, its readers' days are not."""
    return dt.datetime.combine(day, dt.time(0), TEHRAN)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    page: PageNumber,
    actor: str = "",
    action: str = "",
    entity: str = "",
    entity_id: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """Entries newest first, 30 a page; ``since`` and ``until`` are whole Tehran days, both
    included."""
    require_audit_reader(who)
    actor, action, entity = actor.strip()[:64], action.strip()[:32], entity.strip()[:64]
    entity_id = to_ascii_digits(entity_id).strip()[:64]
    errors: list[str] = []
    first = _day(since, "«از تاریخ»", errors)
    last = _day(until, "«تا تاریخ»", errors)
    if first and last and first > last:
        errors.append("«از تاریخ» پس از «تا تاریخ» است؛ بازه را درست کنید.")
    paging = PageParams(page=page, size=PAGE)
    entries: list[Any] = []
    total = 0
    if not errors:
        entries, total = audit.list_entries(
            uow.session,
            actor=actor or None,
            action=action or None,
            entity=entity or None,
            entity_id=entity_id or None,
            since=_tehran_midnight(first) if first else None,
            before=_tehran_midnight(last + dt.timedelta(days=1)) if last else None,
            offset=paging.offset,
            limit=PAGE,
        )
    context = page_context(uow.session, who, active="admin-audit")
    context.update(
        {
            "tab": "audit",
            "entries": [_entry(e) for e in entries],
            "total": total,
            "errors": errors,
            "filters": {"actor": actor, "action": action, "entity": entity,
                        "entity_id": entity_id, "since": since.strip(), "until": until.strip()},
            "actions": _options(audit_labels.ACTIONS_FA, action),
            "entities": _options(audit_labels.ENTITIES_FA, entity),
            "page": paging.page,
            "pages": max(1, -(-total // PAGE)),
        }
    )  # fmt: skip
    return render(request, "admin/audit.html", context, status_code=422 if errors else 200)


def _options(labels: dict[str, str], chosen: str) -> list[tuple[str, str]]:
    """The list's choices in Persian order; a code asked for by address but without a
    Persian name is offered too, so the filter shown is the filter applied."""
    options = sorted(labels.items(), key=lambda kv: kv[1])
    if chosen and chosen not in labels:
        options.insert(0, (chosen, chosen))
    return options


def _entry(e: Any) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "action_fa": audit_labels.action_fa(e.action),
        "entity": e.entity,
        "entity_fa": audit_labels.entity_fa(e.entity),
        "entity_id": e.entity_id,
        "changes": audit_labels.changes(e.before, e.after),
        "has_before": e.before is not None,
        "has_after": e.after is not None,
    }


@router.get("/admin/audit/verify")
def verify_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The chain walked from the first entry under the audit key: verified up to entry N,
    or broken at entry N with what was found and that entry as the log now holds it."""
    require_audit_reader(who)
    report = verification.verify(uow.session)
    broken = None
    if report.problem is not None:
        seq = report.problem.seq
        stored = audit.get_entry(uow.session, seq=seq)
        previous = audit.get_entry(uow.session, seq=seq - 1) if seq > 1 else None
        broken = {
            "seq": seq,
            "kind": report.problem.kind.value,
            "reason": report.problem.reason,
            "entry": _entry(stored) if stored is not None else None,
            # the link is the one thing the page can show differing, seal against seal
            "link": stored.prev_hash if stored is not None else None,
            "previous_seal": previous.hash if previous is not None else verification.GENESIS,
        }
    context = page_context(uow.session, who, active="admin-audit")
    context.update({"tab": "verify", "report": report, "broken": broken})
    return render(request, "admin/verify.html", context)
