"""Payment runs, payments and the ledger; claims gain review reason, advance and paid amounts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("budget_rials", sa.BigInteger(), nullable=False),
        sa.Column("paid_rials", sa.BigInteger(), nullable=False),
        sa.Column("claims_paid", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_payment_runs_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_runs")),
        sa.UniqueConstraint("run_key", name=op.f("uq_payment_runs_run_key")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("debit_rials", sa.BigInteger(), nullable=False),
        sa.Column("credit_rials", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_ledger_entries_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_ledger_entries_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payment_runs.id"], name=op.f("fk_ledger_entries_run_id_payment_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_run_id"), ["run_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_rials", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_payments_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_payments_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payment_runs.id"], name=op.f("fk_payments_run_id_payment_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("claim_id", "kind", name=op.f("uq_payments_claim_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_reason", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("advance_rials", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("paid_rials", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("paid_at")
        batch_op.drop_column("paid_rials")
        batch_op.drop_column("advance_rials")
        batch_op.drop_column("review_reason")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_run_id"))
        batch_op.drop_index(batch_op.f("ix_payments_facility_id"))

    op.drop_table("payments")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_run_id"))

    op.drop_table("ledger_entries")
    op.drop_table("payment_runs")
