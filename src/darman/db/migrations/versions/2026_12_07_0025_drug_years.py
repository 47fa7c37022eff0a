"""The formulary by Jalali year: whether the insurer covers each drug and its reference
price per unit in rials, one row per drug and year. The ``drugs`` row keeps the values in
force (prescribing and claims read it); an existing formulary is copied in as the current
Jalali year's list so the yearly page is not empty after upgrading.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from darman.common.jalali import fiscal_year, tehran_today

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drug_years",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("drug_id", sa.Integer(), sa.ForeignKey("drugs.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.Column("price_rials", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("drug_id", "year"),
    )
    op.create_index("ix_drug_years_drug_id", "drug_years", ["drug_id"])
    op.create_index("ix_drug_years_year", "drug_years", ["year"])
    op.execute(
        sa.text(
            "INSERT INTO drug_years (drug_id, year, covered, price_rials) "
            "SELECT id, :year, covered, price_rials FROM drugs"
        ).bindparams(year=fiscal_year(tehran_today()))
    )


def downgrade() -> None:
    op.drop_index("ix_drug_years_year", table_name="drug_years")
    op.drop_index("ix_drug_years_drug_id", table_name="drug_years")
    op.drop_table("drug_years")
