"""Circulars on PostgreSQL: which words each circular holds, in a table of its own,
``circulars_fts`` (circular_id, words), kept in step by a trigger, with the GIN index.

``words`` is the circular's tsvector stripped of positions (about two thirds of its size
and stored in the row, where the full vector of a circular lies out of line): testing
whether a circular holds the words reads one row instead of a row and its toasted vector,
five times faster, and walking the newest circulars to find the newest matches is bounded
by that. Ranking still reads the full vector, ``circulars.search_fts``, for the candidates
only; its GIN index is dropped, the new one serves every search. SQLite is unchanged (its
FTS5 table has the same name).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE circulars_fts ("
    " circular_id integer PRIMARY KEY"
    " CONSTRAINT fk_circulars_fts_circular_id_circulars REFERENCES circulars (id)"
    " ON DELETE CASCADE,"
    " words tsvector NOT NULL)",
    "INSERT INTO circulars_fts (circular_id, words) "
    "SELECT id, strip(search_fts) FROM circulars ORDER BY id",
    "CREATE INDEX ix_circulars_fts_words ON circulars_fts USING gin (words)",
    # an AFTER trigger sees the stored generated column already computed
    "CREATE FUNCTION circulars_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO circulars_fts (circular_id, words) VALUES (NEW.id, strip(NEW.search_fts)) "
    "ON CONFLICT (circular_id) DO UPDATE SET words = EXCLUDED.words; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER circulars_fts_sync AFTER INSERT OR UPDATE OF search_text ON circulars "
    "FOR EACH ROW EXECUTE FUNCTION circulars_fts_sync()",
    "DROP INDEX ix_circulars_fts",
]

DOWNGRADE = [
    "CREATE INDEX ix_circulars_fts ON circulars USING gin (search_fts)",
    "DROP TRIGGER circulars_fts_sync ON circulars",
    "DROP FUNCTION circulars_fts_sync()",
    "DROP TABLE circulars_fts",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
