"""Pieces the registry's record pages share.

What a browse page reads from its address (the page number, the province, the kind) is
checked here: a value no link of ours makes (a hand-edited address) is answered with a
Persian 400 page naming it, never a 500 and never a quiet first page. Also: a record's
latest audit entries for those the audit log's own rule lets read them, and a form's
problems grouped by field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import FieldProblem, NotFound
from darman.common.paging import MAX_ID, MAX_PAGE, PageParams
from darman.common.persian import normalize_text, to_ascii_digits, to_persian_digits
from darman.common.validation_fa import problems_fa
from darman.registry import service as registry
from darman.registry.enums import LABELS_FA, FacilityKind, Ownership
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that
from darman.web import audit_labels
from darman.web.rendering import page_context, render

PAGE_SIZE = 25
KINDS = [{"value": k.value, "label": LABELS_FA[k]} for k in FacilityKind]
OWNERSHIPS = [{"value": o.value, "label": LABELS_FA[o]} for o in Ownership]
AUDIT_READERS = roles_that(Act.READ_AUDIT)
M = TypeVar("M", bound=BaseModel)


class BadAddress(Exception):
    """A query parameter no form of ours sends; ``reason`` says which, in Persian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bad_address_page(request: Request, context: dict[str, Any], exc: BadAddress) -> Response:
    """The Persian 400 page: what in the address was not understood, with the header."""
    context.update({"title": "نشانی نادرست", "message": exc.reason, "detail": "", "status": 400})
    return render(request, "error.html", context, status_code=400)


def page_number(text: str) -> PageParams:
    """``?page=`` as Persian or ASCII digits from 1 to ``MAX_PAGE``; empty is the first."""
    cleaned = to_ascii_digits(text.strip())
    if not cleaned:
        return PageParams(page=1, size=PAGE_SIZE)
    if not (cleaned.isascii() and cleaned.isdigit() and 1 <= int(cleaned) <= MAX_PAGE):
        raise BadAddress(
            f"شماره‌ی صفحه‌ی «{text[:20]}» پذیرفته نیست؛ "
            f"شماره‌ی صفحه عددی از ۱ تا {to_persian_digits(f'{MAX_PAGE:,}').replace(',', '٬')} است."
        )
    return PageParams(page=int(cleaned), size=PAGE_SIZE)


def provinces_in_scope(session: Session, who: Principal) -> list[dict[str, str]]:
    """The provinces the caller may filter by: every one for national staff, else their own."""
    return [
        {"code": p.code, "name": p.name_fa}
        for p in registry.list_provinces(session)
        if who.may_see_province(p.id)
    ]


def province_choice(text: str, provinces: list[dict[str, str]]) -> str | None:
    code = to_ascii_digits(text.strip())
    if not code:
        return None
    if code not in {p["code"] for p in provinces}:
        raise BadAddress(f"استانی با کد «{text[:20]}» در محدوده‌ی شما نیست.")
    return code


def kind_choice(text: str) -> str | None:
    if not text:
        return None
    if text not in {k.value for k in FacilityKind}:
        raise BadAddress(f"نوع مرکز «{text[:32]}» شناخته نیست.")
    return text


def ownership_choice(text: str) -> str | None:
    if not text:
        return None
    if text not in {o.value for o in Ownership}:
        raise BadAddress(f"نوع مالکیت «{text[:32]}» شناخته نیست.")
    return text


def search_text(text: str) -> str:
    """What was typed, as the registry stores it: Persian letters, ASCII digits."""
    return normalize_text(to_ascii_digits(text))[:64]


@dataclass(frozen=True)
class Pager:
    """The pager's links: the filters kept, the page changed."""

    path: str
    filters: dict[str, str]
    page: int
    pages: int

    def href(self, page: int) -> str:
        kept = {k: v for k, v in self.filters.items() if v}
        if page > 1:
            kept["page"] = str(page)
        return self.path + (f"?{urlencode(kept)}" if kept else "")


def row_id(text: str) -> int:
    """A path id; anything that cannot be a row id is simply not found."""
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_ID:
        raise NotFound(f"'{text[:20]}' is not an id")
    return int(text)


def province_names(session: Session) -> dict[str, str]:
    """Province code -> Persian name."""
    return {p.code: p.name_fa for p in registry.list_provinces(session)}


def list_page(
    request: Request,
    session: Session,
    who: Principal,
    *,
    template: str,
    read: Callable[[dict[str, Any]], None],
) -> Response:
    """A browse page: ``read(context)`` fills the rows from the checked filters, or raises
    BadAddress for a filter no form of ours sends."""
    context = page_context(session, who, active="registry-records")
    context["provinces"] = provinces_in_scope(session, who)
    context["province_names"] = province_names(session)
    try:
        read(context)
    except BadAddress as exc:
        return bad_address_page(request, context, exc)
    return render(request, template, context)


def by_field(problems: list[FieldProblem]) -> dict[str, list[str]]:
    """A form's problems by the field they are shown beside."""
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.field or "", []).append(p.reason)
    return out


def recent_changes(
    session: Session, who: Principal, *, entity: str, entity_id: int, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """A record's ten latest audit entries, newest first, each with the fields that
    changed under ``labels``; none for a role the audit log's own rule does not let read it."""
    if who.role not in AUDIT_READERS:
        return []
    entries, _ = audit.list_entries(session, entity=entity, entity_id=str(entity_id), limit=10)
    rows = []
    for e in entries:
        changed = [c for c in audit_labels.changes(e.before, e.after) if c.changed]
        rows.append(
            {
                "at": e.at,
                "actor": e.actor,
                "action": audit_labels.action_fa(e.action),
                "changes": [
                    {
                        "key": c.key,
                        "label": labels.get(c.key, c.label),
                        "before": c.before,
                        "after": c.after,
                    }
                    for c in changed
                ],
            }
        )
    return rows


def read_form(
    schema: type[M], values: dict[str, Any], *, required: Iterable[str]
) -> tuple[M | None, list[FieldProblem]]:
    """The form read by the service's update schema, or its problems in Persian by field.

    The schema reads an empty value as "leave unchanged"; on an edit form, where every
    field shows its stored value, emptying one of ``required`` is a mistake to name."""
    problems = [
        FieldProblem(k, "لازم است و خالی مانده") for k in required if not str(values[k]).strip()
    ]
    try:
        data = schema.model_validate(values)
    except ValidationError as exc:
        return None, problems + problems_fa(exc)
    return (None, problems) if problems else (data, [])
