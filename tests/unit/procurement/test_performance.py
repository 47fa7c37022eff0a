"""A supplier's score from its own deliveries: on time, in full, free of defects."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.procurement import performance
from darman.procurement.performance import OrderRecord

DUE = dt.date(2026, 6, 1)
DAY = dt.timedelta(days=1)


def test_on_time_in_full_and_defects_make_the_score() -> None:
    orders = [
        OrderRecord(1, 7, 100, DUE, [(DUE - DAY, 100, 0)]),  # on time, in full, clean
        OrderRecord(2, 7, 100, DUE, [(DUE - DAY, 60, 0), (DUE + 9 * DAY, 40, 5)]),  # late
        OrderRecord(3, 7, 100, DUE, [(DUE, 80, 0)]),  # short
        OrderRecord(4, 7, 100, DUE + 90 * DAY, []),  # not due yet: not counted
    ]
    got = performance.score(orders, on=DUE + 30 * DAY)[7]
    assert got.orders == 3
    assert got.on_time == pytest.approx(1 / 3) and got.in_full == pytest.approx(2 / 3)
    assert got.defect_rate == pytest.approx(5 / 280)
    assert got.score == pytest.approx(100 * (0.4 / 3 + 0.4 * 2 / 3 + 0.2 * (1 - 5 / 280)))


def test_a_supplier_without_history_gets_the_neutral_score() -> None:
    scores = performance.score([OrderRecord(1, 7, 10, DUE, [])], on=DUE - DAY)
    assert scores == {} and performance.of(scores, 7) == performance.NO_HISTORY
    nothing = performance.score([OrderRecord(1, 8, 10, DUE, [])], on=DUE + DAY)[8]
    assert nothing.score == pytest.approx(20.0)  # due, nothing came: only "no defects" counts
