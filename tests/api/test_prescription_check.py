"""The dry-run check, an ordinary route with a declared body: it refuses bad bodies field
by field, knows every way of signing in, records an API key's use, judges nobody's body
before knowing the caller, and is documented."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from darman.db.uow import UnitOfWork
from darman.security.deps import TOKEN_COOKIE
from darman.security.models import ApiKey
from tests import factories as f
from tests.integration.prescriptions.world import World, committed, drug

CHECK = "/api/v1/prescriptions/check"


@pytest.fixture
def world(session_factory, client: TestClient) -> World:
    return committed(session_factory)


def _api_key(client: TestClient, username: str) -> dict[str, str]:
    made = client.post(
        "/api/v1/api-keys",
        json={"username": username, "name": "HIS"},
        headers=f.token(client, "boss"),
    )
    assert made.status_code == 201, made.text
    return {"X-API-Key": made.json()["key"]}


def test_a_bad_body_is_problem_json_naming_each_field(client, world) -> None:
    doc = f.token(client, "doc")
    body = {
        "national_id": world.nid,
        "lines": [drug("10005", 10, 5), {"kind": "drug", "code": "10006", "quantity": 0}],
    }
    resp = client.post(CHECK, json=body, headers=doc)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    errors = resp.json()["errors"]
    assert {e["in"] for e in errors} == {"body"}
    assert {e["field"] for e in errors} >= {"lines.1.quantity"}

    missing = client.post(CHECK, json={"lines": [drug("10005")]}, headers=doc)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["national_id"]

    broken = client.post(
        CHECK, content=b'{"national_id": ', headers={**doc, "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["in"] == "body"


def test_persian_digits_in_the_national_id_are_read_as_digits(client, world) -> None:
    persian = world.nid.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    resp = client.post(
        CHECK,
        json={"national_id": persian, "lines": [drug("10006", 45, 5)]},
        headers=f.token(client, "doc"),
    )
    assert resp.status_code == 200, resp.text
    assert [(x["field"], x["code"]) for x in resp.json()] == [("lines.0.quantity", "P04")]


def test_the_caller_comes_before_the_body(client, world) -> None:
    """Without credentials the answer is 401 whatever the body, with the challenge."""
    for body in ({"national_id": world.nid, "lines": [drug("10005")]}, {"lines": "nonsense"}):
        resp = client.post(CHECK, json=body)
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"] == "Bearer"
    bogus = client.post(
        CHECK,
        json={"national_id": world.nid, "lines": [drug("10005")]},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert bogus.status_code == 401
    wrong_scheme = client.post(
        CHECK,
        json={"national_id": world.nid, "lines": [drug("10005")]},
        headers={"Authorization": "Basic " + f.token(client, "doc")["Authorization"][7:]},
    )
    assert wrong_scheme.status_code == 401


def test_a_bearer_token_an_api_key_and_the_sign_in_cookie_each_name_the_physician(
    client, world
) -> None:
    body = {"national_id": world.nid, "lines": [drug("10006", 45, 5)]}
    token = f.token(client, "doc")
    ways = [token, _api_key(client, "doc")]
    answers = [client.post(CHECK, json=body, headers=h) for h in ways]
    client.cookies.set(TOKEN_COOKIE, token["Authorization"].removeprefix("Bearer "))
    answers.append(client.post(CHECK, json=body))
    client.cookies.clear()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()[0]["code"] == "P04"
    # the same key of a pharmacist: known, but not a prescriber
    assert client.post(CHECK, json=body, headers=_api_key(client, "pharm_a")).status_code == 403


def test_an_api_keys_use_on_the_check_is_recorded_once_a_minute(
    client, world, session_factory
) -> None:
    key = _api_key(client, "doc")

    def last_used() -> dt.datetime | None:
        with UnitOfWork(session_factory) as u:
            return u.session.scalar(select(ApiKey.last_used_at))

    body = {"national_id": world.nid, "lines": [drug("10005")]}
    assert last_used() is None
    assert client.post(CHECK, json=body, headers=key).status_code == 200
    first = last_used()
    assert first is not None
    earlier = first - dt.timedelta(minutes=2)
    with UnitOfWork(session_factory) as u:
        u.session.execute(update(ApiKey).values(last_used_at=earlier))
        u.commit()
    # a refused body still used the key
    assert client.post(CHECK, json={"lines": []}, headers=key).status_code == 422
    assert last_used() > earlier


def test_the_openapi_document_still_describes_the_check(client) -> None:
    doc = client.get("/openapi.json").json()
    op = doc["paths"][CHECK]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/PrescriptionIn"
    assert "national_id" in doc["components"]["schemas"]["PrescriptionIn"]["properties"]
    answer = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["items"]["$ref"] == "#/components/schemas/FindingRead"
    assert op["security"] == [{"OAuth2PasswordBearer": []}, {"APIKeyHeader": []}]
    assert set(doc["components"]["securitySchemes"]) >= {"OAuth2PasswordBearer", "APIKeyHeader"}


def test_the_body_is_judged_as_a_declared_body_would_be(client, world) -> None:
    """JSON only under a JSON content type, an empty body is a missing one, a byte-order
    mark is allowed, bytes that are not text are a 400: as on the issue route."""
    doc = f.token(client, "doc")
    body = json.dumps({"national_id": world.nid, "lines": [drug("10006", 45, 5)]}).encode()

    def post(content: bytes, content_type: str | None, path: str = CHECK) -> Any:
        headers = {**doc, **({"content-type": content_type} if content_type else {})}
        return client.post(path, content=content, headers=headers)

    for path in (CHECK, "/api/v1/prescriptions"):
        plain = post(body, "text/plain", path)
        assert plain.status_code == 422, path
        assert plain.json()["errors"][0]["in"] == "body"
        assert post(b"", "application/json", path).json()["errors"][0]["reason"] == (
            "Field required"
        )
        assert post(b'{"national_id": "\xff"}', "application/json", path).status_code == 400
    assert post(body, "application/json; charset=utf-8").status_code == 200
    assert post(body, "application/fhir+json").status_code == 200
    assert post(b"\xef\xbb\xbf" + body, "application/json").status_code == 200
    broken = post(b'{"national_id": ', "application/json")
    assert broken.json()["errors"][0]["reason"] == "JSON decode error"
    spaced = {"Authorization": doc["Authorization"].replace("Bearer ", "Bearer  ")}
    spaced_answer = client.post(
        CHECK, content=body, headers={**spaced, "content-type": "application/json"}
    )
    assert spaced_answer.status_code == 200
