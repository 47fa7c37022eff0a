"""Every Excel export is laid out by one helper: Persian sheet name, right to left, frozen
header, fitting widths, numbers as numbers with separators, Jalali dates."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from darman.common.excel import sheet_name
from darman.common.tabular import TableFormat, read_table, write_table


def _sheet(content: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(content)).active


def test_an_export_is_a_persian_right_to_left_sheet_with_its_header_frozen() -> None:
    content = write_table(
        ["مرکز", "تاریخ", "مبلغ (ریال)", "سهم"],
        [["بیمارستان امام رضا", dt.date(2026, 3, 21), 12_500_000, 0.375]],
        TableFormat.XLSX,
        sheet="equity-icu_beds_1396",
    )
    sheet = _sheet(content)
    assert sheet.title == "عدالت در توزیع"
    assert sheet.sheet_view.rightToLeft is True and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == "۱۴۰۵/۰۱/۰۱"  # Jalali, not 2026-03-21
    assert sheet["C2"].value == 12_500_000 and sheet["C2"].number_format == "#,##0"
    assert sheet["D2"].value == 0.375 and sheet["D2"].number_format == "#,##0.00"
    # "بیمارستان امام رضا" is 18 characters: wider than the narrowest column
    assert sheet.column_dimensions["A"].width >= 18
    assert sheet.column_dimensions["C"].width >= len("12,500,000")


def test_a_registry_export_keeps_its_column_keys_and_reads_back() -> None:
    content = write_table(
        ["code", "opened_on"], [["F1", dt.date(2026, 3, 21)]], TableFormat.XLSX, sheet="facilities"
    )
    assert _sheet(content).title == "مراکز"
    header, rows = read_table(content, TableFormat.XLSX, name="f.xlsx")
    assert header == ["code", "opened_on"] and rows[0].values == {
        "code": "F1",
        "opened_on": "1405/01/01",  # a Jalali date the import reads back as the same day
    }


def test_a_sheet_name_is_one_excel_accepts() -> None:
    assert sheet_name("award-NT-1405-01") == "تخصیص مناقصه"
    assert sheet_name("a/b:c*d?[e]") == "a b c d  e"
    assert len(sheet_name("ب" * 40)) == 31
    assert sheet_name("") == "داده‌ها"


def test_a_timestamp_is_shown_as_the_day_it_was_in_tehran() -> None:
    # 21:00 UTC on 20 March 2026 is 00:30 on 21 March in Tehran: 1 Farvardin 1405
    late = dt.datetime(2026, 3, 20, 21, 0)
    book = load_workbook(
        io.BytesIO(
            write_table(["paid_at"], [[late], [late.replace(tzinfo=dt.UTC)]], TableFormat.XLSX)
        )
    )
    assert [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)] == [
        "۱۴۰۵/۰۱/۰۱",
        "۱۴۰۵/۰۱/۰۱",
    ]
