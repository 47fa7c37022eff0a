"""Which dated policy entry holds on which day: pure resolution, no database."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from darman.claims.rules import winning_periods

D = dt.date


def test_a_later_start_replaces_an_open_entry_from_its_first_day() -> None:
    old = (D(2020, 1, 1), D(2100, 12, 31), 30)
    new = (D(2026, 3, 21), D(2100, 12, 31), 25)
    assert winning_periods([old, new]) == [
        (D(2020, 1, 1), D(2026, 3, 20), 30),
        (D(2026, 3, 21), D(2100, 12, 31), 25),
    ]


def test_a_bounded_entry_gives_way_back_to_the_one_it_interrupted() -> None:
    base = (D(2020, 1, 1), D(2030, 12, 31), 30)
    pilot = (D(2026, 3, 21), D(2026, 9, 22), 20)
    assert winning_periods([pilot, base]) == [
        (D(2020, 1, 1), D(2026, 3, 20), 30),
        (D(2026, 3, 21), D(2026, 9, 22), 20),
        (D(2026, 9, 23), D(2030, 12, 31), 30),
    ]


def test_entries_starting_the_same_day_are_decided_by_the_one_listed_last() -> None:
    first = (D(2026, 3, 21), D(2027, 3, 20), 10)
    second = (D(2026, 3, 21), D(2027, 3, 20), 15)
    assert winning_periods([first, second]) == [(D(2026, 3, 21), D(2027, 3, 20), 15)]
    assert winning_periods([second, first]) == [(D(2026, 3, 21), D(2027, 3, 20), 10)]


def test_gaps_between_entries_stay_gaps() -> None:
    jan = (D(2026, 1, 1), D(2026, 1, 31), 30)
    mar = (D(2026, 3, 1), D(2026, 3, 31), 30)
    assert winning_periods([mar, jan]) == [jan, mar]


days = st.integers(min_value=0, max_value=60)


@given(
    st.lists(st.tuples(days, days, st.integers(min_value=0, max_value=100)), min_size=1, max_size=6)
)
def test_every_day_gets_the_value_of_the_latest_started_entry_covering_it(
    spans: list[tuple[int, int, int]],
) -> None:
    start = D(2026, 1, 1)
    entries = [
        (start + dt.timedelta(min(a, b)), start + dt.timedelta(max(a, b)), v) for a, b, v in spans
    ]
    periods = winning_periods(entries)
    for a, b in itertools.pairwise(periods):
        assert a[1] < b[0]  # never overlapping, in date order
    for offset in range(62):
        day = start + dt.timedelta(offset)
        covering = [(i, e) for i, e in enumerate(entries) if e[0] <= day <= e[1]]
        held = [p[2] for p in periods if p[0] <= day <= p[1]]
        if not covering:
            assert held == []
        else:
            expected = max(covering, key=lambda ie: (ie[1][0], ie[0]))[1][2]
            assert held == [expected]
