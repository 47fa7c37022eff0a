"""The audit log is sealed with a key and, on PostgreSQL, append-only.

From this release every entry's seal is HMAC-SHA256 keyed by DARMAN_AUDIT_KEY, which is
never stored in the database, so the upgrade cannot re-seal the entries already there:
they keep their plain SHA-256 seals. The upgrade records how many there are and the last
one's seal in ``audit_unkeyed_prefix`` (one row, only when the log holds entries), and
verification accepts an unkeyed seal for those entries only. The first entry written
after the upgrade is keyed and seals the link to the last unkeyed one, so rewriting the
unkeyed entries breaks the chain there. Take a checkpoint (``darman audit checkpoint``)
right after the upgrade: it records the prefix too.

On PostgreSQL, triggers refuse UPDATE and DELETE on ``audit_log`` and any change to
``audit_unkeyed_prefix`` after this upgrade wrote it. They stop the application's
role; the table's owner can disable them, which is why the product's role should not own
the tables (docs/deploy.md). SQLite has no roles: whoever can write the file can drop a
trigger as easily as change a row, so there the key and the checkpoints are the guard.

Downgrading keeps every entry; the earlier release's verification then reports the first
keyed entry as altered.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_REFUSE = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_TRIGGERS = {
    "audit_log_append_only": "BEFORE UPDATE OR DELETE ON audit_log",
    "audit_unkeyed_prefix_fixed": "BEFORE INSERT OR UPDATE OR DELETE ON audit_unkeyed_prefix",
}


def upgrade() -> None:
    prefix = op.create_table(
        "audit_unkeyed_prefix",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_unkeyed_prefix_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_unkeyed_prefix")),
    )
    bind = op.get_bind()
    head = bind.execute(
        sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    ).first()
    if head is not None:
        op.bulk_insert(
            prefix,
            [
                {
                    "id": 1,
                    "entries": head[0],
                    "head_hash": head[1],
                    "marked_at": dt.datetime.now(dt.UTC),
                }
            ],
        )
    if bind.dialect.name == "postgresql":
        op.execute(_REFUSE)
        for name, when in _TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_unkeyed_prefix_fixed ON audit_unkeyed_prefix")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_refuse_change()")
    op.drop_table("audit_unkeyed_prefix")
