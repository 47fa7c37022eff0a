"""Bulk files that are damaged or contradict themselves: refused with the row, nothing lost."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
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
    assert "ردیف 2" in problem["reason"]
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


DEEP = "[" * 1000 + "]" * 1000  # a thousand nested arrays


def _deep_file(world: dict[str, Any]) -> bytes:
    """A good claim, a line of nothing but nesting, a good claim after it."""
    second = claim(world, "A2")
    second["lines"][0]["service_date"] = "1405/07/02"
    return "\n".join([json.dumps(claim(world, "A1")), DEEP, json.dumps(second)]).encode()


def test_a_deeply_nested_bulk_line_is_reported_by_number_and_the_lines_after_it_are_stored(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    answer = client.post(
        "/api/v1/claims/bulk",
        files={"file": ("c.ndjson", _deep_file(world), "application/x-ndjson")},
        headers=world["desk"],
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["accepted"] == 2
    (problem,) = report["problems"]
    assert problem["row"] == 2
    assert problem["reason"].startswith("JSON درست نیست: recursion limit exceeded")
    with session_factory() as s:
        assert sorted(s.scalars(select(Claim.document_number))) == ["A1", "A2"]


def test_claims_submit_reports_a_deeply_nested_line_and_stores_the_good_ones(
    world: dict[str, Any], session_factory, engine, monkeypatch, tmp_path
) -> None:
    from typer.testing import CliRunner

    from darman.cli import context
    from darman.cli.main import app
    from darman.settings import get_settings

    path = tmp_path / "deep.ndjson"
    path.write_bytes(_deep_file(world))
    monkeypatch.setenv("DARMAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    context.engine.cache_clear()
    try:
        result = CliRunner().invoke(app, ["claims", "submit", str(path)], env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
        context.engine.cache_clear()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output  # problems found, the rest stored
    assert "۲ سند پذیرفته شد" in result.output
    assert "recursion limit exceeded" in result.output
    with session_factory() as s:
        assert sorted(s.scalars(select(Claim.document_number))) == ["A1", "A2"]


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_a_deeply_nested_prescription_check_body_is_a_problem_not_a_server_error(
    client: TestClient, world: dict[str, Any], depth: int
) -> None:
    answer = client.post(
        "/api/v1/prescriptions/check",
        content="[" * depth + "]" * depth,
        headers={**world["admin"], "content-type": "application/json"},
    )
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_line_with_a_wrong_value_is_refused_in_persian_at_its_own_row(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = tariff("100102")
    h = world["hospital"]
    rows = [
        f"{h},D7,{world['nid']},outpatient,J06.9,service,100102,1405/07/01,1,{price}",
        f"{h},D7,,,,medicine,100102,1405/07/02,1,{price}",  # the document's second line
        f"{h},D8,{world['nid']},clinic,J06.9,service,100102,1405/07/04,1,{price}",  # row 4
    ]
    body = ("\n".join([HEADER, *rows]) + "\n").encode()
    report = client.post(
        "/api/v1/claims/bulk", files={"file": ("c.csv", body, "text/csv")}, headers=world["desk"]
    ).json()
    found = {(p["row"], p["field"]): p["reason"] for p in report["problems"]}
    assert found[(3, "lines.1.item_type")] == (
        "«medicine» پذیرفته نیست: باید یکی از «service» یا «drug» باشد"
    )
    assert found[(4, "visit_type")].startswith("«clinic» پذیرفته نیست: باید یکی از «outpatient»")
    assert not any("Input should" in reason for reason in found.values())
    assert _count(session_factory, Claim) == 0
