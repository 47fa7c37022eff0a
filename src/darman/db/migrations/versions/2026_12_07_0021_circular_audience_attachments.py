"""Circulars: whom each is addressed to (provinces, facility kinds) and attached files.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "circular_audience",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "circular_id",
            sa.Integer(),
            sa.ForeignKey("circulars.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.UniqueConstraint("circular_id", "kind", "code"),
    )
    op.create_index("ix_circular_audience_kind_code", "circular_audience", ["kind", "code"])
    op.create_table(
        "circular_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "circular_id",
            sa.Integer(),
            sa.ForeignKey("circulars.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("circular_id", "filename", name="uq_circular_attachments_filename"),
        sa.UniqueConstraint("circular_id", "sha256", name="uq_circular_attachments_sha256"),
    )
    op.create_index("ix_circular_attachments_circular_id", "circular_attachments", ["circular_id"])


def downgrade() -> None:
    op.drop_index("ix_circular_attachments_circular_id", table_name="circular_attachments")
    op.drop_table("circular_attachments")
    op.drop_index("ix_circular_audience_kind_code", table_name="circular_audience")
    op.drop_table("circular_audience")
