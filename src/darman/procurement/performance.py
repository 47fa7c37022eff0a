"""A supplier's performance score from its own deliveries: on time, in full, free of
defects. Pure.

Per order: on time when its first delivery came by the due day and everything ordered had
arrived by then; in full when the total delivered reaches the quantity ordered. Over all
of a supplier's orders due so far:

    score = 100 x (0.4 x on-time share + 0.4 x in-full share + 0.2 x (1 - defect rate))

the defect rate being defective units over delivered units. A supplier without any
order due yet gets ``NO_HISTORY`` (70): neither trusted nor shut out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

NO_HISTORY = 70.0
WEIGHTS = (0.4, 0.4, 0.2)


@dataclass
class OrderRecord:
    order_id: int
    supplier_id: int
    quantity: int
    due_on: dt.date
    deliveries: list[tuple[dt.date, int, int]] = field(default_factory=list)  # day, qty, bad


@dataclass(frozen=True)
class Performance:
    supplier_id: int
    orders: int
    on_time: float | None
    in_full: float | None
    defect_rate: float | None
    score: float


def score(orders: list[OrderRecord], *, on: dt.date) -> dict[int, Performance]:
    """Each supplier's performance over its orders due by ``on``."""
    by_supplier: dict[int, list[OrderRecord]] = {}
    for o in orders:
        if o.due_on <= on:
            by_supplier.setdefault(o.supplier_id, []).append(o)
    out = {}
    for supplier, mine in by_supplier.items():
        on_time = in_full = 0
        delivered = defective = 0
        for o in mine:
            got = sum(q for _, q, _ in o.deliveries)
            by_due = sum(q for d, q, _ in o.deliveries if d <= o.due_on)
            on_time += by_due >= o.quantity
            in_full += got >= o.quantity
            delivered += got
            defective += sum(bad for _, _, bad in o.deliveries)
        n = len(mine)
        defect = defective / delivered if delivered else 0.0
        value = 100 * (
            WEIGHTS[0] * on_time / n + WEIGHTS[1] * in_full / n + WEIGHTS[2] * (1 - defect)
        )
        out[supplier] = Performance(supplier, n, on_time / n, in_full / n, defect, value)
    return out


def of(performance: dict[int, Performance], supplier_id: int) -> float:
    found = performance.get(supplier_id)
    return NO_HISTORY if found is None else found.score
