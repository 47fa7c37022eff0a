"""Strategic purchasing: consumables catalogue, monthly stock records, suppliers with their
items and price history, tenders with bids and awards, purchase orders and deliveries, and
the action plan's tasks.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_fa", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("criticality", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumables")),
        sa.UniqueConstraint("code", name=op.f("uq_consumables_code")),
    )
    with op.batch_alter_table("consumables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consumables_category"), ["category"], unique=False)

    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=32), nullable=False),
        sa.Column("task_code", sa.String(length=16), nullable=False),
        sa.Column("title_fa", sa.String(length=300), nullable=False),
        sa.Column("owner_unit", sa.String(length=120), nullable=False),
        sa.Column("owner_role", sa.String(length=32), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("depends_on", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("progress_percent", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
        sa.UniqueConstraint("plan_code", "task_code", name=op.f("uq_plan_tasks_plan_code")),
    )
    with op.batch_alter_table("plan_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_tasks_plan_code"), ["plan_code"], unique=False)

    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_fa", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("affiliated", sa.Boolean(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_suppliers_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppliers_kind"), ["kind"], unique=False)

    op.create_table(
        "tenders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title_fa", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("need_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("weight_price", sa.Integer(), nullable=False),
        sa.Column("weight_quality", sa.Integer(), nullable=False),
        sa.Column("weight_delivery", sa.Integer(), nullable=False),
        sa.Column("max_share_percent", sa.Integer(), nullable=False),
        sa.Column("intermediary_penalty_percent", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_tenders_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenders")),
        sa.UniqueConstraint("code", name=op.f("uq_tenders_code")),
    )
    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_rials", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["consumables.id"], name=op.f("fk_awards_item_id_consumables")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_awards_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_awards_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
        sa.UniqueConstraint(
            "tender_id", "item_id", "supplier_id", name=op.f("uq_awards_tender_id")
        ),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("unit_price_rials", sa.BigInteger(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.BigInteger(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["consumables.id"], name=op.f("fk_bids_item_id_consumables")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_bids_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_bids_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint("tender_id", "supplier_id", "item_id", name=op.f("uq_bids_tender_id")),
    )
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bids_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "stock_months",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("opening", sa.BigInteger(), nullable=False),
        sa.Column("receipts", sa.BigInteger(), nullable=False),
        sa.Column("issues", sa.BigInteger(), nullable=False),
        sa.Column("losses", sa.BigInteger(), nullable=False),
        sa.Column("adjustments", sa.BigInteger(), nullable=False),
        sa.Column("closing", sa.BigInteger(), nullable=False),
        sa.Column("stockout_days", sa.Integer(), nullable=False),
        sa.Column("on_order", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_stock_months_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["consumables.id"], name=op.f("fk_stock_months_item_id_consumables")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_months")),
        sa.UniqueConstraint(
            "facility_id", "item_id", "month", name=op.f("uq_stock_months_facility_id")
        ),
    )
    with op.batch_alter_table("stock_months", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_months_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index("ix_stock_months_month", ["month"], unique=False)

    op.create_table(
        "supplier_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("capacity_per_year", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["consumables.id"], name=op.f("fk_supplier_items_item_id_consumables")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_items_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_items")),
        sa.UniqueConstraint("supplier_id", "item_id", name=op.f("uq_supplier_items_supplier_id")),
    )
    with op.batch_alter_table("supplier_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_items_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supplier_items_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "supplier_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("unit_price_rials", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["consumables.id"], name=op.f("fk_supplier_prices_item_id_consumables")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_prices_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_prices")),
    )
    with op.batch_alter_table("supplier_prices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_supplier_prices_item", ["item_id", "supplier_id", "valid_from"], unique=False
        )

    op.create_table(
        "tender_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["consumables.id"], name=op.f("fk_tender_items_item_id_consumables")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_tender_items_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_items")),
        sa.UniqueConstraint("tender_id", "item_id", name=op.f("uq_tender_items_tender_id")),
    )
    with op.batch_alter_table("tender_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tender_items_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_purchase_orders_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_purchase_orders_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_orders_award_id"), ["award_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchase_orders_facility_id"), ["facility_id"], unique=False
        )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("defective", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_deliveries_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_order_id"))

    op.drop_table("deliveries")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_orders_facility_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_orders_award_id"))

    op.drop_table("purchase_orders")
    with op.batch_alter_table("tender_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tender_items_tender_id"))

    op.drop_table("tender_items")
    with op.batch_alter_table("supplier_prices", schema=None) as batch_op:
        batch_op.drop_index("ix_supplier_prices_item")

    op.drop_table("supplier_prices")
    with op.batch_alter_table("supplier_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_items_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_items_item_id"))

    op.drop_table("supplier_items")
    with op.batch_alter_table("stock_months", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_months_month")
        batch_op.drop_index(batch_op.f("ix_stock_months_facility_id"))

    op.drop_table("stock_months")
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bids_tender_id"))

    op.drop_table("bids")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awards_tender_id"))

    op.drop_table("awards")
    op.drop_table("tenders")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppliers_kind"))

    op.drop_table("suppliers")
    with op.batch_alter_table("plan_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_tasks_plan_code"))

    op.drop_table("plan_tasks")
    with op.batch_alter_table("consumables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumables_category"))

    op.drop_table("consumables")
