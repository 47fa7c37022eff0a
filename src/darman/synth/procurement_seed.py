"""The demo's purchasing world: the consumables catalogue, two years of monthly stock
records for the owned centres, a supplier market (manufacturers, importers, distributors
and intermediaries, some affiliated with the insurer's holding) with items, capacities and
price history, a past national tender awarded and delivered (late, short and defective
deliveries included, so suppliers have scores), one open tender with bids, and the seeds'
action plan started a week ago. Deterministic for a seed; the caller commits.

Stock follows a simple reorder habit: each centre consumes around a level set by its
size, orders when a month ends below about two months of stock, and the order arrives the
next month; some months an order is late and the item runs out for some days, which the
quantification then has to see through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.common.jalali import jalali_month, jalali_month_bounds, jalali_month_days, tehran_today
from darman.db import bulk
from darman.db.base import utcnow
from darman.procurement import plans, quantify
from darman.procurement.models import (
    Award,
    Bid,
    Consumable,
    Delivery,
    PurchaseOrder,
    Supplier,
    SupplierItem,
    SupplierPrice,
    Tender,
    TenderItem,
)
from darman.procurement.stock import ensure_catalogue
from darman.registry.models import Facility
from darman.security.principal import SYSTEM

MONTHS = 24
KINDS = ("manufacturer", "importer", "distributor", "intermediary")
SUPPLIER_NAMES = (
    "تولیدی تجهیزات پزشکی البرز",
    "داروپخش درمان",
    "واردات سلامت پارس",
    "توزیع سراسری شفا",
    "بازرگانی نوین طب",
    "تولیدی سرنگ ایران",
    "پخش البرز",
    "واسطه‌ی تجاری ارس",
    "ستاره‌ی طب",
    "تجهیزات بیمارستانی کیان",
    "واردات آریا درمان",
    "بازرگانی مهر",
    "توزیع کارون",
    "کالای پزشکی زاگرس",
    "تولیدی پانسمان سپید",
    "واسطه‌ی بازرگانی خزر",
    "پخش هجرت",
    "واردات بین‌الملل سینا",
    "تولیدی ست سرم تابان",
    "توزیع امید",
    "بازرگانی آتیه",
    "تولیدی دستکش نیکا",
    "واردات نگین",
    "پخش فردوس",
)
OPEN_TENDER = "NT-1405-01"
PAST_TENDER = "NT-1404-02"
PLAN = "SP-1405"


@dataclass
class Loaded:
    items: int = 0
    stock_rows: int = 0
    suppliers: int = 0
    bids: int = 0


def _months(last: int) -> list[int]:
    return [quantify.month_before(last, n) for n in range(MONTHS - 1, -1, -1)]


def load(session: Session, *, seed: int, today: dt.date | None = None) -> Loaded:
    """Write the purchasing world unless it is there already (then nothing is written)."""
    out = Loaded()
    if session.scalar(select(func.count()).select_from(Supplier)):
        return out
    today = today or tehran_today()
    rng = np.random.default_rng(seed)
    out.items = ensure_catalogue(session)
    items = list(session.scalars(select(Consumable).order_by(Consumable.code)))
    centres = list(
        session.scalars(
            select(Facility)
            .where(Facility.ownership == "owned", Facility.is_active.is_(True))
            .order_by(Facility.id)
        )
    )
    last = quantify.month_before(jalali_month(today))  # the last complete month
    out.stock_rows = _stock(session, rng, centres, items, last)
    suppliers = _suppliers(session, rng, items, today)
    out.suppliers = len(suppliers)
    _past_tender(session, rng, items, suppliers, centres, today)
    out.bids = _open_tender(session, rng, items, suppliers, today)
    plans.seed_plan(session, SYSTEM, plan_code=PLAN, start=today - dt.timedelta(days=7))
    session.flush()
    return out


def _stock(
    session: Session,
    rng: np.random.Generator,
    centres: list[Facility],
    items: list[Consumable],
    last: int,
) -> int:
    months = _months(last)
    rows = []
    for f in centres:
        size = 1 + f.beds_general + 3 * f.beds_icu + 5 * (f.kind != "hospital")
        for item in items:
            use = max(1.0, size * float(rng.uniform(0.5, 3.0)))
            stock = float(use * rng.uniform(1.5, 4))
            on_order = 0.0
            late_share = 0.18 if item.criticality == "non_essential" else 0.1
            for m in months:
                days = jalali_month_days(m // 100, m % 100)
                opening = stock
                receipts = on_order if rng.random() > late_share else 0.0
                on_order = on_order - receipts
                demand = use * float(rng.uniform(0.8, 1.2))
                available = opening + receipts
                issues = min(demand, available)
                out_days = 0
                if demand > available:
                    out_days = min(days, round(days * (1 - available / demand)))
                losses = float(int(issues * 0.01 * rng.random()))
                adjust = float(int(rng.normal(0, max(1.0, issues * 0.005))))
                closing = max(0.0, available - issues - losses + adjust)
                if closing < 2 * use and on_order == 0:
                    on_order = float(int(use * rng.uniform(2.5, 4)))
                rows.append(
                    (
                        f.id,
                        item.id,
                        m,
                        int(opening),
                        int(receipts),
                        int(issues),
                        int(losses),
                        int(adjust),
                        int(closing),
                        out_days,
                        int(on_order),
                    )
                )
                stock = float(int(closing))
    columns = (
        "facility_id",
        "item_id",
        "month",
        "opening",
        "receipts",
        "issues",
        "losses",
        "adjustments",
        "closing",
        "stockout_days",
        "on_order",
    )
    bulk.load(session.connection(), "stock_months", columns, rows)
    return len(rows)


def _suppliers(
    session: Session, rng: np.random.Generator, items: list[Consumable], today: dt.date
) -> list[Supplier]:
    made = []
    for n, name in enumerate(SUPPLIER_NAMES, start=1):
        kind = KINDS[n % 4] if "واسطه" not in name else "intermediary"
        s = Supplier(
            code=f"S{n:03d}",
            name_fa=name,
            kind=kind,
            affiliated=bool(n % 5 == 0 or n in (1, 2)),
            province_id=None,
            lead_time_days=int(rng.integers(15, 100)),
        )
        session.add(s)
        made.append(s)
    session.flush()
    for s in made:
        offered = rng.choice(len(items), size=int(rng.integers(6, 16)), replace=False)
        markup = {"manufacturer": 1.0, "importer": 1.08, "distributor": 1.15, "intermediary": 1.3}
        for k in offered:
            item = items[int(k)]
            session.add(
                SupplierItem(
                    supplier_id=s.id,
                    item_id=item.id,
                    capacity_per_year=int(rng.integers(20_000, 400_000)),
                )
            )
            base = _base_price(item) * markup[s.kind] * float(rng.uniform(0.9, 1.1))
            for years_ago in (2, 1, 0):
                session.add(
                    SupplierPrice(
                        supplier_id=s.id,
                        item_id=item.id,
                        source="order",
                        valid_from=today - dt.timedelta(days=365 * years_ago + 30),
                        unit_price_rials=int(base / (1.3**years_ago)) // 100 * 100,
                    )
                )
    session.flush()
    return made


def _base_price(item: Consumable) -> float:
    # a rough rial price by category: infusion and dialysis sets cost far more than gauze
    return {
        "dialysis": 4_500_000,
        "infusion": 250_000,
        "blood": 900_000,
        "airway": 600_000,
        "suture": 350_000,
        "monitoring": 40_000,
        "protection": 120_000,
        "injection": 30_000,
        "imaging": 180_000,
        "surgery": 90_000,
    }.get(item.category, 150_000) * (1 + int(item.code[2:]) % 7 / 10)


def _prices(session: Session) -> dict[tuple[int, int], int]:
    latest: dict[tuple[int, int], tuple[dt.date, int]] = {}
    for p in session.scalars(select(SupplierPrice)):
        key = (p.supplier_id, p.item_id)
        if key not in latest or p.valid_from > latest[key][0]:
            latest[key] = (p.valid_from, p.unit_price_rials)
    return {k: v[1] for k, v in latest.items()}


def _past_tender(
    session: Session,
    rng: np.random.Generator,
    items: list[Consumable],
    suppliers: list[Supplier],
    centres: list[Facility],
    today: dt.date,
) -> None:
    start = today - dt.timedelta(days=300)
    tender = Tender(
        code=PAST_TENDER,
        title_fa="مناقصه‌ی سراسری اقلام مصرفی ۱۴۰۴ (چارچوبی)",
        scope="national",
        province_id=None,
        period_start=start,
        period_end=today - dt.timedelta(days=1),
        need_by=start + dt.timedelta(days=90),
        status="awarded",
        weight_price=60,
        weight_quality=25,
        weight_delivery=15,
        max_share_percent=70,
        intermediary_penalty_percent=15,
        created_by="demo",
        created_at=utcnow(),
        awarded_at=utcnow(),
    )
    session.add(tender)
    session.flush()
    prices = _prices(session)
    offered = list(session.scalars(select(SupplierItem)))
    by_item: dict[int, list[int]] = {}
    for o in offered:
        by_item.setdefault(o.item_id, []).append(o.supplier_id)
    chosen_items = [i for i in items if len(by_item.get(i.id, [])) >= 2][:12]
    kinds = {s.id: s.kind for s in suppliers}
    for item in chosen_items:
        quantity = int(rng.integers(5_000, 30_000))
        session.add(TenderItem(tender_id=tender.id, item_id=item.id, quantity=quantity))
        for n, sid in enumerate(by_item[item.id][:2]):
            share = 0.6 if n == 0 else 0.4
            a = Award(
                tender_id=tender.id,
                item_id=item.id,
                supplier_id=sid,
                quantity=int(quantity * share),
                unit_price_rials=prices[(sid, item.id)],
            )
            session.add(a)
            session.flush()
            # reliability differs by kind: intermediaries deliver late and short more often
            slip = {"manufacturer": 0.1, "importer": 0.2, "distributor": 0.25, "intermediary": 0.5}[
                kinds[sid]
            ]
            for k in range(3):
                f = centres[int(rng.integers(0, len(centres)))] if centres else None
                if f is None:
                    break
                due = start + dt.timedelta(days=60 + 60 * k)
                q = max(1, a.quantity // 3)
                po = PurchaseOrder(
                    award_id=a.id,
                    facility_id=f.id,
                    quantity=q,
                    ordered_on=due - dt.timedelta(days=45),
                    due_on=due,
                    created_by="demo",
                )
                session.add(po)
                session.flush()
                late = rng.random() < slip
                short = rng.random() < slip / 2
                got = int(q * (0.8 if short else 1.0))
                session.add(
                    Delivery(
                        order_id=po.id,
                        quantity=got,
                        recorded_by="demo",
                        delivered_on=due
                        + dt.timedelta(days=int(rng.integers(5, 40)) if late else -3),
                        defective=int(got * (0.03 if rng.random() < slip else 0.0)),
                    )
                )
    session.flush()


def _open_tender(
    session: Session,
    rng: np.random.Generator,
    items: list[Consumable],
    suppliers: list[Supplier],
    today: dt.date,
) -> int:
    start, _ = jalali_month_bounds(jalali_month(today + dt.timedelta(days=40)))
    tender = Tender(
        code=OPEN_TENDER,
        title_fa="مناقصه‌ی سراسری اقلام حیاتی و ضروری نیمه‌ی دوم ۱۴۰۵",
        scope="national",
        province_id=None,
        period_start=start,
        period_end=start + dt.timedelta(days=180),
        need_by=today + dt.timedelta(days=75),
        status="open",
        weight_price=60,
        weight_quality=25,
        weight_delivery=15,
        max_share_percent=70,
        intermediary_penalty_percent=15,
        created_by="demo",
        created_at=utcnow(),
    )
    session.add(tender)
    session.flush()
    prices = _prices(session)
    offered: dict[int, list[SupplierItem]] = {}
    for o in session.scalars(select(SupplierItem)):
        offered.setdefault(o.item_id, []).append(o)
    lead = {s.id: s.lead_time_days for s in suppliers}
    picked = [
        i for i in items if i.criticality != "non_essential" and len(offered.get(i.id, [])) >= 2
    ]
    bids = 0
    for item in picked[:20]:
        demand = int(rng.integers(10_000, 60_000))
        session.add(TenderItem(tender_id=tender.id, item_id=item.id, quantity=demand))
        for o in offered[item.id]:
            session.add(
                Bid(
                    tender_id=tender.id,
                    supplier_id=o.supplier_id,
                    item_id=item.id,
                    unit_price_rials=int(prices[(o.supplier_id, item.id)] * rng.uniform(0.9, 1.05)),
                    lead_time_days=lead[o.supplier_id],
                    capacity=int(demand * rng.uniform(0.3, 1.2)),
                    quality=int(rng.integers(55, 98)),
                    evidence="پروانه‌ی ساخت یا ورود، گواهی کیفیت",
                )
            )
            bids += 1
    session.flush()
    return bids
