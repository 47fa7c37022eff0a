"""The OpenAPI document lists what the API really answers: the problem+json errors with the
problem document's schema, and the media types of the downloads."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from darman.common.problems import Problem
from darman.common.tabular import XLSX_MEDIA_TYPE
from darman.db.uow import UnitOfWork
from tests import factories as f

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def admin(client: TestClient, uow: UnitOfWork) -> dict[str, str]:
    f.user(uow.session, username="adm")
    uow.commit()
    return f.token(client, "adm")


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    return dict(resp.json())


def _answers(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return dict(document["paths"][path][method]["responses"])


def _media_types(answer: dict[str, Any]) -> set[str]:
    return set(answer.get("content", {}))


def test_a_claim_that_does_not_exist_is_a_declared_404_problem(
    client: TestClient, admin: dict[str, str], document: dict[str, Any]
) -> None:
    resp = client.get("/api/v1/claims/999999", headers=admin)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == PROBLEM
    Problem.model_validate(resp.json())  # no field missing, none the schema does not name
    answers = _answers(document, "get", "/api/v1/claims/{claim_id}")
    assert answers["404"]["content"] == {PROBLEM: {"schema": PROBLEM_REF}}


def test_a_validation_error_is_declared_as_the_problem_it_is(
    client: TestClient, admin: dict[str, str], document: dict[str, Any]
) -> None:
    resp = client.get("/api/v1/claims/0", headers=admin)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == PROBLEM
    body = Problem.model_validate(resp.json())
    (item,) = body.errors
    assert (item.field, item.in_) == ("claim_id", "path")
    answers = _answers(document, "get", "/api/v1/claims/{claim_id}")
    # FastAPI's own 422 (a JSON list of "detail") is not what the API answers
    assert answers["422"]["content"] == {PROBLEM: {"schema": PROBLEM_REF}}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_problem_schema_in_the_document_is_the_problem_model(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert problem["additionalProperties"] is False
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ProblemItem"}
    assert set(schemas["ProblemItem"]["properties"]) == {
        "field",
        "in",
        "row",
        "reason",
        "code",
        "reason_fa",
    }


def test_every_rest_operation_declares_its_errors_as_problems_and_fhir_as_outcomes(
    document: dict[str, Any],
) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            errors = {status: a for status, a in answers.items() if status >= "400"}
            if path.startswith("/api/v1/"):
                expected = {"400", "401", "403", "404", "409", "413", "422"}
                assert expected <= errors.keys(), (method, path)
                assert all(_media_types(a) == {PROBLEM} for a in errors.values()), (method, path)
            elif path.startswith("/fhir/r4/"):
                assert {"413", "422"} <= errors.keys(), (method, path)
                assert all(_media_types(a) == {"application/fhir+json"} for a in errors.values()), (
                    method,
                    path,
                )


def test_an_export_answers_csv_as_its_document_says(
    client: TestClient, admin: dict[str, str], document: dict[str, Any]
) -> None:
    resp = client.get("/api/v1/registry/insured/export", headers=admin)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    ok = _answers(document, "get", "/api/v1/registry/{table}/export")["200"]
    assert _media_types(ok) == {"text/csv", XLSX_MEDIA_TYPE}


@pytest.mark.parametrize(
    ("path", "json_too"),
    [
        ("/api/v1/claims/payment-runs/{run_id}/remittance", False),
        ("/api/v1/planning/facts", True),
        ("/api/v1/planning/equity", True),
        ("/api/v1/planning/deprivation", True),
        ("/api/v1/planning/levelling", True),
        ("/api/v1/procurement/quantification", True),
        ("/api/v1/procurement/tenders/{code}/evaluation", True),
    ],
)
def test_a_table_download_declares_csv_and_excel(
    document: dict[str, Any], path: str, json_too: bool
) -> None:
    ok = _answers(document, "get", path)["200"]
    expected = {"text/csv", XLSX_MEDIA_TYPE} | ({"application/json"} if json_too else set())
    assert _media_types(ok) == expected


def test_an_expired_prescription_is_a_declared_410_problem(document: dict[str, Any]) -> None:
    for path in ("/api/v1/prescriptions/lookup", "/api/v1/prescriptions/dispense"):
        gone = _answers(document, "post", path)["410"]
        assert gone["content"] == {PROBLEM: {"schema": PROBLEM_REF}}
