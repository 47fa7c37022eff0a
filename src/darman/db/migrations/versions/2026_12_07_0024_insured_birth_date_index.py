"""Indexes for counts on many days: the insured by birth date (with province and sex), so
an age band such as a programme's elderly is read from the index alone rather than from
every insured person; and coverage periods with their end, so "covered on D" is answered
from the index without reading the periods.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_insured_birth_date", "insured", ["birth_date", "province_id", "sex"])
    op.drop_index("ix_coverage_periods_insured_start", table_name="coverage_periods")
    op.create_index(
        "ix_coverage_periods_insured_start",
        "coverage_periods",
        ["insured_id", "start_date", "end_date"],
    )


def downgrade() -> None:
    op.drop_index("ix_coverage_periods_insured_start", table_name="coverage_periods")
    op.create_index(
        "ix_coverage_periods_insured_start", "coverage_periods", ["insured_id", "start_date"]
    )
    op.drop_index("ix_insured_birth_date", table_name="insured")
