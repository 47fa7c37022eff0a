"""What the registry's browse pages read from their addresses: the page number, the
province and the kind, each checked; a value no link of ours makes (a hand-edited address)
is answered with a Persian 400 page naming it, never a 500 and never a quiet first page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from sqlalchemy.orm import Session

from darman.common.paging import MAX_PAGE, PageParams
from darman.common.persian import normalize_text, to_ascii_digits, to_persian_digits
from darman.registry import service as registry
from darman.registry.enums import LABELS_FA, FacilityKind, Ownership
from darman.security.principal import Principal
from darman.web.rendering import render

PAGE_SIZE = 25
KINDS = [{"value": k.value, "label": LABELS_FA[k]} for k in FacilityKind]
OWNERSHIPS = [{"value": o.value, "label": LABELS_FA[o]} for o in Ownership]


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
