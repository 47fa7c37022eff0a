"""Claims through the API on both databases: submission, idempotency, scope, bulk files
and adjudication written back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.claims.models import Claim, ClaimLine
from darman.synth import catalogue
from tests.integration.claims.conftest import claim as _claim
from tests.integration.claims.conftest import tariff as _tariff


def test_resending_a_claim_returns_the_stored_one_and_changed_content_is_a_conflict(
    client: TestClient, world: dict[str, Any]
) -> None:
    first = client.post("/api/v1/claims", json=_claim(world, "1001"), headers=world["desk"])
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post("/api/v1/claims", json=_claim(world, "1001"), headers=world["desk"])
    assert again.status_code == 200 and again.json()["claim_id"] == first.json()["claim_id"]
    changed = _claim(world, "1001", visit_type="emergency")
    conflict = client.post("/api/v1/claims", json=changed, headers=world["desk"])
    assert (
        conflict.status_code == 409 and conflict.json()["errors"][0]["field"] == "document_number"
    )


def test_a_draft_is_replaced_by_new_content(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    draft = client.post(
        "/api/v1/claims", json=_claim(world, "2001", draft=True), headers=world["desk"]
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    final = client.post(
        "/api/v1/claims", json=_claim(world, "2001", visit_type="emergency"), headers=world["desk"]
    )
    assert final.status_code == 201 and final.json()["status"] == "submitted"
    with session_factory() as s:
        rows = s.scalars(select(Claim).where(Claim.document_number == "2001")).all()
        assert [(r.visit_type, r.status) for r in rows] == [("emergency", "submitted")]


def test_a_provider_submits_and_reads_only_for_its_own_facility(
    client: TestClient, world: dict[str, Any]
) -> None:
    mine = client.post("/api/v1/claims", json=_claim(world, "3001"), headers=world["desk"]).json()
    theirs = client.post(
        "/api/v1/claims",
        json=_claim(world, "3002", facility_code=world["other"]),
        headers=world["admin"],
    ).json()
    refused = client.post(
        "/api/v1/claims",
        json=_claim(world, "3003", facility_code=world["other"]),
        headers=world["desk"],
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "facility_code"
    assert (
        client.get(f"/api/v1/claims/{mine['claim_id']}", headers=world["desk"]).status_code == 200
    )
    assert (
        client.get(f"/api/v1/claims/{theirs['claim_id']}", headers=world["desk"]).status_code == 404
    )
    listed = client.get("/api/v1/claims", headers=world["desk"]).json()
    assert [c["id"] for c in listed["items"]] == [mine["claim_id"]]


def test_a_bulk_file_keeps_good_records_and_names_the_line_of_each_bad_one(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    records = [_claim(world, f"40{i:02d}") for i in range(5)]
    records[1]["lines"][0]["quantity"] = 0  # line 2: quantity must be at least 1
    records[3]["national_id"] = "12345"  # line 4: not ten digits
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{not json\n"
    files = {"file": ("claims.ndjson", text.encode(), "application/x-ndjson")}
    report = client.post("/api/v1/claims/bulk", files=files, headers=world["desk"]).json()
    assert report["records"] == 6 and report["accepted"] == 3
    assert {(p["row"], p["field"]) for p in report["problems"]} == {
        (2, "lines.0.quantity"),
        (4, "national_id"),
        (6, None),
    }
    again = client.post("/api/v1/claims/bulk", files=files, headers=world["desk"]).json()
    assert again["accepted"] == 0 and again["unchanged"] == 3
    with session_factory() as s:
        assert len(s.scalars(select(Claim)).all()) == 3


def test_a_csv_with_persian_digits_groups_rows_into_claims(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = _tariff("100102")
    header = (
        "facility_code,document_number,national_id,visit_type,"
        "item_type,code,service_date,quantity,unit_price_rials"
    )
    rows = [
        f"{world['hospital']},۵۰۰۱,{world['nid']},outpatient,service,100102,۱۴۰۵/۰۷/۰۱,۱,{price}",
        f"{world['hospital']},۵۰۰۱,{world['nid']},outpatient,drug,10005,۱۴۰۵/۰۷/۰۱,۲,{catalogue.DRUG_PRICES['10005']}",
        f"{world['hospital']},5002,{world['nid']},outpatient,service,100102,1405/07/02,x,{price}",
    ]
    body = ("\ufeff" + "\n".join([header, *rows]) + "\n").encode()
    report = client.post(
        "/api/v1/claims/bulk", files={"file": ("c.csv", body, "text/csv")}, headers=world["desk"]
    ).json()
    assert report["accepted"] == 1
    assert report["problems"][0]["row"] == 4 and "quantity" in report["problems"][0]["field"]
    with session_factory() as s:
        claim = s.scalar(select(Claim).where(Claim.document_number == "5001"))
        assert claim is not None
        assert [
            line.code for line in s.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
        ] == ["100102", "10005"]


def test_adjudication_writes_decisions_back_and_counts_earlier_accepted_claims(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = _tariff("100102")
    over = _claim(world, "6001")
    over["lines"][0]["unit_price_rials"] = price + 50_000
    client.post("/api/v1/claims", json=over, headers=world["desk"])
    echo = _claim(
        world,
        "6002",
        lines=[
            {
                "item_type": "service",
                "code": "300108",
                "service_date": "1405/07/01",
                "quantity": 1,
                "unit_price_rials": _tariff("300108"),
            }
        ],
    )
    client.post("/api/v1/claims", json=echo, headers=world["desk"])
    run = client.post("/api/v1/claims/adjudicate", headers=world["admin"]).json()
    assert run["lines"] == 2
    first = client.get("/api/v1/claims?status=adjudicated", headers=world["desk"]).json()["items"]
    assert len(first) == 2
    detail = next(c for c in first if c["document_number"] == "6001")
    full = client.get(f"/api/v1/claims/{detail['id']}", headers=world["desk"]).json()
    line = full["lines"][0]
    assert line["reasons"] == ["D01"] and line["deducted_rials"] == 50_000
    assert line["allowed_rials"] == price and line["copay_rials"] == (price * 30 + 50) // 100
    assert "مازاد" in line["reasons_fa"][0]
    assert full["status"] == "adjudicated" and full["insurer_rials"] == price - line["copay_rials"]
    # the same echocardiography 30 days later: inside its 180-day window
    later = _claim(
        world,
        "6003",
        lines=[
            {
                "item_type": "service",
                "code": "300108",
                "service_date": "1405/08/01",
                "quantity": 1,
                "unit_price_rials": _tariff("300108"),
            }
        ],
    )
    client.post("/api/v1/claims", json=later, headers=world["desk"])
    assert client.post("/api/v1/claims/adjudicate", headers=world["admin"]).json()["rejected"] == 1
    with session_factory() as s:
        reasons = s.scalars(
            select(ClaimLine.reasons).where(ClaimLine.code == "300108").order_by(ClaimLine.id)
        ).all()
        assert reasons == ["", "R07"]


def test_only_national_staff_run_adjudication(client: TestClient, world: dict[str, Any]) -> None:
    assert client.post("/api/v1/claims/adjudicate", headers=world["desk"]).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_price_rials": 9 * 10**18, "quantity": 2}, "lines.0.unit_price_rials"),
        ({"quantity": 10_001}, "lines.0.quantity"),
        ({"service_date": "1405/13/01"}, "lines.0.service_date"),
        ({"item_type": "bed"}, "lines.0.item_type"),
    ],
)
def test_amounts_that_could_overflow_and_other_bad_lines_are_refused_with_the_field_named(
    client: TestClient, world: dict[str, Any], session_factory, change: dict[str, Any], field: str
) -> None:
    body = _claim(world, "9901")
    body["lines"][0].update(change)
    resp = client.post("/api/v1/claims", json=body, headers=world["desk"])
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == field
    with session_factory() as s:
        assert s.scalar(select(Claim.id)) is None
