"""A pharmacy's claim that cites a dispensed e-prescription passes the claims rule R11."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from darman.claims import service as claims
from darman.claims.models import ClaimLine, ProgrammeRollout
from darman.claims.schemas import ClaimIn
from darman.common.jalali import tehran_today
from darman.prescriptions import dispensing, issuing
from darman.prescriptions.schemas import DispenseIn
from darman.referrals.reading import claims_register
from darman.synth import catalogue
from tests.integration.prescriptions.world import drug, rx


def pharmacy_claim(world, doc: str, ref: str, quantity: int, day: dt.date) -> ClaimIn:
    return ClaimIn(
        facility_code=world.pharmacy_a,
        document_number=doc,
        national_id=world.nid,
        visit_type="outpatient",
        prescription_ref=ref,
        lines=[
            {
                "item_type": "drug",
                "code": "10005",
                "service_date": day.isoformat(),
                "quantity": quantity,
                "unit_price_rials": catalogue.DRUG_PRICES["10005"],
            }
        ],
    )


def reasons_of(session, claim_id: int) -> list[str]:
    line = session.scalar(select(ClaimLine).where(ClaimLine.claim_id == claim_id))
    return [c for c in line.reasons.split(";") if c]


def test_a_pharmacy_claim_citing_the_dispensed_tracking_code_passes_r11(session, world) -> None:
    today = tehran_today()
    session.add(
        ProgrammeRollout(
            province_id=world.province_id,
            programme="eprescription",
            active_from=today - dt.timedelta(days=365),
        )
    )
    read = issuing.issue(
        session, world.who["doc"], data=rx(world.nid, drug("10005", 20, 7)), on=today
    )
    code = read.tracking_code or ""
    dispensing.dispense(
        session,
        world.who["pharm_a"],
        data=DispenseIn(
            tracking_code=code,
            national_id=world.nid,
            request_key="r11-request",
            lines=[{"line_no": 1, "quantity": 20}],
        ),
        on=today,
    )
    boss = world.who["boss"]
    cited = claims.submit(session, boss, claim=pharmacy_claim(world, "7001", code, 20, today))
    uncited = claims.submit(
        session, boss, claim=pharmacy_claim(world, "7002", "NOSUCHCODE1", 20, today)
    )
    beyond = claims.submit(session, boss, claim=pharmacy_claim(world, "7003", code, 25, today))
    claims.adjudicate_pending(session, referrals=claims_register(), actor="test")
    assert "R11" not in reasons_of(session, cited.claim_id)
    assert "R11" in reasons_of(session, uncited.claim_id)
    assert "R11" in reasons_of(session, beyond.claim_id)
