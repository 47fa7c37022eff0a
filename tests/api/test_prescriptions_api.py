"""The e-prescription REST API: problem+json naming the line and field, scope by role."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from darman.common.jalali import tehran_today
from darman.db.uow import UnitOfWork
from darman.prescriptions import issuing
from tests import factories as f
from tests.integration.prescriptions.world import World, committed, drug, rx

BASE = "/api/v1/prescriptions"


@pytest.fixture
def world(session_factory, client: TestClient) -> World:
    return committed(session_factory)


def auth(client: TestClient, name: str) -> dict[str, str]:
    return f.token(client, name)


def test_a_physician_issues_and_a_refusal_is_problem_json_per_line(client, world) -> None:
    doc = auth(client, "doc")
    ok = client.post(
        BASE, json={"national_id": world.nid, "lines": [drug("10005", 20, 7)]}, headers=doc
    )
    assert ok.status_code == 201, ok.text
    assert len(ok.json()["tracking_code"]) == 11
    bad = client.post(
        BASE,
        json={"national_id": world.nid, "lines": [drug("99999", 10, 5), drug("10006", 45, 10)]},
        headers=doc,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    body = bad.json()
    assert body["type"].endswith("/prescription-refused")
    errors = {e["field"]: e for e in body["errors"]}
    assert errors["lines.0.code"]["code"] == "P02"
    assert errors["lines.1.quantity"]["code"] == "P04"
    assert errors["lines.1.quantity"]["reason"].startswith("تعداد دارو بیش از سقف مجاز")
    assert errors["lines.1.quantity"]["label_en"].startswith("quantity above")
    # the refused attempt was kept
    listed = client.get(BASE, params={"status": "refused"}, headers=doc).json()
    assert listed["total"] == 1


def test_a_drug_line_without_days_of_supply_is_invalid_input(client, world) -> None:
    line = {"kind": "drug", "code": "10005", "quantity": 10}
    resp = client.post(
        BASE, json={"national_id": world.nid, "lines": [line]}, headers=auth(client, "doc")
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"].startswith("lines.0")


def test_a_pharmacy_looks_up_and_dispenses_but_cannot_list(client, world) -> None:
    doc, pharm = auth(client, "doc"), auth(client, "pharm_a")
    code = client.post(
        BASE, json={"national_id": world.nid, "lines": [drug("10005", 20, 7)]}, headers=doc
    ).json()["tracking_code"]
    assert client.get(BASE, headers=pharm).status_code == 403
    found = client.post(
        f"{BASE}/lookup", json={"tracking_code": code, "national_id": world.nid}, headers=pharm
    )
    assert found.status_code == 200 and found.json()["lines"][0]["remaining"] == 20
    foreign = client.post(
        f"{BASE}/lookup",
        json={"tracking_code": code, "national_id": world.other_nid},
        headers=pharm,
    )
    assert foreign.status_code == 404 and foreign.json()["errors"][0]["field"] == "tracking_code"
    body = {
        "tracking_code": code,
        "national_id": world.nid,
        "request_key": "his-0001",
        "lines": [{"line_no": 1, "quantity": 8}],
    }
    first = client.post(f"{BASE}/dispense", json=body, headers=pharm)
    retry = client.post(f"{BASE}/dispense", json=body, headers=pharm)
    assert first.status_code == 200 and retry.status_code == 200
    assert retry.json()["replayed"] and retry.json()["lines"][0]["dispensed_total"] == 8
    too_many = client.post(
        f"{BASE}/dispense",
        json={**body, "request_key": "his-0002", "lines": [{"line_no": 1, "quantity": 13}]},
        headers=pharm,
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "lines.0.quantity"


def test_an_expired_tracking_code_answers_410(client, world, session_factory) -> None:
    with UnitOfWork(session_factory) as uow:
        old = issuing.issue(
            uow.session, world.who["doc"], data=rx(world.nid, drug("10005")),
            on=tehran_today() - dt.timedelta(days=31),
        )  # fmt: skip
        uow.commit()
    resp = client.post(
        f"{BASE}/lookup",
        json={"tracking_code": old.tracking_code, "national_id": world.nid},
        headers=auth(client, "pharm_a"),
    )
    assert resp.status_code == 410
    assert resp.json()["type"].endswith("/prescription-expired")


def test_another_physician_gets_404_and_staff_see_by_scope(client, world) -> None:
    made = client.post(
        BASE, json={"national_id": world.nid, "lines": [drug("10005")]}, headers=auth(client, "doc")
    ).json()
    url = f"{BASE}/{made['id']}"
    assert client.get(url, headers=auth(client, "doc2")).status_code == 404
    assert client.get(url, headers=auth(client, "manager")).status_code == 200
    assert client.get(url, headers=auth(client, "far_manager")).status_code == 404
    assert client.get(url, headers=auth(client, "boss")).status_code == 200


def test_the_savings_report_and_reasons_are_served(client, world) -> None:
    boss = auth(client, "boss")
    client.post(
        BASE,
        json={"national_id": world.nid, "lines": [drug("10025", 4, 4)]},
        headers=auth(client, "doc"),
    )
    report = client.get(f"{BASE}/savings", headers=boss)
    assert report.status_code == 200 and report.json()["prevented_rials"] > 0
    assert client.get(f"{BASE}/savings", headers=auth(client, "pharm_a")).status_code == 403
    codes = [r["code"] for r in client.get(f"{BASE}/reasons", headers=boss).json()]
    assert codes[0] == "P01" and "P12" in codes


def test_a_keyed_issue_sent_again_answers_200_with_the_same_prescription(client, world) -> None:
    doc = auth(client, "doc")
    body = {"national_id": world.nid, "lines": [drug("10005", 20, 7)], "request_key": "emr-1-abc"}
    first = client.post(BASE, json=body, headers=doc)
    again = client.post(BASE, json=body, headers=doc)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json() == first.json()
    other = client.post(BASE, json={**body, "lines": [drug("10005", 21, 7)]}, headers=doc)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in other.json()["errors"]] == ["request_key"]
    assert client.get(BASE, headers=doc).json()["total"] == 1
    bad_key = client.post(BASE, json={**body, "request_key": "short"}, headers=doc)
    assert bad_key.status_code == 422


def test_the_check_endpoint_answers_every_finding_and_stores_nothing(client, world) -> None:
    doc = auth(client, "doc")
    lines = [drug("10010", 30, 30), drug("10006", 45, 5)]
    resp = client.post(
        f"{BASE}/check", json={"national_id": world.nid, "lines": lines}, headers=doc
    )
    assert resp.status_code == 200, resp.text
    found = {(f["field"], f["code"], f["blocking"]) for f in resp.json()}
    assert found == {("lines.1.quantity", "P04", True), ("lines.1.code", "P09", False)}
    assert client.get(BASE, headers=doc).json()["total"] == 0
    pharm = client.post(
        f"{BASE}/check",
        json={"national_id": world.nid, "lines": lines},
        headers=auth(client, "pharm_a"),
    )
    assert pharm.status_code == 403
