"""A prescription may carry the issuing system's idempotency key and the digest of the
request it answered, so a retry of the same request returns the first answer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_prescriptions_practitioner_id"), ["practitioner_id", "request_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_prescriptions_practitioner_id"), type_="unique")
        batch_op.drop_column("request_digest")
        batch_op.drop_column("request_key")
