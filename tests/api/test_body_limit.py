"""A request body over its limit is answered 413 before it is taken in, whether its length is
declared (Content-Length) or it streams in chunks; the file uploads have a larger limit."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.app import create_app
from darman.claims.schemas import MAX_LINES_PER_CLAIM, MAX_UNIT_PRICE_RIALS, ClaimIn
from darman.db.uow import UnitOfWork
from darman.registry.models import Facility
from darman.settings import Settings
from tests import factories as f

BODY_LIMIT = 4096
UPLOAD_LIMIT = 32_768


@pytest.fixture
def small_limits(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    limited = settings.model_copy(
        update={"max_body_bytes": BODY_LIMIT, "max_upload_bytes": UPLOAD_LIMIT}
    )
    with TestClient(
        create_app(limited, engine=engine, run_migrations=False), raise_server_exceptions=False
    ) as c:
        yield c


@pytest.fixture
def admin(small_limits: TestClient, uow: UnitOfWork) -> dict[str, str]:
    f.user(uow.session, username="adm")
    uow.commit()
    return f.token(small_limits, "adm")


def _facility_json(size: int) -> bytes:
    """A new facility as JSON, padded with spaces (still valid JSON) to exactly ``size``."""
    body = json.dumps(
        {
            "code": "T90001",
            "name": "بیمارستان آزمون",
            "ownership": "contracted",
            "kind": "hospital",
            "level": 2,
            "province_code": "01",
        }
    ).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def _chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _facilities(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(Facility)) or 0)


def _assert_too_large(resp, limit_text: str) -> None:
    assert resp.status_code == 413, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["status"] == 413
    assert problem["instance"].startswith("/api/v1/")
    # Persian, naming the limit: "... حداکثر ۴٬۰۹۶ بایت پذیرفته می‌شود."
    assert "بدنهٔ درخواست" in problem["detail"] and limit_text in problem["detail"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_json_body_one_byte_over_the_limit_is_refused_and_stores_nothing(
    small_limits: TestClient,
    admin: dict[str, str],
    session_factory: sessionmaker[Session],
    chunked: bool,
) -> None:
    body = _facility_json(BODY_LIMIT + 1)
    headers = {**admin, "Content-Type": "application/json"}
    content = _chunks(body) if chunked else body
    resp = small_limits.post("/api/v1/facilities", content=content, headers=headers)
    _assert_too_large(resp, "۴٬۰۹۶ بایت")
    assert _facilities(session_factory) == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_json_body_at_the_limit_is_taken_in(
    small_limits: TestClient,
    admin: dict[str, str],
    session_factory: sessionmaker[Session],
    chunked: bool,
) -> None:
    body = _facility_json(BODY_LIMIT)
    headers = {**admin, "Content-Type": "application/json"}
    content = _chunks(body) if chunked else body
    resp = small_limits.post("/api/v1/facilities", content=content, headers=headers)
    assert resp.status_code == 201, resp.text
    assert _facilities(session_factory) == 1


def test_a_declared_length_over_the_limit_is_refused_before_anything_else_is_asked(
    small_limits: TestClient,
) -> None:
    # no credentials at all: the length alone answers, before the route or its checks run
    resp = small_limits.post(
        "/api/v1/facilities",
        content=_facility_json(BODY_LIMIT + 1),
        headers={"Content-Type": "application/json"},
    )
    _assert_too_large(resp, "۴٬۰۹۶ بایت")


def _blank_ndjson(size: int) -> bytes:
    """An NDJSON claims file of blank lines only: no records, ``size`` bytes."""
    return b"\n" * size


def _bulk_form(ndjson: bytes) -> tuple[bytes, str]:
    """A multipart form with one file field, as the bulk route takes it."""
    boundary = "darman-test-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="claims.ndjson"\r\n'
        "Content-Type: application/x-ndjson\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + ndjson + tail, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_claims_file_over_the_body_limit_is_an_upload_and_is_taken_in(
    small_limits: TestClient, admin: dict[str, str], chunked: bool
) -> None:
    body, content_type = _bulk_form(_blank_ndjson(UPLOAD_LIMIT // 2))
    assert BODY_LIMIT < len(body) < UPLOAD_LIMIT
    content = _chunks(body) if chunked else body
    resp = small_limits.post(
        "/api/v1/claims/bulk", content=content, headers={**admin, "Content-Type": content_type}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["records"] == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_claims_file_over_the_upload_limit_is_refused(
    small_limits: TestClient, admin: dict[str, str], chunked: bool
) -> None:
    body, content_type = _bulk_form(_blank_ndjson(UPLOAD_LIMIT))
    assert len(body) > UPLOAD_LIMIT
    content = _chunks(body) if chunked else body
    resp = small_limits.post(
        "/api/v1/claims/bulk", content=content, headers={**admin, "Content-Type": content_type}
    )
    _assert_too_large(resp, "۳۲٬۷۶۸ بایت")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_the_fhir_facade_answers_a_body_over_the_limit_as_an_operation_outcome(
    small_limits: TestClient, admin: dict[str, str], chunked: bool
) -> None:
    body = json.dumps({"resourceType": "Claim", "note": "x" * BODY_LIMIT}).encode()
    content = _chunks(body) if chunked else body
    resp = small_limits.post(
        "/fhir/r4/Claim",
        content=content,
        headers={**admin, "Content-Type": "application/fhir+json"},
    )
    assert resp.status_code == 413, resp.text
    assert resp.headers["content-type"] == "application/fhir+json"
    outcome = resp.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "too-long"
    assert "۴٬۰۹۶ بایت" in outcome["issue"][0]["diagnostics"]


def test_the_default_body_limit_admits_the_largest_claim_with_room_to_spare() -> None:
    # every field at its longest, the most lines, indented as a person might send it
    line = {
        "item_type": "service",
        "code": "9" * 16,
        "service_date": "1405/12/29",
        "quantity": 10_000,
        "unit_price_rials": MAX_UNIT_PRICE_RIALS,
    }
    largest = {
        "facility_code": "F" * 16,
        "document_number": "9" * 32,
        "national_id": "0499370899",
        "practitioner_council_number": "9" * 16,
        "visit_type": "inpatient",
        "admission_date": "1405/12/01",
        "discharge_date": "1405/12/29",
        "diagnoses": ["A00.1234"] * 20,
        "referral_ref": "R" * 32,
        "prescription_ref": "P" * 32,
        "draft": False,
        "lines": [line] * MAX_LINES_PER_CLAIM,
    }
    ClaimIn.model_validate(largest)
    size = len(json.dumps(largest, indent=4).encode())
    assert size * 4 < Settings(secret_key="s" * 40).max_body_bytes
