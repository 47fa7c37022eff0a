"""The frequency rule (R07) through storage, on both databases: what counts is what was
accepted, in one adjudication run or across runs, whatever order the claims arrive in.
The answers are worked out by hand from the service's limit (300106 brain MRI: 180 days,
level 3 only; 200103 HbA1c: 90 days, any level)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from darman.claims.models import Claim, ClaimLine
from darman.registry.models import Facility
from tests.integration.claims.conftest import claim, tariff

BRAIN_MRI = "300106"
HBA1C = "200103"


@pytest.fixture
def level3(world: dict[str, Any], session_factory) -> str:
    """A contracted level-3 centre's code (the world's hospital is level 2)."""
    with session_factory() as s:
        code = s.scalar(
            select(Facility.code)
            .where(Facility.ownership == "contracted", Facility.level == 3)
            .order_by(Facility.id)
        )
    assert code is not None
    return code


def _submit(
    client: TestClient, w: dict[str, Any], doc: str, code: str, day: str, *, facility: str
) -> None:
    body = claim(
        w,
        doc,
        facility_code=facility,
        lines=[
            {
                "item_type": "service",
                "code": code,
                "service_date": day,
                "quantity": 1,
                # the level-3 tariff (a level-2 centre has none for a brain MRI)
                "unit_price_rials": tariff(code, level=3),
            }
        ],
    )
    resp = client.post("/api/v1/claims", json=body, headers=w["admin"])
    assert resp.status_code == 201, resp.text


def _adjudicate(client: TestClient, w: dict[str, Any]) -> None:
    resp = client.post("/api/v1/claims/adjudicate", headers=w["admin"])
    assert resp.status_code == 200, resp.text


def _outcomes(session_factory) -> dict[str, tuple[str, str]]:
    """Each claim's document number: its one line's (outcome, reasons)."""
    with session_factory() as s:
        rows = s.execute(
            select(Claim.document_number, ClaimLine.outcome, ClaimLine.reasons).join(
                Claim, Claim.id == ClaimLine.claim_id
            )
        ).all()
    return {doc: (outcome, reasons) for doc, outcome, reasons in rows}


@pytest.mark.parametrize("runs", ["one run", "two runs"])
def test_a_rejected_brain_mri_does_not_make_the_next_one_too_soon(
    client: TestClient, world: dict[str, Any], session_factory, level3: str, runs: str
) -> None:
    # 2026-09-01 at the level-2 hospital: no tariff there and above its level
    _submit(client, world, "7101", BRAIN_MRI, "2026-09-01", facility=world["hospital"])
    if runs == "two runs":
        _adjudicate(client, world)
    # 2026-10-01 at a level-3 centre, 30 days later: the first MRI the insurer pays for
    _submit(client, world, "7102", BRAIN_MRI, "2026-10-01", facility=level3)
    _adjudicate(client, world)
    assert _outcomes(session_factory) == {
        "7101": ("rejected", "R02;R05"),
        "7102": ("accepted", ""),
    }


@pytest.mark.parametrize("first", ["later-dated first", "earlier-dated first"])
def test_of_two_tests_19_days_apart_in_two_runs_only_the_first_adjudicated_is_paid(
    client: TestClient, world: dict[str, Any], session_factory, level3: str, first: str
) -> None:
    claims = [("7201", "2026-11-20"), ("7202", "2026-11-01")]
    if first == "earlier-dated first":
        claims.reverse()
    for doc, day in claims:
        _submit(client, world, doc, HBA1C, day, facility=level3)
        _adjudicate(client, world)
    paid, refused = (doc for doc, _ in claims)
    assert _outcomes(session_factory) == {
        paid: ("accepted", ""),
        refused: ("rejected", "R07"),
    }


def test_in_one_run_the_earlier_service_date_is_paid_whichever_was_filed_first(
    client: TestClient, world: dict[str, Any], session_factory, level3: str
) -> None:
    _submit(client, world, "7301", HBA1C, "2026-11-20", facility=level3)
    _submit(client, world, "7302", HBA1C, "2026-11-01", facility=level3)
    _adjudicate(client, world)
    assert _outcomes(session_factory) == {
        "7301": ("rejected", "R07"),
        "7302": ("accepted", ""),
    }


def test_a_line_rejected_as_too_soon_starts_no_window_of_its_own(
    client: TestClient, world: dict[str, Any], session_factory, level3: str
) -> None:
    # 1 June counts; 1 August is 61 days after it; 15 September is 45 days after
    # 1 August but 106 after 1 June: paid, since the August test was not
    for doc, day in (("7401", "2026-06-01"), ("7402", "2026-08-01"), ("7403", "2026-09-15")):
        _submit(client, world, doc, HBA1C, day, facility=level3)
    _adjudicate(client, world)
    assert _outcomes(session_factory) == {
        "7401": ("accepted", ""),
        "7402": ("rejected", "R07"),
        "7403": ("accepted", ""),
    }
    # a later run: 1 November is 47 days after the September test that counted
    _submit(client, world, "7404", HBA1C, "2026-11-01", facility=level3)
    _adjudicate(client, world)
    assert _outcomes(session_factory)["7404"] == ("rejected", "R07")
