"""Reading and writing tables as CSV or Excel, the way users hand them over.

Files arrive from Excel and older systems: a UTF-8 byte-order mark, Persian or
Arabic-Indic digits, Arabic yeh and kaf, numbers stored as numbers. Reading
turns every cell into clean text and numbers rows as the user sees them
(header is row 1), so errors can point at the row in the user's own file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from openpyxl import load_workbook

from darman.common.errors import InvalidInput
from darman.common.excel import DEFAULT_SHEET, cell_value, workbook
from darman.common.persian import normalize_text, to_ascii_digits


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @classmethod
    def from_filename(cls, name: str) -> TableFormat:
        lower = name.lower()
        if lower.endswith(".xlsx"):
            return cls.XLSX
        if lower.endswith(".csv") or lower.endswith(".txt"):
            return cls.CSV
        raise InvalidInput(f"'{name}': only .csv and .xlsx files can be imported")


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# what a written table is sent as
MEDIA_TYPES: dict[TableFormat, str] = {
    TableFormat.CSV: "text/csv; charset=utf-8",
    TableFormat.XLSX: XLSX_MEDIA_TYPE,
}
# how the OpenAPI document declares a table sent as a file: CSV text or an Excel workbook
DOWNLOAD_CONTENT: dict[str, dict[str, Any]] = {
    "text/csv": {"schema": {"type": "string"}},
    XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
}


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number the user sees in their file (header = 1)
    values: dict[str, str]


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return to_ascii_digits(normalize_text(str(value)))


def read_table(content: bytes, fmt: TableFormat, *, name: str) -> tuple[list[str], list[SheetRow]]:
    """Header and rows of the file the user calls ``name``.

    Raises InvalidInput naming the file, in Persian, when the file itself cannot be read
    (empty, not UTF-8 text, not an Excel workbook, a damaged sheet); no row is handed out
    then, so an import of a half-readable file writes nothing."""
    if not content:
        raise InvalidInput(f"فایل «{name}» خالی است: ردیف اول آن باید نام ستون‌ها باشد")
    if fmt is TableFormat.CSV:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"فایل «{name}» متن UTF-8 نیست (بایت {exc.start})؛ "
                "آن را با قالب CSV UTF-8 ذخیره کنید"
            ) from exc
        raw_rows: Iterable[Sequence[object]] = csv.reader(io.StringIO(text))
    else:
        raw_rows = _sheet_rows(content, name)
    try:
        return _rows_of(raw_rows, name)
    except csv.Error as exc:
        raise InvalidInput(f"فایل CSV «{name}» خوانده نمی‌شود: {exc}") from exc


def _sheet_rows(content: bytes, name: str) -> Iterator[Sequence[object]]:
    """The rows of the workbook's first sheet, as openpyxl reads them.

    A read-only workbook parses its sheet lazily, so a sheet whose XML is cut short fails
    only when its rows are read: each row is fetched here, where openpyxl's own errors
    (zip, XML, its own types, many of them) become one clear refusal."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise InvalidInput(
            f"فایل «{name}» کارپوشه‌ی Excel خواندنی نیست ({_why(exc)})؛ "
            "آن را در Excel باز کنید و دوباره با قالب .xlsx ذخیره کنید"
        ) from exc
    read = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # zip, XML and openpyxl errors alike
            where = f" پس از ردیف {read}" if read else ""
            raise InvalidInput(
                f"کاربرگ «{sheet.title}» در فایل «{name}»{where} آسیب دیده است و "
                f"خوانده نمی‌شود ({_why(exc)})؛ هیچ ردیفی از این فایل وارد نشد. "
                "آن را در Excel باز کنید و دوباره با قالب .xlsx ذخیره کنید"
            ) from exc
        read += 1
        yield row


def _why(exc: Exception) -> str:
    """The library's own words, for whoever fixes the file: its kind and first line."""
    said = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def _rows_of(raw_rows: Iterable[Sequence[object]], name: str) -> tuple[list[str], list[SheetRow]]:
    iterator = iter(raw_rows)
    try:
        header_raw = next(iterator)
    except StopIteration as exc:
        raise InvalidInput(
            f"فایل «{name}» هیچ ردیفی ندارد: ردیف اول آن باید نام ستون‌ها باشد"
        ) from exc
    header = [_clean(h).strip().lower() for h in header_raw]
    while header and header[-1] == "":
        header.pop()
    rows: list[SheetRow] = []
    for number, raw in enumerate(iterator, start=2):
        cells = [_clean(v) for v in raw]
        if not any(c.strip() for c in cells):
            continue
        values = {
            h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h
        }
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            values["__extra__"] = ";".join(extra)
        rows.append(SheetRow(number=number, values=values))
    return header, rows


def write_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    fmt: TableFormat,
    *,
    sheet: str = DEFAULT_SHEET,
) -> bytes:
    """Deterministic bytes: the same rows give the same file (no timestamps inside). An
    Excel file is one sheet named ``sheet``, laid out by ``excel.workbook``."""
    if fmt is TableFormat.CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            # dates as the Excel file writes them: Jalali, which the imports read back
            writer.writerow(["" if v is None else cell_value(v) for v in row])
        # The BOM makes Excel open Persian text as UTF-8.
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    return workbook(header, rows, sheet=sheet)
