"""The background adjudicator on both databases: claims posted over REST and FHIR are
decided with nobody running a command, batches take the oldest claims first, a second
run changes nothing, and a batch is not decided while another holds the turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit.models import AuditEntry
from darman.claims import adjudicator, service, turn
from darman.claims.models import Claim
from darman.db.engine import make_session_factory
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from tests.fhir.support import FHIR_JSON
from tests.fhir.test_claims_fhir import fhir_claim, item, post
from tests.integration.claims.conftest import claim as rest_claim
from tests.integration.claims.conftest import tariff

DECIDED_WITHIN_S = 60


@pytest.fixture
def running(engine: Engine, session_factory: sessionmaker[Session]) -> Iterator[list[Any]]:
    """The adjudicator's loop on a thread of its own, looking every 0.1 s, as ``darman
    worker`` runs it; stopped (its batch under way finished) when the test ends."""
    stop = threading.Event()
    batches: list[Any] = []
    thread = threading.Thread(
        target=adjudicator.run,
        args=(session_factory, make_session_factory(engine, audit_key=None, reads_only=True)),
        kwargs={"actor": "worker test", "referrals": claims_register, "stop": stop,
                "every_s": 0.1, "on_batch": batches.append},
    )  # fmt: skip
    thread.start()
    yield batches
    stop.set()
    thread.join(DECIDED_WITHIN_S)
    assert not thread.is_alive()


def _until(read: Any, done: Any) -> Any:
    deadline = time.monotonic() + DECIDED_WITHIN_S
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _adjudications(session: Session) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == "adjudicate").order_by(AuditEntry.seq)
        )
    )


def test_claims_posted_over_rest_and_fhir_are_decided_by_the_running_adjudicator(
    client: TestClient, world: dict[str, Any], running: list[Any]
) -> None:
    price = tariff("100102")
    fhir_headers = {**world["desk"], "Accept": FHIR_JSON}
    rest = client.post("/api/v1/claims", json=rest_claim(world, "7001"), headers=world["desk"])
    assert rest.status_code == 201 and rest.json()["status"] == "submitted"
    # a line 50,000 rials over the tariff, and a code the catalogue does not have
    lines = [item(price + 50_000, day="2026-09-28"), item(price, code="999999", day="2026-09-28")]
    body = fhir_claim(world, "7002", item=lines)
    queued = post(client, body, fhir_headers)
    assert queued.status_code == 201 and queued.json()["outcome"] == "queued"
    cid = queued.json()["id"]

    response = _until(
        lambda: client.get(f"/fhir/r4/ClaimResponse/{cid}", headers=fhir_headers).json(),
        lambda cr: cr["outcome"] == "complete",
    )
    assert response["outcome"] == "complete"
    over, unknown = (
        {e["category"]["coding"][0]["code"]: e for e in i["adjudication"]} for i in response["item"]
    )
    copay = (price * 30 + 50) // 100
    assert over["deducted"]["amount"]["value"] == 50_000
    assert over["deducted"]["reason"]["coding"][0]["code"] == "D01"
    assert over["benefit"]["amount"]["value"] == price - copay
    assert unknown["deducted"]["reason"]["coding"][0]["code"] == "R01"
    assert unknown["eligible"]["amount"]["value"] == 0

    rest_id = rest.json()["claim_id"]
    decided = _until(
        lambda: client.get(f"/api/v1/claims/{rest_id}", headers=world["desk"]).json(),
        lambda c: c["status"] == "adjudicated",
    )
    assert decided["status"] == "adjudicated"
    assert decided["lines"][0]["outcome"] == "accepted" and decided["lines"][0]["reasons"] == []
    # the provider's own claim list shows both decisions
    listed = client.get("/api/v1/claims", headers=world["desk"]).json()["items"]
    assert {(c["id"], c["status"], c["insurer_rials"], c["deducted_rials"]) for c in listed} == {
        (rest_id, "adjudicated", price - copay, 0),
        (int(cid), "adjudicated", price - copay, 50_000 + price),
    }
    assert sum(b.run.claims for b in running) == 2


def test_batches_take_the_oldest_claims_first_and_deciding_again_changes_nothing(
    client: TestClient, world: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    ids = [
        client.post(
            "/api/v1/claims", json=rest_claim(world, f"71{i:02d}"), headers=world["desk"]
        ).json()["claim_id"]
        for i in range(5)
    ]
    runs = []
    for _ in range(4):
        with UnitOfWork(session_factory) as uow:
            run = adjudicator.decide_batch(
                uow.session, actor="test", referrals=claims_register(), batch_claims=2
            )
            uow.commit()
        runs.append(run)
    assert [r.claims if r else None for r in runs] == [2, 2, 1, 0]
    with session_factory() as s:
        entries = _adjudications(s)
        # one audit entry per batch that decided something, naming its claims in order
        assert [e.entity_id for e in entries] == [
            f"{ids[0]}..{ids[1]}",
            f"{ids[2]}..{ids[3]}",
            f"{ids[4]}..{ids[4]}",
        ]
        before = s.execute(
            select(Claim.id, Claim.status, Claim.insurer_rials, Claim.adjudicated_at)
        ).all()
    with UnitOfWork(session_factory) as uow:
        again = service.adjudicate_pending(uow.session, actor="test", referrals=claims_register())
        uow.commit()
    assert again.claims == 0
    with session_factory() as s:
        after = s.execute(
            select(Claim.id, Claim.status, Claim.insurer_rials, Claim.adjudicated_at)
        ).all()
        assert sorted(after) == sorted(before)
        assert len(_adjudications(s)) == 3


def _decide_once(factory: sessionmaker[Session]) -> Any:
    with UnitOfWork(factory) as uow:
        run = adjudicator.decide_batch(uow.session, actor="second", referrals=claims_register())
        uow.commit()
    return run


def test_no_batch_is_decided_while_another_adjudicator_holds_the_turn(
    client: TestClient, world: dict[str, Any], session_factory: sessionmaker[Session],
    backend: str,
) -> None:  # fmt: skip
    posted = client.post("/api/v1/claims", json=rest_claim(world, "7201"), headers=world["desk"])
    cid = posted.json()["claim_id"]
    results: list[Any] = []
    second = threading.Thread(target=lambda: results.append(_decide_once(session_factory)))
    with UnitOfWork(session_factory) as holder:
        assert turn.take(holder.session, wait=False)
        second.start()
        second.join(2.0)
        # whatever the second adjudicator did meanwhile, it decided nothing
        assert holder.session.scalar(select(Claim.status).where(Claim.id == cid)) == "submitted"
        assert _adjudications(holder.session) == []
    second.join(DECIDED_WITHIN_S)
    with session_factory() as s:
        status = s.scalar(select(Claim.status).where(Claim.id == cid))
        if backend == "postgresql":
            # it found the turn taken and gave up at once, to try again next round
            assert results == [None] and status == "submitted"
        else:
            # SQLite's writer lock made it wait for the holder, then it decided the claim
            assert results[0].claims == 1 and status == "adjudicated"
            assert len(_adjudications(s)) == 1


def test_a_duplicate_decided_in_a_later_batch_is_caught_by_the_earlier_batchs_history(
    client: TestClient, world: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    # the same visit of the same person on the same day, sent twice as two documents
    ids = [
        client.post("/api/v1/claims", json=rest_claim(world, doc), headers=world["desk"]).json()[
            "claim_id"
        ]
        for doc in ("7301", "7302")
    ]
    for _ in ids:
        with UnitOfWork(session_factory) as uow:
            run = adjudicator.decide_batch(
                uow.session, actor="test", referrals=claims_register(), batch_claims=1
            )
            uow.commit()
        assert run is not None and run.claims == 1
    first, second = (
        client.get(f"/api/v1/claims/{i}", headers=world["desk"]).json()["lines"][0] for i in ids
    )
    assert (first["outcome"], first["reasons"]) == ("accepted", [])
    assert (second["outcome"], second["reasons"], second["insurer_rials"]) == (
        "rejected",
        ["R08"],
        0,
    )
