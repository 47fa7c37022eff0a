"""Risk-based review: lines priced or billed far above what peer facilities bill."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.claims import review, service
from darman.claims.models import Claim
from darman.db.uow import UnitOfWork
from darman.referrals.reading import claims_register
from tests import factories as f
from tests.integration.claims.conftest import tariff

LAB = "200102"  # fasting blood sugar: level 1 and up, no referral, no sex or age limit
NO_SAMPLE = review.ReviewPolicy(sample_percent=0, value_threshold_rials=10**15)


def _peer_claims(
    client: TestClient, world: dict[str, Any], session_factory, bills: list[tuple[int, int]]
) -> dict[int, int]:
    """One level-2 contracted facility per (quantity, unit price) bill, each billing the lab
    test once for its own insured; answers claim id -> index of the bill."""
    with UnitOfWork(session_factory) as uow:
        codes = [f.facility(uow.session, level=2).code for _ in bills]
        people = []
        for _ in bills:
            person = f.insured(uow.session)
            f.coverage(uow.session, national_id=person.national_id)
            people.append(person.national_id)
        uow.commit()
    ids: dict[int, int] = {}
    for i, ((quantity, price), code, nid) in enumerate(zip(bills, codes, people, strict=True)):
        body = {
            "facility_code": code,
            "document_number": f"P{i}",
            "national_id": nid,
            "visit_type": "outpatient",
            "diagnoses": ["E11.9"],
            "lines": [
                {
                    "item_type": "service",
                    "code": LAB,
                    "service_date": "1405/07/01",
                    "quantity": quantity,
                    "unit_price_rials": price,
                }
            ],
        }
        answer = client.post("/api/v1/claims", json=body, headers=world["admin"])
        assert answer.status_code == 201, answer.text
        ids[answer.json()["claim_id"]] = i
    return ids


def _routed(session_factory, policy: review.ReviewPolicy) -> dict[int, tuple[str, str]]:
    with UnitOfWork(session_factory) as uow:
        service.adjudicate_pending(uow.session, referrals=claims_register(), actor="t")
        review.select_for_review(uow.session, actor="t", policy=policy)
        uow.commit()
        rows = uow.session.execute(select(Claim.id, Claim.status, Claim.review_reason)).all()
    return {cid: (status, why) for cid, status, why in rows}


def test_a_facility_asking_far_more_than_its_peers_goes_to_review_with_the_reason(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = tariff(LAB)
    bills = [(1, price)] * 5 + [(1, 3 * price), (12, price)]
    ids = _peer_claims(client, world, session_factory, bills)
    routed = _routed(session_factory, NO_SAMPLE)
    by_bill = {ids[cid]: routed[cid] for cid in ids}
    assert all(by_bill[i] == ("approved", "") for i in range(5))
    assert by_bill[5] == ("in_review", "price")
    assert by_bill[6] == ("in_review", "quantity")


def test_without_enough_peer_facilities_there_is_no_norm_and_nothing_is_an_outlier(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = tariff(LAB)
    ids = _peer_claims(client, world, session_factory, [(1, price)] * 3 + [(1, 3 * price)])
    routed = _routed(session_factory, NO_SAMPLE)
    assert {routed[cid] for cid in ids} == {("approved", "")}


def test_a_price_just_under_the_outlier_threshold_is_not_flagged(
    client: TestClient, world: dict[str, Any], session_factory
) -> None:
    price = tariff(LAB)
    # the peer median is the tariff; 150 % of it is the threshold, and only above it counts
    policy = review.ReviewPolicy(
        sample_percent=0, value_threshold_rials=10**15, price_outlier_percent=150
    )
    bills = [(1, price)] * 5 + [(1, price * 3 // 2), (1, price * 3 // 2 + 1)]
    ids = _peer_claims(client, world, session_factory, bills)
    routed = _routed(session_factory, policy)
    by_bill = {ids[cid]: routed[cid][1] for cid in ids}
    assert by_bill[5] == ""
    assert by_bill[6] == "price"
