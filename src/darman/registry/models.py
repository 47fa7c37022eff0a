from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base


class Province(Base):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)
    name_en: Mapped[str] = mapped_column(String(64))
    name_fa: Mapped[str] = mapped_column(String(64))
    population_2016: Mapped[int] = mapped_column(BigInteger)
    active_beds_1396: Mapped[int] = mapped_column(Integer)
    icu_beds_1396: Mapped[int] = mapped_column(Integer)


class Facility(Base):
    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    ownership: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[int] = mapped_column(Integer)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    city: Mapped[str] = mapped_column(String(64), default="")
    beds_general: Mapped[int] = mapped_column(Integer, default=0)
    beds_icu: Mapped[int] = mapped_column(Integer, default=0)
    beds_ccu: Mapped[int] = mapped_column(Integer, default=0)
    beds_nicu: Mapped[int] = mapped_column(Integer, default=0)
    ct_scanners: Mapped[int] = mapped_column(Integer, default=0)
    mri_scanners: Mapped[int] = mapped_column(Integer, default=0)
    angiography_units: Mapped[int] = mapped_column(Integer, default=0)
    dialysis_machines: Mapped[int] = mapped_column(Integer, default=0)
    ambulances: Mapped[int] = mapped_column(Integer, default=0)
    physicians: Mapped[int] = mapped_column(Integer, default=0)
    nurses: Mapped[int] = mapped_column(Integer, default=0)
    other_staff: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Insured(Base):
    """An insured person (بیمه‌شده); a dependant points at the main insured."""

    __tablename__ = "insured"
    # an age band of a province and sex (the elderly, a programme's people) from the
    # index alone, not by reading every insured person
    __table_args__ = (Index("ix_insured_birth_date", "birth_date", "province_id", "sex"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10), unique=True)
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    main_insured_id: Mapped[int | None] = mapped_column(
        ForeignKey("insured.id"), nullable=True, index=True
    )


class CoveragePeriod(Base):
    """A span of cover; a null ``end_date`` is open-ended. Eligibility is answered from these."""

    __tablename__ = "coverage_periods"
    # with the end: "covered on D" is read from the index alone
    __table_args__ = (
        Index("ix_coverage_periods_insured_start", "insured_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    insured_id: Mapped[int] = mapped_column(ForeignKey("insured.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    plan: Mapped[str] = mapped_column(String(32), default="general")


class Practitioner(Base):
    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_number: Mapped[str] = mapped_column(String(16), unique=True)
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(8))
    specialty: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)


class PractitionerFacility(Base):
    __tablename__ = "practitioner_facilities"
    __table_args__ = (UniqueConstraint("practitioner_id", "facility_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)


class Service(Base):
    """An entry of the service catalogue, with the level and patient limits it is offered under."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    min_level: Mapped[int] = mapped_column(Integer, default=1)
    sex_limit: Mapped[str | None] = mapped_column(String(8), nullable=True)
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # paid at most once per this many days for one person (null: no limit)
    frequency_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # at most this many units on one claim (null: no limit)
    max_per_claim: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Drug(Base):
    __tablename__ = "drugs"

    id: Mapped[int] = mapped_column(primary_key=True)
    generic_code: Mapped[str] = mapped_column(String(16), unique=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(16))
    strength: Mapped[str] = mapped_column(String(32))
    covered: Mapped[bool] = mapped_column(Boolean, default=True)
    max_quantity: Mapped[int] = mapped_column(Integer)
    specialist_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # longest days of supply one prescription may cover (null: the e-prescription default)
    max_days_supply: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # reference price per unit in rials; a claim asking more has the excess deducted
    price_rials: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class DrugYear(Base):
    """Whether the insurer covers a drug and its reference price per unit in rials, for one
    Jalali year: the formulary's history. Prescribing and claims read the ``drugs`` row,
    which holds the values in force; this table keeps each year's list beside it."""

    __tablename__ = "drug_years"
    __table_args__ = (UniqueConstraint("drug_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drug_id: Mapped[int] = mapped_column(ForeignKey("drugs.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    covered: Mapped[bool] = mapped_column(Boolean)
    price_rials: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Tariff(Base):
    """Price of a service for a Jalali year, care level and ownership, in integer rials."""

    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("service_id", "year", "level", "ownership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    ownership: Mapped[str] = mapped_column(String(16))
    amount_rials: Mapped[int] = mapped_column(BigInteger)
