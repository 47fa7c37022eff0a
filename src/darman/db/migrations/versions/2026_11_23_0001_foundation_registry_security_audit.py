"""Foundation: provinces, facilities, insured and coverage, practitioners, catalogues,
tariffs, users and API keys, the audit log and the seed marker.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_entity"), ["entity"], unique=False)

    op.create_table(
        "drugs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generic_code", sa.String(length=16), nullable=False),
        sa.Column("name_fa", sa.String(length=200), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("strength", sa.String(length=32), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=False),
        sa.Column("specialist_only", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drugs")),
        sa.UniqueConstraint("generic_code", name=op.f("uq_drugs_generic_code")),
    )
    op.create_table(
        "provinces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("name_fa", sa.String(length=64), nullable=False),
        sa.Column("population_2016", sa.BigInteger(), nullable=False),
        sa.Column("active_beds_1396", sa.Integer(), nullable=False),
        sa.Column("icu_beds_1396", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provinces")),
        sa.UniqueConstraint("code", name=op.f("uq_provinces_code")),
    )
    op.create_table(
        "seed_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seed_runs")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_fa", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("sex_limit", sa.String(length=8), nullable=True),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("code", name=op.f("uq_services_code")),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ownership", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("beds_general", sa.Integer(), nullable=False),
        sa.Column("beds_icu", sa.Integer(), nullable=False),
        sa.Column("beds_ccu", sa.Integer(), nullable=False),
        sa.Column("beds_nicu", sa.Integer(), nullable=False),
        sa.Column("ct_scanners", sa.Integer(), nullable=False),
        sa.Column("mri_scanners", sa.Integer(), nullable=False),
        sa.Column("angiography_units", sa.Integer(), nullable=False),
        sa.Column("dialysis_machines", sa.Integer(), nullable=False),
        sa.Column("ambulances", sa.Integer(), nullable=False),
        sa.Column("physicians", sa.Integer(), nullable=False),
        sa.Column("nurses", sa.Integer(), nullable=False),
        sa.Column("other_staff", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_facilities_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("code", name=op.f("uq_facilities_code")),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facilities_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_facilities_ownership"), ["ownership"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_facilities_province_id"), ["province_id"], unique=False
        )

    op.create_table(
        "insured",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("main_insured_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["main_insured_id"], ["insured.id"], name=op.f("fk_insured_main_insured_id_insured")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_insured_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insured")),
        sa.UniqueConstraint("national_id", name=op.f("uq_insured_national_id")),
    )
    with op.batch_alter_table("insured", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insured_main_insured_id"), ["main_insured_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_insured_province_id"), ["province_id"], unique=False)

    op.create_table(
        "practitioners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_number", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_practitioners_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioners")),
        sa.UniqueConstraint("council_number", name=op.f("uq_practitioners_council_number")),
    )
    with op.batch_alter_table("practitioners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practitioners_province_id"), ["province_id"], unique=False
        )

    op.create_table(
        "tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("ownership", sa.String(length=16), nullable=False),
        sa.Column("amount_rials", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_tariffs_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
        sa.UniqueConstraint(
            "service_id", "year", "level", "ownership", name=op.f("uq_tariffs_service_id")
        ),
    )
    with op.batch_alter_table("tariffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tariffs_service_id"), ["service_id"], unique=False)

    op.create_table(
        "coverage_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insured_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["insured_id"], ["insured.id"], name=op.f("fk_coverage_periods_insured_id_insured")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_periods")),
    )
    with op.batch_alter_table("coverage_periods", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coverage_periods_insured_start", ["insured_id", "start_date"], unique=False
        )

    op.create_table(
        "practitioner_facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_practitioner_facilities_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioners.id"],
            name=op.f("fk_practitioner_facilities_practitioner_id_practitioners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioner_facilities")),
        sa.UniqueConstraint(
            "practitioner_id",
            "facility_id",
            name=op.f("uq_practitioner_facilities_practitioner_id"),
        ),
    )
    with op.batch_alter_table("practitioner_facilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practitioner_facilities_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_practitioner_facilities_practitioner_id"),
            ["practitioner_id"],
            unique=False,
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("scope_level", sa.String(length=16), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_users_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_users_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_keys_digest")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_prefix"), ["prefix"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_keys_prefix"))

    op.drop_table("api_keys")
    op.drop_table("users")
    with op.batch_alter_table("practitioner_facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practitioner_facilities_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_practitioner_facilities_facility_id"))

    op.drop_table("practitioner_facilities")
    with op.batch_alter_table("coverage_periods", schema=None) as batch_op:
        batch_op.drop_index("ix_coverage_periods_insured_start")

    op.drop_table("coverage_periods")
    with op.batch_alter_table("tariffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tariffs_service_id"))

    op.drop_table("tariffs")
    with op.batch_alter_table("practitioners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practitioners_province_id"))

    op.drop_table("practitioners")
    with op.batch_alter_table("insured", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insured_province_id"))
        batch_op.drop_index(batch_op.f("ix_insured_main_insured_id"))

    op.drop_table("insured")
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilities_province_id"))
        batch_op.drop_index(batch_op.f("ix_facilities_ownership"))
        batch_op.drop_index(batch_op.f("ix_facilities_kind"))

    op.drop_table("facilities")
    op.drop_table("services")
    op.drop_table("seed_runs")
    op.drop_table("provinces")
    op.drop_table("drugs")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_entity"))

    op.drop_table("audit_log")
