"""The programme's indicators by province and Jalali month, from referrals, panels and
adjudicated claims."""

from __future__ import annotations

import pytest

from darman.claims import service as claims
from darman.claims.schemas import ClaimIn
from darman.common.errors import PermissionDenied
from darman.common.jalali import fiscal_year, to_jalali
from darman.db.uow import UnitOfWork
from darman.referrals import indicators, panels, service
from darman.referrals.reading import claims_register
from darman.referrals.schemas import FeedbackIn
from darman.synth import catalogue
from tests.integration.referrals.world import TODAY, World, build, phase_1, referral


@pytest.fixture
def world(session_factory) -> World:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session, catalogue=True)
        uow.commit()
    return w


def visit(
    world: World, facility: str, level: int, code: str, doc: str, nid: str, ref=None
) -> ClaimIn:
    base, min_level = next((s[7], s[3]) for s in catalogue.SERVICES if s[0] == code)
    price = catalogue.tariff_amount(base, fiscal_year(TODAY), level, min_level, "owned")
    return ClaimIn(
        facility_code=facility,
        document_number=doc,
        national_id=nid,
        visit_type="outpatient",
        referral_ref=ref,
        lines=[{"item_type": "service", "code": code, "service_date": TODAY.isoformat(),
                "quantity": 1, "unit_price_rials": price}],
    )  # fmt: skip


def test_indicators_count_referrals_visits_feedback_bypass_and_panels(session, world) -> None:
    phase_1(session, world)
    doc, boss = world.who["doc"], world.who["boss"]
    a, b, c = world.nids[:3]
    for nid in (a, b, c):
        panels.enrol(session, doc, national_id=nid)
    panels.enrol(session, world.who["doc2"], national_id=world.nids[3])
    internal = service.issue(session, doc, data=referral(a, world.hospital))
    service.issue(
        session, doc, data=referral(b, world.contracted, choice_reason="درخواست بیمار و نزدیکی")
    )
    service.feedback(
        session, world.who["spec"], referral_id=internal.id, data=FeedbackIn(text="ویزیت شد")
    )
    for i, nid in enumerate((a, b, c, world.nids[3])):
        claims.submit(session, boss, claim=visit(world, world.fp_centre, 1, "100104", f"V{i}", nid))
    claims.submit(
        session, boss, claim=visit(world, world.hospital, 2, "100102", "S1", a, internal.ref_number)
    )
    claims.submit(session, boss, claim=visit(world, world.hospital, 2, "100102", "S2", c))
    claims.adjudicate_pending(session, referrals=claims_register(), actor="test")

    report = indicators.indicators(session, world.who["manager"], year=fiscal_year(TODAY))
    (row,) = [r for r in report.rows if r.month == to_jalali(TODAY).month]
    assert row.province_code == "08"
    assert (row.referrals, row.from_level1, row.level1_visits) == (2, 2, 4)
    assert row.referral_rate_per_1000_visits == 500.0
    assert (row.internal_referrals, row.internal_share_percent) == (1, 50.0)
    assert (row.answered, row.feedback_rate_percent) == (1, 50.0)
    assert (row.specialist_lines, row.bypass_lines, row.bypass_rate_percent) == (2, 1, 50.0)
    assert (row.panel_members, row.panels, row.average_panel_size) == (4, 2, 2.0)
    assert (
        indicators.indicators(session, world.who["far_manager"], year=fiscal_year(TODAY)).rows == []
    )


def test_indicators_are_for_staff_only(session, world) -> None:
    for name in ("doc", "desk"):
        with pytest.raises(PermissionDenied):
            indicators.indicators(session, world.who[name], year=fiscal_year(TODAY))
    with pytest.raises(PermissionDenied):
        indicators.indicators(session, world.who["far_manager"], year=1405, province_code="08")
