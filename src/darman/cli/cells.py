"""Persian tables for the terminal: every command's table is made here, so each cell reads
the same way everywhere: Persian digits with thousands separators, Jalali dates, «بله» and
«خیر», an em dash for nothing.

A cell that someone must type back as it is (a password, an API key, a file path) is given
as ``verbatim(text)`` and printed untouched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from darman.common.persian import format_decimal, format_number, to_persian_digits

NOTHING = "—"


def verbatim(text: str) -> Text:
    """A cell printed exactly as given (no digit conversion, no markup)."""
    return Text(text)


def cell(value: object, digits: int = 1) -> str | Text:
    """One value as a Persian table cell."""
    if value is None:
        return NOTHING
    if isinstance(value, Text):
        return value
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float):
        return format_decimal(value, digits)
    # jdatetime is loaded only when a date is shown: `darman --help` must not load it
    from darman.common.jalali import TEHRAN, format_jalali

    if isinstance(value, dt.datetime):
        local = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(TEHRAN)
        return f"{format_jalali(local.date())} {to_persian_digits(local.strftime('%H:%M'))}"
    if isinstance(value, dt.date):
        return format_jalali(value)
    return Text(to_persian_digits(value))


def month(yyyymm: int | str) -> str:
    """A Jalali month ``140508`` as ``۱۴۰۵/۰۸``."""
    from darman.common.jalali import format_month

    return format_month(yyyymm)


def table(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Iterable[str] = (),
    digits: int = 1,
    show_header: bool = True,
) -> Table:
    """A Rich table with ``header`` as its columns (those in ``numeric`` right-aligned) and
    every value of ``rows`` through ``cell``."""
    right = set(numeric)
    made = Table(title=title, show_header=show_header)
    for h in header:
        made.add_column(h, justify="right" if h in right else "left")
    for row in rows:
        made.add_row(*(cell(v, digits) for v in row))
    return made
