"""The consumption method with max-min ordering on hand-worked cases, stock-outs included."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from darman.procurement import quantify


def _stock(rows: list[tuple[int, int, int, int, int, int, int]]) -> pa.Table:
    cols = ["facility_id", "item_id", "month", "issues", "stockout_days", "closing", "on_order"]
    return pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})


def _items(*rows: tuple[int, str, int | None]) -> pa.Table:
    return pa.table(
        {
            "item_id": [r[0] for r in rows],
            "criticality": [r[1] for r in rows],
            "lead_time_days": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


def _one(result: pa.Table) -> dict:
    assert result.num_rows == 1
    return {c: result[c][0].as_py() for c in result.column_names}


def test_a_vital_item_below_minimum_is_ordered_up_to_maximum_plus_lead_time() -> None:
    # 1404: 6 months of 31 days, 5 of 30, Esfand of 29 = 365 days, 100 issued each month
    rows = [(1, 7, 140400 + m, 100, 0, 150 if m == 12 else 400, 0) for m in range(1, 13)]
    got = _one(quantify.quantify(_stock(rows), _items((7, "vital", 60)), last_month=140412))
    amc = 1200 * 30.4 / 365  # 99.945 a month
    lead = 60 / 30.4  # 1.974 months
    assert got["amc"] == pytest.approx(amc)
    assert got["mos"] == pytest.approx(150 / amc)
    assert got["reorder_level"] == pytest.approx(amc * (3 + lead))
    assert got["order_qty"] == math.ceil(amc * (6 + lead) - 150) == 647
    assert got["status"] == "below_min"


def test_stock_out_days_are_taken_out_of_the_days_demand_was_seen() -> None:
    # Farvardin-Shahrivar 1404 (186 days); two months were out of stock for 15 days each
    issued = {1: 60, 2: 30, 3: 60, 4: 30, 5: 60, 6: 60}
    out = {2: 15, 4: 15}
    rows = [(1, 7, 140400 + m, issued[m], out.get(m, 0), 20, 50) for m in range(1, 7)]
    policy = quantify.Policy(lookback_months=6)
    got = _one(quantify.quantify(_stock(rows), _items((7, "essential", None)), last_month=140406,
                                 policy=policy))  # fmt: skip
    assert got["stocked_days"] == 186 - 30
    amc = 300 * 30.4 / 156  # 58.46, against 49.03 if the stock-outs were ignored
    assert got["amc"] == pytest.approx(amc)
    lead = 60 / 30.4  # no supplier lead time known: the default 60 days
    assert got["order_qty"] == math.ceil(amc * (4 + lead) - 20 - 50)
    assert got["status"] == "below_min"


def test_enough_on_order_means_no_order_and_idle_stock_is_over_max() -> None:
    rows = [(1, 7, 140400 + m, 10, 0, 100, 0) for m in range(1, 13)]
    rows += [(1, 8, 140400 + m, 100, 0, 50, 900) for m in range(1, 13)]
    got = quantify.quantify(
        _stock(rows), _items((7, "non_essential", 30), (8, "vital", 30)), last_month=140412
    )
    idle, covered = ({c: got[c][i].as_py() for c in got.column_names} for i in range(2))
    assert idle["status"] == "over_max" and idle["order_qty"] == 0  # 10 months of stock
    assert covered["order_qty"] == 0  # 50 in hand + 900 on order beat the reorder level


def test_a_whole_window_out_of_stock_is_no_data_and_rows_outside_it_are_ignored() -> None:
    rows = [(1, 7, 140400 + m, 0, 31, 0, 0) for m in range(1, 7)]
    rows.append((1, 7, 140312, 5_000, 0, 0, 0))  # before a six-month window
    got = _one(quantify.quantify(_stock(rows), _items((7, "vital", 30)), last_month=140406,
                                 policy=quantify.Policy(lookback_months=6)))  # fmt: skip
    assert got["amc"] is None and got["status"] == "no_data" and got["order_qty"] == 0
    assert got["issues"] == 0


def test_province_and_nation_sums_recompute_months_of_stock() -> None:
    rows = [(f, 7, 140400 + m, 30 * f, 0, 10 * f, 0) for f in (1, 2, 3) for m in range(1, 13)]
    facility = quantify.quantify(_stock(rows), _items((7, "vital", 30)), last_month=140412)
    provinces = pa.table({"facility_id": [1, 2, 3], "province_id": [19, 19, 8]})
    by_province = quantify.aggregate(facility, provinces)
    qom = {c: by_province[c][1].as_py() for c in by_province.column_names}
    assert qom["province_id"] == 19 and qom["facilities"] == 2
    amc = [360 * f * 30.4 / 365 for f in (1, 2)]
    assert qom["amc"] == pytest.approx(sum(amc)) and qom["soh"] == 30
    assert qom["mos"] == pytest.approx(30 / sum(amc))
    nation = quantify.aggregate(facility)
    assert nation["facilities"][0].as_py() == 3


def test_month_arithmetic_and_bad_policies() -> None:
    assert quantify.month_before(140401) == 140312
    assert quantify.month_before(140405, 16) == 140301
    assert [r for r in quantify.window(140402, 3)["month"].to_pylist()] == [140312, 140401, 140402]
    with pytest.raises(ValueError):
        quantify.quantify(_stock([]), _items(), last_month=140401,
                          policy=quantify.Policy(lookback_months=0))  # fmt: skip
