"""Remittances, read: what payment runs paid, for the pages, the API and the exports. Nothing
here moves money (``payment`` runs pay and write the ledger): ``remittance`` is one run's advice
per facility and claim for the provider's books (CSV or Excel), ``remittances`` the runs that
paid into the caller's scope (a provider sees only its own facility's share, a provincial officer
the province's) and ``list_runs`` the latest runs for the payments page; each checks the caller's
role and keeps to the caller's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.claims.models import Claim, Payment, PaymentRun
from darman.claims.payment import ADVANCE, FINAL, PAYERS
from darman.common.paging import Page, PageParams
from darman.registry import scope
from darman.registry.models import Facility
from darman.security.enums import Role
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

# the remittance's columns, as the facility's accountant reads them
REMITTANCE_HEADER_FA = (
    "کد مرکز",
    "نام مرکز",
    "شماره سند",
    "تاریخ ارسال",
    "سهم بیمه‌گر (ریال)",
    "علی‌الحساب پیشین (ریال)",
    "نوع پرداخت",
    "مبلغ پرداخت (ریال)",
)
PAYMENT_KINDS_FA = {FINAL: "تسویه", ADVANCE: "علی‌الحساب"}


def remittance(
    session: Session, who: Principal, *, run_id: int
) -> tuple[list[str], list[list[object]]]:
    """Per facility and claim: what this run paid, for the provider's books."""
    who.require_role(*roles_that(Act.READ_REMITTANCE))
    query = (
        select(
            Facility.code,
            Facility.name,
            Claim.document_number,
            Claim.submitted_on,
            Claim.insurer_rials,
            Claim.advance_rials,
            Payment.kind,
            Payment.amount_rials,
        )
        .join(Claim, Claim.id == Payment.claim_id)
        .join(Facility, Facility.id == Payment.facility_id)
        .where(Payment.run_id == run_id)
        .order_by(Facility.code, Claim.submitted_at, Claim.id)
    )
    if who.facility_id is not None:
        query = query.where(Payment.facility_id == who.facility_id)
    elif who.province_id is not None:
        query = query.where(Claim.province_id == who.province_id)
    rows = [[*r[:6], PAYMENT_KINDS_FA.get(r[6], r[6]), r[7]] for r in session.execute(query).all()]
    return list(REMITTANCE_HEADER_FA), rows


def list_runs(session: Session, who: Principal, *, limit: int = 12) -> list[PaymentRun]:
    """The latest runs the caller may see: all of them nationally, else their province's."""
    who.require_role(*PAYERS, Role.AUDITOR)
    query = select(PaymentRun).order_by(PaymentRun.id.desc()).limit(limit)
    if not who.is_national:
        query = query.where(PaymentRun.province_id == who.province_id)
    return list(session.scalars(query).all())


@dataclass(frozen=True)
class Remittance:
    """What one payment run paid into the caller's scope (for a provider: its facility)."""

    run_id: int
    kind: str  # final | advance
    paid_at: dt.datetime
    claims: int
    amount_rials: int


def remittances(session: Session, who: Principal, *, page: PageParams) -> Page[Remittance]:
    """The payment runs that paid anything into the caller's scope, newest first, each with
    the claims and the amount it paid there: a provider sees only its own facility's share of
    a run, a provincial officer the province's. Raises PermissionDenied for roles that do not
    read remittances."""
    who.require_role(*roles_that(Act.READ_REMITTANCE))
    paid = scope.restrict(
        select(
            Payment.run_id,
            func.count(Payment.id).label("claims"),
            func.sum(Payment.amount_rials).label("amount"),
        ).join(Facility, Facility.id == Payment.facility_id),
        who,
        province=Facility.province_id,
        facility=Payment.facility_id,
    ).group_by(Payment.run_id)
    total = session.scalar(select(func.count()).select_from(paid.subquery())) or 0
    share = paid.subquery()
    rows = session.execute(
        select(PaymentRun.id, PaymentRun.kind, PaymentRun.created_at)
        .add_columns(share.c.claims, share.c.amount)
        .join(share, share.c.run_id == PaymentRun.id)
        .order_by(PaymentRun.id.desc())
        .offset(page.offset)
        .limit(page.size)
    ).all()
    items = [
        Remittance(int(r.id), r.kind, r.created_at, int(r.claims), int(r.amount or 0)) for r in rows
    ]
    return Page(items=items, total=int(total), page=page.page, size=page.size)
