"""Performance management: the computed facts of every indicator per province, facility and
period, the targets set by national staff, the ranking weights, the insurer's own indicator
definitions, and patient-experience survey responses.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "performance_facts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("indicator_code", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("definitions_version", sa.String(length=16), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_performance_facts_province_id_provinces"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_performance_facts_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_facts")),
    )
    with op.batch_alter_table("performance_facts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_performance_facts_period", ["period", "indicator_code", "province_id"], unique=False
        )

    op.create_table(
        "performance_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=48), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_performance_targets_province_id_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_targets")),
        sa.UniqueConstraint(
            "indicator_code",
            "province_id",
            "period",
            name=op.f("uq_performance_targets_indicator_code"),
        ),
    )

    op.create_table(
        "performance_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=48), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_weights")),
        sa.UniqueConstraint("indicator_code", name=op.f("uq_performance_weights_indicator_code")),
    )

    op.create_table(
        "performance_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_definitions")),
    )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instrument", sa.String(length=48), nullable=False),
        sa.Column("respondent", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_survey_responses_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_survey_responses_province_id_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "instrument", "respondent", name=op.f("uq_survey_responses_instrument")
        ),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_facility_answered", ["facility_id", "answered_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_facility_answered")
    op.drop_table("survey_responses")
    op.drop_table("performance_definitions")
    op.drop_table("performance_weights")
    op.drop_table("performance_targets")
    with op.batch_alter_table("performance_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_performance_facts_period")
    op.drop_table("performance_facts")
