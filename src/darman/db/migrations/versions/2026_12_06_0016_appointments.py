"""Merit-based appointment of managers: calls and posts, versioned scoring rules,
candidates and applications, exam scores, raters with their declarations, interview
scorecards, record points, stored rankings per rule version, and offers.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "appt_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title_fa", sa.String(length=200), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("exam_on", sa.Date(), nullable=True),
        sa.Column("stages", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_calls")),
        sa.UniqueConstraint("code", name=op.f("uq_appt_calls_code")),
    )
    op.create_table(
        "appt_raters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_raters")),
        sa.UniqueConstraint("code", name=op.f("uq_appt_raters_code")),
    )
    op.create_table(
        "appt_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("home_province_id", sa.Integer(), nullable=False),
        sa.Column("education", sa.Integer(), nullable=False),
        sa.Column("experience_years", sa.Integer(), nullable=False),
        sa.Column("prior_posts", sa.String(length=200), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("access_code_hash", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_province_id"],
            ["provinces.id"],
            name=op.f("fk_appt_candidates_home_province_id_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_candidates")),
        sa.UniqueConstraint("national_id", name=op.f("uq_appt_candidates_national_id")),
    )
    with op.batch_alter_table("appt_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appt_candidates_home_province_id"), ["home_province_id"], unique=False
        )

    op.create_table(
        "appt_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["appt_raters.id"], name=op.f("fk_appt_declarations_rater_id_appt_raters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_declarations")),
        sa.UniqueConstraint("rater_id", "national_id", name=op.f("uq_appt_declarations_rater_id")),
    )
    with op.batch_alter_table("appt_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appt_declarations_rater_id"), ["rater_id"], unique=False
        )

    op.create_table(
        "appt_exam_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["appt_calls.id"], name=op.f("fk_appt_exam_scores_call_id_appt_calls")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["appt_candidates.id"],
            name=op.f("fk_appt_exam_scores_candidate_id_appt_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_exam_scores")),
        sa.UniqueConstraint("call_id", "candidate_id", name=op.f("uq_appt_exam_scores_call_id")),
    )
    with op.batch_alter_table("appt_exam_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appt_exam_scores_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_appt_exam_scores_candidate_id"), ["candidate_id"], unique=False
        )

    op.create_table(
        "appt_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title_fa", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column("min_education", sa.Integer(), nullable=False),
        sa.Column("min_experience_years", sa.Integer(), nullable=False),
        sa.Column("prior_posts", sa.String(length=200), nullable=False),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["appt_calls.id"], name=op.f("fk_appt_posts_call_id_appt_calls")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_appt_posts_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["provinces.id"], name=op.f("fk_appt_posts_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_posts")),
        sa.UniqueConstraint("code", name=op.f("uq_appt_posts_code")),
    )
    with op.batch_alter_table("appt_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appt_posts_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_appt_posts_province_id"), ["province_id"], unique=False
        )

    op.create_table(
        "appt_record_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["appt_candidates.id"],
            name=op.f("fk_appt_record_points_candidate_id_appt_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_record_points")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_appt_record_points_candidate_id")),
    )
    op.create_table(
        "appt_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["appt_candidates.id"],
            name=op.f("fk_appt_applications_candidate_id_appt_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["appt_posts.id"], name=op.f("fk_appt_applications_post_id_appt_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_applications")),
        sa.UniqueConstraint(
            "candidate_id", "post_id", name=op.f("uq_appt_applications_candidate_id")
        ),
    )
    with op.batch_alter_table("appt_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appt_applications_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appt_applications_post_id"), ["post_id"], unique=False)

    op.create_table(
        "appt_scoring_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["appt_posts.id"], name=op.f("fk_appt_scoring_rules_post_id_appt_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_scoring_rules")),
        sa.UniqueConstraint("post_id", "version", name=op.f("uq_appt_scoring_rules_post_id")),
    )
    with op.batch_alter_table("appt_scoring_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appt_scoring_rules_post_id"), ["post_id"], unique=False
        )

    op.create_table(
        "appt_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["appt_applications.id"],
            name=op.f("fk_appt_offers_application_id_appt_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["appt_posts.id"], name=op.f("fk_appt_offers_post_id_appt_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_offers")),
        sa.UniqueConstraint("post_id", "application_id", name=op.f("uq_appt_offers_post_id")),
    )
    with op.batch_alter_table("appt_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appt_offers_post_id"), ["post_id"], unique=False)

    op.create_table(
        "appt_ranking_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("exam", sa.Float(), nullable=True),
        sa.Column("interview", sa.Float(), nullable=True),
        sa.Column("record", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("quota", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["appt_applications.id"],
            name=op.f("fk_appt_ranking_rows_application_id_appt_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["appt_posts.id"], name=op.f("fk_appt_ranking_rows_post_id_appt_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_ranking_rows")),
        sa.UniqueConstraint(
            "post_id", "rule_version", "application_id", name=op.f("uq_appt_ranking_rows_post_id")
        ),
    )
    with op.batch_alter_table("appt_ranking_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appt_ranking_rows_post_id"), ["post_id"], unique=False)

    op.create_table(
        "appt_scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("panel", sa.String(length=32), nullable=False),
        sa.Column("competency", sa.String(length=32), nullable=False),
        sa.Column("mark", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["appt_applications.id"],
            name=op.f("fk_appt_scorecards_application_id_appt_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["appt_raters.id"], name=op.f("fk_appt_scorecards_rater_id_appt_raters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appt_scorecards")),
        sa.UniqueConstraint(
            "application_id",
            "rater_id",
            "competency",
            name=op.f("uq_appt_scorecards_application_id"),
        ),
    )
    with op.batch_alter_table("appt_scorecards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appt_scorecards_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appt_scorecards_panel"), ["panel"], unique=False)
        batch_op.create_index(batch_op.f("ix_appt_scorecards_rater_id"), ["rater_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("appt_scorecards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_scorecards_rater_id"))
        batch_op.drop_index(batch_op.f("ix_appt_scorecards_panel"))
        batch_op.drop_index(batch_op.f("ix_appt_scorecards_application_id"))

    op.drop_table("appt_scorecards")
    with op.batch_alter_table("appt_ranking_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_ranking_rows_post_id"))

    op.drop_table("appt_ranking_rows")
    with op.batch_alter_table("appt_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_offers_post_id"))

    op.drop_table("appt_offers")
    with op.batch_alter_table("appt_scoring_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_scoring_rules_post_id"))

    op.drop_table("appt_scoring_rules")
    with op.batch_alter_table("appt_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_applications_post_id"))
        batch_op.drop_index(batch_op.f("ix_appt_applications_candidate_id"))

    op.drop_table("appt_applications")
    op.drop_table("appt_record_points")
    with op.batch_alter_table("appt_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_posts_province_id"))
        batch_op.drop_index(batch_op.f("ix_appt_posts_call_id"))

    op.drop_table("appt_posts")
    with op.batch_alter_table("appt_exam_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_exam_scores_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_appt_exam_scores_call_id"))

    op.drop_table("appt_exam_scores")
    with op.batch_alter_table("appt_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_declarations_rater_id"))

    op.drop_table("appt_declarations")
    with op.batch_alter_table("appt_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appt_candidates_home_province_id"))

    op.drop_table("appt_candidates")
    op.drop_table("appt_raters")
    op.drop_table("appt_calls")
