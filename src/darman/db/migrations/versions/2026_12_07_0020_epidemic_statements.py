"""Population health: an epidemic's monthly statements to the government and their lines
per admission; an issued statement or line is never updated (a trigger refuses it).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES = ("population_epidemic_statements", "population_epidemic_statement_lines")
_MESSAGE = "an issued epidemic statement is immutable: issue a correction"
_PG_REFUSE = f"""
CREATE FUNCTION epidemic_statement_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_MESSAGE}';
END $$
"""


def upgrade() -> None:
    op.create_table(
        "population_epidemic_statements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("episode_code", sa.String(16), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "corrects_id",
            sa.Integer(),
            sa.ForeignKey("population_epidemic_statements.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("admissions", sa.Integer(), nullable=False),
        sa.Column("patient_days", sa.Integer(), nullable=False),
        sa.Column("icu_days", sa.Integer(), nullable=False),
        sa.Column("drugs_insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("services_insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("total_rials", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("episode_code", "seq", name="uq_population_epidemic_statements_seq"),
        sa.UniqueConstraint(
            "episode_code", "month", "revision", name="uq_population_epidemic_statements_revision"
        ),
    )
    op.create_table(
        "population_epidemic_statement_lines",
        sa.Column("id", BIGID, primary_key=True),
        sa.Column(
            "statement_id",
            sa.Integer(),
            sa.ForeignKey("population_epidemic_statements.id"),
            nullable=False,
        ),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("admission_id", sa.BigInteger(), nullable=False),
        sa.Column("claim_ids", sa.String(200), nullable=False),
        sa.Column("national_id", sa.String(10), nullable=False),
        sa.Column("province_id", sa.Integer(), sa.ForeignKey("provinces.id"), nullable=False),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("ownership", sa.String(16), nullable=False),
        sa.Column("admission_date", sa.Date(), nullable=False),
        sa.Column("discharge_date", sa.Date(), nullable=False),
        sa.Column("los_days", sa.Integer(), nullable=False),
        sa.Column("icu_days", sa.Integer(), nullable=False),
        sa.Column("drugs_insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("services_insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("insurer_rials", sa.BigInteger(), nullable=False),
        sa.Column("total_rials", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("statement_id", "line_no"),
    )
    op.create_index(
        "ix_population_epidemic_lines_province",
        "population_epidemic_statement_lines",
        ["province_id"],
    )
    # the database itself refuses to change an issued statement (deleting is left to the
    # test suite's clean-up and to dropping the tables)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE)
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION epidemic_statement_refuse_update()"
            )
    else:
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        op.execute(f"DROP TRIGGER {table}_immutable" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION epidemic_statement_refuse_update()")
    op.drop_index("ix_population_epidemic_lines_province", "population_epidemic_statement_lines")
    op.drop_table("population_epidemic_statement_lines")
    op.drop_table("population_epidemic_statements")
