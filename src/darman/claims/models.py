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


class Claim(Base):
    """A provider's document (سند). Identity is (facility, document number)."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("facility_id", "document_number"),
        Index("ix_claims_status_province", "status", "province_id"),
        # a person's claims with what the care cascade reads of them (migration 0028)
        Index("ix_claims_person_visits", "national_id", "status", "admission_date", "submitted_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # looked up through the unique (facility_id, document_number) index (migration 0015)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    document_number: Mapped[str] = mapped_column(String(32))
    national_id: Mapped[str] = mapped_column(String(10))
    nid_valid: Mapped[bool] = mapped_column(Boolean)
    practitioner_council_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    visit_type: Mapped[str] = mapped_column(String(16))
    admission_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    discharge_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    diagnoses: Mapped[str] = mapped_column(String(200), default="")
    referral_ref: Mapped[str | None] = mapped_column(String(32), nullable=True)
    prescription_ref: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    submitted_on: Mapped[dt.date] = mapped_column(Date)  # Tehran's date of submission
    adjudicated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    asked_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    allowed_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    copay_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    insurer_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    deducted_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    # why the claim was picked for medical review, empty if it was not
    review_reason: Mapped[str] = mapped_column(String(64), default="")
    # cut by extrapolating a reviewed sample's deduction rate to this unreviewed claim
    sample_cut_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    advance_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ClaimLine(Base):
    __tablename__ = "claim_lines"
    __table_args__ = (
        UniqueConstraint("claim_id", "line_no"),
        Index("ix_claim_lines_history", "national_id", "code", "service_date"),
        # each line is decided once, in place: half of each page stays free for the decided
        # version, so PostgreSQL writes it without touching an index (migration 0015)
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    # denormalised from the claim so history lookups need no join
    national_id: Mapped[str] = mapped_column(String(10))
    facility_id: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(16))
    service_date: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_rials: Mapped[int] = mapped_column(BigInteger)
    # not indexed: the decision then changes no indexed column (see __table_args__)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    asked_rials: Mapped[int] = mapped_column(BigInteger)
    allowed_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    copay_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    insurer_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    deducted_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    reasons: Mapped[str] = mapped_column(String(64), default="")
    # what the medical reviewer took off the adjudicated amount
    review_cut_rials: Mapped[int] = mapped_column(BigInteger, default=0)


class PaymentRun(Base):
    """One payment run. ``run_key`` makes it idempotent: the same key never pays twice."""

    __tablename__ = "payment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # final | advance
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"), nullable=True)
    budget_rials: Mapped[int] = mapped_column(BigInteger)
    paid_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    claims_paid: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Payment(Base):
    """Money sent for one claim. A claim has at most one final payment and one advance."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("claim_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_rials: Mapped[int] = mapped_column(BigInteger)


class LedgerEntry(Base):
    """Double entry: every run's debits equal its credits to the rial."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), nullable=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    account: Mapped[str] = mapped_column(String(32))
    debit_rials: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_rials: Mapped[int] = mapped_column(BigInteger, default=0)


class ProgrammeRollout(Base):
    """From when a programme's rule applies in a province (referral: phase 1 Tehran and
    Alborz; e-prescription: nationwide)."""

    __tablename__ = "programme_rollouts"
    __table_args__ = (UniqueConstraint("province_id", "programme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    programme: Mapped[str] = mapped_column(String(16))  # referral | eprescription
    active_from: Mapped[dt.date] = mapped_column(Date)
    # the referral programme's phase in the province (1: internal referral inside the
    # insurer's own network, Tehran and Alborz first; 2: the provinces that follow)
    phase: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # referral programme: null rejects a specialist visit without a referral (R10); a
    # percent pays it with the patient's share raised to that percent (D03)
    bypass_copay_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PolicyParameter(Base):
    """A dated adjudication parameter set by headquarters on top of the built-in defaults:
    a copayment percentage (by visit type and ownership) or the filing deadline in days,
    for the whole country (province empty) or one province. On any day, a province's entry
    beats the national one, and among entries for the same thing the latest start wins."""

    __tablename__ = "policy_parameters"
    __table_args__ = (Index("ix_policy_parameters_parameter", "parameter", "province_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parameter: Mapped[str] = mapped_column(String(32))  # copay_percent | filing_deadline_days
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"), nullable=True)
    visit_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ownership: Mapped[str | None] = mapped_column(String(16), nullable=True)
    value: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
