"""Claim lines are decided in place without touching their indexes; claims lose a
redundant index.

Adjudication writes each line once, from pending to its decision. On PostgreSQL that
update is cheap only when the new row version fits in the same page and no indexed
column changes (a heap-only update: no index entry is written). So the index on
``outcome`` goes (four values, no query selects by it alone: the history read goes
through ``ix_claim_lines_history``), and ``claim_lines`` keeps half of each page free
for the decided version of the lines stored there (fillfactor 50; pages written before
the upgrade fill as before until they are rewritten). On 1,000,000 lines the write-back
went from 50 s to 21 s (bench/RESULTS.md). SQLite rewrites rows in place either way:
there only the index goes.

A claim's decision changes its status, which is indexed, so every index of the claim gets
a new entry. ``ix_claims_facility_id`` goes: the unique (facility_id, document_number)
index answers the same lookups, and the claims' UPDATE of 400,341 decided claims went from
9.6 s to 7.8 s without it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim_lines") as batch_op:
        batch_op.drop_index("ix_claim_lines_outcome")
    with op.batch_alter_table("claims") as batch_op:
        batch_op.drop_index("ix_claims_facility_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE claim_lines SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE claim_lines RESET (fillfactor)")
    with op.batch_alter_table("claims") as batch_op:
        batch_op.create_index("ix_claims_facility_id", ["facility_id"], unique=False)
    with op.batch_alter_table("claim_lines") as batch_op:
        batch_op.create_index("ix_claim_lines_outcome", ["outcome"], unique=False)
