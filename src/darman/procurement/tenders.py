"""Suppliers, tenders, bids, awards, purchase orders and deliveries.

National tenders (frameworks) are run by headquarters (national admins and analysts) and
every province may call off from their awards; a provincial tender belongs to its
province and is run by that province's manager. Nobody is made to buy centrally: a
province runs its own tender or calls off, as it chooses. A province's staff see national
tenders and their own province's, never another province's. Awarding and ordering are
audited; awarding twice is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import format_jalali, tehran_today
from darman.db.base import utcnow
from darman.procurement import award, performance
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
from darman.procurement.stock import STAFF
from darman.registry import scope
from darman.registry.models import Facility, Province
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

HEADQUARTERS = roles_that(Act.RUN_TENDERS)


# ------------------------------------------------------------------ suppliers
def supplier_performance(session: Session, *, on: dt.date | None = None) -> dict[int, float]:
    """Every supplier's score from its deliveries (see ``performance``)."""
    on = on or tehran_today()
    records: dict[int, performance.OrderRecord] = {}
    for order, supplier_id in session.execute(
        select(PurchaseOrder, Award.supplier_id).join(Award, Award.id == PurchaseOrder.award_id)
    ):
        records[order.id] = performance.OrderRecord(
            order.id, supplier_id, order.quantity, order.due_on
        )
    for d in session.scalars(select(Delivery)):
        if d.order_id in records:
            records[d.order_id].deliveries.append((d.delivered_on, d.quantity, d.defective))
    scores = performance.score(list(records.values()), on=on)
    return {s.id: performance.of(scores, s.id) for s in session.scalars(select(Supplier))}


def suppliers(session: Session, who: Principal) -> list[tuple[Supplier, float]]:
    """The supplier register with each supplier's performance score."""
    who.require_role(*STAFF)
    scores = supplier_performance(session)
    return [(s, scores[s.id]) for s in session.scalars(select(Supplier).order_by(Supplier.code))]


def supplier_detail(session: Session, who: Principal, *, code: str) -> dict[str, Any]:
    """One supplier: kind, affiliation, lead time, score, the items it offers with their
    yearly capacity and price history (oldest first)."""
    who.require_role(*STAFF)
    supplier = session.scalar(select(Supplier).where(Supplier.code == code))
    if supplier is None:
        raise NotFound(f"no supplier {code}")
    items = {c.id: c for c in session.scalars(select(Consumable))}
    prices: dict[int, list[dict[str, Any]]] = {}
    for p in session.scalars(
        select(SupplierPrice)
        .where(SupplierPrice.supplier_id == supplier.id)
        .order_by(SupplierPrice.valid_from)
    ):
        prices.setdefault(p.item_id, []).append(
            {
                "from": p.valid_from.isoformat(),
                "from_jalali": format_jalali(p.valid_from),
                "unit_price_rials": p.unit_price_rials,
                "source": p.source,
            }
        )
    offered = session.scalars(
        select(SupplierItem).where(SupplierItem.supplier_id == supplier.id)
    ).all()
    return {
        "code": supplier.code,
        "name_fa": supplier.name_fa,
        "kind": supplier.kind,
        "affiliated": supplier.affiliated,
        "lead_time_days": supplier.lead_time_days,
        "score": round(supplier_performance(session)[supplier.id], 2),
        "items": [
            {
                "item_code": items[o.item_id].code,
                "name_fa": items[o.item_id].name_fa,
                "capacity_per_year": o.capacity_per_year,
                "prices": prices.get(o.item_id, []),
            }
            for o in sorted(offered, key=lambda o: items[o.item_id].code)
        ],
    }


# ------------------------------------------------------------------ tenders
def _visible(query: Any, who: Principal) -> Any:
    return scope.restrict(
        query,
        who,
        province=lambda pid: (Tender.scope == "national") | (Tender.province_id == pid),
        facility_refused="facility users do not see tenders",
    )


def list_tenders(session: Session, who: Principal) -> list[Tender]:
    who.require_role(*STAFF)
    return list(session.scalars(_visible(select(Tender), who).order_by(Tender.id.desc())))


def get_tender(session: Session, who: Principal, *, code: str) -> Tender:
    """A tender in scope. Raises NotFound otherwise (never tells another province's)."""
    who.require_role(*STAFF)
    found = session.scalar(_visible(select(Tender).where(Tender.code == code), who))
    if found is None:
        raise NotFound(f"no tender {code} in your scope")
    return found


def _require_runner(who: Principal, tender: Tender) -> None:
    if tender.scope == "national":
        who.require_role(*HEADQUARTERS)
        return
    who.require_role(*HEADQUARTERS, Role.PROVINCE_MANAGER)
    if who.role is Role.PROVINCE_MANAGER and who.province_id != tender.province_id:
        raise PermissionDenied("only the tender's own province runs it")


def create_tender(
    session: Session,
    who: Principal,
    *,
    code: str,
    title_fa: str,
    province_code: str | None,
    period_start: dt.date,
    period_end: dt.date,
    need_by: dt.date,
    items: dict[str, int],
    rules: award.Rules,
) -> Tender:
    """Open a tender: national (``province_code`` None, headquarters) or provincial (that
    province's manager or headquarters), for item codes and quantities. Audited. Raises
    InvalidInput naming the field, Conflict for a code in use, PermissionDenied."""
    try:
        rules.check()
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldProblem("rules", str(exc))]) from exc
    province_id = None
    if province_code is not None:
        province_id = session.scalar(select(Province.id).where(Province.code == province_code))
        if province_id is None:
            raise InvalidInput("unknown province", [FieldProblem("province_code", province_code)])
    tender = Tender(
        code=code,
        title_fa=title_fa,
        scope="national" if province_id is None else "provincial",
        province_id=province_id,
        period_start=period_start,
        period_end=period_end,
        need_by=need_by,
        status="open",
        weight_price=rules.weight_price,
        weight_quality=rules.weight_quality,
        weight_delivery=rules.weight_delivery,
        max_share_percent=round(rules.max_share * 100),
        intermediary_penalty_percent=round(rules.intermediary_penalty * 100),
        created_by=who.username,
        created_at=utcnow(),
    )
    _require_runner(who, tender)
    if period_end < period_start:
        raise InvalidInput("the period ends before it starts", [FieldProblem("period_end", "")])
    if not items:
        raise InvalidInput("a tender needs items", [FieldProblem("items", "empty")])
    if session.scalar(select(Tender.id).where(Tender.code == code)) is not None:
        raise Conflict(f"tender {code} exists", [FieldProblem("code", "in use")])
    ids = dict(session.execute(select(Consumable.code, Consumable.id)).all())
    problems = [FieldProblem(f"items.{c}", "unknown item") for c in items if c not in ids]
    problems += [
        FieldProblem(f"items.{c}", "a positive quantity") for c, q in items.items() if q <= 0
    ]
    if problems:
        raise InvalidInput("invalid tender items", problems)
    session.add(tender)
    session.flush()
    for c, q in sorted(items.items()):
        session.add(TenderItem(tender_id=tender.id, item_id=ids[c], quantity=q))
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="open_tender",
        entity="tender",
        entity_id=tender.id,
        after=audit.snapshot(tender),
    )
    return tender


def add_bid(
    session: Session,
    who: Principal,
    *,
    tender_code: str,
    supplier_code: str,
    item_code: str,
    unit_price_rials: int,
    lead_time_days: int,
    capacity: int,
    quality: int,
    evidence: str = "",
) -> Bid:
    """Record a bid received for an open tender (one per supplier and item). Audited."""
    tender = get_tender(session, who, code=tender_code)
    _require_runner(who, tender)
    if tender.status != "open":
        raise Conflict("the tender is closed", [FieldProblem("tender_code", tender.status)])
    supplier = session.scalar(select(Supplier).where(Supplier.code == supplier_code))
    item = session.scalar(select(Consumable).where(Consumable.code == item_code))
    problems = []
    if supplier is None:
        problems.append(FieldProblem("supplier_code", "unknown supplier"))
    if item is None:
        problems.append(FieldProblem("item_code", "unknown item"))
    elif (
        session.scalar(
            select(TenderItem.id).where(
                TenderItem.tender_id == tender.id, TenderItem.item_id == item.id
            )
        )
        is None
    ):
        problems.append(FieldProblem("item_code", "not in this tender"))
    for field, value, low, high in (
        ("unit_price_rials", unit_price_rials, 1, 10**15),
        ("lead_time_days", lead_time_days, 0, 3650),
        ("capacity", capacity, 1, 10**12),
        ("quality", quality, 0, 100),
    ):
        if isinstance(value, bool) or not low <= value <= high:
            problems.append(FieldProblem(field, f"{low} to {high}"))
    if problems:
        raise InvalidInput("invalid bid", problems)
    assert supplier is not None and item is not None
    if (
        session.scalar(
            select(Bid.id).where(
                Bid.tender_id == tender.id, Bid.supplier_id == supplier.id, Bid.item_id == item.id
            )
        )
        is not None
    ):
        raise Conflict("this supplier already bid for the item", [FieldProblem("item_code", "")])
    bid = Bid(
        tender_id=tender.id,
        supplier_id=supplier.id,
        item_id=item.id,
        unit_price_rials=unit_price_rials,
        lead_time_days=lead_time_days,
        capacity=capacity,
        quality=quality,
        evidence=evidence,
    )
    session.add(bid)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="record_bid",
        entity="bid",
        entity_id=bid.id,
        after=audit.snapshot(bid),
    )
    return bid


def rules_of(tender: Tender, on: dt.date) -> award.Rules:
    return award.Rules(
        weight_price=tender.weight_price,
        weight_quality=tender.weight_quality,
        weight_delivery=tender.weight_delivery,
        max_share=tender.max_share_percent / 100,
        intermediary_penalty=tender.intermediary_penalty_percent / 100,
        days_to_need=max(0, (tender.need_by - on).days),
    )


@dataclass
class Evaluation:
    tender: Tender
    result: award.Result
    demand: dict[int, int]
    vital: set[int]
    items: dict[int, Consumable]
    suppliers: dict[int, Supplier]


def evaluate(
    session: Session, who: Principal, *, code: str, on: dt.date | None = None
) -> Evaluation:
    """Score the bids and solve the award without storing it (the evaluators' view)."""
    on = on or tehran_today()
    tender = get_tender(session, who, code=code)
    lines = session.scalars(select(TenderItem).where(TenderItem.tender_id == tender.id)).all()
    items = {
        c.id: c
        for c in session.scalars(
            select(Consumable).where(Consumable.id.in_([t.item_id for t in lines]))
        )
    }
    demand = {t.item_id: t.quantity for t in lines}
    vital = {i for i, c in items.items() if c.criticality == "vital"}
    scores = supplier_performance(session, on=on)
    found = session.scalars(select(Bid).where(Bid.tender_id == tender.id)).all()
    all_suppliers = {s.id: s for s in session.scalars(select(Supplier))}
    bids = [
        award.BidIn(
            b.id,
            b.item_id,
            b.supplier_id,
            all_suppliers[b.supplier_id].kind,
            b.unit_price_rials,
            b.lead_time_days,
            b.capacity,
            b.quality,
            scores.get(b.supplier_id, performance.NO_HISTORY),
        )
        for b in found
    ]
    result = award.solve(demand, vital, bids, rules_of(tender, on))
    return Evaluation(tender, result, demand, vital, items, all_suppliers)


def award_tender(
    session: Session, who: Principal, *, code: str, on: dt.date | None = None
) -> Evaluation:
    """Store the award of an open tender and close it. Raises Conflict when it is already
    awarded (an award is made once), PermissionDenied for anyone but its runner."""
    tender = get_tender(session, who, code=code)
    _require_runner(who, tender)
    # two awards at once: the second waits for the first's row lock, then sees it awarded
    session.refresh(tender, with_for_update=True)
    if tender.status != "open":
        raise Conflict(f"tender {code} is {tender.status}", [FieldProblem("code", tender.status)])
    evaluation = evaluate(session, who, code=code, on=on)
    for line in evaluation.result.lines:
        session.add(
            Award(
                tender_id=tender.id,
                item_id=line.item_id,
                supplier_id=line.supplier_id,
                quantity=line.quantity,
                unit_price_rials=line.unit_price_rials,
            )
        )
    before = audit.snapshot(tender)
    tender.status = "awarded"
    tender.awarded_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="award_tender",
        entity="tender",
        entity_id=tender.id,
        before=before,
        after={
            **audit.snapshot(tender),
            "cost_rials": evaluation.result.cost_rials,
            "lines": len(evaluation.result.lines),
        },
    )
    return evaluation


def order(
    session: Session,
    who: Principal,
    *,
    award_id: int,
    facility_code: str,
    quantity: int,
    due_on: dt.date,
    on: dt.date | None = None,
) -> PurchaseOrder:
    """Place an order on an award for one facility. A national award may be called off by
    any province for its own facilities; a provincial one only by its province. The
    orders on an award never exceed its quantity. Audited."""
    who.require_role(*HEADQUARTERS, Role.PROVINCE_MANAGER)
    on = on or tehran_today()
    found = session.get(Award, award_id)
    if found is None:
        raise NotFound(f"no award {award_id}")
    tender = get_tender(session, who, code=session.get(Tender, found.tender_id).code)  # type: ignore[union-attr]
    facility = session.scalar(select(Facility).where(Facility.code == facility_code))
    if facility is None:
        raise InvalidInput("unknown facility", [FieldProblem("facility_code", facility_code)])
    if not who.may_see_province(facility.province_id):
        raise PermissionDenied("the facility is outside your province")
    if tender.scope == "provincial" and facility.province_id != tender.province_id:
        raise PermissionDenied("a provincial award serves its own province")
    ordered = sum(
        o.quantity
        for o in session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.award_id == award_id).with_for_update()
        )
    )
    if quantity <= 0 or ordered + quantity > found.quantity:
        raise InvalidInput(
            "the quantity is more than the award has left",
            [FieldProblem("quantity", f"1 to {found.quantity - ordered}")],
        )
    if due_on < on:
        raise InvalidInput("due before today", [FieldProblem("due_on", "today or later")])
    po = PurchaseOrder(
        award_id=award_id,
        facility_id=facility.id,
        quantity=quantity,
        ordered_on=on,
        due_on=due_on,
        created_by=who.username,
    )
    session.add(po)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="place_order",
        entity="purchase_order",
        entity_id=po.id,
        after=audit.snapshot(po),
    )
    return po


def deliver(
    session: Session,
    who: Principal,
    *,
    order_id: int,
    quantity: int,
    defective: int = 0,
    on: dt.date | None = None,
) -> Delivery:
    """Record what arrived against an order (the receiving facility's desk or staff of its
    province). Late, short and defective deliveries lower the supplier's score. Audited."""
    who.require_role(Role.PROVIDER_USER, *HEADQUARTERS, Role.PROVINCE_MANAGER)
    on = on or tehran_today()
    po = session.get(PurchaseOrder, order_id)
    if po is None:
        raise NotFound(f"no order {order_id}")
    facility = session.get(Facility, po.facility_id)
    assert facility is not None
    if not who.may_see_facility(facility.id, facility.province_id):
        raise NotFound(f"no order {order_id} in your scope")
    if quantity <= 0 or not 0 <= defective <= quantity:
        raise InvalidInput(
            "invalid delivery",
            [
                FieldProblem(
                    "quantity" if quantity <= 0 else "defective", "0 <= defective <= quantity"
                )
            ],
        )
    row = Delivery(
        order_id=order_id,
        delivered_on=on,
        quantity=quantity,
        defective=defective,
        recorded_by=who.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="record_delivery",
        entity="delivery",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return row
