"""E-prescriptions (نسخه الکترونیک), their lines, the checks' findings and each dispensing."""

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

from darman.db.base import Base, UtcDateTime


class Prescription(Base):
    """One prescription by a physician for an insured person.

    A refused prescription is kept too (without a tracking code) so that what the
    checks prevented can be reported; only an issued one can be dispensed. With a
    ``request_key`` the same request sent again by the same physician finds this row
    and is answered as the first time.
    """

    __tablename__ = "prescriptions"
    __table_args__ = (
        Index("ix_prescriptions_province_issued", "province_id", "issued_on"),
        # a person's prescriptions whose drugs may still be active: the duplicate-therapy
        # and interaction checks read only these, however long the person's history
        Index("ix_prescriptions_person_active", "national_id", "status", "active_until"),
        # a physician's issuing system keys its own requests; NULL keys never collide
        UniqueConstraint("practitioner_id", "request_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    insured_id: Mapped[int] = mapped_column(ForeignKey("insured.id"))
    national_id: Mapped[str] = mapped_column(String(10))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    # the issuing facility's province: the unit of management and of the savings report
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    # the last day any of its drug lines' supply lasts (rules.prescription_active_until);
    # null without a drug line with days of supply. Lines never change it after issue.
    active_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # idempotency: the caller's key and the digest of the request it came with
    request_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PrescriptionLine(Base):
    """A drug line or a lab/imaging order line; ``dispensed`` only grows, up to ``quantity``."""

    __tablename__ = "prescription_lines"
    __table_args__ = (UniqueConstraint("prescription_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(16))
    dose: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    days_supply: Mapped[int | None] = mapped_column(Integer, nullable=True)
    instructions: Mapped[str] = mapped_column(String(300), default="")
    # the drug's reference price per unit at issue time (null for orders and unknown drugs)
    unit_price_rials: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    dispensed: Mapped[int] = mapped_column(Integer, default=0)


class PrescriptionFinding(Base):
    """A check that refused or warned about a line (or, with no line, the whole prescription),
    with the quantity it concerned and that quantity's value at the reference price."""

    __tablename__ = "prescription_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    code: Mapped[str] = mapped_column(String(8))
    blocking: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer)
    value_rials: Mapped[int] = mapped_column(BigInteger)
    # the drug on the other side of an interaction or the earlier active prescription's drug
    other_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    detail_fa: Mapped[str] = mapped_column(String(300), default="")


class PrescriptionDispensing(Base):
    """One dispensing of part of a line by a pharmacy, laboratory or imaging centre.

    ``request_key`` is the dispensing request's idempotency key: a retry of the same
    request by the same facility finds these rows and dispenses nothing again.
    """

    __tablename__ = "prescription_dispensings"
    __table_args__ = (UniqueConstraint("facility_id", "request_key", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("prescription_lines.id"), index=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    request_key: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    dispensed_on: Mapped[dt.date] = mapped_column(Date)
    dispensed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    dispensed_by: Mapped[str] = mapped_column(String(64))
