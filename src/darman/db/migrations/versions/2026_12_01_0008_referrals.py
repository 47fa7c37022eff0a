"""Family-physician panels and enrolments, the referral chain with feedback, and the
referral programme's phase per province on programme rollouts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme_rollouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.Integer(), server_default="1", nullable=False))

    op.create_table(
        "panels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioners.id"],
            name=op.f("fk_panels_practitioner_id_practitioners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panels")),
        sa.UniqueConstraint("practitioner_id", name=op.f("uq_panels_practitioner_id")),
    )

    op.create_table(
        "panel_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insured_id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=False),
        sa.Column("transferred_from_id", sa.Integer(), nullable=True),
        sa.Column("open_insured_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["insured_id"], ["insured.id"], name=op.f("fk_panel_enrolments_insured_id_insured")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioners.id"],
            name=op.f("fk_panel_enrolments_practitioner_id_practitioners"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_panel_enrolments_province_id_provinces"),
        ),
        sa.ForeignKeyConstraint(
            ["transferred_from_id"],
            ["panel_enrolments.id"],
            name=op.f("fk_panel_enrolments_transferred_from_id_panel_enrolments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_enrolments")),
        sa.UniqueConstraint("open_insured_id", name=op.f("uq_panel_enrolments_open_insured_id")),
    )
    with op.batch_alter_table("panel_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_enrolments_insured_id"), ["insured_id"], unique=False
        )
        batch_op.create_index(
            "ix_panel_enrolments_practitioner_open", ["practitioner_id", "ended_on"], unique=False
        )
        batch_op.create_index(
            "ix_panel_enrolments_province_enrolled", ["province_id", "enrolled_on"], unique=False
        )

    op.create_table(
        "referral_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref_number", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("insured_id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("from_practitioner_id", sa.Integer(), nullable=False),
        sa.Column("from_facility_id", sa.Integer(), nullable=False),
        sa.Column("from_level", sa.Integer(), nullable=False),
        sa.Column("to_level", sa.Integer(), nullable=False),
        sa.Column("to_facility_id", sa.Integer(), nullable=True),
        sa.Column("outside_facility", sa.String(length=200), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("diagnosis", sa.String(length=8), nullable=False),
        sa.Column("choice_reason", sa.String(length=500), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("feedback_due_on", sa.Date(), nullable=False),
        sa.Column("feedback_on", sa.Date(), nullable=True),
        sa.Column("feedback_text", sa.String(length=2000), nullable=False),
        sa.Column("feedback_diagnosis", sa.String(length=8), nullable=False),
        sa.Column("feedback_practitioner_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_practitioner_id"],
            ["practitioners.id"],
            name=op.f("fk_referral_orders_feedback_practitioner_id_practitioners"),
        ),
        sa.ForeignKeyConstraint(
            ["from_facility_id"],
            ["facilities.id"],
            name=op.f("fk_referral_orders_from_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["from_practitioner_id"],
            ["practitioners.id"],
            name=op.f("fk_referral_orders_from_practitioner_id_practitioners"),
        ),
        sa.ForeignKeyConstraint(
            ["insured_id"], ["insured.id"], name=op.f("fk_referral_orders_insured_id_insured")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["referral_orders.id"],
            name=op.f("fk_referral_orders_parent_id_referral_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["provinces.id"],
            name=op.f("fk_referral_orders_province_id_provinces"),
        ),
        sa.ForeignKeyConstraint(
            ["to_facility_id"],
            ["facilities.id"],
            name=op.f("fk_referral_orders_to_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_orders")),
        sa.UniqueConstraint("ref_number", name=op.f("uq_referral_orders_ref_number")),
    )
    with op.batch_alter_table("referral_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_orders_from_practitioner_id"),
            ["from_practitioner_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_orders_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            "ix_referral_orders_national_id", ["national_id", "specialty"], unique=False
        )
        batch_op.create_index(
            "ix_referral_orders_province_issued", ["province_id", "issued_on"], unique=False
        )
        batch_op.create_index(
            "ix_referral_orders_to_facility_status", ["to_facility_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_orders_to_facility_status")
        batch_op.drop_index("ix_referral_orders_province_issued")
        batch_op.drop_index("ix_referral_orders_national_id")
        batch_op.drop_index(batch_op.f("ix_referral_orders_parent_id"))
        batch_op.drop_index(batch_op.f("ix_referral_orders_from_practitioner_id"))
    op.drop_table("referral_orders")
    with op.batch_alter_table("panel_enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_panel_enrolments_province_enrolled")
        batch_op.drop_index("ix_panel_enrolments_practitioner_open")
        batch_op.drop_index(batch_op.f("ix_panel_enrolments_insured_id"))
    op.drop_table("panel_enrolments")
    op.drop_table("panels")
    with op.batch_alter_table("programme_rollouts", schema=None) as batch_op:
        batch_op.drop_column("phase")
