from __future__ import annotations

import pytest

from darman.common.errors import InvalidInput
from darman.common.tabular import TableFormat, read_table, write_table


def test_a_utf8_bom_and_persian_digits_are_cleaned_and_rows_numbered_as_in_the_file() -> None:
    content = "\ufeffcode,name\n۱۲,علي\n\n٣٤,كريم\n".encode()
    header, rows = read_table(content, TableFormat.CSV)
    assert header == ["code", "name"]
    assert [(r.number, r.values) for r in rows] == [
        (2, {"code": "12", "name": "علی"}),
        (4, {"code": "34", "name": "کریم"}),
    ]


def test_excel_round_trips_and_numbers_come_back_as_text() -> None:
    data = write_table(["code", "amount"], [["A", 1200], ["B", 5]], TableFormat.XLSX)
    header, rows = read_table(data, TableFormat.XLSX)
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
        read_table("code\n\xe9".encode("latin-1"), TableFormat.CSV)


def test_an_unknown_extension_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"\.csv and \.xlsx"):
        TableFormat.from_filename("data.ods")
