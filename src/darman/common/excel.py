"""Excel workbooks as people here expect them: every export of Darman is written here.

A right-to-left sheet with a Persian name; the header row bold and frozen, so it stays in
view while scrolling; each column as wide as what it holds; numbers stored as numbers
(they add up in Excel) shown with thousands separators; dates as Jalali ``۱۴۰۵/۰۱/۰۱``.
The bytes are deterministic: the same rows give the same file."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from darman.common.jalali import TEHRAN, format_jalali

DEFAULT_SHEET = "داده‌ها"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
# Excel refuses these in a sheet's name, and names longer than 31 characters
_NOT_IN_NAME = re.compile(r"[\[\]:*?/\\]")
NARROWEST, WIDEST = 8, 60


# an export's file name (its first words) -> the Persian name of its sheet
SHEET_NAMES_FA: dict[str, str] = {
    "remittance": "حواله‌ی پرداخت",
    "province-facts": "واقعیت‌های استان‌ها",
    "equity": "عدالت در توزیع",
    "deprivation": "رتبه‌ی محرومیت",
    "allocation": "تخصیص بودجه",
    "levelling": "سطح‌بندی خدمات",
    "quantification": "برآورد نیاز",
    "award": "تخصیص مناقصه",
    "stockouts": "ناموجودی‌ها",
    "facilities": "مراکز",
    "practitioners": "پزشکان",
    "insured": "بیمه‌شدگان",
    "coverage": "دوره‌های پوشش",
    "services": "خدمات",
    "drugs": "داروها",
    "tariffs": "تعرفه‌ها",
    "panels": "هیئت‌های مصاحبه",
    "ranking": "رتبه‌بندی",
    "fairness": "عدالت در گزینش",
    "offers": "پیشنهادهای انتصاب",
    "scorecard": "کارنامه‌ی عملکرد",
}


def sheet_name(title: str) -> str:
    """The sheet's name for an export called ``title`` (its Persian name when the title
    is an export's file name, e.g. ``equity-icu_beds``), as Excel accepts it."""
    known = max((k for k in SHEET_NAMES_FA if title == k or title.startswith(k + "-")),
                key=len, default=None)  # fmt: skip
    if known is not None:
        title = SHEET_NAMES_FA[known]
    cleaned = _NOT_IN_NAME.sub(" ", title).strip()
    return (cleaned or DEFAULT_SHEET)[:31]


def cell_value(value: object) -> object:
    """What a file shows for ``value``: a date or a timestamp as its Jalali day in
    Tehran, anything else as it is."""
    if isinstance(value, dt.datetime):
        # stored in UTC (naive on SQLite): a person reads the day it was in Tehran
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return format_jalali(aware.astimezone(TEHRAN).date())
    if isinstance(value, dt.date):
        return format_jalali(value)
    return value


def _shown_length(value: object) -> int:
    """About how many characters the cell shows."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return len(f"{value:,}")
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def workbook(header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet: str) -> bytes:
    """One sheet named ``sheet`` with ``header`` over ``rows``, as .xlsx bytes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_name(sheet)
    ws.sheet_view.rightToLeft = True
    ws.append(list(header))
    widths = [_shown_length(h) for h in header]
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)
    for r, row in enumerate(rows, start=2):
        values = [cell_value(v) for v in row]
        ws.append(values)
        for col, value in enumerate(values, start=1):
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                ws.cell(row=r, column=col).number_format = INTEGER_FORMAT
            elif isinstance(value, float):
                ws.cell(row=r, column=col).number_format = DECIMAL_FORMAT
            if col > len(widths):
                widths.append(0)
            widths[col - 1] = max(widths[col - 1], _shown_length(value))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(
            WIDEST, max(NARROWEST, round(width * 1.2) + 2)
        )
    ws.freeze_panes = "A2"
    wb.properties.created = dt.datetime(2000, 1, 1)
    wb.properties.modified = dt.datetime(2000, 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
