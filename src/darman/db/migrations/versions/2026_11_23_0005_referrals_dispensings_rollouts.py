"""Referrals, dispensed e-prescriptions and programme rollouts read by the claims rules.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispensings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prescription_ref", sa.String(length=32), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("drug_code", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("dispensed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispensings")),
    )
    with op.batch_alter_table("dispensings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dispensings_ref", ["prescription_ref", "national_id", "drug_code"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref_number", sa.String(length=32), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("ref_number", name=op.f("uq_referrals_ref_number")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_national_id"), ["national_id"], unique=False)

    op.create_table(
        "programme_rollouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=16), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_programme_rollouts_province_id_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_rollouts")),
        sa.UniqueConstraint(
            "province_id", "programme", name=op.f("uq_programme_rollouts_province_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("programme_rollouts")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_national_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("dispensings", schema=None) as batch_op:
        batch_op.drop_index("ix_dispensings_ref")

    op.drop_table("dispensings")
