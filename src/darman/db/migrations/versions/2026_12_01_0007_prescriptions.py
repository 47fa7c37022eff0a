"""E-prescriptions: prescriptions, lines, check findings, dispensings; a drug's maximum
days of supply; a physician user's link to their practitioner record.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drugs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_days_supply", sa.Integer(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("practitioner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_practitioner_id_practitioners"),
            "practitioners",
            ["practitioner_id"],
            ["id"],
        )

    op.create_table(
        "prescriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("insured_id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_prescriptions_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["insured_id"], ["insured.id"], name=op.f("fk_prescriptions_insured_id_insured")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioners.id"],
            name=op.f("fk_prescriptions_practitioner_id_practitioners"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_prescriptions_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescriptions")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_prescriptions_tracking_code")),
    )
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_prescriptions_national_id", ["national_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prescriptions_practitioner_id"), ["practitioner_id"], unique=False
        )
        batch_op.create_index(
            "ix_prescriptions_province_issued", ["province_id", "issued_on"], unique=False
        )

    op.create_table(
        "prescription_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("dose", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("days_supply", sa.Integer(), nullable=True),
        sa.Column("instructions", sa.String(length=300), nullable=False),
        sa.Column("unit_price_rials", sa.BigInteger(), nullable=True),
        sa.Column("dispensed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name=op.f("fk_prescription_lines_prescription_id_prescriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription_lines")),
        sa.UniqueConstraint(
            "prescription_id", "line_no", name=op.f("uq_prescription_lines_prescription_id")
        ),
    )

    op.create_table(
        "prescription_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("value_rials", sa.BigInteger(), nullable=False),
        sa.Column("other_code", sa.String(length=16), nullable=True),
        sa.Column("detail_fa", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name=op.f("fk_prescription_findings_prescription_id_prescriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription_findings")),
    )
    with op.batch_alter_table("prescription_findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prescription_findings_prescription_id"),
            ["prescription_id"],
            unique=False,
        )

    op.create_table(
        "prescription_dispensings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("dispensed_on", sa.Date(), nullable=False),
        sa.Column("dispensed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispensed_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_prescription_dispensings_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["prescription_lines.id"],
            name=op.f("fk_prescription_dispensings_line_id_prescription_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name=op.f("fk_prescription_dispensings_prescription_id_prescriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription_dispensings")),
        sa.UniqueConstraint(
            "facility_id",
            "request_key",
            "line_id",
            name=op.f("uq_prescription_dispensings_facility_id"),
        ),
    )
    with op.batch_alter_table("prescription_dispensings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prescription_dispensings_line_id"), ["line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prescription_dispensings_prescription_id"),
            ["prescription_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("prescription_dispensings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescription_dispensings_prescription_id"))
        batch_op.drop_index(batch_op.f("ix_prescription_dispensings_line_id"))
    op.drop_table("prescription_dispensings")
    with op.batch_alter_table("prescription_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescription_findings_prescription_id"))
    op.drop_table("prescription_findings")
    op.drop_table("prescription_lines")
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_prescriptions_province_issued")
        batch_op.drop_index(batch_op.f("ix_prescriptions_practitioner_id"))
        batch_op.drop_index("ix_prescriptions_national_id")
    op.drop_table("prescriptions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_practitioner_id_practitioners"), type_="foreignkey"
        )
        batch_op.drop_column("practitioner_id")
    with op.batch_alter_table("drugs", schema=None) as batch_op:
        batch_op.drop_column("max_days_supply")
