"""The Excel file of a page's table, answered as a download: every page's export goes
through here to ``tabular.write_table`` (and so ``common/excel.py``), named after the
export so its sheet gets the export's Persian name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi import Response

from darman.common.tabular import MEDIA_TYPES, TableFormat, write_table

Table = tuple[Sequence[str], Iterable[Sequence[object]]]


def xlsx(table: Table, name: str) -> Response:
    """``table`` (header, rows) as ``name.xlsx``; ``name`` also names the sheet (its Persian
    name when ``excel.SHEET_NAMES_FA`` knows the export)."""
    header, rows = table
    return Response(
        write_table(header, rows, TableFormat.XLSX, sheet=name),
        media_type=MEDIA_TYPES[TableFormat.XLSX],
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
