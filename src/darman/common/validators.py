"""Reusable Pydantic field types: dates in either calendar, national IDs, Persian text."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from darman.common import national_id
from darman.common.errors import InvalidInput
from darman.common.jalali import parse_jalali
from darman.common.persian import normalize_text, to_ascii_digits

# Dates outside these bounds are typing mistakes, and beyond them Jalali
# conversion itself fails.
EARLIEST = dt.date(1900, 3, 21)  # 1279/01/01
LATEST = dt.date(2100, 3, 20)  # 1478/12/30
_DATE_RE = re.compile(r"^\s*(\d{4})[/\-](\d{1,2})[/\-](\d{1,2})\s*$")


def parse_any_date(value: Any) -> Any:
    """Accept a date, an ISO Gregorian ``2024-03-20`` or a Jalali ``1403/01/01`` (any digits).

    The calendar is told apart by the year: Jalali years in use are below 1700,
    Gregorian ones above it.
    """
    if value is None or isinstance(value, dt.date):
        return value
    text = to_ascii_digits(str(value)).strip()
    if not text:
        return None
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError(f"«{value}» تاریخ نیست (۱۴۰۳/۰۱/۰۱ یا 2024-03-20)")
    year, month, day = (int(g) for g in match.groups())
    if year < 1700:
        try:
            day_ = parse_jalali(text)
        except InvalidInput as exc:  # pydantic reports only ValueError as a field error
            raise ValueError(f"«{value}» روزی از تقویم خورشیدی نیست") from exc
    else:
        try:
            day_ = dt.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"«{value}» روزی از تقویم میلادی نیست ({exc})") from exc
    if not EARLIEST <= day_ <= LATEST:
        raise ValueError(
            f"«{value}» بیرون از سال‌های پذیرفته است (خورشیدی ۱۲۷۹ تا ۱۴۷۸، میلادی ۱۹۰۰ تا ۲۱۰۰)"
        )
    return day_


def _national_id(value: Any) -> str:
    text = str(value)
    reason = national_id.problem(text)
    if reason is not None:
        raise ValueError(reason)
    return to_ascii_digits(text.strip())


# Control characters never belong in text people type: PostgreSQL refuses NUL outright,
# and SQLite would keep it, so "D9\x00" would pass for a document other than "D9".
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(text: str, pattern: re.Pattern[str]) -> str:
    found = pattern.search(text)
    if found is not None:
        raise ValueError(f"نویسه‌ی کنترلی U+{ord(found.group()):04X} پذیرفته نیست")
    return text


def _persian_text(value: Any) -> Any:
    return normalize_text(_no_control(value, _CONTROL)) if isinstance(value, str) else value


def _ascii_digits(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return to_ascii_digits(_no_control(value, _CONTROL_OR_BREAK)).strip()


AnyDate = Annotated[dt.date, BeforeValidator(parse_any_date)]
OptionalAnyDate = Annotated[dt.date | None, BeforeValidator(parse_any_date)]
NationalId = Annotated[str, BeforeValidator(_national_id)]
PersianText = Annotated[str, BeforeValidator(_persian_text)]
Digits = Annotated[str, BeforeValidator(_ascii_digits)]


_GROUPED = re.compile(r"^\d{1,3}([,٬]\d{3})+$")


def rials_from_text(value: object) -> object:
    """Money is whole rials: refuse booleans, fractions and misplaced separators."""
    if isinstance(value, bool | float):
        raise ValueError("مبلغ باید عدد صحیح به ریال باشد")
    if isinstance(value, str):
        text = to_ascii_digits(value).strip()
        if _GROUPED.match(text):
            return text.replace(",", "").replace("٬", "")
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"«{value}» عدد صحیح به ریال نیست")
        return text
    return value


def int_from_text(value: object) -> object:
    """Spreadsheet cells arrive as text with any digit script and thousands separators."""
    if isinstance(value, str):
        cleaned = to_ascii_digits(value).replace(",", "").replace("٬", "").strip()
        return cleaned if cleaned else None
    return value
