"""A small purchasing world on the registry's provinces: owned centres in Qom (19) and
Tehran (08), four items, suppliers of every kind, a year of stock months (one vital item
out of stock in Qom), a national tender with bids, a provincial tender of Tehran, and the
seeds' action plan started ten days ago."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from darman.common.jalali import jalali_month, tehran_today
from darman.procurement import award, quantify, service
from darman.procurement.models import Consumable, StockMonth, Supplier, SupplierItem
from darman.security.principal import SYSTEM
from tests import factories as f

TODAY = tehran_today()
LAST = quantify.month_before(jalali_month(TODAY))
ITEMS = {  # code: criticality, monthly use
    "X001": ("vital", 100),
    "X002": ("vital", 40),
    "X003": ("essential", 60),
    "X004": ("non_essential", 10),
}


@dataclass
class World:
    qom: Any
    tehran: Any
    items: dict[str, int]
    suppliers: dict[str, int]


def build(session: Session) -> World:
    qom = f.facility(session, ownership="owned", level=2, province_code="19")
    tehran = f.facility(session, ownership="owned", level=3, province_code="08")
    items = {}
    for code, (crit, _) in ITEMS.items():
        c = Consumable(
            code=code, name_fa=f"کالای {code}", unit="عدد", category="injection", criticality=crit
        )
        session.add(c)
        session.flush()
        items[code] = c.id
    for fac in (qom, tehran):
        for code, (_, use) in ITEMS.items():
            for n in range(12):
                month = quantify.month_before(LAST, 11 - n)
                empty = fac is qom and code == "X001" and n == 11
                session.add(
                    StockMonth(
                        facility_id=fac.id,
                        item_id=items[code],
                        month=month,
                        opening=use * 2,
                        receipts=use,
                        issues=use // 2 if empty else use,
                        losses=0,
                        adjustments=0,
                        closing=0 if empty else use * 2,
                        stockout_days=15 if empty else 0,
                        on_order=0,
                    )
                )
    suppliers = {}
    for n, kind in enumerate(("manufacturer", "importer", "distributor", "intermediary"), 1):
        s = Supplier(
            code=f"SP{n}",
            name_fa=f"تأمین‌کننده {n}",
            kind=kind,
            affiliated=n == 1,
            lead_time_days=20 * n,
        )
        session.add(s)
        session.flush()
        suppliers[s.code] = s.id
        for code in ITEMS:
            session.add(
                SupplierItem(supplier_id=s.id, item_id=items[code], capacity_per_year=100_000)
            )
    session.flush()
    rules = award.Rules()
    service.create_tender(
        session,
        SYSTEM,
        code="NT-T1",
        title_fa="مناقصه‌ی سراسری آزمون",
        province_code=None,
        period_start=TODAY,
        period_end=TODAY + dt.timedelta(days=180),
        need_by=TODAY + dt.timedelta(days=70),
        items={"X001": 2_000, "X003": 1_000},
        rules=rules,
    )
    prices = {"SP1": 100_000, "SP2": 95_000, "SP3": 110_000, "SP4": 90_000}
    for sup, price in prices.items():
        for code in ("X001", "X003"):
            service.add_bid(
                session,
                SYSTEM,
                tender_code="NT-T1",
                supplier_code=sup,
                item_code=code,
                unit_price_rials=price,
                lead_time_days=20 * int(sup[-1]),
                capacity=1_500,
                quality=90 - 5 * int(sup[-1]),
            )
    service.create_tender(
        session,
        SYSTEM,
        code="PT-08-T1",
        title_fa="مناقصه‌ی استانی تهران",
        province_code="08",
        period_start=TODAY,
        period_end=TODAY + dt.timedelta(days=90),
        need_by=TODAY + dt.timedelta(days=60),
        items={"X004": 500},
        rules=rules,
    )
    service.seed_plan(session, SYSTEM, plan_code="SP-T", start=TODAY - dt.timedelta(days=10))
    session.flush()
    return World(qom, tehran, items, suppliers)
