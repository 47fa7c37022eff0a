"""The duplicate rule (R08), worked out by hand: a line is a duplicate when it has the same
person, facility, code and service date as a line the insurer pays for, accepted or
partially accepted. An earlier run's accepted line counts; within a run the lines are
decided by service date, then line id (lines of one key share their date, so line id
decides), and a line rejected for any reason, R08 included, is the original of nothing.
So two identical lines are decided alike whether they come in one run or in two. Every
case is checked on the kernel and on the line-by-line reference against the same
hand-worked answer."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.claims.worked_runs import (
    HBA1C,
    accepted_lines,
    one_run,
    runs_in_turn,
    service_line,
    tariff,
)

CBC = "200101"  # a blood count: no frequency limit, no referral, any level
DAY = dt.date(2026, 10, 1)


def _outside_its_stay(line_id: int, code: str = CBC) -> dict:
    """The line filed in an inpatient claim whose stay ended the day before it: rejected
    as filed wrongly (R09), though the same visit filed again is sound."""
    return service_line(
        line_id,
        code,
        DAY,
        visit_type="inpatient",
        admission_date=DAY - dt.timedelta(days=5),
        discharge_date=DAY - dt.timedelta(days=1),
    )


def _decided(how: str, *lines: dict) -> dict[int, str]:
    """The lines decided in one run, or one run each in line order."""
    if how == "one run":
        return one_run(list(lines))
    return runs_in_turn(*[[line] for line in sorted(lines, key=lambda r: r["line_id"])])


RUNS = pytest.mark.parametrize("how", ["one run", "a run each"])


@RUNS
def test_a_line_identical_to_a_rejected_one_is_judged_on_its_own(how: str) -> None:
    # the visit refiled as an outpatient line: nothing else is wrong with it
    assert _decided(how, _outside_its_stay(1), service_line(2, CBC, DAY)) == {1: "R09", 2: ""}


@RUNS
def test_a_line_identical_to_an_accepted_one_is_a_duplicate(how: str) -> None:
    assert _decided(how, service_line(1, CBC, DAY), service_line(2, CBC, DAY)) == {
        1: "",
        2: "R08",
    }


@RUNS
def test_a_line_identical_to_a_partially_accepted_one_is_a_duplicate(how: str) -> None:
    # asked above the tariff: paid at the tariff (D01), so it is paid for
    dear = service_line(1, CBC, DAY, unit_price=tariff(CBC, 3) + 100_000)
    assert _decided(how, dear, service_line(2, CBC, DAY)) == {1: "D01", 2: "R08"}


@RUNS
def test_of_three_identical_lines_the_first_rejected_the_second_is_paid_and_the_third_repeats_it(
    how: str,
) -> None:
    lines = (_outside_its_stay(1), service_line(2, CBC, DAY), service_line(3, CBC, DAY))
    assert _decided(how, *lines) == {1: "R09", 2: "", 3: "R08"}


def test_within_a_run_line_order_decides_which_of_two_identical_lines_is_the_original() -> None:
    # the sound line filed first: the wrongly filed one after it repeats it as well
    assert one_run([service_line(3, CBC, DAY), _outside_its_stay(5)]) == {3: "", 5: "R08;R09"}
    # the wrongly filed line first: it is the original of nothing
    assert one_run([_outside_its_stay(3), service_line(5, CBC, DAY)]) == {3: "R09", 5: ""}


def test_a_line_rejected_as_too_soon_is_the_original_of_nothing() -> None:
    # an HbA1c test accepted 30 days before makes both of today's identical tests too soon
    past = accepted_lines([service_line(9, HBA1C, DAY - dt.timedelta(days=30))], {9: ""})
    assert one_run([service_line(1, HBA1C, DAY), service_line(2, HBA1C, DAY)], past) == {
        1: "R07",
        2: "R07",
    }


def test_the_repeat_of_a_paid_frequency_limited_test_is_too_soon_and_a_duplicate() -> None:
    lines = [
        _outside_its_stay(1, HBA1C),
        service_line(2, HBA1C, DAY),
        service_line(3, HBA1C, DAY),
        # 60 days on: within the 90-day limit of the line that was paid
        service_line(4, HBA1C, DAY + dt.timedelta(days=60)),
    ]
    want = {1: "R09", 2: "", 3: "R07;R08", 4: "R07"}
    assert one_run(lines) == want
    assert runs_in_turn(*[[line] for line in lines]) == want
