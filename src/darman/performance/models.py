"""Tables of performance management: the computed facts of every indicator, the targets set
by national staff, and the national office's ranking weights."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class IndicatorFact(Base):
    """One indicator's value for one province (facility empty) or one facility, for one
    period: numerator / denominator x factor; value empty when the denominator is zero.
    Written only by the compute job, which replaces a period's facts whole."""

    __tablename__ = "performance_facts"
    __table_args__ = (
        Index("ix_performance_facts_period", "period", "indicator_code", "province_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(48))
    period: Mapped[str] = mapped_column(String(8))  # 1405/07, 1405/Q3, 1405
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)
    # sums of counts, days or rials; a double holds them exactly up to 2^53
    numerator: Mapped[float] = mapped_column(Float)
    denominator: Mapped[float] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    definitions_version: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Target(Base):
    """What a province should reach on an indicator in a period, set by national staff."""

    __tablename__ = "performance_targets"
    __table_args__ = (UniqueConstraint("indicator_code", "province_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(48))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    period: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RankingWeight(Base):
    """The national office's weight of an indicator in the managers' ranking, overriding
    the default in the definitions file."""

    __tablename__ = "performance_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(48), unique=True)
    weight: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DefinitionsOverride(Base):
    """The insurer's own indicator definitions (TOML), replacing the shipped file from when
    they are set; the latest row is in force, earlier rows are the history."""

    __tablename__ = "performance_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SurveyResponse(Base):
    """One patient's answers to an instrument about one facility, with the overall 0-100
    score they make. ``respondent`` (the survey's own key) makes an import idempotent."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("instrument", "respondent"),
        Index("ix_survey_responses_facility_answered", "facility_id", "answered_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instrument: Mapped[str] = mapped_column(String(48))
    respondent: Mapped[str] = mapped_column(String(64))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    answered_on: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[dict] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
