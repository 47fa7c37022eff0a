"""Strategic purchasing use cases, gathered: quantification and stock-outs (``stock``),
suppliers, tenders, awards, orders and deliveries (``tenders``), the action plan
(``plans``). Callers use this module."""

from __future__ import annotations

from darman.procurement.plans import my_overdue, plan, plan_codes, seed_plan, update_task
from darman.procurement.stock import (
    READERS,
    STAFF,
    ensure_catalogue,
    quantification,
    stockouts,
)
from darman.procurement.tenders import (
    HEADQUARTERS,
    add_bid,
    award_tender,
    create_tender,
    deliver,
    evaluate,
    get_tender,
    list_tenders,
    order,
    supplier_detail,
    supplier_performance,
    suppliers,
)

__all__ = [
    "HEADQUARTERS",
    "READERS",
    "STAFF",
    "add_bid",
    "award_tender",
    "create_tender",
    "deliver",
    "ensure_catalogue",
    "evaluate",
    "get_tender",
    "list_tenders",
    "my_overdue",
    "order",
    "plan",
    "plan_codes",
    "quantification",
    "seed_plan",
    "stockouts",
    "supplier_detail",
    "supplier_performance",
    "suppliers",
    "update_task",
]
