"""Adjudication parameters by province and effective date, set on top of the defaults.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_parameters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=32), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("visit_type", sa.String(length=16), nullable=True),
        sa.Column("ownership", sa.String(length=16), nullable=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_policy_parameters_province_id_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_parameters")),
    )
    with op.batch_alter_table("policy_parameters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_policy_parameters_parameter", ["parameter", "province_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_parameters", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_parameters_parameter")
    op.drop_table("policy_parameters")
