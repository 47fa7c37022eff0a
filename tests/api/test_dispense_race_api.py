"""Twenty dispensing requests at once through the served app, on the REST route and as
FHIR MedicationDispense posts (the same service underneath), on both databases: one
dispensing per request key, every replay the first answer, every loser the same answer."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from darman.common.jalali import tehran_today
from darman.db.uow import UnitOfWork
from darman.prescriptions import issuing
from darman.prescriptions.models import Prescription, PrescriptionDispensing, PrescriptionLine
from tests import factories as f
from tests.integration.prescriptions.world import World, committed, drug, rx

REQUESTS = 20
ROUNDS = 3
REST = "/api/v1/prescriptions/dispense"
FHIR = "/fhir/r4/MedicationDispense"
FHIR_JSON = "application/fhir+json"
KEY_SYSTEM = "https://darman.example/fhir/sid/dispense-request"
LINE_SYSTEM = "https://darman.example/fhir/sid/prescription-line"
NID_SYSTEM = "https://darman.example/fhir/sid/national-id"


@pytest.fixture
def world(session_factory, client: TestClient) -> World:
    return committed(session_factory)


def _issued(session_factory: sessionmaker[Session], world: World, round_no: int) -> str:
    """10 units of one drug for 5 days, a week after the last round's prescription (whose
    supply is then over: no duplicate therapy), all still valid today."""
    on = tehran_today() - dt.timedelta(days=7 * (ROUNDS - round_no))
    with UnitOfWork(session_factory) as uow:
        read = issuing.issue(
            uow.session, world.who["doc"], data=rx(world.nid, drug("10005", 10, 5)), on=on
        )
        uow.commit()
    assert read.tracking_code
    return read.tracking_code


def _stored(session_factory: sessionmaker[Session], code: str) -> tuple[int, list[int]]:
    """The line's counter and each dispensing's quantity, as committed."""
    with UnitOfWork(session_factory) as uow:
        line = uow.session.scalars(
            select(PrescriptionLine)
            .join(Prescription, Prescription.id == PrescriptionLine.prescription_id)
            .where(Prescription.tracking_code == code)
        ).one()
        parts = uow.session.scalars(
            select(PrescriptionDispensing.quantity)
            .where(PrescriptionDispensing.line_id == line.id)
            .order_by(PrescriptionDispensing.id)
        ).all()
        return line.dispensed, list(parts)


def _at_once(
    client: TestClient, posts: list[tuple[str, dict[str, str], dict[str, Any]]]
) -> list[httpx.Response]:
    """Every (url, headers, body) posted from its own thread, all released together."""
    start = threading.Barrier(len(posts), timeout=30)
    answers: list[httpx.Response | None] = [None] * len(posts)

    def one(i: int) -> None:
        url, headers, body = posts[i]
        start.wait()
        answers[i] = client.post(url, json=body, headers=headers)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(posts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def _rest(code: str, nid: str, key: str, quantity: int) -> dict[str, Any]:
    return {
        "tracking_code": code,
        "national_id": nid,
        "request_key": key,
        "lines": [{"line_no": 1, "quantity": quantity}],
    }


def _fhir(code: str, nid: str, key: str, quantity: int) -> dict[str, Any]:
    return {
        "resourceType": "MedicationDispense",
        "identifier": [{"system": KEY_SYSTEM, "value": key}],
        "status": "completed",
        "authorizingPrescription": [{"identifier": {"system": LINE_SYSTEM, "value": f"{code}-1"}}],
        "subject": {"identifier": {"system": NID_SYSTEM, "value": nid}},
        "quantity": {"value": quantity},
    }


def test_twenty_copies_of_a_rest_dispense_answer_the_committed_totals(
    client, world, session_factory
) -> None:
    pharm = f.token(client, "pharm_a")
    for round_no in range(ROUNDS):
        code = _issued(session_factory, world, round_no)
        body = _rest(code, world.nid, f"{code}-same", 10)
        answers = _at_once(client, [(REST, pharm, body)] * REQUESTS)
        assert Counter(a.status_code for a in answers) == {200: REQUESTS}, answers[0].text
        bodies = [a.json() for a in answers]
        assert sorted(b.pop("replayed") for b in bodies) == [False] + [True] * (REQUESTS - 1)
        # hand-worked: 10 prescribed, 10 handed over once -> 10 in all, 0 left
        assert (
            bodies
            == [
                {
                    "tracking_code": code,
                    "dispensed_on": tehran_today().isoformat(),
                    "lines": [
                        {
                            "line_no": 1,
                            "code": "10005",
                            "quantity": 10,
                            "dispensed_total": 10,
                            "remaining": 0,
                        }
                    ],
                }
            ]
            * REQUESTS
        )
        assert _stored(session_factory, code) == (10, [10])


def test_rest_requests_racing_for_the_last_units_lose_with_one_problem(
    client, world, session_factory
) -> None:
    heads = [f.token(client, "pharm_a"), f.token(client, "pharm_b")]
    for round_no in range(ROUNDS):
        code = _issued(session_factory, world, round_no)
        first = client.post(REST, json=_rest(code, world.nid, f"{code}-first", 4), headers=heads[0])
        assert first.status_code == 200 and first.json()["lines"][0]["remaining"] == 6
        posts = [
            (REST, heads[i % 2], _rest(code, world.nid, f"{code}-{i:02d}", 6))
            for i in range(REQUESTS)
        ]
        answers = _at_once(client, posts)
        assert Counter(a.status_code for a in answers) == {200: 1, 422: REQUESTS - 1}
        won = next(a.json() for a in answers if a.status_code == 200)
        assert (won["lines"][0]["dispensed_total"], won["lines"][0]["remaining"]) == (10, 0)
        lost = [a for a in answers if a.status_code == 422]
        assert {a.headers["content-type"] for a in lost} == {"application/problem+json"}
        problems = {repr(a.json()) for a in lost}
        assert len(problems) == 1, problems
        problem = lost[0].json()
        assert problem["type"].endswith("/invalid-input")
        assert problem["errors"] == [
            {"field": "lines.0.quantity", "reason": "بیش از باقی‌مانده‌ی نسخه (۰); only 0 left"}
        ]
        assert _stored(session_factory, code) == (10, [4, 6])


def test_twenty_copies_of_a_fhir_dispense_store_one_and_answer_it_every_time(
    client, world, session_factory
) -> None:
    pharm = {**f.token(client, "pharm_a"), "Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
    for round_no in range(ROUNDS):
        code = _issued(session_factory, world, round_no)
        body = _fhir(code, world.nid, f"{code}-fhir", 10)
        answers = _at_once(client, [(FHIR, pharm, body)] * REQUESTS)
        assert Counter(a.status_code for a in answers) == {201: 1, 200: REQUESTS - 1}, [
            a.text for a in answers if a.status_code not in (200, 201)
        ][:1]
        resources = {repr(a.json()) for a in answers}
        assert len(resources) == 1
        made = answers[0].json()
        assert made["resourceType"] == "MedicationDispense" and made["quantity"] == {"value": 10}
        assert _stored(session_factory, code) == (10, [10])


def test_fhir_posts_racing_for_the_last_units_lose_with_one_outcome(
    client, world, session_factory
) -> None:
    heads = [
        {**f.token(client, name), "Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        for name in ("pharm_a", "pharm_b")
    ]
    for round_no in range(ROUNDS):
        code = _issued(session_factory, world, round_no)
        first = client.post(FHIR, json=_fhir(code, world.nid, f"{code}-first", 4), headers=heads[0])
        assert first.status_code == 201, first.text
        posts = [
            (FHIR, heads[i % 2], _fhir(code, world.nid, f"{code}-{i:02d}", 6))
            for i in range(REQUESTS)
        ]
        answers = _at_once(client, posts)
        assert Counter(a.status_code for a in answers) == {201: 1, 422: REQUESTS - 1}
        lost = [a.json() for a in answers if a.status_code == 422]
        assert len({repr(o) for o in lost}) == 1, lost[:2]
        outcome = lost[0]
        assert outcome["resourceType"] == "OperationOutcome"
        assert [e for i in outcome["issue"] for e in i.get("expression", [])] == [
            "MedicationDispense.quantity.value"
        ]
        assert _stored(session_factory, code) == (10, [4, 6])
