from __future__ import annotations

import re

import pytest

from darman.common.errors import InvalidInput
from darman.common.tabular import TableFormat, read_table, write_table
from tests.factories.workbooks import facilities_cut_in_half


def test_a_utf8_bom_and_persian_digits_are_cleaned_and_rows_numbered_as_in_the_file() -> None:
    content = "\ufeffcode,name\n۱۲,علي\n\n٣٤,كريم\n".encode()
    header, rows = read_table(content, TableFormat.CSV, name="people.csv")
    assert header == ["code", "name"]
    assert [(r.number, r.values) for r in rows] == [
        (2, {"code": "12", "name": "علی"}),
        (4, {"code": "34", "name": "کریم"}),
    ]


def test_excel_round_trips_and_numbers_come_back_as_text() -> None:
    data = write_table(["code", "amount"], [["A", 1200], ["B", 5]], TableFormat.XLSX)
    header, rows = read_table(data, TableFormat.XLSX, name="amounts.xlsx")
    assert header == ["code", "amount"]
    assert [r.values for r in rows] == [
        {"code": "A", "amount": "1200"},
        {"code": "B", "amount": "5"},
    ]


def test_writing_the_same_rows_twice_gives_identical_bytes() -> None:
    rows = [["x", 1], ["y", 2]]
    assert write_table(["a", "b"], rows, TableFormat.XLSX) == write_table(
        ["a", "b"], rows, TableFormat.XLSX
    )


def test_a_non_utf8_file_is_refused_with_advice() -> None:
    with pytest.raises(InvalidInput, match="UTF-8"):
        read_table("code\n\xe9".encode("latin-1"), TableFormat.CSV, name="old.csv")


def test_an_unknown_extension_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"\.csv and \.xlsx"):
        TableFormat.from_filename("data.ods")


def test_a_sheet_cut_in_half_is_refused_naming_the_file_and_the_sheet() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_table(facilities_cut_in_half(), TableFormat.XLSX, name="مراکز.xlsx")
    detail = caught.value.detail
    assert re.search(r"کاربرگ «داده‌ها» در فایل «مراکز\.xlsx» پس از ردیف \d+ آسیب دیده است", detail)
    assert "ParseError" in detail and "هیچ ردیفی از این فایل وارد نشد" in detail


@pytest.mark.parametrize(
    "content",
    [b"code,name\nA,x\n", b"PK\x03\x04 not really a zip", b"\x00" * 64],
    ids=["csv-text", "broken-zip", "zeros"],
)
def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused_naming_it(content: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_table(content, TableFormat.XLSX, name="tariffs.xlsx")
    assert caught.value.detail.startswith("فایل «tariffs.xlsx» کارپوشه‌ی Excel خواندنی نیست")
    assert "BadZipFile" in caught.value.detail


@pytest.mark.parametrize("fmt", list(TableFormat))
def test_an_empty_file_is_refused_naming_it(fmt: TableFormat) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_table(b"", fmt, name=f"empty.{fmt}")
    assert caught.value.detail == (f"فایل «empty.{fmt}» خالی است: ردیف اول آن باید نام ستون‌ها باشد")
