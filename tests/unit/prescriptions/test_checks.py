"""The prescription checks as pure functions: no database."""

from __future__ import annotations

import datetime as dt

from darman.prescriptions import rules, tables
from darman.prescriptions.enums import LineKind
from darman.prescriptions.rules import ActiveDrug, CheckInput, DrugFacts, LineDraft
from darman.synth import catalogue

TODAY = dt.date(2026, 10, 1)


def _formulary() -> dict[str, DrugFacts]:
    return {
        code: DrugFacts(
            code=code,
            name_fa=name,
            covered=covered,
            max_quantity=max_qty,
            max_days_supply=catalogue.DRUG_MAX_DAYS[code],
            specialist_only=specialist,
            price_rials=catalogue.DRUG_PRICES[code],
        )
        for code, name, _form, _strength, covered, max_qty, specialist in catalogue.DRUGS
    }


ORDERS = frozenset(s[0] for s in catalogue.SERVICES if s[2] in ("lab", "imaging"))


def drug(index: int, code: str, quantity: int = 10, days: int = 10) -> LineDraft:
    return LineDraft(index, LineKind.DRUG, code, quantity, days)


def run(*lines: LineDraft, specialty: str = "پزشک عمومی", **kw: object) -> list[rules.Finding]:
    inp = CheckInput(
        lines=lines,
        covered=bool(kw.pop("covered", True)),
        prescriber_specialty=specialty,
        drugs=_formulary(),
        order_services=ORDERS,
        permitted_specialties=tables.permitted_specialties(),
        interactions=tables.interactions(),
        **kw,  # type: ignore[arg-type]
    )
    return rules.check(inp)


def codes(found: list[rules.Finding]) -> list[str]:
    return [f.code for f in found]


def test_a_plain_prescription_within_every_limit_has_no_findings() -> None:
    assert run(drug(0, "10005", 20, 7), LineDraft(1, LineKind.SERVICE, "200101", 1)) == []


def test_an_uninsured_person_refuses_the_whole_prescription_valued_at_every_drug() -> None:
    found = run(drug(0, "10005", 20, 7), covered=False)
    assert codes(found) == ["P01"]
    assert found[0].field == "national_id" and found[0].index is None
    assert found[0].value_rials == 20 * catalogue.DRUG_PRICES["10005"]
    assert found[0].text_fa.startswith("بیمه‌شده در تاریخ نسخه پوشش بیمه‌ای ندارد")


def test_a_drug_outside_the_formulary_is_refused_on_its_code() -> None:
    found = run(drug(0, "99999"))
    assert codes(found) == ["P02"] and found[0].field == "lines.0.code"


def test_an_uncovered_drug_is_refused_and_valued_in_full() -> None:
    found = run(drug(0, "10025", 4, 4))  # sildenafil is not covered
    assert codes(found) == ["P03"]
    assert found[0].value_rials == 4 * catalogue.DRUG_PRICES["10025"]
    assert "تحت پوشش بیمه نیست" in found[0].text_fa


def test_a_quantity_above_the_maximum_records_only_the_excess() -> None:
    found = run(drug(0, "10005", 45, 10))  # paracetamol: at most 30
    assert codes(found) == ["P04"] and found[0].field == "lines.0.quantity"
    assert found[0].quantity == 15
    assert found[0].value_rials == 15 * catalogue.DRUG_PRICES["10005"]
    assert "۴۵" in found[0].text_fa and "۳۰" in found[0].text_fa


def test_days_of_supply_above_the_drugs_maximum_are_refused_with_the_share_beyond_it() -> None:
    found = run(drug(0, "10001", 28, 28))  # amoxicillin: at most 14 days
    assert codes(found) == ["P05"] and found[0].field == "lines.0.days_supply"
    assert found[0].quantity == 14


def test_a_chronic_drug_may_cover_three_months() -> None:
    assert run(drug(0, "10007", 90, 90)) == []


def test_a_specialist_only_drug_from_a_general_practitioner_is_refused() -> None:
    found = run(drug(0, "10014", 30, 30))
    assert codes(found) == ["P06"]
    assert "قلب و عروق" in found[0].text_fa


def test_a_specialist_only_drug_from_a_permitted_specialty_passes() -> None:
    assert run(drug(0, "10014", 30, 30), specialty="قلب و عروق") == []


def test_a_drug_still_active_from_an_earlier_prescription_is_duplicate_therapy() -> None:
    active = [ActiveDrug("10007", TODAY + dt.timedelta(days=20), "ABCD")]
    found = run(drug(0, "10007", 30, 30), active=active)
    assert codes(found) == ["P07"] and found[0].value_rials > 0
    assert "ABCD" in found[0].text_fa


def test_a_severe_interaction_within_the_prescription_blocks_on_the_later_line() -> None:
    found = run(drug(0, "10028", 30, 30), drug(1, "10013", 30, 30), specialty="قلب و عروق")
    assert codes(found) == ["P08"]
    assert found[0].index == 1 and found[0].other_code == "10028" and found[0].blocking


def test_a_severe_interaction_with_a_still_active_drug_blocks() -> None:
    active = [ActiveDrug("10028", TODAY + dt.timedelta(days=40), "WARF")]
    found = run(drug(0, "10006", 10, 5), active=active)
    assert codes(found) == ["P08"] and found[0].other_code == "10028"


def test_moderate_and_minor_interactions_warn_without_blocking() -> None:
    found = run(drug(0, "10010", 30, 30), drug(1, "10006", 10, 5))
    assert codes(found) == ["P09"] and not found[0].blocking
    found = run(drug(0, "10015", 30, 30), drug(1, "10016", 30, 30))
    assert codes(found) == ["P10"] and not found[0].blocking


def test_an_order_line_must_be_a_lab_or_imaging_service() -> None:
    found = run(LineDraft(0, LineKind.SERVICE, "400101", 1))  # an appendectomy
    assert codes(found) == ["P11"]


def test_the_same_drug_twice_in_one_prescription_is_refused_on_the_repeat() -> None:
    found = run(drug(0, "10005"), drug(1, "10005"))
    assert codes(found) == ["P12"] and found[0].index == 1


def test_every_reason_has_a_persian_and_an_english_label() -> None:
    assert len(rules.REASON_BY_CODE) == len(rules.REASONS)
    for r in rules.REASONS:
        assert r.label_fa and r.label_en and r.code.startswith("P")


def test_supply_lasts_days_counting_the_issue_day() -> None:
    assert rules.active_until(TODAY, 30) == TODAY + dt.timedelta(days=29)
    assert rules.is_active(TODAY, 30, TODAY + dt.timedelta(days=29))
    assert not rules.is_active(TODAY, 30, TODAY + dt.timedelta(days=30))
    assert rules.expiry(TODAY) == TODAY + dt.timedelta(days=rules.DEFAULT_VALID_DAYS)


def test_pharmacies_dispense_drugs_and_laboratories_lab_orders_only() -> None:
    assert rules.may_dispense("pharmacy", "drug")
    assert not rules.may_dispense("pharmacy", "lab")
    assert rules.may_dispense("laboratory", "lab") and not rules.may_dispense("laboratory", "drug")
    assert rules.may_dispense("hospital", "imaging")
    assert not rules.may_dispense("physician_office", "drug")
