"""Population health: register entries with their source, and measurements (LOINC).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "population_register_entries",
        sa.Column("id", BIGID, primary_key=True),
        sa.Column("register_code", sa.String(16), nullable=False),
        sa.Column("national_id", sa.String(10), nullable=False),
        sa.Column("province_id", sa.Integer(), sa.ForeignKey("provinces.id"), nullable=False),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(64), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("register_code", "national_id", "source"),
    )
    op.create_index(
        "ix_population_entries_province",
        "population_register_entries",
        ["province_id", "register_code"],
    )
    op.create_table(
        "population_measurements",
        sa.Column("id", BIGID, primary_key=True),
        sa.Column("national_id", sa.String(10), nullable=False),
        sa.Column("province_id", sa.Integer(), sa.ForeignKey("provinces.id"), nullable=False),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("loinc", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("national_id", "loinc", "measured_on"),
    )
    op.create_index(
        "ix_population_measurements_province",
        "population_measurements",
        ["province_id", "measured_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_population_measurements_province", "population_measurements")
    op.drop_table("population_measurements")
    op.drop_index("ix_population_entries_province", "population_register_entries")
    op.drop_table("population_register_entries")
