"""The cascade's windows, pure: a quarter ``1405Q2`` (or ``1405/Q2``) has the reference month
at its end; the windows are the twelve and the three Jalali months ending with it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import jalali_month_bounds
from darman.common.persian import to_ascii_digits, to_persian_digits

_QUARTER = re.compile(r"^(\d{4})/?[Qq]([1-4])$")


def _month_back(month: int, count: int) -> int:
    """The Jalali month (yyyymm) ``count`` months before ``month``."""
    year, m = divmod(month, 100)
    index = year * 12 + (m - 1) - count
    return (index // 12) * 100 + index % 12 + 1


@dataclass(frozen=True)
class Window:
    quarter: str  # 1405Q2
    reference_month: int  # 140506
    start_12: dt.date
    start_3: dt.date
    end: dt.date

    @property
    def label_fa(self) -> str:
        year, q = self.quarter.split("Q")
        return f"فصل {to_persian_digits(q)} سال {to_persian_digits(year)}"


def parse_quarter(text: str, *, field: str = "quarter") -> Window:
    """The windows of a quarter; InvalidInput naming ``field`` when it is not ``1405Q2``."""
    match = _QUARTER.match(to_ascii_digits(text.strip()))
    if not match or not 1300 <= int(match.group(1)) <= 1499:
        raise InvalidInput(
            f"فصل «{text}» معتبر نیست؛ به شکل ۱۴۰۵Q2 بنویسید",
            [FieldProblem(field, "quarter must look like 1405Q2")],
        )
    year, q = int(match.group(1)), int(match.group(2))
    month = year * 100 + 3 * q
    return Window(
        quarter=f"{year}Q{q}",
        reference_month=month,
        start_12=jalali_month_bounds(_month_back(month, 11))[0],
        start_3=jalali_month_bounds(_month_back(month, 2))[0],
        end=jalali_month_bounds(month)[1],
    )
