"""Family-physician panels, enrolments and the referral chain with its feedback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class Panel(Base):
    """A family physician's panel: how many insured people it may hold. A physician with
    no row has the default capacity (``rules.DEFAULT_PANEL_CAPACITY``); the row is also
    what enrolments lock, so two desks cannot both take the last place."""

    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"), unique=True)
    capacity: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class PanelEnrolment(Base):
    """An insured person on a family physician's panel from ``enrolled_on``; ended (by a
    transfer) rows are kept as the person's history."""

    __tablename__ = "panel_enrolments"
    __table_args__ = (
        Index("ix_panel_enrolments_practitioner_open", "practitioner_id", "ended_on"),
        Index("ix_panel_enrolments_province_enrolled", "province_id", "enrolled_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    insured_id: Mapped[int] = mapped_column(ForeignKey("insured.id"), index=True)
    national_id: Mapped[str] = mapped_column(String(10))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str] = mapped_column(String(16), default="")
    transferred_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_enrolments.id"), nullable=True
    )
    # the insured id while the enrolment is open, null once it ends: being unique, it keeps
    # a person on at most one panel even when two desks enrol them at the same moment
    open_insured_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReferralOrder(Base):
    """One referral (ارجاع) to a higher level: from a family physician to level 2, or from
    level 2 on to level 3 (``parent_id`` names the referral it continues). Its number is
    what the receiving centre's claim cites, and claims rule R10 reads these rows
    (``reading.claims_register``): valid from the issue day to ``valid_until`` or the
    feedback day, whichever comes first."""

    __tablename__ = "referral_orders"
    __table_args__ = (
        Index("ix_referral_orders_province_issued", "province_id", "issued_on"),
        Index("ix_referral_orders_to_facility_status", "to_facility_id", "status"),
        Index("ix_referral_orders_national_id", "national_id", "specialty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref_number: Mapped[str] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_orders.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    insured_id: Mapped[int] = mapped_column(ForeignKey("insured.id"))
    national_id: Mapped[str] = mapped_column(String(10))
    # the referring facility's province: the unit of management, of scope and of indicators
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    from_practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"), index=True)
    from_facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    from_level: Mapped[int] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)
    # null when the patient is sent outside the insurer's network (named in outside_facility)
    to_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), nullable=True)
    outside_facility: Mapped[str] = mapped_column(String(200), default="")
    # true when the receiving centre is one of the insurer's own (owned) facilities
    internal: Mapped[bool] = mapped_column(Boolean)
    specialty: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    diagnosis: Mapped[str] = mapped_column(String(8))
    # why a contracted or outside centre was chosen over the suggested own facilities
    choice_reason: Mapped[str] = mapped_column(String(500), default="")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    feedback_due_on: Mapped[dt.date] = mapped_column(Date)
    feedback_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    feedback_text: Mapped[str] = mapped_column(String(2000), default="")
    feedback_diagnosis: Mapped[str] = mapped_column(String(8), default="")
    feedback_practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioners.id"), nullable=True
    )
    issued_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
