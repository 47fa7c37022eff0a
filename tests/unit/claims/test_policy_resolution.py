"""Which dated policy entry holds on which day: pure resolution, no database."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from darman.claims.policy import Dated, resolve

D = dt.date


def test_a_later_start_replaces_an_open_entry_from_its_first_day() -> None:
    old = Dated("k", 30, D(2020, 1, 1), D(2100, 12, 31), rank=-1)
    new = Dated("k", 25, D(2026, 3, 21), D(2100, 12, 31), rank=1)
    assert resolve([old, new]) == [
        Dated("k", 30, D(2020, 1, 1), D(2026, 3, 20), -1),
        Dated("k", 25, D(2026, 3, 21), D(2100, 12, 31), 1),
    ]


def test_a_bounded_entry_gives_way_back_to_the_one_it_interrupted() -> None:
    base = Dated("k", 30, D(2020, 1, 1), D(2030, 12, 31), rank=-1)
    pilot = Dated("k", 20, D(2026, 3, 21), D(2026, 9, 22), rank=4)
    assert [(d.value, d.valid_from, d.valid_to) for d in resolve([pilot, base])] == [
        (30, D(2020, 1, 1), D(2026, 3, 20)),
        (20, D(2026, 3, 21), D(2026, 9, 22)),
        (30, D(2026, 9, 23), D(2030, 12, 31)),
    ]


def test_entries_starting_the_same_day_are_decided_by_the_one_set_last() -> None:
    first = Dated("k", 10, D(2026, 3, 21), D(2027, 3, 20), rank=1)
    second = Dated("k", 15, D(2026, 3, 21), D(2027, 3, 20), rank=2)
    assert [d.value for d in resolve([second, first])] == [15]


def test_keys_are_resolved_apart_and_gaps_stay_gaps() -> None:
    a = Dated(("19", "outpatient"), 25, D(2026, 1, 1), D(2026, 1, 31), rank=1)
    b = Dated(None, 30, D(2026, 3, 1), D(2026, 3, 31), rank=1)
    c = Dated(None, 30, D(2026, 1, 1), D(2026, 1, 31), rank=2)
    got = resolve([a, b, c])
    assert sorted((repr(d.key), d.valid_from, d.valid_to) for d in got) == sorted(
        [
            (repr(("19", "outpatient")), D(2026, 1, 1), D(2026, 1, 31)),
            ("None", D(2026, 1, 1), D(2026, 1, 31)),
            ("None", D(2026, 3, 1), D(2026, 3, 31)),
        ]
    )


days = st.integers(min_value=0, max_value=60)


@given(
    st.lists(
        st.tuples(days, days, st.integers(min_value=0, max_value=100)), min_size=1, max_size=6
    )
)
def test_every_day_gets_the_value_of_the_latest_started_entry_covering_it(
    spans: list[tuple[int, int, int]],
) -> None:
    start = D(2026, 1, 1)
    entries = [
        Dated("k", v, start + dt.timedelta(min(a, b)), start + dt.timedelta(max(a, b)), rank=i)
        for i, (a, b, v) in enumerate(spans)
    ]
    periods = resolve(entries)
    for a, b in itertools.pairwise(periods):
        assert a.valid_to < b.valid_from  # never overlapping
    for offset in range(62):
        day = start + dt.timedelta(offset)
        covering = [e for e in entries if e.valid_from <= day <= e.valid_to]
        held = [p for p in periods if p.valid_from <= day <= p.valid_to]
        if not covering:
            assert held == []
        else:
            expected = max(covering, key=lambda e: (e.valid_from, e.rank)).value
            assert [p.value for p in held] == [expected]
