"""Excel files damaged the ways they arrive damaged."""

from __future__ import annotations

import io
import zipfile

from darman.common.tabular import TableFormat, write_table


def with_sheet_cut_in_half(xlsx: bytes) -> bytes:
    """The workbook with its first sheet's XML cut in half, as an interrupted copy leaves it."""
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return damaged.getvalue()


def facilities_cut_in_half(rows: int = 200) -> bytes:
    """A facilities import of ``rows`` good rows whose sheet is cut in half."""
    header = ["code", "name", "ownership", "kind", "level", "province_code", "city"]
    body = [[f"C{i:04d}", f"مرکز {i}", "owned", "clinic", 1, "19", "قم"] for i in range(rows)]
    return with_sheet_cut_in_half(write_table(header, body, TableFormat.XLSX))
