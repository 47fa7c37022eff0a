"""Indexes that hold everything the care cascade reads, so its reads touch no table rows:
a person's claims with their status and days (``ix_claims_person_visits``, which also
serves every lookup by national id and replaces ``ix_claims_national_id``), and the
measurements of a span of days (``ix_population_measurements_day``).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_claims_person_visits",
        "claims",
        ["national_id", "status", "admission_date", "submitted_on"],
    )
    op.drop_index("ix_claims_national_id", table_name="claims")
    op.create_index(
        "ix_population_measurements_day",
        "population_measurements",
        ["measured_on", "national_id", "loinc", "value"],
    )


def downgrade() -> None:
    op.drop_index("ix_population_measurements_day", table_name="population_measurements")
    op.create_index("ix_claims_national_id", "claims", ["national_id"])
    op.drop_index("ix_claims_person_visits", table_name="claims")
