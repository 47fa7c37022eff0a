"""Jalali (Solar Hijri) calendar: stored dates are Gregorian, users read Jalali."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jdatetime

from darman.common.errors import InvalidInput
from darman.common.persian import to_ascii_digits, to_persian_digits

_JALALI_RE = re.compile(r"^\s*(\d{4})[/\-](\d{1,2})[/\-](\d{1,2})\s*$")

# Business days are Iran's days: "today" is Tehran's date, not the server's.
TEHRAN = ZoneInfo("Asia/Tehran")


def tehran_now() -> dt.datetime:
    return dt.datetime.now(TEHRAN)


# One business day for a whole run when set: a test session, for one,
# must not see "today" change at Tehran's midnight halfway through.
_pinned_today: dt.date | None = None


def pin_today(day: dt.date | None) -> None:
    """Make `tehran_today` answer `day` until unpinned with None."""
    global _pinned_today
    _pinned_today = day


def tehran_today() -> dt.date:
    return _pinned_today or tehran_now().date()


MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def to_jalali(day: dt.date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def format_jalali(day: dt.date | dt.datetime | None, *, persian_digits: bool = True) -> str:
    """``1403/01/01`` style; Persian digits unless asked otherwise; empty for None."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    j = to_jalali(day)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return to_persian_digits(text) if persian_digits else text


def format_jalali_long(day: dt.date) -> str:
    """``۱ فروردین ۱۴۰۳``: day, month name, year."""
    j = to_jalali(day)
    return f"{to_persian_digits(j.day)} {MONTHS_FA[j.month - 1]} {to_persian_digits(j.year)}"


def parse_jalali(text: str, *, field: str = "date") -> dt.date:
    """Parse ``YYYY/MM/DD`` in the Jalali calendar (any digit script) to a Gregorian date."""
    match = _JALALI_RE.match(to_ascii_digits(text))
    if not match:
        raise InvalidInput(f"{field}: '{text}' is not a Jalali date of the form YYYY/MM/DD")
    year, month, day = (int(g) for g in match.groups())
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError as exc:
        raise InvalidInput(f"{field}: '{text}' is not a real Jalali date ({exc})") from exc


def fiscal_year(day: dt.date) -> int:
    """The fiscal year is the Jalali year: it starts at Nowruz (1 Farvardin)."""
    return int(to_jalali(day).year)


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last Gregorian day of Jalali year ``year`` (Esfand 29 or 30)."""
    start = jdatetime.date(year, 1, 1).togregorian()
    end = jdatetime.date(year + 1, 1, 1).togregorian() - dt.timedelta(days=1)
    return start, end


def jalali_month_days(year: int, month: int) -> int:
    """Days in a Jalali month: 31 in the first six, 30 in the next five, 29 or 30 in Esfand."""
    if not 1 <= month <= 12:
        raise ValueError(f"no Jalali month {month}")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def jalali_month(day: dt.date) -> int:
    """``140401`` for a day of Farvardin 1404."""
    j = to_jalali(day)
    return int(j.year) * 100 + int(j.month)


def jalali_month_bounds(month: int) -> tuple[dt.date, dt.date]:
    """First and last Gregorian day of the Jalali month ``yyyymm``."""
    year, m = divmod(month, 100)
    start = jdatetime.date(year, m, 1).togregorian()
    return start, start + dt.timedelta(days=jalali_month_days(year, m) - 1)


# Periods stored without an end (or a start) run to a far date: 1900-01-01 and 2100-12-31
# in the claims policy. No one reads ۱۲۷۸/۱۰/۱۱ as "from the beginning": a day outside
# the years the validators accept is shown as an open end.
OPEN_START_BEFORE = dt.date(1900, 3, 21)  # 1279/01/01, the earliest day anyone may type
OPEN_END_FROM = dt.date(2100, 3, 20)  # 1478/12/30, the latest
OPEN_START_FA = "از ابتدا"
OPEN_END_FA = "بدون پایان"


def format_period_start(day: dt.date | None) -> str:
    """A period's first day in Jalali, or «از ابتدا» when it has none."""
    if day is None or day <= OPEN_START_BEFORE:
        return OPEN_START_FA
    return format_jalali(day)


def format_period_end(day: dt.date | None) -> str:
    """A period's last day in Jalali, or «بدون پایان» when it has none."""
    if day is None or day >= OPEN_END_FROM:
        return OPEN_END_FA
    return format_jalali(day)


def format_month(month: int | str) -> str:
    """``140508`` (a Jalali yyyymm) as ``۱۴۰۵/۰۸``."""
    text = to_ascii_digits(str(month)).strip()
    if len(text) != 6 or not text.isdigit():
        return to_persian_digits(text)
    return to_persian_digits(f"{text[:4]}/{text[4:]}")
