"""A province's referral programme may pay a visit without referral at a raised copayment.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme_rollouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bypass_copay_percent", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_rollouts", schema=None) as batch_op:
        batch_op.drop_column("bypass_copay_percent")
