"""Tables of merit-based appointment: calls and their posts, the published scoring rule of
each post (versioned), candidates and their applications, exam scores, interview
scorecards, record points, raters and what they declared, stored rankings and offers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class Call(Base):
    """A public call: which posts, when applications open and close, its stages."""

    __tablename__ = "appt_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title_fa: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    exam_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # the stages in order, comma-separated (eligibility,exam,interview,record)
    stages: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Post(Base):
    """A position to fill under a call, at a province or a facility, with its requirements
    and number of openings."""

    __tablename__ = "appt_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("appt_calls.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title_fa: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # province_director | hospital_director | ...
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)
    openings: Mapped[int] = mapped_column(Integer)
    min_education: Mapped[int] = mapped_column(Integer)  # rules.EDUCATION levels
    min_experience_years: Mapped[int] = mapped_column(Integer)
    # kinds of prior post of which the candidate must have held one; empty: none needed
    prior_posts: Mapped[str] = mapped_column(String(200), default="")
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ScoringRule(Base):
    """One published version of a post's scoring rule. A new version never overwrites an
    old one: rankings stored under a version stay readable."""

    __tablename__ = "appt_scoring_rules"
    __table_args__ = (UniqueConstraint("post_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("appt_posts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # the rule itself as rules.Rule.as_dict() writes it: weights, cut-offs, tie-break, quotas
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Candidate(Base):
    __tablename__ = "appt_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))  # f | m
    birth_date: Mapped[dt.date] = mapped_column(Date)
    home_province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    education: Mapped[int] = mapped_column(Integer)
    experience_years: Mapped[int] = mapped_column(Integer)
    prior_posts: Mapped[str] = mapped_column(String(200), default="")
    unit_code: Mapped[str] = mapped_column(String(32), default="")  # where they work now
    # the candidate's own access code, kept as a salted hash (security.passwords)
    access_code_hash: Mapped[str] = mapped_column(String(200), default="")


class Application(Base):
    """One person's application to one post (never two)."""

    __tablename__ = "appt_applications"
    __table_args__ = (UniqueConstraint("candidate_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("appt_candidates.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("appt_posts.id"), index=True)
    applied_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ExamScore(Base):
    """The written exam's score (0-100) of a candidate in a call: one exam per call."""

    __tablename__ = "appt_exam_scores"
    __table_args__ = (UniqueConstraint("call_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("appt_calls.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("appt_candidates.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Rater(Base):
    __tablename__ = "appt_raters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    unit_code: Mapped[str] = mapped_column(String(32))
    # the rater's own account (role rater), linked by an administrator: signed in, they
    # see and score only this rater's scorecards
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True, nullable=True)


class PanelSeat(Base):
    """A rater's seat on one post's interview panel, set by the national office: a signed-in
    rater sees and scores only the shortlisted candidates of the posts they sit on, and the
    office enters marks only for raters seated on the post. One seat per rater and post."""

    __tablename__ = "appt_panel_seats"
    __table_args__ = (UniqueConstraint("post_id", "rater_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("appt_posts.id"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("appt_raters.id"), index=True)
    panel: Mapped[str] = mapped_column(String(32))
    seated_by: Mapped[str] = mapped_column(String(64))
    seated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Declaration(Base):
    """A relationship a rater declared with a person (by national ID)."""

    __tablename__ = "appt_declarations"
    __table_args__ = (UniqueConstraint("rater_id", "national_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("appt_raters.id"), index=True)
    national_id: Mapped[str] = mapped_column(String(10))
    relation: Mapped[str] = mapped_column(String(32))  # rules.RELATIONS
    declared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Scorecard(Base):
    """One rater's mark for one competency of one application, on the anchored 1-5 scale."""

    __tablename__ = "appt_scorecards"
    __table_args__ = (UniqueConstraint("application_id", "rater_id", "competency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("appt_applications.id"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("appt_raters.id"), index=True)
    panel: Mapped[str] = mapped_column(String(32), index=True)
    competency: Mapped[str] = mapped_column(String(32))
    mark: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RecordPoints(Base):
    """Points (0-100) from a candidate's service history, with what they rest on."""

    __tablename__ = "appt_record_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("appt_candidates.id"), unique=True)
    points: Mapped[float] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(Text, default="")


class RankingRow(Base):
    """One application's place in a post's ranking under one rule version; stored when the
    ranking is run, so a ranking under an older version can be read after a change."""

    __tablename__ = "appt_ranking_rows"
    __table_args__ = (UniqueConstraint("post_id", "rule_version", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("appt_posts.id"), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[int] = mapped_column(ForeignKey("appt_applications.id"))
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: out at a stage
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the stage scores the ranking was made from, as they were then
    exam: Mapped[float | None] = mapped_column(Float, nullable=True)
    interview: Mapped[float | None] = mapped_column(Float, nullable=True)
    record: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[str] = mapped_column(String(24))  # rules.Outcome
    quota: Mapped[str] = mapped_column(String(32), default="")  # the quota that seated them
    reason: Mapped[str] = mapped_column(Text, default="")


class Offer(Base):
    """An offer of a post to an application, and its answer."""

    __tablename__ = "appt_offers"
    __table_args__ = (UniqueConstraint("post_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("appt_posts.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("appt_applications.id"))
    rule_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # offered | accepted | refused
    offered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
