"""A prescription keeps the last day any of its drug lines' supply lasts, indexed with the
person and status, so that the issue-time checks read only a person's prescriptions that
may still be active instead of their whole history.

Stop servers of the earlier release before upgrading: they would write prescriptions
without the column, and the checks would not see those prescriptions' drugs.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Each line lasts from its issue day for its days of supply, the issue day counting as the
# first; written per dialect because date arithmetic is not portable. Without a drug line
# with days MAX is NULL and so is the result (days of supply are at least 1).
_LONGEST_LINE = {
    "sqlite": "date(prescriptions.issued_on, '+' || (MAX(l.days_supply) - 1) || ' days')",
    "postgresql": "prescriptions.issued_on + (MAX(l.days_supply) - 1)",
}


def upgrade() -> None:
    # Plain ALTERs, not a batch: SQLite would otherwise copy the table, which its foreign
    # keys refuse once prescriptions have lines. The new index is built after the
    # backfill, so the UPDATE does not also write every row into it.
    op.add_column("prescriptions", sa.Column("active_until", sa.Date(), nullable=True))
    longest = _LONGEST_LINE[op.get_bind().dialect.name]
    op.execute(
        "UPDATE prescriptions SET active_until = ("
        f"SELECT {longest} FROM prescription_lines l "
        "WHERE l.prescription_id = prescriptions.id AND l.kind = 'drug' "
        "AND l.days_supply IS NOT NULL)"
    )
    op.create_index(
        "ix_prescriptions_person_active",
        "prescriptions",
        ["national_id", "status", "active_until"],
        unique=False,
    )
    op.drop_index("ix_prescriptions_national_id", table_name="prescriptions")


def downgrade() -> None:
    op.drop_index("ix_prescriptions_person_active", table_name="prescriptions")
    op.create_index(
        "ix_prescriptions_national_id", "prescriptions", ["national_id", "status"], unique=False
    )
    op.drop_column("prescriptions", "active_until")
