"""Copayment and filing deadlines that vary by province and by effective date: the
kernel and the line-by-line reference against amounts worked out here."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from darman.claims import engine, rules
from darman.claims.reference import ReferenceAdjudicator
from tests.unit.claims.test_kernel import _one_line, _reference, _tables, _tariff

OTHER = 1  # a province with no entries of its own


def _province_with_contracted_level1() -> tuple[int, int]:
    """(province, facility) of a contracted level-1 facility outside OTHER."""
    fac = _reference().facilities
    pick = fac.filter(
        pc.and_(
            pc.and_(pc.equal(fac["ownership"], "contracted"), pc.equal(fac["level"], 1)),
            pc.not_equal(fac["province_id"], OTHER),
        )
    )
    return pick["province_id"][0].as_py(), pick["facility_id"][0].as_py()


def _contracted_level1_in(province: int) -> int:
    fac = _reference().facilities
    pick = fac.filter(
        pc.and_(
            pc.and_(pc.equal(fac["ownership"], "contracted"), pc.equal(fac["level"], 1)),
            pc.equal(fac["province_id"], province),
        )
    )
    return int(pick["facility_id"][0].as_py())


def _people(n: int) -> list[str]:
    cov = _reference().coverage
    since_before = pc.and_(
        pc.is_null(cov["end_date"]),
        pc.less(cov["start_date"], pa.scalar(dt.date(2025, 3, 1), pa.date32())),
    )
    open_ended = cov.filter(since_before)["national_id"].to_pylist()
    return sorted(set(open_ended))[:n]


PROVINCE, FACILITY = _province_with_contracted_level1()
# In PROVINCE, outpatient visits at contracted centres cost the patient 20 % in May 2025
# (national: 30 %); another province's 50 % must not leak into PROVINCE.
COPAY = (
    *rules.DEFAULT_COPAY,
    rules.CopayRate(
        "outpatient", "contracted", 20, dt.date(2025, 5, 1), dt.date(2025, 5, 31), PROVINCE
    ),
    rules.CopayRate(
        "outpatient", "contracted", 50, rules.FOREVER_FROM, rules.FOREVER_TO, PROVINCE + 1
    ),
)
# Claims submitted in PROVINCE in June 2025 are due within 10 days, from 15 June within
# 30 (a later start wins); nationally 180.
DEADLINES = (
    *rules.DEFAULT_DEADLINES,
    rules.FilingDeadline(PROVINCE, dt.date(2025, 6, 1), dt.date(2025, 6, 30), 10),
    rules.FilingDeadline(PROVINCE, dt.date(2025, 6, 15), dt.date(2025, 6, 30), 30),
)

# (province, service date, submitted, expected reasons, expected copay percent)
CASES = (
    (PROVINCE, dt.date(2025, 5, 20), dt.date(2025, 6, 1), "R09", None),  # 12 days > 10
    (PROVINCE, dt.date(2025, 5, 31), dt.date(2025, 5, 31), "", 20),  # last day at 20 %
    (PROVINCE, dt.date(2025, 6, 1), dt.date(2025, 6, 5), "", 30),  # day after: national
    (PROVINCE, dt.date(2025, 5, 20), dt.date(2025, 6, 15), "", 20),  # 26 days <= 30
    (PROVINCE, dt.date(2025, 5, 20), dt.date(2025, 6, 14), "R09", None),  # 25 days > 10
    (PROVINCE, dt.date(2025, 4, 30), dt.date(2025, 7, 1), "", 30),  # province entry over: 180
    (OTHER, dt.date(2025, 5, 20), dt.date(2025, 6, 1), "", 30),  # national rate and deadline
)


def _case_tables() -> dict[str, pa.Table]:
    tariff = _tariff("100101", 1, "contracted")
    people = _people(len(CASES))
    rows = [
        _one_line(
            line_id=i + 1,
            claim_id=i + 1,
            national_id=people[i],
            province_id=province,
            facility_id=FACILITY if province == PROVINCE else _contracted_level1_in(province),
            service_date=served,
            submitted_date=submitted,
            unit_price=tariff,
        )
        for i, (province, served, submitted, _, _) in enumerate(CASES)
    ]
    tables = _tables(pa.concat_tables(rows))
    tables["copay_rates"], tables["calendar"] = rules.policy_tables(COPAY, DEADLINES)
    return tables


def test_a_province_s_copayment_and_deadline_win_over_the_national_ones_on_their_dates() -> None:
    tariff = _tariff("100101", 1, "contracted")
    out = engine.run(_case_tables()).to_pylist()
    for got, (_, _, _, reasons, percent) in zip(out, CASES, strict=True):
        assert got["reasons"] == reasons
        if percent is None:
            assert (got["allowed"], got["copay"], got["insurer"]) == (0, 0, 0)
        else:
            assert got["allowed"] == tariff
            assert got["copay"] == (tariff * percent + 50) // 100
            assert got["insurer"] == tariff - got["copay"]
    # a GP visit at a contracted level-1 centre in 1404: 3,773,000 rials, of which the
    # patient pays 754,600 at 20 % and 1,131,900 at 30 %
    assert tariff == 3_773_000
    assert [r["copay"] for r in out] == [0, 754_600, 1_131_900, 754_600, 0, 1_131_900, 1_131_900]


def test_the_reference_adjudicator_agrees_with_the_kernel_on_province_parameters() -> None:
    tables = _case_tables()
    kernel = engine.run(tables).to_pylist()
    reference = ReferenceAdjudicator(tables).decide_all(tables["lines"].to_pylist())
    assert [(k["allowed"], k["copay"], k["reasons"]) for k in kernel] == [
        (r.allowed, r.copay, r.reasons) for r in reference
    ]


def test_overlapping_entries_leave_one_value_per_day_and_the_latest_start_wins() -> None:
    copay, calendar = rules.policy_tables(COPAY, DEADLINES)
    national = calendar.filter(pc.is_null(calendar["province_id"]))
    assert national.num_rows == (rules.CALENDAR_LAST - rules.CALENDAR_FIRST).days + 1
    mine = calendar.filter(pc.equal(calendar["province_id"], PROVINCE)).to_pylist()
    assert [r["day"] for r in mine] == [
        dt.date(2025, 6, 1) + dt.timedelta(days=i) for i in range(30)
    ]
    assert [r["filing_deadline_days"] for r in mine] == [10] * 14 + [30] * 16
    # an overlapping national copay change: the later start wins from its first day
    later = rules.CopayRate("outpatient", "owned", 5, dt.date(2026, 1, 1), rules.FOREVER_TO)
    copay, _ = rules.policy_tables((*rules.DEFAULT_COPAY, later), rules.DEFAULT_DEADLINES)
    rows = copay.filter(
        pc.and_(pc.equal(copay["visit_type"], "outpatient"), pc.equal(copay["ownership"], "owned"))
    ).to_pylist()
    assert [(r["percent"], r["valid_from"], r["valid_to"]) for r in rows] == [
        (0, rules.FOREVER_FROM, dt.date(2025, 12, 31)),
        (5, dt.date(2026, 1, 1), rules.FOREVER_TO),
    ]


def test_the_default_policy_is_the_national_defaults_through_policy_tables() -> None:
    copay, calendar = rules.default_policy()
    expected = rules.policy_tables(rules.DEFAULT_COPAY, rules.DEFAULT_DEADLINES)
    assert copay.equals(expected[0]) and calendar.equals(expected[1])
    assert rules.default_policy() is rules.default_policy()
    assert set(pc.unique(calendar["filing_deadline_days"]).to_pylist()) == {180}
