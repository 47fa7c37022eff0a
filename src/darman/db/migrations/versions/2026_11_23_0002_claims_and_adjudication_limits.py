"""Claims and claim lines; services gain frequency and per-claim limits, drugs a reference price.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=32), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("nid_valid", sa.Boolean(), nullable=False),
        sa.Column("practitioner_council_number", sa.String(length=16), nullable=True),
        sa.Column("visit_type", sa.String(length=16), nullable=False),
        sa.Column("admission_date", sa.Date(), nullable=True),
        sa.Column("discharge_date", sa.Date(), nullable=True),
        sa.Column("diagnoses", sa.String(length=200), nullable=False),
        sa.Column("referral_ref", sa.String(length=32), nullable=True),
        sa.Column("prescription_ref", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("adjudicated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("asked_rials", sa.BigInteger(), nullable=False),
        sa.Column("allowed_rials", sa.BigInteger(), nullable=False),
        sa.Column("copay_rials", sa.BigInteger(), nullable=False),
        sa.Column("insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("deducted_rials", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_claims_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_claims_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("facility_id", "document_number", name=op.f("uq_claims_facility_id")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_national_id"), ["national_id"], unique=False)
        batch_op.create_index("ix_claims_status_province", ["status", "province_id"], unique=False)

    op.create_table(
        "claim_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_rials", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("asked_rials", sa.BigInteger(), nullable=False),
        sa.Column("allowed_rials", sa.BigInteger(), nullable=False),
        sa.Column("copay_rials", sa.BigInteger(), nullable=False),
        sa.Column("insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("deducted_rials", sa.BigInteger(), nullable=False),
        sa.Column("reasons", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_lines_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_lines")),
        sa.UniqueConstraint("claim_id", "line_no", name=op.f("uq_claim_lines_claim_id")),
    )
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_lines_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            "ix_claim_lines_history", ["national_id", "code", "service_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claim_lines_outcome"), ["outcome"], unique=False)

    with op.batch_alter_table("drugs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_rials", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frequency_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_per_claim", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("max_per_claim")
        batch_op.drop_column("frequency_days")

    with op.batch_alter_table("drugs", schema=None) as batch_op:
        batch_op.drop_column("price_rials")

    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_lines_outcome"))
        batch_op.drop_index("ix_claim_lines_history")
        batch_op.drop_index(batch_op.f("ix_claim_lines_claim_id"))

    op.drop_table("claim_lines")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_status_province")
        batch_op.drop_index(batch_op.f("ix_claims_national_id"))
        batch_op.drop_index(batch_op.f("ix_claims_facility_id"))

    op.drop_table("claims")
