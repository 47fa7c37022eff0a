"""Bulk files that are damaged or contradict themselves: refused with the row, nothing lost."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from darman.claims.models import Claim, ClaimLine
from tests.integration.claims.conftest import claim, tariff

HEADER = (
    "facility_code,document_number,national_id,visit_type,diagnoses,"
    "item_type,code,service_date,quantity,unit_price_rials"
)


def _count(session_factory, model: Any) -> int:
    with session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_document_whose_later_row_names_another_patient_is_refused_at_that_row(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = tariff("100102")
    h = world["hospital"]
    rows = [
        f"{h},D1,{world['nid']},outpatient,J06.9,service,100102,1405/07/01,1,{price}",
        f"{h},D1,,,,service,100102,1405/07/02,1,{price}",  # empty claim cells: same claim
        f"{h},D1,{world['nid']},inpatient,A00,service,100102,1405/07/03,1,{price}",
        f"{h},D2,{world['nid']},outpatient,J06.9,service,100102,1405/07/04,1,{price}",
    ]
    body = ("\n".join([HEADER, *rows]) + "\n").encode()
    report = client.post(
        "/api/v1/claims/bulk", files={"file": ("c.csv", body, "text/csv")}, headers=world["desk"]
    ).json()
    assert report["accepted"] == 1
    (problem,) = report["problems"]
    assert problem["row"] == 4 and problem["field"] == "visit_type"
    assert "row 2" in problem["reason"]
    with session_factory() as s:
        assert list(s.scalars(select(Claim.document_number))) == ["D2"]


def test_a_damaged_excel_sheet_is_refused_and_stores_nothing(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for i in range(50):
        sheet.append(
            [
                world["hospital"],
                f"X{i}",
                world["nid"],
                "outpatient",
                "J06.9",
                "service",
                "100102",
                "1405/07/01",
                1,
                tariff("100102"),
            ]
        )
    good = io.BytesIO()
    book.save(good)
    damaged = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut the sheet's XML in half
            dst.writestr(item, data)
    answer = client.post(
        "/api/v1/claims/bulk",
        files={"file": ("d.xlsx", damaged.getvalue(), "application/octet-stream")},
        headers=world["desk"],
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "Excel" in answer.json()["detail"]
    assert _count(session_factory, Claim) == 0


def test_control_characters_in_a_document_number_are_refused_on_either_database(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    one = client.post("/api/v1/claims", json=claim(world, "D9\u0000"), headers=world["desk"])
    assert one.status_code == 422 and "document_number" in one.text
    records = [claim(world, "N1"), claim(world, "N2\u0000")]
    records[1]["lines"][0]["service_date"] = "1405/07/02"
    body = "\n".join(json.dumps(r) for r in records).encode()
    report = client.post(
        "/api/v1/claims/bulk",
        files={"file": ("c.ndjson", body, "application/x-ndjson")},
        headers=world["desk"],
    ).json()
    assert report["accepted"] == 1
    assert report["problems"][0]["row"] == 2
    assert "document_number" in report["problems"][0]["field"]
    assert _count(session_factory, ClaimLine) == 1
