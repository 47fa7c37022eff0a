"""The duplicate rule (R08) through storage, on both databases: a line repeats only a line
the insurer pays for, so two identical lines are decided alike whether they are
adjudicated in one run or in two."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.claims.models import Claim, ClaimLine
from tests.integration.claims.conftest import claim, tariff

CBC = "200101"  # a blood count: no frequency limit, no referral, any level
DAY = "2026-10-01"


def _submit(client: TestClient, w: dict[str, Any], doc: str, **stay: str) -> None:
    """A blood count on DAY at the world's hospital; ``stay`` makes it an inpatient
    claim with these admission and discharge dates."""
    line = {
        "item_type": "service",
        "code": CBC,
        "service_date": DAY,
        "quantity": 1,
        "unit_price_rials": tariff(CBC, level=2),
    }
    visit = {"visit_type": "inpatient", **stay} if stay else {}
    body = claim(w, doc, lines=[line], **visit)
    resp = client.post("/api/v1/claims", json=body, headers=w["admin"])
    assert resp.status_code == 201, resp.text


def _adjudicate(client: TestClient, w: dict[str, Any]) -> None:
    resp = client.post("/api/v1/claims/adjudicate", headers=w["admin"])
    assert resp.status_code == 200, resp.text


def _outcomes(session_factory) -> dict[str, tuple[str, str, int]]:
    """Each claim's document number: its one line's (outcome, reasons, insurer's share)."""
    with session_factory() as s:
        rows = s.execute(
            select(
                Claim.document_number,
                ClaimLine.outcome,
                ClaimLine.reasons,
                ClaimLine.insurer_rials,
            ).join(Claim, Claim.id == ClaimLine.claim_id)
        ).all()
    return {doc: (outcome, reasons, insurer) for doc, outcome, reasons, insurer in rows}


@pytest.mark.parametrize("runs", ["one run", "two runs"])
def test_a_visit_refiled_after_a_rejected_filing_is_paid_and_a_second_copy_is_a_duplicate(
    client: TestClient, world: dict[str, Any], session_factory, runs: str
) -> None:
    # filed in an inpatient claim whose stay ended the day before the test: R09
    _submit(client, world, "7501", admission_date="2026-09-25", discharge_date="2026-09-30")
    if runs == "two runs":
        _adjudicate(client, world)
    # the same test filed again as an outpatient visit, and then once more
    _submit(client, world, "7502")
    _submit(client, world, "7503")
    _adjudicate(client, world)
    outcomes = _outcomes(session_factory)
    paid = outcomes["7502"][2]
    assert outcomes == {
        "7501": ("rejected", "R09", 0),
        "7502": ("accepted", "", paid),
        "7503": ("rejected", "R08", 0),
    }
    assert paid > 0


@pytest.mark.parametrize("runs", ["one run", "two runs"])
def test_a_copy_of_a_paid_visit_is_a_duplicate(
    client: TestClient, world: dict[str, Any], session_factory, runs: str
) -> None:
    _submit(client, world, "7601")
    if runs == "two runs":
        _adjudicate(client, world)
    _submit(client, world, "7602")
    _adjudicate(client, world)
    outcomes = _outcomes(session_factory)
    assert outcomes["7601"][:2] == ("accepted", "")
    assert outcomes["7602"] == ("rejected", "R08", 0)
