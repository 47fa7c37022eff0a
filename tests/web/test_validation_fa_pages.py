"""A person never reads the validator's English: a page's malformed address answers the
Persian error page naming the field, and the REST API's problem carries a Persian reason
beside the validator's own message and error type."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from darman.security.enums import Role
from tests import factories as f
from tests.web.test_claims_pages import login


def _analyst(session_factory: sessionmaker[Session]) -> None:
    with UnitOfWork(session_factory) as uow:
        f.user(uow.session, username="hq", role=Role.HQ_ANALYST)
        uow.commit()


def test_a_pages_malformed_field_answers_the_persian_error_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _analyst(session_factory)
    login(client, "hq")
    page = client.get("/population/epidemic/statements/abc")
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "statement_id: «abc» پذیرفته نیست: باید عدد صحیح باشد" in page.text
    assert "Input should" not in page.text and "parsing" not in page.text


def test_the_apis_invalid_input_carries_a_persian_reason_beside_the_machine_code(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _analyst(session_factory)
    headers = f.token(client, "hq")
    answer = client.post("/api/v1/claims/payment-runs", json={"run_key": "x"}, headers=headers)
    assert answer.status_code == 422
    problem = answer.json()
    item = problem["errors"][0]
    assert (item["field"], item["in"], item["code"]) == ("budget_rials", "body", "missing")
    assert item["reason"] == "Field required"  # kept for programs
    assert item["reason_fa"] == "لازم است و خالی مانده"
    assert problem["detail"] == "ورودی پذیرفته نشد: budget_rials: لازم است و خالی مانده"
