"""Issuing: every refusal and warning with its Persian reason; refused attempts are kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.common.errors import InvalidInput, PermissionDenied
from darman.prescriptions import issuing, rules
from darman.prescriptions.exceptions import PrescriptionRefused
from darman.prescriptions.models import Prescription, PrescriptionFinding
from darman.synth import catalogue
from tests.integration.prescriptions.world import DAY, World, drug, order, rx


def refusal(session, world: World, who: str, body, on: dt.date = DAY) -> PrescriptionRefused:
    with pytest.raises(PrescriptionRefused) as caught:
        issuing.issue(session, world.who[who], data=body, on=on)
    return caught.value


def problems(err: PrescriptionRefused) -> dict[str, tuple[str, str]]:
    """field -> (code, Persian reason)"""
    return {p.field or "": (p.code, p.reason) for p in err.problems}  # type: ignore[attr-defined]


def test_a_clean_prescription_is_issued_with_a_tracking_code_and_its_lines(session, world) -> None:
    read = issuing.issue(
        session,
        world.who["doc"],
        data=rx(world.nid, drug("10005", 20, 7), order("200101")),
        on=DAY,
    )
    assert read.status == "issued" and read.findings == []
    assert rules.normalize_tracking_code(read.tracking_code or "") == read.tracking_code
    assert read.expires_on == DAY + dt.timedelta(days=rules.DEFAULT_VALID_DAYS)
    assert read.issued_on_jalali == "۱۴۰۵/۰۷/۰۹"
    assert [(li.code, li.remaining) for li in read.lines] == [("10005", 20), ("200101", 1)]
    assert read.lines[0].name_fa == "استامینوفن"
    assert session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "issue")
    )


def test_an_uninsured_person_is_refused_with_the_reason_in_persian(session, world) -> None:
    err = refusal(session, world, "doc", rx(world.uninsured_nid, drug("10005")))
    assert problems(err) == {
        "national_id": ("P01", "بیمه‌شده در تاریخ نسخه پوشش بیمه‌ای ندارد"),
    }
    assert err.status == 422


def test_a_drug_outside_the_formulary_and_an_uncovered_drug_are_refused(session, world) -> None:
    err = refusal(session, world, "doc", rx(world.nid, drug("99999"), drug("10025", 4, 4)))
    found = problems(err)
    assert found["lines.0.code"][0] == "P02"
    assert found["lines.0.code"][1].startswith("دارو در فهرست داروهای سازمان نیست")
    assert found["lines.1.code"] == ("P03", "دارو تحت پوشش بیمه نیست")


def test_quantity_and_days_above_the_formulary_limits_are_refused_on_their_fields(
    session, world
) -> None:
    err = refusal(
        session, world, "doc", rx(world.nid, drug("10005", 45, 10), drug("10001", 20, 20))
    )
    found = problems(err)
    assert found["lines.0.quantity"][0] == "P04"
    assert "تعداد دارو بیش از سقف مجاز" in found["lines.0.quantity"][1]
    assert "۴۵" in found["lines.0.quantity"][1]
    assert found["lines.1.days_supply"][0] == "P05"
    assert "۱۴ روز" in found["lines.1.days_supply"][1]


def test_a_specialist_only_drug_is_refused_to_a_general_practitioner_and_issued_to_a_cardiologist(
    session, world
) -> None:
    err = refusal(session, world, "doc", rx(world.nid, drug("10014", 30, 30)))
    code, text = problems(err)["lines.0.code"]
    assert code == "P06" and "فقط با نسخه‌ی پزشک متخصص" in text and "قلب و عروق" in text
    read = issuing.issue(
        session, world.who["cardio"], data=rx(world.nid, drug("10014", 30, 30)), on=DAY
    )
    assert read.status == "issued"


def test_the_same_drug_still_active_from_an_earlier_prescription_is_duplicate_therapy(
    session, world
) -> None:
    first = issuing.issue(
        session, world.who["doc"], data=rx(world.nid, drug("10007", 60, 60)), on=DAY
    )
    later = DAY + dt.timedelta(days=20)
    err = refusal(session, world, "doc2", rx(world.nid, drug("10007", 60, 60)), on=later)
    code, text = problems(err)["lines.0.code"]
    assert code == "P07" and text.startswith("تکرار درمان") and first.tracking_code in text
    # once the supply has run out it may be prescribed again
    again = issuing.issue(
        session, world.who["doc2"], data=rx(world.nid, drug("10007", 60, 60)),
        on=DAY + dt.timedelta(days=60),
    )  # fmt: skip
    assert again.status == "issued"


def test_a_drug_counts_as_active_through_the_last_day_of_its_supply(session, world) -> None:
    issuing.issue(session, world.who["doc"], data=rx(world.nid, drug("10007", 10, 10)), on=DAY)
    last = DAY + dt.timedelta(days=9)  # the issue day is the supply's first
    err = refusal(session, world, "doc2", rx(world.nid, drug("10007", 10, 10)), on=last)
    assert problems(err)["lines.0.code"][0] == "P07"
    after = issuing.issue(
        session, world.who["doc2"], data=rx(world.nid, drug("10007", 10, 10)),
        on=last + dt.timedelta(days=1),
    )  # fmt: skip
    assert after.status == "issued"


def test_a_never_dispensed_expired_prescription_is_not_active(session, world) -> None:
    issuing.issue(session, world.who["doc"], data=rx(world.nid, drug("10007", 90, 90)), on=DAY)
    later = DAY + dt.timedelta(days=rules.DEFAULT_VALID_DAYS + 1)
    read = issuing.issue(
        session, world.who["doc"], data=rx(world.nid, drug("10007", 90, 90)), on=later
    )
    assert read.status == "issued"


def test_a_severe_interaction_within_the_prescription_refuses_it(session, world) -> None:
    err = refusal(
        session, world, "cardio", rx(world.nid, drug("10028", 30, 30), drug("10013", 30, 30))
    )
    code, text = problems(err)["lines.1.code"]
    assert code == "P08" and text.startswith("تداخل دارویی شدید") and "10028" in text


def test_a_severe_interaction_with_a_drug_of_an_earlier_prescription_refuses(
    session, world
) -> None:
    issuing.issue(session, world.who["cardio"], data=rx(world.nid, drug("10028", 60, 60)), on=DAY)
    err = refusal(
        session, world, "doc", rx(world.nid, drug("10006", 10, 5)), on=DAY + dt.timedelta(days=3)
    )
    code, text = problems(err)["lines.0.code"]
    assert code == "P08" and "خونریزی" in text


def test_a_moderate_interaction_warns_and_the_prescription_is_issued(session, world) -> None:
    read = issuing.issue(
        session,
        world.who["doc"],
        data=rx(world.nid, drug("10010", 30, 30), drug("10006", 10, 5)),
        on=DAY,
    )
    assert read.status == "issued"
    [warning] = read.findings
    assert (warning.code, warning.field, warning.blocking) == ("P09", "lines.1.code", False)
    assert warning.reason_fa.startswith("تداخل دارویی متوسط")
    assert warning.label_en == "moderate drug interaction"


def test_a_minor_interaction_warns(session, world) -> None:
    read = issuing.issue(
        session,
        world.who["doc"],
        data=rx(world.nid, drug("10015", 30, 30), drug("10016", 30, 30)),
        on=DAY,
    )
    assert [w.code for w in read.findings] == ["P10"]


def test_an_order_line_that_is_not_lab_or_imaging_is_refused(session, world) -> None:
    err = refusal(session, world, "doc", rx(world.nid, order("400101")))
    assert problems(err)["lines.0.code"][0] == "P11"


def test_a_refused_prescription_is_kept_with_its_findings_valued_at_reference_price(
    session, world
) -> None:
    refusal(session, world, "doc", rx(world.nid, drug("10005", 45, 10), drug("10006", 10, 5)))
    stored = session.scalar(select(Prescription))
    assert stored.status == "refused" and stored.tracking_code is None
    finding = session.scalar(select(PrescriptionFinding))
    assert (finding.code, finding.line_no, finding.quantity) == ("P04", 1, 15)
    assert finding.value_rials == 15 * catalogue.DRUG_PRICES["10005"]


def test_only_a_physician_linked_to_a_practitioner_may_prescribe(session, world) -> None:
    with pytest.raises(PermissionDenied, match="not linked"):
        issuing.issue(session, world.who["unlinked"], data=rx(world.nid, drug("10005")), on=DAY)
    with pytest.raises(PermissionDenied):
        issuing.issue(session, world.who["pharm_a"], data=rx(world.nid, drug("10005")), on=DAY)


def test_an_unknown_national_id_is_refused_on_its_field(session, world) -> None:
    from tests.factories import new_national_id

    with pytest.raises(InvalidInput) as caught:
        issuing.issue(session, world.who["doc"], data=rx(new_national_id(), drug("10005")), on=DAY)
    assert caught.value.problems[0].field == "national_id"
