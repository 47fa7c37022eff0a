"""Claim lines record the reviewer's cut; claims record a cut extrapolated from a reviewed sample.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_cut_rials", sa.BigInteger(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sample_cut_rials", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("sample_cut_rials")

    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_column("review_cut_rials")
