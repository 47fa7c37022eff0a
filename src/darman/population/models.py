"""Tables of population health: who is on which register (and from what source), and
the measurements received for each person."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class RegisterEntry(Base):
    """A person on a register from one source; a person found by several sources has
    one entry per source, and the earliest ``entered_on`` is when they were registered.
    ``facility_id`` is where the person was found (the claim's, the prescription's or the
    enrolling clinician's facility)."""

    __tablename__ = "population_register_entries"
    __table_args__ = (
        UniqueConstraint("register_code", "national_id", "source"),
        Index("ix_population_entries_province", "province_id", "register_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    register_code: Mapped[str] = mapped_column(String(16))
    national_id: Mapped[str] = mapped_column(String(10))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    source: Mapped[str] = mapped_column(String(16))
    # the claim's or prescription's id, or the enrolling user's name
    source_ref: Mapped[str] = mapped_column(String(64))
    entered_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Measurement(Base):
    """One observation (LOINC code) of one person on one day; the same person, code and
    day sent again replaces nothing and is answered as the first time."""

    __tablename__ = "population_measurements"
    __table_args__ = (
        UniqueConstraint("national_id", "loinc", "measured_on"),
        Index("ix_population_measurements_province", "province_id", "measured_on"),
        # the care cascade's read of a span of days, from the index alone (migration 0028)
        Index("ix_population_measurements_day", "measured_on", "national_id", "loinc", "value"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    loinc: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    measured_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
