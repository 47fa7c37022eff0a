"""The frequency rule (R07), worked out by hand: only accepted and partially accepted lines
count, earlier runs' lines count whether they lie before or after a line, and within a run
the lines are decided by service date, earliest first. Every case is checked on the kernel
and on the line-by-line reference against the same hand-worked answer."""

from __future__ import annotations

import datetime as dt

from tests.unit.claims.worked_runs import (
    BRAIN_MRI,
    HBA1C,
    accepted_lines,
    one_run,
    runs_in_turn,
    service_line,
    tariff,
)

# ------------------------------------------------ issue 20, item 1: rejected lines


def test_a_rejected_line_does_not_make_a_later_one_too_soon_in_the_same_run() -> None:
    # A brain MRI at a level-2 centre has no tariff and is above its level; a month later
    # at a level-3 centre it is the person's first MRI the insurer pays for.
    first = service_line(1, BRAIN_MRI, dt.date(2026, 9, 1), level=2)
    second = service_line(2, BRAIN_MRI, dt.date(2026, 10, 1), level=3)
    assert one_run([first, second]) == {1: "R02;R05", 2: ""}


def test_a_rejected_line_does_not_make_a_later_one_too_soon_in_a_later_run() -> None:
    first = service_line(1, BRAIN_MRI, dt.date(2026, 9, 1), level=2)
    second = service_line(2, BRAIN_MRI, dt.date(2026, 10, 1), level=3)
    assert runs_in_turn([first], [second]) == {1: "R02;R05", 2: ""}


def test_a_line_rejected_as_too_soon_does_not_count_either_so_a_chain_restarts() -> None:
    # A counts; B is 61 days after A; C is 45 days after B but 106 after A: B does not
    # count, so C is paid; D is 16 days after C; E is 96 days after C and 80 after D.
    days = {
        1: dt.date(2026, 6, 1),
        2: dt.date(2026, 8, 1),
        3: dt.date(2026, 9, 15),
        4: dt.date(2026, 10, 1),
        5: dt.date(2026, 12, 20),
    }
    chain = [service_line(i, HBA1C, day) for i, day in days.items()]
    want = {1: "", 2: "R07", 3: "", 4: "R07", 5: ""}
    assert one_run(chain) == want
    # the same lines in five runs, in date order, come out the same
    assert runs_in_turn(*[[line] for line in chain]) == want
    # and in one run whatever order the lines were filed in
    refiled = [service_line(6 - i, HBA1C, day) for i, day in days.items()]
    assert one_run(refiled) == {6 - i: reasons for i, reasons in want.items()}


def test_a_chain_starts_at_the_first_line_that_is_accepted() -> None:
    # A is rejected for an invalid national ID, so B is the first that counts and C,
    # 30 days after B, is too soon; D is 70 days after C and 100 after B.
    lines = [
        service_line(1, HBA1C, dt.date(2026, 6, 1), nid_valid=False),
        service_line(2, HBA1C, dt.date(2026, 6, 20)),
        service_line(3, HBA1C, dt.date(2026, 7, 20)),
        service_line(4, HBA1C, dt.date(2026, 9, 28)),
    ]
    assert one_run(lines) == {1: "R03", 2: "", 3: "R07", 4: ""}


def test_a_line_rejected_for_another_reason_inside_a_counted_lines_limit_says_so_too() -> None:
    lines = [
        service_line(1, HBA1C, dt.date(2026, 6, 1)),
        service_line(2, HBA1C, dt.date(2026, 7, 1), nid_valid=False),
        service_line(3, HBA1C, dt.date(2026, 8, 1)),
    ]
    assert one_run(lines) == {1: "", 2: "R03;R07", 3: "R07"}


def test_a_partially_accepted_line_counts() -> None:
    # asked above the tariff: paid at the tariff (D01), and it starts the limit
    lines = [
        service_line(1, HBA1C, dt.date(2026, 6, 1), unit_price=tariff(HBA1C, 3) + 100_000),
        service_line(2, HBA1C, dt.date(2026, 7, 1)),
    ]
    assert one_run(lines) == {1: "D01", 2: "R07"}
    assert runs_in_turn(lines[:1], lines[1:]) == {1: "D01", 2: "R07"}


# -------------------------------------- issue 20, item 2: the order claims arrive in


def test_a_line_dated_before_one_accepted_in_an_earlier_run_is_too_soon() -> None:
    later = service_line(1, HBA1C, dt.date(2026, 11, 20))
    earlier = service_line(2, HBA1C, dt.date(2026, 11, 1))
    assert runs_in_turn([later], [earlier]) == {1: "", 2: "R07"}
    assert runs_in_turn([earlier], [later]) == {1: "R07", 2: ""}


def test_within_one_run_the_earliest_service_date_is_decided_first() -> None:
    # the later-dated line was filed first (smaller line id)
    later = service_line(1, HBA1C, dt.date(2026, 11, 20))
    earlier = service_line(2, HBA1C, dt.date(2026, 11, 1))
    assert one_run([later, earlier]) == {1: "R07", 2: ""}


def test_lines_on_one_day_are_decided_in_line_order() -> None:
    # two centres (so neither line repeats the other), the same day
    first = service_line(7, HBA1C, dt.date(2026, 11, 1), level=3)
    second = service_line(4, HBA1C, dt.date(2026, 11, 1), level=2, unit_price=tariff(HBA1C, 2))
    assert one_run([first, second]) == {4: "", 7: "R07"}


def test_earlier_runs_count_on_both_sides_up_to_the_limit_and_no_further() -> None:
    line = service_line(1, HBA1C, dt.date(2026, 11, 1))
    # 89 days after: inside the 90-day limit; 90 days after: outside it
    inside = accepted_lines([service_line(9, HBA1C, dt.date(2027, 1, 29))], {9: ""})
    outside = accepted_lines([service_line(9, HBA1C, dt.date(2027, 1, 30))], {9: ""})
    assert one_run([line], inside) == {1: "R07"}
    assert one_run([line], outside) == {1: ""}
    # 89 and 90 days before
    inside = accepted_lines([service_line(9, HBA1C, dt.date(2026, 8, 4))], {9: ""})
    outside = accepted_lines([service_line(9, HBA1C, dt.date(2026, 8, 3))], {9: ""})
    assert one_run([line], inside) == {1: "R07"}
    assert one_run([line], outside) == {1: ""}


def test_a_line_an_earlier_run_makes_too_soon_does_not_count_in_its_own_run() -> None:
    # history on 1 Oct makes the 1 Nov line too soon; 5 Jan is 96 days after 1 Oct and
    # 65 after 1 Nov: paid, because the 1 Nov line does not count
    past = accepted_lines([service_line(9, HBA1C, dt.date(2026, 10, 1))], {9: ""})
    lines = [
        service_line(1, HBA1C, dt.date(2026, 11, 1)),
        service_line(2, HBA1C, dt.date(2027, 1, 5)),
    ]
    assert one_run(lines, past) == {1: "R07", 2: ""}
