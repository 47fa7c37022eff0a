"""Raters as users: a rater record may be linked to one user account (role rater).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite adds a foreign key and a unique constraint only by copying the table
    with op.batch_alter_table("appt_raters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_appt_raters_user_id_users", "users", ["user_id"], ["id"])
        batch_op.create_unique_constraint("uq_appt_raters_user_id", ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("appt_raters", schema=None) as batch_op:
        batch_op.drop_constraint("uq_appt_raters_user_id", type_="unique")
        batch_op.drop_constraint("fk_appt_raters_user_id_users", type_="foreignkey")
        batch_op.drop_column("user_id")
