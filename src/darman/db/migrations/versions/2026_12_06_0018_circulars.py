"""Circulars: the repository with its normalised search text, effects between circulars,
consolidation projects with members and approvals, and the full-text index (SQLite: an
FTS5 table over ``search_text`` kept in step by triggers; PostgreSQL: a stored generated
column ``search_fts`` = ``to_tsvector('simple', search_text)`` with a GIN index, stored so
that ranking reads it instead of parsing every matching text again).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# the text is normalised before it is stored (circulars/text.py): no ZWNJ, no diacritics;
# these categories keep a Persian word whole even if one slipped through
FTS5_SQLITE = [
    "CREATE VIRTUAL TABLE circulars_fts USING fts5(search_text, content='circulars', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* Co Mn Mc'\")",
    "CREATE TRIGGER circulars_fts_insert AFTER INSERT ON circulars BEGIN "
    "INSERT INTO circulars_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER circulars_fts_delete AFTER DELETE ON circulars BEGIN "
    "INSERT INTO circulars_fts(circulars_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER circulars_fts_update AFTER UPDATE OF search_text ON circulars BEGIN "
    "INSERT INTO circulars_fts(circulars_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO circulars_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
PG_INDEX = [
    "ALTER TABLE circulars ADD COLUMN search_fts tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX ix_circulars_fts ON circulars USING gin (search_fts)",
]


def upgrade() -> None:
    op.create_table(
        "circulars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circulars")),
        sa.UniqueConstraint("number", name=op.f("uq_circulars_number")),
    )
    with op.batch_alter_table("circulars", schema=None) as batch_op:
        batch_op.create_index("ix_circulars_issued_on", ["issued_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_circulars_issuer"), ["issuer"], unique=False)
        batch_op.create_index(batch_op.f("ix_circulars_status"), ["status"], unique=False)

    op.create_table(
        "circular_effects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provisions", sa.String(length=300), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["circulars.id"],
            name=op.f("fk_circular_effects_source_id_circulars"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["circulars.id"],
            name=op.f("fk_circular_effects_target_id_circulars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circular_effects")),
        sa.UniqueConstraint(
            "source_id",
            "target_id",
            "kind",
            "effective_on",
            name=op.f("uq_circular_effects_source_id"),
        ),
    )
    with op.batch_alter_table("circular_effects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_circular_effects_target_id"), ["target_id"], unique=False
        )

    op.create_table(
        "circular_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("circular_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circular_id"],
            ["circulars.id"],
            name=op.f("fk_circular_projects_circular_id_circulars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circular_projects")),
        sa.UniqueConstraint("number", name=op.f("uq_circular_projects_number")),
    )
    op.create_table(
        "circular_project_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("circular_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circular_id"],
            ["circulars.id"],
            name=op.f("fk_circular_project_members_circular_id_circulars"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["circular_projects.id"],
            name=op.f("fk_circular_project_members_project_id_circular_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circular_project_members")),
        sa.UniqueConstraint(
            "project_id", "circular_id", name=op.f("uq_circular_project_members_project_id")
        ),
    )
    with op.batch_alter_table("circular_project_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_circular_project_members_project_id"), ["project_id"], unique=False
        )
    op.create_table(
        "circular_project_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["circular_projects.id"],
            name=op.f("fk_circular_project_approvals_project_id_circular_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circular_project_approvals")),
        sa.UniqueConstraint(
            "project_id", "approver", name=op.f("uq_circular_project_approvals_project_id")
        ),
    )
    with op.batch_alter_table("circular_project_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_circular_project_approvals_project_id"), ["project_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_INDEX:
            op.execute(statement)
    else:
        for statement in FTS5_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_circulars_fts")
        op.execute("ALTER TABLE circulars DROP COLUMN search_fts")
    else:
        for name in ("circulars_fts_insert", "circulars_fts_delete", "circulars_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE circulars_fts")
    op.drop_table("circular_project_approvals")
    op.drop_table("circular_project_members")
    op.drop_table("circular_projects")
    op.drop_table("circular_effects")
    op.drop_table("circulars")
