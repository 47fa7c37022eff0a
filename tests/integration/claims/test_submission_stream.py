"""Bulk submission as a stream, on both databases: per-batch acknowledgements over HTTP
(Accept: application/x-ndjson), record and row ranges, per-record problems in the batch
that found them, and claims stored exactly as a single submission stores them."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from darman.claims.models import Claim, ClaimLine
from darman.claims.submission import submit_stream
from darman.security.principal import SYSTEM
from tests.integration.claims.conftest import claim as _claim

NDJSON = {"Accept": "application/x-ndjson"}


def _lines(records: list[dict[str, Any] | str]) -> bytes:
    out = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return ("\n".join(out) + "\n").encode("utf-8")


def _stream(client: TestClient, body: bytes, headers: dict[str, str]) -> list[dict[str, Any]]:
    files = {"file": ("claims.ndjson", body, "application/x-ndjson")}
    resp = client.post("/api/v1/claims/bulk", files=files, headers={**headers, **NDJSON})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in resp.text.splitlines()]


def test_a_streamed_upload_acknowledges_each_batch_with_its_ranges_counts_and_problems(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    client.post("/api/v1/claims", json=_claim(world, "777777"), headers=world["admin"])
    records: list[dict[str, Any] | str] = [_claim(world, f"{100_000 + i}") for i in range(2_100)]
    records[2]["lines"][0]["quantity"] = 0  # type: ignore[index]  # file line 3
    records.insert(4, "")  # a blank line: not a record, but it moves the rows after it
    records[1_200] = "{not json"  # file line 1,201, record 1,200
    records[2_050] = _claim(world, "777777", visit_type="emergency")  # conflict, line 2,051
    records[2_060] = _claim(world, "888888", facility_code=world["other"])  # out of scope
    lines = _stream(client, _lines(records), world["desk"])

    assert [line["type"] for line in lines] == ["batch", "batch", "batch", "summary"]
    first, second, third, summary = lines
    assert (first["first_record"], first["last_record"]) == (1, 1_000)
    assert (first["first_row"], first["last_row"]) == (1, 1_001)
    assert (second["first_record"], second["last_record"]) == (1_001, 2_000)
    assert (second["first_row"], second["last_row"]) == (1_002, 2_001)
    assert (third["first_record"], third["last_record"]) == (2_001, 2_100)
    assert [(p["row"], p["field"]) for p in first["problems"]] == [(3, "lines.0.quantity")]
    assert [(p["row"], p["field"]) for p in second["problems"]] == [(1_201, None)]
    assert [(p["row"], p["field"]) for p in third["problems"]] == [
        (2_051, "document_number"),
        (2_061, "facility_code"),
    ]
    assert (first["accepted"], first["rejected"]) == (999, 1)
    assert (second["accepted"], second["rejected"]) == (999, 1)
    assert (third["accepted"], third["conflicts"], third["rejected"]) == (98, 1, 1)
    for batch in (first, second, third):
        assert batch["records"] == (
            batch["accepted"] + batch["unchanged"] + batch["conflicts"] + batch["rejected"]
        )
    assert summary == {
        "type": "summary",
        "batches": 3,
        "records": 2_100,
        "accepted": 2_096,
        "unchanged": 0,
        "conflicts": 1,
        "rejected": 3,
        "problem_count": 4,
    }
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == 2_097

    again = _stream(client, _lines(records), world["desk"])[-1]
    assert (again["accepted"], again["unchanged"], again["conflicts"]) == (0, 2_096, 1)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == 2_097
        assert s.scalar(select(func.count()).select_from(ClaimLine)) == 2_097


def test_a_file_that_cannot_be_read_at_all_is_refused_before_any_progress_line(
    client: TestClient, world: dict[str, Any]
) -> None:
    files = {"file": ("c.csv", b"facility_code,oops\nx,y\n", "text/csv")}
    resp = client.post("/api/v1/claims/bulk", files=files, headers={**world["desk"], **NDJSON})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in resp.json()["errors"]} >= {"document_number", "oops"}


def test_the_endpoint_documents_the_ndjson_progress_answer(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/v1/claims/bulk"]["post"]
    content = op["responses"]["200"]["content"]
    assert set(content) == {"application/json", "application/x-ndjson"}
    kinds = {
        s["properties"]["type"]["const"] for s in content["application/x-ndjson"]["schema"]["oneOf"]
    }
    assert kinds == {"batch", "summary", "error"}
    assert "Accept: application/x-ndjson" in op["description"]


def test_a_claim_from_a_bulk_file_is_stored_as_a_single_submission_stores_it(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    single = _claim(world, "5101", diagnoses=["J06.9", "R50.9"])
    client.post("/api/v1/claims", json=single, headers=world["desk"])
    files = {"file": ("c.ndjson", _lines([{**single, "document_number": "5102"}]), "x")}
    report = client.post("/api/v1/claims/bulk", files=files, headers=world["desk"]).json()
    assert report["accepted"] == 1
    ids = {}
    with session_factory() as s:
        for doc in ("5101", "5102"):
            ids[doc] = s.scalar(select(Claim.id).where(Claim.document_number == doc))
        stamps = s.execute(text("SELECT CAST(submitted_at AS VARCHAR) FROM claims")).scalars()
        # PostgreSQL prints a fraction without its trailing zeros, so only the digits
        # before it and the zone are compared
        shapes = {re.sub(r"\d", "9", re.sub(r"\.\d+", "", str(v))) for v in stamps}
    assert len(shapes) == 1  # the same stored form of the timestamp
    a, b = (
        client.get(f"/api/v1/claims/{ids[d]}", headers=world["desk"]).json()
        for d in ("5101", "5102")
    )
    for row in (a, b):
        row.pop("id")
        row.pop("document_number")
        assert re.search(r"(\+00:00|Z)$", row.pop("submitted_at"))
    assert a == b


def test_a_draft_is_replaced_by_the_bulk_record_and_its_lines_go_with_it(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    draft = _claim(world, "5201", draft=True)
    draft["lines"].append({**draft["lines"][0], "code": "300108"})
    client.post("/api/v1/claims", json=draft, headers=world["desk"])
    files = {"file": ("c.ndjson", _lines([_claim(world, "5201")]), "x")}
    report = client.post("/api/v1/claims/bulk", files=files, headers=world["desk"]).json()
    assert (report["accepted"], report["conflicts"]) == (1, 0)
    with session_factory() as s:
        claims = s.scalars(select(Claim).where(Claim.document_number == "5201")).all()
        assert [c.status for c in claims] == ["submitted"]
        assert s.scalars(select(ClaimLine.code)).all() == ["100102"]


def test_ndjson_lines_are_split_on_newlines_only_and_keep_persian_digits_and_a_bom(
    world: dict[str, Any], session_factory
) -> None:
    persian = _claim(world, "۵۳۰۱", referral_ref="a\u2028b")
    persian["lines"][0]["quantity"] = "۲"
    body = b"\xef\xbb\xbf" + _lines([persian]) + b'{"facility_code": "\xff"}\n'
    acks = list(submit_stream(session_factory, SYSTEM, io.BytesIO(body), "ndjson"))
    assert [(a.records, a.accepted) for a in acks] == [(2, 1)]
    assert [(p.row, p.reason.split(":")[0]) for p in acks[0].problems] == [(2, "متن UTF-8 نیست")]
    with session_factory() as s:
        stored = s.scalar(select(Claim).where(Claim.document_number == "5301"))
        assert stored is not None and stored.referral_ref == "a\u2028b"
        assert s.scalar(select(ClaimLine.quantity)) == 2


def test_batches_are_committed_at_the_size_asked_and_each_one_is_acknowledged_once(
    world: dict[str, Any], session_factory
) -> None:
    body = _lines([_claim(world, f"54{i:02d}") for i in range(7)])
    seen = []
    for ack in submit_stream(session_factory, SYSTEM, io.BytesIO(body), "ndjson", size=3):
        with session_factory() as s:  # committed before it is handed out
            seen.append((ack.first_record, ack.last_record, s.scalar(select(func.count(Claim.id)))))
    assert seen == [(1, 3, 3), (4, 6, 6), (7, 7, 7)]
