"""Purchasing results as tables with Persian headers (Excel, CSV, the CLI) and as plain
dicts for the API. Money in rials; dates ISO with their Jalali form beside them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.jalali import format_jalali
from darman.procurement.models import Consumable, Tender
from darman.procurement.plans import STATUS_FA, TaskView
from darman.procurement.tenders import Evaluation
from darman.registry.models import Facility, Province

Table = tuple[list[str], list[Sequence[object]]]
STATUS_FA_STOCK = {
    "out": "ناموجود",
    "below_min": "کمتر از حداقل",
    "ok": "مناسب",
    "over_max": "بیش از حداکثر",
    "no_data": "بی‌داده",
}
CRITICALITY_FA = {"vital": "حیاتی", "essential": "ضروری", "non_essential": "غیرضروری"}
KIND_FA = {
    "manufacturer": "تولیدکننده",
    "importer": "واردکننده",
    "distributor": "توزیع‌کننده",
    "intermediary": "واسطه",
}


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def quantification_table(session: Session, q: Any, level: str) -> Table:
    items = {c.id: c for c in session.scalars(select(Consumable))}
    head_item = ["کد کالا", "کالا", "واحد", "اهمیت"]
    numbers = ["مصرف ماهانه‌ی تعدیل‌شده", "موجودی", "سفارش در راه", "ماه موجودی", "مقدار سفارش"]
    if level == "facility":
        facilities = {
            f.id: (f.code, f.name)
            for f in session.scalars(
                select(Facility).where(Facility.id.in_(q.facilities["facility_id"].to_pylist()))
            )
        }
        header = ["کد مرکز", "مرکز", *head_item, *numbers, "وضعیت"]
        body: list[Sequence[object]] = []
        for r in q.facilities.to_pylist():
            c = items[r["item_id"]]
            body.append(
                [
                    *facilities[r["facility_id"]],
                    c.code,
                    c.name_fa,
                    c.unit,
                    CRITICALITY_FA[c.criticality],
                    _r(r["amc"]),
                    r["soh"],
                    r["on_order"],
                    _r(r["mos"]),
                    r["order_qty"],
                    STATUS_FA_STOCK[r["status"]],
                ]
            )
        return header, body
    source: pa.Table = q.provinces if level == "province" else q.nation
    provinces = {p.id: (p.code, p.name_fa) for p in session.scalars(select(Province))}
    lead = ["کد استان", "استان"] if level == "province" else []
    header = [*lead, *head_item, *numbers, "مراکز ناموجود", "مراکز ناموجود یا زیر حداقل", "مراکز"]
    body = []
    for r in source.to_pylist():
        c = items[r["item_id"]]
        where = list(provinces[r["province_id"]]) if level == "province" else []
        body.append(
            [
                *where,
                c.code,
                c.name_fa,
                c.unit,
                CRITICALITY_FA[c.criticality],
                _r(r["amc"]),
                r["soh"],
                r["on_order"],
                _r(r["mos"]),
                r["order_qty"],
                r["facilities_out"],
                r["facilities_below_min"],
                r["facilities"],
            ]
        )
    return header, body


def tender_dict(session: Session, t: Tender) -> dict[str, Any]:
    province = session.get(Province, t.province_id) if t.province_id else None
    return {
        "code": t.code,
        "title_fa": t.title_fa,
        "scope": t.scope,
        "province_code": province.code if province else None,
        "status": t.status,
        "period_start": t.period_start.isoformat(),
        "period_end": t.period_end.isoformat(),
        "need_by": t.need_by.isoformat(),
        "need_by_jalali": format_jalali(t.need_by),
        "weights": {
            "price": t.weight_price,
            "quality": t.weight_quality,
            "delivery": t.weight_delivery,
        },
        "max_share_percent": t.max_share_percent,
        "intermediary_penalty_percent": t.intermediary_penalty_percent,
    }


def evaluation_dict(ev: Evaluation) -> dict[str, Any]:
    r = ev.result

    def saving(baseline: int | None, award_part: int) -> int | None:
        return None if baseline is None else baseline - award_part

    return {
        "tender": ev.tender.code,
        "status": r.status,
        "seconds": r.seconds,
        "mip_gap": r.mip_gap,
        "cost_rials": r.cost_rials,
        "intermediary_rials": r.intermediary_rials,
        "intermediary_share": r.intermediary_rials / r.cost_rials if r.cost_rials else 0.0,
        "single_source_rials": r.single_source_rials,
        "saving_against_single_source_rials": saving(
            r.single_source_rials, r.award_on_single_source_items_rials
        ),
        "single_source_items": sorted(ev.items[i].code for i in r.single_source_items),
        "intermediaries_only_rials": r.intermediaries_only_rials,
        "saving_against_intermediaries_rials": saving(
            r.intermediaries_only_rials, r.award_on_intermediary_items_rials
        ),
        "intermediaries_only_items": sorted(ev.items[i].code for i in r.intermediaries_only_items),
        "short": {ev.items[i].code: q for i, q in r.short.items()},
        "lines": [
            {
                "item_code": ev.items[a.item_id].code,
                "supplier_code": ev.suppliers[a.supplier_id].code,
                "supplier_kind": ev.suppliers[a.supplier_id].kind,
                "quantity": a.quantity,
                "unit_price_rials": a.unit_price_rials,
                "cost_rials": a.cost_rials,
            }
            for a in r.lines
        ],
        "bids": [
            {
                "item_code": ev.items[s.bid.item_id].code,
                "supplier_code": ev.suppliers[s.bid.supplier_id].code,
                "eligible": s.eligible,
                "score": round(s.score, 2),
                "adjusted_unit_cost": None if not s.eligible else round(s.adjusted, 2),
                "unit_price_rials": s.bid.unit_price_rials,
            }
            for s in r.scored
            if s.bid.item_id in ev.items
        ],
    }


def award_table(ev: Evaluation) -> Table:
    header = [
        "کد کالا",
        "کالا",
        "کد تأمین‌کننده",
        "تأمین‌کننده",
        "نوع",
        "وابسته",
        "مقدار",
        "قیمت واحد (ریال)",
        "مبلغ (ریال)",
    ]
    body: list[Sequence[object]] = []
    for a in ev.result.lines:
        s, c = ev.suppliers[a.supplier_id], ev.items[a.item_id]
        body.append(
            [
                c.code,
                c.name_fa,
                s.code,
                s.name_fa,
                KIND_FA[s.kind],
                "بله" if s.affiliated else "خیر",
                a.quantity,
                a.unit_price_rials,
                a.cost_rials,
            ]
        )
    r = ev.result
    # quantities of different items do not add up; the money does
    body.append(["", "جمع", "", "", "", "", "", "", r.cost_rials])
    if r.single_source_rials is not None:
        body.append(
            [
                "",
                "تک‌منبع با کمترین قیمت (همان اقلام)",
                "",
                "",
                "",
                "",
                "",
                "",
                r.single_source_rials,
            ]
        )
    if r.intermediaries_only_rials is not None:
        body.append(
            [
                "",
                "خرید فقط از واسطه‌ها (همان اقلام)",
                "",
                "",
                "",
                "",
                "",
                "",
                r.intermediaries_only_rials,
            ]
        )
    return header, body


def task_dict(v: TaskView) -> dict[str, Any]:
    t = v.task
    return {
        "task_code": t.task_code,
        "title_fa": t.title_fa,
        "owner_unit": t.owner_unit,
        "owner_role": t.owner_role,
        "start_on": t.start_on.isoformat(),
        "due_on": t.due_on.isoformat(),
        "start_jalali": format_jalali(t.start_on),
        "due_jalali": format_jalali(t.due_on),
        "depends_on": [d for d in t.depends_on.split(",") if d],
        "status": t.status,
        "status_fa": STATUS_FA[t.status],
        "overdue": v.overdue,
        "days_late": v.days_late,
        "blocked_by": v.blocked_by,
    }
