"""Circulars: the clusters of overlapping circulars last computed, stored.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "circular_cluster_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(64), nullable=False),
        sa.Column("circulars", sa.Integer(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.Column("millis", sa.Integer(), nullable=False),
    )
    op.create_table(
        "circular_clusters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id", sa.Integer(), sa.ForeignKey("circular_cluster_runs.id"), nullable=False
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("best_jaccard", sa.Float(), nullable=False),
        sa.Column("best_containment", sa.Float(), nullable=False),
    )
    op.create_index("ix_circular_clusters_run_id", "circular_clusters", ["run_id"])
    op.create_table(
        "circular_cluster_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "cluster_id", sa.Integer(), sa.ForeignKey("circular_clusters.id"), nullable=False
        ),
        sa.Column("circular_id", sa.Integer(), sa.ForeignKey("circulars.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("cluster_id", "circular_id"),
    )
    op.create_index(
        "ix_circular_cluster_members_cluster_id", "circular_cluster_members", ["cluster_id"]
    )
    op.create_index(
        "ix_circular_cluster_members_circular_id", "circular_cluster_members", ["circular_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_circular_cluster_members_circular_id", table_name="circular_cluster_members")
    op.drop_index("ix_circular_cluster_members_cluster_id", table_name="circular_cluster_members")
    op.drop_table("circular_cluster_members")
    op.drop_index("ix_circular_clusters_run_id", table_name="circular_clusters")
    op.drop_table("circular_clusters")
    op.drop_table("circular_cluster_runs")
