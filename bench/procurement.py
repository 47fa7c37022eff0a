"""Purchasing at national size: quantification and the award programme.

- quantification: 400 facilities x 2,000 items x 24 months of stock records (19.2
  million rows, drawn reproducibly in Arrow) through ``procurement.quantify`` (the
  consumption method with max-min ordering, 12-month window, then summed to provinces).
  Baseline in the same run: a bare DuckDB query over the same rows doing only the
  window's sums per facility and item (the floor any such kernel pays).
- award: 500 items x 40 suppliers (each item bid by 8-40 suppliers, capacities that make
  splitting necessary, a third of the items vital) through ``procurement.award.solve``.
  Baseline in the same run: the rule-keeping greedy split, its time and its
  score-adjusted cost against the programme's.

  .venv/bin/python bench/procurement.py [--facilities 400] [--items 2000] [--months 24]
"""

from __future__ import annotations

import argparse
import time

import duckdb
import numpy as np
import pyarrow as pa

from darman.procurement import award, quantify

AIM_QUANTIFY_S = 10.0
AIM_AWARD_S = 60.0
LAST = 140508


def stock(facilities: int, items: int, months: int, seed: int = 1405) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = facilities * items * months
    month_list = [quantify.month_before(LAST, k) for k in range(months - 1, -1, -1)]
    fac = np.repeat(np.arange(1, facilities + 1, dtype=np.int64), items * months)
    item = np.tile(np.repeat(np.arange(1, items + 1, dtype=np.int64), months), facilities)
    month = np.tile(np.array(month_list, dtype=np.int32), facilities * items)
    use = rng.gamma(2.0, 50.0, facilities * items).repeat(months)
    issues = (use * rng.uniform(0.7, 1.3, n)).astype(np.int64)
    out = np.where(rng.random(n) < 0.05, rng.integers(1, 30, n), 0).astype(np.int64)
    closing = (use * rng.uniform(0, 5, n)).astype(np.int64)
    on_order = np.where(rng.random(n) < 0.3, (use * 2).astype(np.int64), 0)
    return pa.table(
        {
            "facility_id": fac,
            "item_id": item,
            "month": month,
            "issues": issues,
            "stockout_days": out,
            "closing": closing,
            "on_order": on_order,
        }
    )


def items_table(items: int) -> pa.Table:
    ids = np.arange(1, items + 1, dtype=np.int64)
    crit = np.array(quantify.CRITICALITY)[ids % 3]
    return pa.table(
        {
            "item_id": ids,
            "criticality": crit.tolist(),
            "lead_time_days": pa.array((30 + ids % 90).tolist(), pa.int64()),
        }
    )


def bench_quantify(args: argparse.Namespace) -> tuple[float, float]:
    started = time.perf_counter()
    table = stock(args.facilities, args.items, args.months)
    built = time.perf_counter() - started
    rows = table.num_rows
    facilities = pa.table(
        {
            "facility_id": np.arange(1, args.facilities + 1, dtype=np.int64),
            "province_id": (np.arange(args.facilities) % 31 + 1).astype(np.int64),
        }
    )
    con = duckdb.connect()
    con.register("s", table)
    first = quantify.month_before(LAST, 11)
    started = time.perf_counter()
    con.sql(
        "SELECT facility_id, item_id, sum(issues), sum(stockout_days), max(closing) FROM s "
        f"WHERE month BETWEEN {first} AND {LAST} GROUP BY facility_id, item_id"
    ).to_arrow_table()
    bare = time.perf_counter() - started
    started = time.perf_counter()
    result = quantify.quantify(table, items_table(args.items), last_month=LAST, con=con)
    quantify.aggregate(result, facilities)
    kernel = time.perf_counter() - started
    print(
        f"quantification: {rows:,} stock rows (drawn in {built:.1f} s) -> "
        f"{result.num_rows:,} facility items"
    )
    print("| step | seconds | rows/s |")
    print("| --- | --- | --- |")
    print(f"| bare window sums (baseline) | {bare:.2f} | {rows / bare:,.0f} |")
    print(f"| quantify + province sums | {kernel:.2f} | {rows / kernel:,.0f} |")
    print(
        f"ratio kernel / bare: {kernel / bare:.2f}; aim under {AIM_QUANTIFY_S:.0f} s: "
        f"{'met' if kernel < AIM_QUANTIFY_S else 'NOT met'}"
    )
    return kernel, bare


def market(items: int, suppliers: int, seed: int = 1405):
    rng = np.random.default_rng(seed)
    kinds = ["manufacturer", "importer", "distributor", "intermediary"]
    demand = {i: int(rng.integers(1_000, 50_000)) for i in range(1, items + 1)}
    vital = {i for i in demand if i % 3 == 0}
    reliability = rng.uniform(55, 100, suppliers + 1)
    bids, n = [], 0
    for i, d in demand.items():
        chosen = rng.choice(suppliers, size=int(rng.integers(8, suppliers + 1)), replace=False)
        base = float(rng.uniform(20_000, 2_000_000))
        for s in chosen:
            n += 1
            kind = kinds[int(s) % 4]
            markup = {
                "manufacturer": 1.0,
                "importer": 1.05,
                "distributor": 1.12,
                "intermediary": 1.25,
            }[kind]
            bids.append(
                award.BidIn(
                    n,
                    i,
                    int(s) + 1,
                    kind,
                    int(base * markup * rng.uniform(0.85, 1.15)),
                    int(rng.integers(10, 120)),
                    int(d * rng.uniform(0.15, 0.8)),
                    int(rng.integers(50, 100)),
                    float(reliability[int(s)]),
                )
            )
    return demand, vital, bids


def bench_award(args: argparse.Namespace) -> float:
    demand, vital, bids = market(args.award_items, args.suppliers)
    rules = award.Rules(days_to_need=90)
    started = time.perf_counter()
    result = award.solve(demand, vital, bids, rules, time_limit=AIM_AWARD_S * 2)
    total = time.perf_counter() - started
    started = time.perf_counter()
    base = award.greedy(demand, vital, bids, rules)
    greedy_s = time.perf_counter() - started
    broken = award.problems(result.lines, demand, vital, bids, rules)
    got = sum(a.quantity for a in result.lines)
    greedy_got = sum(a.quantity for a in base)
    print(
        f"award: {len(demand)} items x {args.suppliers} suppliers, {len(bids):,} bids; "
        f"{result.status}"
    )
    print(
        "| method | seconds | units covered | score-adjusted cost | money (rials) | rules broken |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| greedy (baseline) | {greedy_s:.2f} | {greedy_got:,} | "
        f"{award.adjusted_cost(base, bids, rules):,.0f} | "
        f"{sum(a.cost_rials for a in base):,} | "
        f"{len(award.problems(base, demand, vital, bids, rules))} |"
    )
    print(
        f"| programme (HiGHS) | {total:.2f} (solver {result.seconds:.2f}) | {got:,} | "
        f"{award.adjusted_cost(result.lines, bids, rules):,.0f} | {result.cost_rials:,} | "
        f"{len(broken)} |"
    )
    print(
        f"MIP gap {result.mip_gap:.2e}; short units {sum(result.short.values()):,}; "
        f"intermediary share {result.intermediary_rials / max(1, result.cost_rials):.1%}; "
        f"aim under {AIM_AWARD_S:.0f} s: {'met' if total < AIM_AWARD_S else 'NOT met'}"
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facilities", type=int, default=400)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--award-items", type=int, default=500)
    parser.add_argument("--suppliers", type=int, default=40)
    args = parser.parse_args()
    bench_quantify(args)
    bench_award(args)


if __name__ == "__main__":
    main()
