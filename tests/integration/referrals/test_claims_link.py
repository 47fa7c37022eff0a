"""A specialist visit's claim citing a referral issued here passes the claims rule R10."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from darman.claims import service as claims
from darman.claims.models import ClaimLine
from darman.claims.schemas import ClaimIn
from darman.common.jalali import fiscal_year
from darman.db.uow import UnitOfWork
from darman.referrals import panels, service
from darman.referrals.reading import claims_register
from darman.synth import catalogue
from tests.integration.referrals.world import TODAY, World, build, phase_1, referral

SPECIALIST_VISIT = "100102"


@pytest.fixture
def world(session_factory) -> World:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session, catalogue=True)
        uow.commit()
    return w


def visit_claim(world: World, doc: str, nid: str, ref: str | None) -> ClaimIn:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == SPECIALIST_VISIT)
    year = fiscal_year(TODAY)
    return ClaimIn(
        facility_code=world.hospital,
        document_number=doc,
        national_id=nid,
        visit_type="outpatient",
        diagnoses=["I10"],
        referral_ref=ref,
        lines=[
            {
                "item_type": "service",
                "code": SPECIALIST_VISIT,
                "service_date": TODAY.isoformat(),
                "quantity": 1,
                "unit_price_rials": catalogue.tariff_amount(base, year, 2, min_level, "owned"),
            }
        ],
    )


def reasons_of(session, claim_id: int) -> list[str]:
    line = session.scalar(select(ClaimLine).where(ClaimLine.claim_id == claim_id))
    return [c for c in line.reasons.split(";") if c]


def test_a_specialist_visit_citing_an_issued_referral_passes_r10_and_one_without_fails(
    session, world
) -> None:
    phase_1(session, world)
    nid, other = world.nids[0], world.nids[1]
    panels.enrol(session, world.who["doc"], national_id=nid)
    read = service.issue(session, world.who["doc"], data=referral(nid, world.hospital))
    boss = world.who["boss"]
    cited = claims.submit(session, boss, claim=visit_claim(world, "9001", nid, read.ref_number))
    uncited = claims.submit(session, boss, claim=visit_claim(world, "9002", other, None))
    foreign = claims.submit(session, boss, claim=visit_claim(world, "9003", other, read.ref_number))
    claims.adjudicate_pending(session, referrals=claims_register(), actor="test")
    assert "R10" not in reasons_of(session, cited.claim_id)
    assert "R10" in reasons_of(session, uncited.claim_id)
    assert "R10" in reasons_of(session, foreign.claim_id)  # another person's referral
