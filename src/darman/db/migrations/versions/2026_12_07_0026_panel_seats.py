"""Interview panels as data: which rater sits on which post's panel (appt_panel_seats).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appt_panel_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("panel", sa.String(length=32), nullable=False),
        sa.Column("seated_by", sa.String(length=64), nullable=False),
        sa.Column("seated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["appt_posts.id"], name="fk_appt_panel_seats_post_id_appt_posts"
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["appt_raters.id"], name="fk_appt_panel_seats_rater_id_appt_raters"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appt_panel_seats"),
        sa.UniqueConstraint("post_id", "rater_id", name="uq_appt_panel_seats_post_id"),
    )
    op.create_index("ix_appt_panel_seats_post_id", "appt_panel_seats", ["post_id"])
    op.create_index("ix_appt_panel_seats_rater_id", "appt_panel_seats", ["rater_id"])


def downgrade() -> None:
    op.drop_index("ix_appt_panel_seats_rater_id", table_name="appt_panel_seats")
    op.drop_index("ix_appt_panel_seats_post_id", table_name="appt_panel_seats")
    op.drop_table("appt_panel_seats")
