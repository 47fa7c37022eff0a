"""The registers as data, the quarter's windows and the cascade kernel, without a database."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from darman.common.errors import InvalidInput
from darman.common.jalali import parse_jalali
from darman.population import definitions, kernel
from darman.population.periods import parse_quarter


def test_the_shipped_registers_are_hypertension_and_type_2_diabetes() -> None:
    regs = definitions.by_code()
    assert set(regs) == {"htn", "t2dm"}
    assert regs["htn"].matches_diagnosis("I11.9") and regs["htn"].matches_diagnosis("i15")
    assert not regs["htn"].matches_diagnosis("I20")
    assert regs["t2dm"].matches_diagnosis("E119") and not regs["t2dm"].matches_diagnosis("E10")
    assert {(t.loinc, t.below) for t in regs["htn"].targets} == {("8480-6", 140), ("8462-4", 90)}


def test_a_register_with_an_unknown_loinc_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown LOINC"):
        definitions.parse('[[register]]\ncode = "x"\n[[register.target]]\nloinc = "1"\nbelow = 1\n')


def test_a_quarter_ends_its_reference_month_and_opens_windows_of_twelve_and_three_months() -> None:
    w = parse_quarter("۱۴۰۵Q2")
    assert w.reference_month == 140506
    assert w.end == parse_jalali("1405/06/31")
    assert w.start_3 == parse_jalali("1405/04/01")
    assert w.start_12 == parse_jalali("1404/07/01")
    first = parse_quarter("1405/Q1")
    assert first.start_12 == parse_jalali("1404/04/01") and first.start_3 == parse_jalali(
        "1405/01/01"
    )


def test_a_malformed_quarter_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_quarter("1405Q5")
    assert err.value.problems[0].field == "quarter"


D = dt.date


def _cohort() -> dict[str, pa.Table]:
    entries = pa.table({
        "register_code": ["htn"] * 4,
        "national_id": ["a", "b", "c", "d"],
        "province_id": [1, 1, 1, 1],
        "facility_id": [7, 7, 7, 7],
        "entered_on": [D(2024, 1, 1), D(2025, 9, 30), D(2025, 10, 1), D(2024, 6, 1)],
    })  # fmt: skip
    visits = pa.table({
        "national_id": ["a", "d", "d"],
        "visit_on": [D(2025, 11, 1), D(2024, 12, 31), D(2026, 1, 5)],
    })  # fmt: skip
    measurements = pa.table({
        "national_id": ["a", "a", "b", "b", "c", "c"],
        "loinc": ["8480-6", "8462-4", "8480-6", "8462-4", "8480-6", "8462-4"],
        "value": [139.0, 89.0, 140.0, 80.0, 120.0, 70.0],
        "measured_on": [D(2025, 12, 1)] * 6,
    })  # fmt: skip
    targets = pa.table({"register_code": ["htn", "htn"], "loinc": ["8480-6", "8462-4"],
                        "below": [140.0, 90.0]})  # fmt: skip
    return {"entries": entries, "visits": visits, "measurements": measurements,
            "targets": targets}  # fmt: skip


def test_the_cascade_kernel_counts_a_cohort_worked_by_hand() -> None:
    # window: 12 months from 2025-01-01, 3 months from 2025-10-01, end 2025-12-31.
    out = kernel.cascade(
        **_cohort(), start_12=D(2025, 1, 1), start_3=D(2025, 10, 1), end=D(2025, 12, 31)
    )
    row = out.to_pylist()[0]
    # a: controlled (139/89). b: in the cohort (entered the day before), 140 is not below
    # 140: uncontrolled. c: entered on the window's first day, outside the cohort.
    # d: its visits fall before the window and after its end: lost to follow-up.
    assert {k: row[k] for k in kernel.CASCADE_COLUMNS} == {
        "registered": 4, "under_care": 3, "cohort": 3, "controlled": 1, "uncontrolled": 1,
        "no_visit_3m": 1, "lost_to_follow_up": 1,
    }  # fmt: skip


COUNTS_BY_WINDOW = [
    # 2024-07..2025-06: only a and d registered, both in the cohort and neither seen in
    # the last 3 months; a seen by nothing in it (lost), d on 2024-12-31
    {"registered": 2, "under_care": 1, "cohort": 2, "controlled": 0, "uncontrolled": 0,
     "no_visit_3m": 2, "lost_to_follow_up": 1},
    # the window of the test above
    {"registered": 4, "under_care": 3, "cohort": 3, "controlled": 1, "uncontrolled": 1,
     "no_visit_3m": 1, "lost_to_follow_up": 1},
    # 2025-04..2026-03: all in the cohort; a, b and c last seen in 2025-12 (no visit in 3
    # months), d seen on 2026-01-05 with no measurement (uncontrolled)
    {"registered": 4, "under_care": 4, "cohort": 4, "controlled": 0, "uncontrolled": 1,
     "no_visit_3m": 3, "lost_to_follow_up": 0},
]  # fmt: skip
WINDOWS = [
    (D(2024, 7, 1), D(2025, 4, 1), D(2025, 6, 30)),
    (D(2025, 1, 1), D(2025, 10, 1), D(2025, 12, 31)),
    (D(2025, 4, 1), D(2026, 1, 1), D(2026, 3, 31)),
]


@pytest.mark.parametrize("at_once", [1, 2, kernel.WINDOWS_AT_ONCE])
def test_the_kernel_counts_several_windows_in_one_pass_as_worked_by_hand(
    monkeypatch, at_once
) -> None:
    monkeypatch.setattr(kernel, "WINDOWS_AT_ONCE", at_once)
    out = kernel.cascade_windows(**_cohort(), windows=WINDOWS).to_pylist()
    assert [r["w"] for r in out] == [0, 1, 2]
    assert [{k: r[k] for k in kernel.CASCADE_COLUMNS} for r in out] == COUNTS_BY_WINDOW
    for (start_12, start_3, end), expected in zip(WINDOWS, COUNTS_BY_WINDOW, strict=True):
        alone = kernel.cascade(**_cohort(), start_12=start_12, start_3=start_3, end=end)
        assert {k: alone.to_pylist()[0][k] for k in kernel.CASCADE_COLUMNS} == expected
