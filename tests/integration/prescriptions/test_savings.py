"""The savings report: what the checks prevented and the dispensing rate, by Jalali month
and province."""

from __future__ import annotations

import pytest

from darman.common.errors import PermissionDenied
from darman.prescriptions import dispensing, issuing, savings
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.schemas import DispenseIn
from darman.synth import catalogue
from tests.integration.prescriptions.world import DAY, drug, rx

PRICE = catalogue.DRUG_PRICES


@pytest.fixture
def month(session, world) -> None:
    doc = world.who["doc"]
    for body in (
        rx(world.nid, drug("10005", 45, 10), drug("10025", 4, 4)),  # excess 15, uncovered 4
        rx(world.uninsured_nid, drug("10005", 10, 5), drug("10006", 10, 5)),  # uninsured
        rx(world.nid, drug("10005", 45, 40)),  # quantity and days: one line, counted once
    ):
        with pytest.raises(PrescriptionRefused):
            issuing.issue(session, doc, data=body, on=DAY)
    read = issuing.issue(
        session, doc, data=rx(world.nid, drug("10010", 30, 30), drug("10006", 20, 5)), on=DAY
    )  # a moderate interaction: warned, issued
    dispensing.dispense(
        session,
        world.who["pharm_a"],
        data=DispenseIn(
            tracking_code=read.tracking_code or "",
            national_id=world.nid,
            request_key="savings-1",
            lines=[{"line_no": 1, "quantity": 30}, {"line_no": 2, "quantity": 10}],
        ),
        on=DAY,
    )


def test_the_report_values_what_each_check_prevented_at_reference_price(
    session, world, month
) -> None:
    report = savings.savings_report(session, world.who["boss"], year=1405)
    [row] = report.rows
    assert (row.year, row.month, row.month_label, row.province_code) == (1405, 7, "۱۴۰۵/۰۷", "01")
    assert (row.issued, row.refused) == (1, 3)
    by = {r.code: r for r in row.by_reason}
    assert by["P04"].findings == 2 and by["P04"].quantity == 30
    assert by["P03"].value_rials == 4 * PRICE["10025"]
    assert by["P01"].value_rials == 10 * PRICE["10005"] + 10 * PRICE["10006"]
    assert not by["P09"].blocking and by["P09"].findings == 1
    line_of_45_for_40_days = max(15, 45 - 45 * 30 // 40) * PRICE["10005"]
    assert row.prevented_rials == (
        15 * PRICE["10005"]
        + 4 * PRICE["10025"]
        + 10 * PRICE["10005"]
        + 10 * PRICE["10006"]
        + line_of_45_for_40_days
    )
    assert report.prevented_rials == row.prevented_rials


def test_the_dispensing_rate_is_dispensed_over_prescribed_drug_quantity(
    session, world, month
) -> None:
    [row] = savings.savings_report(session, world.who["manager"]).rows
    assert (row.drug_prescribed, row.drug_dispensed) == (50, 40)
    assert row.dispensing_rate_percent == 80.0


def test_provincial_staff_see_only_their_province_and_desks_are_refused(
    session, world, month
) -> None:
    assert savings.savings_report(session, world.who["far_manager"]).rows == []
    with pytest.raises(PermissionDenied):
        savings.savings_report(session, world.who["far_manager"], province_code="01")
    for who in ("pharm_a", "doc"):
        with pytest.raises(PermissionDenied):
            savings.savings_report(session, world.who[who])
