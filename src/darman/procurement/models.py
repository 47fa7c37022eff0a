"""Tables of strategic purchasing: the consumables catalogue, monthly stock records per
facility and item, suppliers with their items, prices and deliveries, tenders with bids and
awards, purchase orders, and the action plan's tasks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class Consumable(Base):
    """A medical consumable or item of equipment by generic code."""

    __tablename__ = "consumables"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    criticality: Mapped[str] = mapped_column(String(16))  # vital | essential | non_essential


class StockMonth(Base):
    """One facility's record of one item for one Jalali month: opening balance, receipts,
    issues to wards, losses (expiry, damage), adjustments (physical count minus book,
    signed), closing balance, days out of stock, and quantity on order at the month's end."""

    __tablename__ = "stock_months"
    __table_args__ = (
        UniqueConstraint("facility_id", "item_id", "month"),
        Index("ix_stock_months_month", "month"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("consumables.id"))
    month: Mapped[int] = mapped_column(Integer)  # Jalali yyyymm, e.g. 140401
    opening: Mapped[int] = mapped_column(BigInteger)
    receipts: Mapped[int] = mapped_column(BigInteger, default=0)
    issues: Mapped[int] = mapped_column(BigInteger, default=0)
    losses: Mapped[int] = mapped_column(BigInteger, default=0)
    adjustments: Mapped[int] = mapped_column(BigInteger, default=0)
    closing: Mapped[int] = mapped_column(BigInteger)
    stockout_days: Mapped[int] = mapped_column(Integer, default=0)
    on_order: Mapped[int] = mapped_column(BigInteger, default=0)


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    # manufacturer | importer | distributor | intermediary
    kind: Mapped[str] = mapped_column(String(16), index=True)
    # owned by the insurer's investment holding (an affiliated company)
    affiliated: Mapped[bool] = mapped_column(Boolean, default=False)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"), nullable=True)
    lead_time_days: Mapped[int] = mapped_column(Integer)


class SupplierItem(Base):
    """What a supplier offers: an item with its capacity per year."""

    __tablename__ = "supplier_items"
    __table_args__ = (UniqueConstraint("supplier_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("consumables.id"), index=True)
    capacity_per_year: Mapped[int] = mapped_column(BigInteger)


class SupplierPrice(Base):
    """A price a supplier charged or quoted for an item, from a day on (its history)."""

    __tablename__ = "supplier_prices"
    __table_args__ = (Index("ix_supplier_prices_item", "item_id", "supplier_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("consumables.id"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    unit_price_rials: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # order | bid | quote


class Tender(Base):
    """A tender for a group of items and a period, national (a framework provinces may call
    off from) or provincial. Weights are whole percents of the bid score."""

    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title_fa: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))  # national | provincial
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"), nullable=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    need_by: Mapped[dt.date] = mapped_column(Date)  # deliveries must arrive by this day
    status: Mapped[str] = mapped_column(String(16))  # open | awarded | cancelled
    weight_price: Mapped[int] = mapped_column(Integer)
    weight_quality: Mapped[int] = mapped_column(Integer)
    weight_delivery: Mapped[int] = mapped_column(Integer)
    max_share_percent: Mapped[int] = mapped_column(Integer)
    intermediary_penalty_percent: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    awarded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TenderItem(Base):
    __tablename__ = "tender_items"
    __table_args__ = (UniqueConstraint("tender_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("consumables.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)


class Bid(Base):
    """A supplier's bid for one item of a tender; quality is the evaluators' 0-100 mark of
    the evidence (registrations, certificates, samples)."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("tender_id", "supplier_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("consumables.id"))
    unit_price_rials: Mapped[int] = mapped_column(BigInteger)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(BigInteger)
    quality: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(String(300), default="")


class Award(Base):
    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("tender_id", "item_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("consumables.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price_rials: Mapped[int] = mapped_column(BigInteger)


class PurchaseOrder(Base):
    """An order placed on an award, for delivery to one facility by a due day."""

    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    ordered_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))


class Delivery(Base):
    """What arrived against an order: on a day, how much, how much of it defective."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    delivered_on: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(BigInteger)
    defective: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded_by: Mapped[str] = mapped_column(String(64))


class PlanTask(Base):
    """A task of a time-boxed action plan, owned by an organisational unit or affiliated
    company and the role that answers for it; ``depends_on`` lists task ids."""

    __tablename__ = "plan_tasks"
    __table_args__ = (UniqueConstraint("plan_code", "task_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_code: Mapped[str] = mapped_column(String(32), index=True)
    task_code: Mapped[str] = mapped_column(String(16))
    title_fa: Mapped[str] = mapped_column(String(300))
    owner_unit: Mapped[str] = mapped_column(String(120))
    owner_role: Mapped[str] = mapped_column(String(32))
    start_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    depends_on: Mapped[str] = mapped_column(String(200), default="")  # task codes, comma-separated
    status: Mapped[str] = mapped_column(String(16))  # planned | in_progress | done
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    progress_percent: Mapped[float] = mapped_column(Float, default=0.0)
