"""Demand by the standard consumption method, with the max-min ordering rule: a pure kernel
over monthly stock records, run in DuckDB over Arrow.

The method (Management Sciences for Health, *MDS-3: Managing Access to Medicines and
Health Technologies*, 2012: chapter 20 on quantification by past consumption, chapter 23
on max-min inventory control), per facility and item over a look-back window of months:

* adjusted average monthly consumption ``AMC = issues / stocked days x 30.4``, where
  stocked days are the window's days less its stock-out days: a month half out of stock
  counts as half a month of demand seen, so stock-outs do not hide demand. No stocked day
  in the window: AMC is unknown and the line is flagged.
* stock on hand ``SOH`` is the last month's closing balance; months of stock ``MOS = SOH /
  AMC``.
* minimum and maximum months of stock by criticality (defaults vital 3 and 6, essential
  2 and 4, non-essential 1 and 3), and the item's lead time in months (``lead days /
  30.4``; the median of its suppliers' lead times, 60 days when none is known).
* reorder level ``AMC x (min + lead)``; when ``SOH + on order`` is at or below it, order
  ``ceil(AMC x (max + lead) - SOH - on order)``, else nothing.
* status: ``out`` (SOH 0), ``below_min`` (MOS under the minimum), ``over_max`` (above the
  maximum), ``ok``, or ``no_data``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from darman.common.jalali import jalali_month_days

MONTH_DAYS = 30.4
CRITICALITY = ("vital", "essential", "non_essential")


@dataclass(frozen=True)
class Policy:
    lookback_months: int = 12
    min_months: dict[str, float] = field(
        default_factory=lambda: {"vital": 3.0, "essential": 2.0, "non_essential": 1.0}
    )
    max_months: dict[str, float] = field(
        default_factory=lambda: {"vital": 6.0, "essential": 4.0, "non_essential": 3.0}
    )
    default_lead_time_days: int = 60

    def check(self) -> None:
        if not 1 <= self.lookback_months <= 60:
            raise ValueError("the look-back window is 1 to 60 months")
        for c in CRITICALITY:
            lo, hi = self.min_months.get(c), self.max_months.get(c)
            if lo is None or hi is None or not 0 <= lo <= hi <= 60:
                raise ValueError(f"min and max months for {c}: 0 <= min <= max <= 60")


def month_before(month: int, n: int = 1) -> int:
    """``140401`` minus ``n`` Jalali months."""
    year, m = divmod(month, 100)
    index = year * 12 + (m - 1) - n
    return (index // 12) * 100 + index % 12 + 1


def window(last_month: int, months: int) -> pa.Table:
    """The window's months with their days, oldest first."""
    ms = [month_before(last_month, n) for n in range(months - 1, -1, -1)]
    return pa.table(
        {
            "month": pa.array(ms, pa.int32()),
            "days": pa.array([jalali_month_days(m // 100, m % 100) for m in ms], pa.int32()),
        }
    )


KERNEL = """
WITH w AS (
    SELECT s.facility_id, s.item_id,
           sum(s.issues) AS issues,
           sum(greatest(m.days - least(s.stockout_days, m.days), 0)) AS stocked_days,
           count(*) AS months_seen
    FROM stock s JOIN months m USING (month)
    GROUP BY s.facility_id, s.item_id
),
last AS (
    SELECT facility_id, item_id, closing AS soh, on_order
    FROM stock WHERE month = $last
),
base AS (
    SELECT coalesce(w.facility_id, l.facility_id) AS facility_id,
           coalesce(w.item_id, l.item_id) AS item_id,
           coalesce(w.issues, 0) AS issues,
           coalesce(w.stocked_days, 0) AS stocked_days,
           coalesce(l.soh, 0) AS soh,
           coalesce(l.on_order, 0) AS on_order,
           i.criticality,
           coalesce(i.lead_time_days, $default_lead) / $month_days AS lead_months,
           CASE i.criticality WHEN 'vital' THEN $min_v WHEN 'essential' THEN $min_e
                ELSE $min_n END AS min_months,
           CASE i.criticality WHEN 'vital' THEN $max_v WHEN 'essential' THEN $max_e
                ELSE $max_n END AS max_months
    FROM w FULL JOIN last l USING (facility_id, item_id)
    JOIN items i ON i.item_id = coalesce(w.item_id, l.item_id)
),
rated AS (
    SELECT *,
           CASE WHEN stocked_days > 0 THEN issues * $month_days / stocked_days END AS amc
    FROM base
)
SELECT facility_id, item_id, criticality, issues, stocked_days, amc, soh, on_order,
       CASE WHEN amc > 0 THEN soh / amc END AS mos,
       min_months, max_months, lead_months,
       amc * (min_months + lead_months) AS reorder_level,
       CASE WHEN amc IS NULL THEN 0
            WHEN soh + on_order <= amc * (min_months + lead_months)
            THEN greatest(CAST(ceil(amc * (max_months + lead_months) - soh - on_order - 1e-9)
                               AS BIGINT), 0)
            ELSE 0 END AS order_qty,
       CASE WHEN amc IS NULL THEN 'no_data'
            WHEN soh = 0 THEN 'out'
            WHEN amc > 0 AND soh / amc < min_months THEN 'below_min'
            WHEN amc > 0 AND soh / amc > max_months THEN 'over_max'
            ELSE 'ok' END AS status
FROM rated
ORDER BY facility_id, item_id
"""


def quantify(
    stock: pa.Table,
    items: pa.Table,
    *,
    last_month: int,
    policy: Policy | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """Per facility and item: adjusted AMC, stock on hand, months of stock, reorder level,
    quantity to order and status (see the module docstring).

    ``stock``: facility_id, item_id, month (Jalali yyyymm), issues, stockout_days, closing,
    on_order. ``items``: item_id, criticality, lead_time_days (null: the default). Rows
    outside the window are ignored. Raises ValueError for a policy out of range."""
    policy = policy or Policy()
    policy.check()
    months = window(last_month, policy.lookback_months)
    db = con or duckdb.connect()
    try:
        db.register("stock_all", stock)
        db.register("items", items)
        db.register("months", months)
        first = months["month"][0].as_py()
        db.execute(
            "CREATE OR REPLACE TEMP VIEW stock AS SELECT * FROM stock_all "
            f"WHERE month BETWEEN {int(first)} AND {int(last_month)}"
        )
        params = {
            "last": int(last_month),
            "default_lead": float(policy.default_lead_time_days),
            "month_days": MONTH_DAYS,
            "min_v": policy.min_months["vital"],
            "min_e": policy.min_months["essential"],
            "min_n": policy.min_months["non_essential"],
            "max_v": policy.max_months["vital"],
            "max_e": policy.max_months["essential"],
            "max_n": policy.max_months["non_essential"],
        }
        return db.sql(KERNEL, params=params).to_arrow_table()
    finally:
        if con is None:
            db.close()


AGGREGATE = """
SELECT {key}, item_id, any_value(criticality) AS criticality,
       sum(amc) AS amc, sum(soh) AS soh, sum(on_order) AS on_order,
       CASE WHEN sum(amc) > 0 THEN sum(soh) / sum(amc) END AS mos,
       sum(order_qty) AS order_qty,
       count(*) FILTER (WHERE status = 'out') AS facilities_out,
       count(*) FILTER (WHERE status IN ('out', 'below_min')) AS facilities_below_min,
       count(*) AS facilities
FROM q {join}
GROUP BY {key}, item_id
ORDER BY {key}, item_id
"""


def aggregate(result: pa.Table, facilities: pa.Table | None = None) -> pa.Table:
    """Sum a facility result to provinces (``facilities``: facility_id, province_id) or, with
    no facilities table, to the nation. Months of stock are recomputed from the sums."""
    db = duckdb.connect()
    try:
        db.register("q", result)
        if facilities is None:
            sql = (
                AGGREGATE.format(key="0 AS nation", join="")
                .replace("GROUP BY 0 AS nation", "GROUP BY nation")
                .replace("ORDER BY 0 AS nation", "ORDER BY nation")
            )
        else:
            db.register("f", facilities)
            sql = AGGREGATE.format(key="f.province_id", join="JOIN f USING (facility_id)")
        return db.sql(sql).to_arrow_table()
    finally:
        db.close()
