"""Jalali reporting periods: a month ``1405/07``, a quarter ``1405/Q3``, a year ``1405``.
Pure: the Gregorian bounds of a period, the period a number of months before, parsing with
a Persian error naming the field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import jalali_month_bounds, to_jalali
from darman.common.persian import to_ascii_digits, to_persian_digits
from darman.performance.enums import PeriodType

_PATTERN = re.compile(r"^(\d{4})(?:/(?:(\d{1,2})|[Qq](\d)))?$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: PeriodType
    number: int  # month 1-12, quarter 1-4, or 1 for a year

    @property
    def code(self) -> str:
        if self.kind is PeriodType.MONTH:
            return f"{self.year}/{self.number:02d}"
        if self.kind is PeriodType.QUARTER:
            return f"{self.year}/Q{self.number}"
        return f"{self.year}"

    @property
    def label_fa(self) -> str:
        if self.kind is PeriodType.QUARTER:
            return to_persian_digits(f"{self.year}") + f" فصل {to_persian_digits(self.number)}"
        return to_persian_digits(self.code)

    def months(self) -> tuple[int, int]:
        """First and last month (yyyymm) of the period."""
        if self.kind is PeriodType.MONTH:
            first = last = self.number
        elif self.kind is PeriodType.QUARTER:
            first, last = 3 * self.number - 2, 3 * self.number
        else:
            first, last = 1, 12
        return self.year * 100 + first, self.year * 100 + last

    def bounds(self) -> tuple[dt.date, dt.date]:
        """First and last Gregorian day of the period."""
        first, last = self.months()
        return jalali_month_bounds(first)[0], jalali_month_bounds(last)[1]

    def shift(self, months: int) -> Period:
        """The month period ``months`` months later (negative: earlier); months only."""
        if self.kind is not PeriodType.MONTH:
            raise ValueError("only month periods shift")
        index = self.year * 12 + self.number - 1 + months
        return Period(index // 12, PeriodType.MONTH, index % 12 + 1)


def month_of(day: dt.date) -> Period:
    j = to_jalali(day)
    return Period(int(j.year), PeriodType.MONTH, int(j.month))


def last_complete_month(today: dt.date) -> Period:
    return month_of(today).shift(-1)


def parse(text: str, *, field: str = "period") -> Period:
    """``1405/07``, ``1405/Q3`` or ``1405`` (Persian digits accepted)."""
    match = _PATTERN.match(to_ascii_digits(text.strip()))
    problem = FieldProblem(
        field, "دوره باید به شکل ۱۴۰۵/۰۷ (ماه)، ۱۴۰۵/Q3 (فصل) یا ۱۴۰۵ (سال) باشد"
    )
    if match is None:
        raise InvalidInput(f"bad period '{text}'", [problem])
    year = int(match.group(1))
    if not 1300 <= year <= 1500:
        raise InvalidInput(f"bad period '{text}'", [problem])
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise InvalidInput(f"bad period '{text}'", [problem])
        return Period(year, PeriodType.MONTH, month)
    if match.group(3):
        quarter = int(match.group(3))
        if not 1 <= quarter <= 4:
            raise InvalidInput(f"bad period '{text}'", [problem])
        return Period(year, PeriodType.QUARTER, quarter)
    return Period(year, PeriodType.YEAR, 1)
