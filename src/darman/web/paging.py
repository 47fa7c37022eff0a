"""The ``?page=`` of every paged web list, read one way: a page number from 1 up, in
Latin or Persian digits; anything else is a Persian 400 page naming what was typed, so a
hand-edited or broken address is told apart from a real first page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from darman.common.errors import InvalidInput
from darman.common.paging import MAX_PAGE
from darman.common.persian import format_number, to_ascii_digits

# what of a refused value the message echoes: enough to recognise it, never a wall of text
SHOWN = 20


class BadPageNumber(InvalidInput):
    """A malformed address, not a form a person filled in: 400 rather than 422."""

    status = 400
    title = "Bad page number"
    slug = "bad-page-number"


def page_number(page: str = "1") -> int:
    """The page the address names; an empty ``page`` is the first page.
    Raises BadPageNumber for anything but a whole number from 1 to ``MAX_PAGE``."""
    text = to_ascii_digits(page).strip()
    if not text:
        return 1
    if text.isascii() and text.isdecimal() and len(text) <= len(str(MAX_PAGE)):
        number = int(text)
        if 1 <= number <= MAX_PAGE:
            return number
    shown = page if len(page) <= SHOWN else page[:SHOWN] + "…"
    raise BadPageNumber(
        f"شماره‌ی صفحه «{shown}» پذیرفته نیست: شماره‌ی صفحه عددی درست از ۱ تا "
        f"{format_number(MAX_PAGE)} است."
    )


PageNumber = Annotated[int, Depends(page_number)]
