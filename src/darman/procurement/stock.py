"""Quantification and stock-outs from the stored monthly stock records, within the caller's
scope: a facility desk its own facility, provincial staff their province, national staff
the nation. The numbers come from the ``quantify`` kernel."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.common.errors import FieldProblem, InvalidInput, PermissionDenied
from darman.procurement import quantify
from darman.procurement.models import Consumable, StockMonth, Supplier, SupplierItem
from darman.registry import scope
from darman.registry.models import Facility, Province
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

STAFF = roles_that(Act.READ_PROCUREMENT)
READERS = roles_that(Act.READ_STOCK)


def ensure_catalogue(session: Session) -> int:
    """Load the shipped consumables catalogue (``data/consumables.csv``) where its codes are
    missing; returns how many were added."""
    text = resources.files("darman.procurement").joinpath("data/consumables.csv").read_text("utf-8")
    have = set(session.scalars(select(Consumable.code)))
    added = 0
    for r in csv.DictReader(io.StringIO(text)):
        if r["code"] not in have:
            session.add(
                Consumable(
                    **{k: r[k] for k in ("code", "name_fa", "unit", "category", "criticality")}
                )
            )
            added += 1
    session.flush()
    return added


def facilities_in_scope(session: Session, who: Principal, province_code: str | None) -> pa.Table:
    """facility_id, province_id of the owned and contracted facilities the caller may see,
    narrowed to one province when asked."""
    who.require_role(*READERS)
    if scope.at_facility(who) and who.facility_id is None:
        raise PermissionDenied("your user is not linked to a facility")
    query = scope.facilities(select(Facility.id, Facility.province_id), who)
    if province_code is not None:
        pid = session.scalar(select(Province.id).where(Province.code == province_code))
        if pid is None:
            raise InvalidInput("unknown province", [FieldProblem("province_code", province_code)])
        if not who.may_see_province(pid):
            raise PermissionDenied("that province is outside your scope")
        query = query.where(Facility.province_id == pid)
    rows = session.execute(query).all()
    return pa.table(
        {
            "facility_id": pa.array([r[0] for r in rows], pa.int64()),
            "province_id": pa.array([r[1] for r in rows], pa.int64()),
        }
    )


def lead_times(session: Session) -> dict[int, int]:
    """Item -> the median lead time in days of the suppliers offering it."""
    by_item: dict[int, list[int]] = {}
    for item, days in session.execute(
        select(SupplierItem.item_id, Supplier.lead_time_days).join(
            Supplier, Supplier.id == SupplierItem.supplier_id
        )
    ):
        by_item.setdefault(item, []).append(days)
    return {item: int(statistics.median(days)) for item, days in by_item.items()}


def items_table(session: Session) -> pa.Table:
    leads = lead_times(session)
    rows = session.execute(select(Consumable.id, Consumable.criticality)).all()
    return pa.table(
        {
            "item_id": pa.array([r[0] for r in rows], pa.int64()),
            "criticality": [r[1] for r in rows],
            "lead_time_days": pa.array([leads.get(r[0]) for r in rows], pa.int64()),
        }
    )


def latest_month(session: Session) -> int | None:
    value = session.scalar(select(func.max(StockMonth.month)))
    return None if value is None else int(value)


def stock_table(session: Session, facilities: pa.Table, first: int, last: int) -> pa.Table:
    ids = facilities["facility_id"].to_pylist()
    columns = ("facility_id", "item_id", "month", "issues", "stockout_days", "closing", "on_order")
    query = select(*(getattr(StockMonth, c) for c in columns)).where(
        StockMonth.month >= first, StockMonth.month <= last
    )
    if len(ids) < 5_000:
        query = query.where(StockMonth.facility_id.in_(ids))
    rows = session.execute(query).all()
    wanted = set(ids)
    rows = [r for r in rows if r[0] in wanted]
    types = (pa.int64(), pa.int64(), pa.int32(), pa.int64(), pa.int64(), pa.int64(), pa.int64())
    return pa.table(
        {
            c: pa.array([r[i] for r in rows], t)
            for i, (c, t) in enumerate(zip(columns, types, strict=False))
        }
    )


@dataclass(frozen=True)
class Quantification:
    last_month: int
    policy: quantify.Policy
    facilities: pa.Table  # per facility and item
    provinces: pa.Table  # summed per province and item
    nation: pa.Table  # summed per item


def quantification(
    session: Session,
    who: Principal,
    *,
    province_code: str | None = None,
    last_month: int | None = None,
    policy: quantify.Policy | None = None,
) -> Quantification:
    """Demand and orders for every facility and item in scope, ending at ``last_month``
    (default: the latest month recorded). Raises InvalidInput when nothing is recorded or
    the policy is out of range."""
    policy = policy or quantify.Policy()
    try:
        policy.check()
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldProblem("policy", str(exc))]) from exc
    if last_month is not None and not (
        1390 <= last_month // 100 <= 1500 and 1 <= last_month % 100 <= 12
    ):
        raise InvalidInput(
            "not a Jalali month", [FieldProblem("last_month", "yyyymm, e.g. 140506")]
        )
    facilities = facilities_in_scope(session, who, province_code)
    last = last_month or latest_month(session)
    if last is None:
        raise InvalidInput(
            "no stock is recorded yet", [FieldProblem("last_month", "no stock records")]
        )
    first = quantify.month_before(last, policy.lookback_months - 1)
    stock = stock_table(session, facilities, first, last)
    result = quantify.quantify(stock, items_table(session), last_month=last, policy=policy)
    return Quantification(
        last, policy, result, quantify.aggregate(result, facilities), quantify.aggregate(result)
    )


@dataclass(frozen=True)
class StockOuts:
    last_month: int
    rows: list[dict[str, Any]]  # facility-items out of stock or below minimum
    provinces: list[dict[str, Any]]  # per province: months of stock, vital in stock


def stockouts(session: Session, who: Principal, *, province_code: str | None = None) -> StockOuts:
    """Facilities and items out of stock or below their minimum in the latest month, and
    per province the median months of stock and the share of vital items in stock."""
    q = quantification(session, who, province_code=province_code)
    names = dict(session.execute(select(Consumable.id, Consumable.name_fa)).all())
    facilities = {
        f.id: (f.code, f.name, f.province_id)
        for f in session.scalars(
            select(Facility).where(Facility.id.in_(q.facilities["facility_id"].to_pylist()))
        )
    }
    provinces = {p.id: (p.code, p.name_fa) for p in session.scalars(select(Province))}
    rows = []
    per_province: dict[int, dict[str, list[float]]] = {}
    for r in q.facilities.to_pylist():
        code, name, pid = facilities[r["facility_id"]]
        bucket = per_province.setdefault(pid, {"mos": [], "vital": []})
        if r["mos"] is not None:
            bucket["mos"].append(r["mos"])
        if r["criticality"] == "vital":
            bucket["vital"].append(1.0 if r["soh"] > 0 else 0.0)
        if r["status"] in ("out", "below_min"):
            rows.append(
                {
                    "facility_code": code,
                    "facility_name": name,
                    "province_code": provinces[pid][0],
                    "province_name_fa": provinces[pid][1],
                    "item_id": r["item_id"],
                    "item_name_fa": names.get(r["item_id"], ""),
                    "criticality": r["criticality"],
                    "status": r["status"],
                    "soh": r["soh"],
                    "mos": r["mos"],
                    "amc": r["amc"],
                    "order_qty": r["order_qty"],
                }
            )
    order = {"vital": 0, "essential": 1, "non_essential": 2}
    rows.sort(
        key=lambda r: (
            r["status"] != "out",
            order.get(str(r["criticality"]), 3),
            str(r["province_code"]),
            str(r["facility_code"]),
        )
    )
    summary = [
        {
            "province_code": provinces[pid][0],
            "province_name_fa": provinces[pid][1],
            "median_months_of_stock": statistics.median(b["mos"]) if b["mos"] else None,
            "vital_in_stock_share": sum(b["vital"]) / len(b["vital"]) if b["vital"] else None,
            "vital_lines": len(b["vital"]),
        }
        for pid, b in sorted(per_province.items(), key=lambda kv: provinces[kv[0]][0])
    ]
    return StockOuts(q.last_month, rows, summary)
