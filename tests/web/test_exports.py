"""Every Excel file Darman offers is one people here can use as it opens: a right-to-left
sheet with a Persian name, the header row frozen and bold, columns wide enough for what
they hold, numbers stored as numbers with a thousands separator, and dates in the Jalali
calendar (never a Gregorian day, never an Excel date serial). The CSV files write the same
Jalali days. One seeded country; each export fetched the way a user fetches it."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session, sessionmaker

from darman.common.excel import DECIMAL_FORMAT, INTEGER_FORMAT, NARROWEST
from darman.db.uow import UnitOfWork
from darman.security.enums import Role
from darman.synth import service as synth
from tests import factories as f

PERSIAN = re.compile(r"[\u0600-\u06FF]")
GREGORIAN = re.compile(r"\b(19|20)\d\d[-/](0?[1-9]|1[0-2])[-/](0?[1-9]|[12]\d|3[01])\b")
JALALI = re.compile(r"^[۱1][۳4۴3][۰-۹0-9]{2}/[۰-۹0-9]{2}/[۰-۹0-9]{2}$")

# (address, a date column it must show in Jalali, or None)
EXPORTS = [
    ("/api/v1/registry/facilities/export?format=xlsx", None),
    ("/api/v1/registry/insured/export?format=xlsx", "birth_date"),
    ("/api/v1/registry/coverage/export?format=xlsx", "start_date"),
    ("/api/v1/registry/practitioners/export?format=xlsx", None),
    ("/api/v1/registry/services/export?format=xlsx", None),
    ("/api/v1/registry/drugs/export?format=xlsx", None),
    ("/api/v1/registry/tariffs/export?format=xlsx", None),
    ("/api/v1/planning/facts?format=xlsx", None),
    ("/api/v1/planning/deprivation?format=xlsx", None),
    ("/api/v1/planning/equity?format=xlsx", None),
    ("/planning/equity?download=xlsx", None),
]


@pytest.fixture
def country(client: TestClient, session_factory: sessionmaker[Session]) -> Iterator[dict[str, str]]:
    with UnitOfWork(session_factory) as uow:
        synth.seed(uow.session, scale=0.0002, seed=9)
        f.user(uow.session, username="boss", role=Role.ADMIN)
        uow.commit()
    headers = f.token(client, "boss")
    response = client.post(
        "/login", data={"username": "boss", "password": f.PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303
    yield headers


def _header_of(field: str) -> str:
    from darman.registry.transfer_headers import header_fa

    return header_fa(field)


def _check_workbook(content: bytes, date_column: str | None) -> dict[str, Any]:
    book = load_workbook(io.BytesIO(content))
    assert len(book.worksheets) == 1
    ws = book.worksheets[0]
    assert PERSIAN.search(ws.title), ws.title  # a Persian name, not Sheet or a file's key
    assert ws.sheet_view.rightToLeft is True
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header and all(c.font.bold for c in ws[1])
    rows = list(ws.iter_rows(min_row=2))
    assert rows, "an export of the seeded country holds rows"
    for col, title in enumerate(header, start=1):
        width = ws.column_dimensions[get_column_letter(col)].width
        longest = max(len(str(title)), *(len(str(r[col - 1].value or "")) for r in rows[:200]))
        assert width >= min(NARROWEST, longest), (title, width, longest)
    for row in rows:
        for c in row:
            value = c.value
            assert not isinstance(value, dt.date | dt.datetime), (c.coordinate, value)
            if isinstance(value, str):
                assert not GREGORIAN.search(value), (c.coordinate, value)
                # a number stored as text would not add up in Excel; codes and IDs are
                # text on purpose (leading zeros kept)
                if re.fullmatch(r"-?[\d,]+", value):
                    assert CODE.search(str(header[c.column - 1])), (c.coordinate, value)
            if isinstance(value, int | float) and not isinstance(value, bool):
                # stored as a number and shown with the thousands separator
                assert c.number_format in (INTEGER_FORMAT, DECIMAL_FORMAT), (
                    c.coordinate, c.number_format,
                )  # fmt: skip
    if date_column is not None:
        at = header.index(_header_of(date_column))
        days = [r[at].value for r in rows if r[at].value]
        assert days and all(JALALI.match(str(d)) for d in days), days[:3]
    return {"title": ws.title, "rows": len(rows)}


# the headers of columns that hold codes, kept as text (national IDs, facility codes...)
CODE = re.compile(r"کد|شماره|شناسه")


def test_every_excel_export_opens_as_people_here_expect_and_the_csv_days_are_jalali(
    client: TestClient, country: dict[str, str]
) -> None:
    # one seeded country for every file: seeding is most of the test's time
    for address, date_column in EXPORTS:
        answer = client.get(address, headers=country)
        assert answer.status_code == 200, (address, answer.text[:300])
        assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
        _check_workbook(answer.content, date_column)
    for table, date_column in (("insured", "birth_date"), ("coverage", "start_date")):
        answer = client.get(f"/api/v1/registry/{table}/export?format=csv", headers=country)
        assert answer.status_code == 200
        text = answer.content.decode("utf-8-sig")
        assert not GREGORIAN.search(text), table
        lines = text.splitlines()
        at = lines[0].split(",").index(_header_of(date_column))
        days = [line.split(",")[at] for line in lines[1:] if line.split(",")[at]]
        assert days and all(JALALI.match(d) for d in days), days[:3]
