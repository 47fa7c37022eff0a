"""Tables of an epidemic's claim on the government: the monthly statements and their
supporting detail per admission.

A statement is immutable once issued: the session refuses to flush a change to, or the
deletion of, a statement or one of its lines (StatementImmutable, in Persian), and migration
0020 refuses an UPDATE in the database itself. A correction is a new statement, the next
revision of the same month, that names the one it corrects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from darman.common.errors import Conflict, FieldProblem
from darman.db.base import Base, UtcDateTime


class StatementImmutable(Conflict):
    """An issued statement was about to be changed or deleted."""


class EpidemicStatement(Base):
    """One month's claim on the government for the cost the insurer carried in an epidemic
    (admissions discharged that month). ``seq`` numbers an episode's statements in the order
    issued; ``revision`` is 0 for a month's first statement and one more for each correction,
    which names the statement it corrects in ``corrects_id``."""

    __tablename__ = "population_epidemic_statements"
    __table_args__ = (
        UniqueConstraint("episode_code", "seq", name="uq_population_epidemic_statements_seq"),
        UniqueConstraint(
            "episode_code", "month", "revision", name="uq_population_epidemic_statements_revision"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    episode_code: Mapped[str] = mapped_column(String(16))
    month: Mapped[int] = mapped_column(Integer)  # Jalali yyyymm
    seq: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("population_epidemic_statements.id"), nullable=True, unique=True
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    admissions: Mapped[int] = mapped_column(Integer)
    patient_days: Mapped[int] = mapped_column(Integer)
    icu_days: Mapped[int] = mapped_column(Integer)
    drugs_insurer_rials: Mapped[int] = mapped_column(BigInteger)
    services_insurer_rials: Mapped[int] = mapped_column(BigInteger)
    insurer_rials: Mapped[int] = mapped_column(BigInteger)
    total_rials: Mapped[int] = mapped_column(BigInteger)
    # over the lines: the same month issued again with the same figures is the same statement
    content_hash: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class EpidemicStatementLine(Base):
    """One admission a statement claims for, as it stood when the statement was issued."""

    __tablename__ = "population_epidemic_statement_lines"
    __table_args__ = (
        UniqueConstraint("statement_id", "line_no"),
        Index("ix_population_epidemic_lines_province", "province_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("population_epidemic_statements.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    admission_id: Mapped[int] = mapped_column(BigInteger)  # the stay's first claim
    claim_ids: Mapped[str] = mapped_column(String(200))
    national_id: Mapped[str] = mapped_column(String(10))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    ownership: Mapped[str] = mapped_column(String(16))
    admission_date: Mapped[dt.date] = mapped_column(Date)
    discharge_date: Mapped[dt.date] = mapped_column(Date)
    los_days: Mapped[int] = mapped_column(Integer)
    icu_days: Mapped[int] = mapped_column(Integer)
    drugs_insurer_rials: Mapped[int] = mapped_column(BigInteger)
    services_insurer_rials: Mapped[int] = mapped_column(BigInteger)
    insurer_rials: Mapped[int] = mapped_column(BigInteger)
    total_rials: Mapped[int] = mapped_column(BigInteger)


IMMUTABLE = (EpidemicStatement, EpidemicStatementLine)


@event.listens_for(Session, "before_flush")
def _refuse_changing_an_issued_statement(session: Session, _context: Any, _instances: Any) -> None:
    """Whatever code path tries it, an issued statement is never changed or deleted."""
    changed = [o for o in session.dirty if isinstance(o, IMMUTABLE) and session.is_modified(o)]
    deleted = [o for o in session.deleted if isinstance(o, IMMUTABLE)]
    for obj in changed + deleted:
        statement = obj if isinstance(obj, EpidemicStatement) else None
        number = f" {statement.number}" if statement is not None else ""
        raise StatementImmutable(
            f"صورت‌حساب صادرشده{number} تغییر نمی‌کند و حذف نمی‌شود؛ برای اصلاح، "
            "صورت‌حساب اصلاحی صادر کنید",
            [FieldProblem("statement", "issued statements are immutable; issue a correction")],
        )
