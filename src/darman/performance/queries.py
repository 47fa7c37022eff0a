"""The named numerator and denominator queries of the indicators: set-based SQL this domain
owns over the platform's tables, each grouped by province (and by facility where the
facts belong to a facility). Every query takes the period's first and last Gregorian day
and answers rows of ``(province_id, facility_id, amount)``; a province-level query answers
``facility_id`` null. Each is tested on a hand-worked dataset on both databases
(``tests/integration/performance/test_queries.py``).

Which day puts a row in a period is part of the definition, said on each query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, null, or_, select

from darman.claims.models import Claim, ProgrammeRollout
from darman.performance import snapshots
from darman.performance.models import SurveyResponse
from darman.performance.sql import days_from
from darman.population import coverage_runs, prevention
from darman.population.programmes import Programme
from darman.prescriptions.models import Prescription, PrescriptionDispensing
from darman.procurement.models import Consumable, Delivery, PurchaseOrder, StockMonth
from darman.referrals.models import PanelEnrolment, ReferralOrder
from darman.registry.models import CoveragePeriod, Facility, Insured

# (province_id, facility_id, amount)
Rows = Select[Any, Any, Any]
Builder = Callable[[dt.date, dt.date], Rows]
# A snapshot counted on many days in one pass: (province_id, facility_id, amount on day 1,
# ..., day n); a row without a facility is the province's amount, a facility's row its
# share of it.
SpanBuilder = Callable[[list[dt.date]], Select[Any]]
ADJUDICATED = ("adjudicated", "in_review", "reviewed", "approved", "rejected", "scheduled", "paid")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    by_facility: bool  # rows per facility (province totals are their sums)
    description: str
    build: Builder
    # what puts a row in a period, so that one query can serve many months at once:
    # "day" (a date column), "moment" (a UTC timestamp), "month" (a Jalali yyyymm column),
    # "snapshot" (counted on the period's last day: run month by month), "static" (the
    # same for every period)
    kind: str
    dated: Any = None
    # a snapshot's count on every period's last day at once, where the query has one
    span: SpanBuilder | None = None


QUERIES: dict[str, NamedQuery] = {}


def _query(
    name: str,
    *,
    by_facility: bool,
    description: str,
    kind: str,
    dated: Any = None,
    span: SpanBuilder | None = None,
) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        QUERIES[name] = NamedQuery(name, by_facility, description, build, kind, dated, span)
        return build

    return register


def moments(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A period's days as UTC instants [start 00:00, day after end 00:00)."""
    after = end + dt.timedelta(days=1)
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
        dt.datetime.combine(after, dt.time(), tzinfo=dt.UTC),
    )


def _month(start: dt.date) -> int:
    from darman.common.jalali import jalali_month

    return jalali_month(start)


def _by_facility(amount: Any) -> Rows:
    return select(
        Facility.province_id.label("province_id"),
        Facility.id.label("facility_id"),
        amount.label("amount"),
    ).group_by(Facility.province_id, Facility.id)


# ------------------------------------------------------------------ claims
@_query(
    "contracted_paid_claim_days",
    by_facility=True,
    description="days from submission to payment, summed over contracted centres' claims "
    "paid in the period",
    kind="moment",
    dated=Claim.paid_at,
)
def contracted_paid_claim_days(start: dt.date, end: dt.date) -> Rows:
    since, until = moments(start, end)
    return (
        _by_facility(func.coalesce(func.sum(days_from(Claim.paid_at, Claim.submitted_on)), 0))
        .join(Claim, Claim.facility_id == Facility.id)
        .where(Facility.ownership == "contracted", Claim.paid_at >= since, Claim.paid_at < until)
    )


@_query(
    "contracted_paid_claims",
    by_facility=True,
    description="contracted centres' claims paid in the period",
    kind="moment",
    dated=Claim.paid_at,
)
def contracted_paid_claims(start: dt.date, end: dt.date) -> Rows:
    since, until = moments(start, end)
    return (
        _by_facility(func.count(Claim.id))
        .join(Claim, Claim.facility_id == Facility.id)
        .where(Facility.ownership == "contracted", Claim.paid_at >= since, Claim.paid_at < until)
    )


def _adjudicated_sum(column: Any, start: dt.date, end: dt.date) -> Rows:
    return (
        _by_facility(func.coalesce(func.sum(column), 0))
        .join(Claim, Claim.facility_id == Facility.id)
        .where(
            Claim.status.in_(ADJUDICATED),
            Claim.submitted_on >= start,
            Claim.submitted_on <= end,
        )
    )


@_query(
    "deducted_rials",
    by_facility=True,
    description="rials deducted from adjudicated claims submitted in the period",
    kind="day",
    dated=Claim.submitted_on,
)
def deducted_rials(start: dt.date, end: dt.date) -> Rows:
    return _adjudicated_sum(Claim.deducted_rials, start, end)


@_query(
    "adjudicated_asked_rials",
    by_facility=True,
    description="rials asked by adjudicated claims submitted in the period",
    kind="day",
    dated=Claim.submitted_on,
)
def adjudicated_asked_rials(start: dt.date, end: dt.date) -> Rows:
    return _adjudicated_sum(Claim.asked_rials, start, end)


@_query(
    "copay_rials",
    by_facility=True,
    description="patients' copayment in adjudicated claims submitted in the period",
    kind="day",
    dated=Claim.submitted_on,
)
def copay_rials(start: dt.date, end: dt.date) -> Rows:
    return _adjudicated_sum(Claim.copay_rials, start, end)


@_query(
    "allowed_rials",
    by_facility=True,
    description="allowed value of adjudicated claims submitted in the period",
    kind="day",
    dated=Claim.submitted_on,
)
def allowed_rials(start: dt.date, end: dt.date) -> Rows:
    return _adjudicated_sum(Claim.allowed_rials, start, end)


def _level2_outpatient(start: dt.date, end: dt.date) -> Any:
    in_rollout = exists().where(
        ProgrammeRollout.province_id == Claim.province_id,
        ProgrammeRollout.programme == "referral",
        ProgrammeRollout.active_from <= Claim.submitted_on,
    )
    return and_(
        Facility.level == 2,
        Claim.visit_type == "outpatient",
        Claim.status != "draft",
        Claim.submitted_on >= start,
        Claim.submitted_on <= end,
        in_rollout,
    )


@_query(
    "level2_outpatient_claims_in_rollout",
    by_facility=True,
    description="outpatient claims of level-2 centres submitted in the period in a province "
    "where the referral programme was active that day",
    kind="day",
    dated=Claim.submitted_on,
)
def level2_outpatient_claims_in_rollout(start: dt.date, end: dt.date) -> Rows:
    return (
        _by_facility(func.count(Claim.id))
        .join(Claim, Claim.facility_id == Facility.id)
        .where(_level2_outpatient(start, end))
    )


@_query(
    "level2_outpatient_claims_referred",
    by_facility=True,
    description="of those, the claims that cite a referral",
    kind="day",
    dated=Claim.submitted_on,
)
def level2_outpatient_claims_referred(start: dt.date, end: dt.date) -> Rows:
    return (
        _by_facility(func.count(Claim.id))
        .join(Claim, Claim.facility_id == Facility.id)
        .where(_level2_outpatient(start, end), Claim.referral_ref.is_not(None))
    )


# ------------------------------------------------------------------ prescriptions
def _issued(start: dt.date, end: dt.date) -> Any:
    return and_(
        Prescription.status == "issued",
        Prescription.issued_on >= start,
        Prescription.issued_on <= end,
    )


@_query(
    "prescriptions_issued",
    by_facility=True,
    description="e-prescriptions issued in the period, by the issuing facility",
    kind="day",
    dated=Prescription.issued_on,
)
def prescriptions_issued(start: dt.date, end: dt.date) -> Rows:
    return (
        _by_facility(func.count(Prescription.id))
        .join(Prescription, Prescription.facility_id == Facility.id)
        .where(_issued(start, end))
    )


@_query(
    "prescriptions_dispensed",
    by_facility=True,
    description="of those, the prescriptions with at least one dispensing (on any day)",
    kind="day",
    dated=Prescription.issued_on,
)
def prescriptions_dispensed(start: dt.date, end: dt.date) -> Rows:
    dispensed = exists().where(PrescriptionDispensing.prescription_id == Prescription.id)
    return (
        _by_facility(func.count(Prescription.id))
        .join(Prescription, Prescription.facility_id == Facility.id)
        .where(_issued(start, end), dispensed)
    )


# ------------------------------------------------------------------ referrals
def _referrals(amount: Any, start: dt.date, end: dt.date, *extra: Any) -> Rows:
    return (
        _by_facility(amount)
        .join(ReferralOrder, ReferralOrder.from_facility_id == Facility.id)
        .where(ReferralOrder.issued_on >= start, ReferralOrder.issued_on <= end, *extra)
    )


@_query(
    "referrals_issued",
    by_facility=True,
    description="referrals issued in the period, by the referring facility",
    kind="day",
    dated=ReferralOrder.issued_on,
)
def referrals_issued(start: dt.date, end: dt.date) -> Rows:
    return _referrals(func.count(ReferralOrder.id), start, end)


@_query(
    "referrals_answered_in_time",
    by_facility=True,
    description="of those, the referrals answered by their feedback due day",
    kind="day",
    dated=ReferralOrder.issued_on,
)
def referrals_answered_in_time(start: dt.date, end: dt.date) -> Rows:
    return _referrals(
        func.count(ReferralOrder.id),
        start,
        end,
        ReferralOrder.feedback_on.is_not(None),
        ReferralOrder.feedback_on <= ReferralOrder.feedback_due_on,
    )


@_query(
    "referrals_internal",
    by_facility=True,
    description="of those, the referrals to the insurer's own (owned) facilities",
    kind="day",
    dated=ReferralOrder.issued_on,
)
def referrals_internal(start: dt.date, end: dt.date) -> Rows:
    return _referrals(func.count(ReferralOrder.id), start, end, ReferralOrder.internal.is_(True))


@_query(
    "insured_on_panel",
    by_facility=False,
    description="insured people on a family physician's panel on the period's last day, "
    "by the panel's province",
    kind="snapshot",
    span=snapshots.insured_on_panel_on,
)
def insured_on_panel(start: dt.date, end: dt.date) -> Rows:
    return (
        select(
            PanelEnrolment.province_id.label("province_id"),
            null().label("facility_id"),
            func.count(func.distinct(PanelEnrolment.insured_id)).label("amount"),
        )
        .where(
            PanelEnrolment.enrolled_on <= end,
            or_(PanelEnrolment.ended_on.is_(None), PanelEnrolment.ended_on > end),
        )
        .group_by(PanelEnrolment.province_id)
    )


# ------------------------------------------------------------------ procurement
def _stock(amount: Any, start: dt.date, end: dt.date, *extra: Any) -> Rows:
    return (
        _by_facility(amount)
        .join(StockMonth, StockMonth.facility_id == Facility.id)
        .join(Consumable, Consumable.id == StockMonth.item_id)
        .where(StockMonth.month >= _month(start), StockMonth.month <= _month(end), *extra)
    )


@_query(
    "vital_stock_records",
    by_facility=True,
    description="monthly stock records of vital items for the period's (first) month",
    kind="month",
    dated=StockMonth.month,
)
def vital_stock_records(start: dt.date, end: dt.date) -> Rows:
    return _stock(func.count(StockMonth.id), start, end, Consumable.criticality == "vital")


@_query(
    "vital_stock_records_out",
    by_facility=True,
    description="of those, the records with at least one day out of stock",
    kind="month",
    dated=StockMonth.month,
)
def vital_stock_records_out(start: dt.date, end: dt.date) -> Rows:
    return _stock(
        func.count(StockMonth.id),
        start,
        end,
        Consumable.criticality == "vital",
        StockMonth.stockout_days > 0,
    )


@_query(
    "closing_stock_times_30",
    by_facility=True,
    description="closing stock of every item at the month's end, times 30 days",
    kind="month",
    dated=StockMonth.month,
)
def closing_stock_times_30(start: dt.date, end: dt.date) -> Rows:
    return _stock(func.coalesce(func.sum(StockMonth.closing), 0) * 30, start, end)


@_query(
    "stock_issues",
    by_facility=True,
    description="quantities issued to wards in the month, every item",
    kind="month",
    dated=StockMonth.month,
)
def stock_issues(start: dt.date, end: dt.date) -> Rows:
    return _stock(func.coalesce(func.sum(StockMonth.issues), 0), start, end)


def _deliveries(start: dt.date, end: dt.date, *extra: Any) -> Rows:
    return (
        _by_facility(func.count(Delivery.id))
        .join(PurchaseOrder, PurchaseOrder.facility_id == Facility.id)
        .join(Delivery, Delivery.order_id == PurchaseOrder.id)
        .where(Delivery.delivered_on >= start, Delivery.delivered_on <= end, *extra)
    )


@_query(
    "deliveries",
    by_facility=True,
    description="deliveries received in the period, by the ordering facility",
    kind="day",
    dated=Delivery.delivered_on,
)
def deliveries(start: dt.date, end: dt.date) -> Rows:
    return _deliveries(start, end)


@_query(
    "deliveries_by_due_day",
    by_facility=True,
    description="of those, the deliveries that arrived by the order's due day",
    kind="day",
    dated=Delivery.delivered_on,
)
def deliveries_by_due_day(start: dt.date, end: dt.date) -> Rows:
    return _deliveries(start, end, Delivery.delivered_on <= PurchaseOrder.due_on)


# ------------------------------------------------------------------ registry
def _active(amount: Any) -> Rows:
    return _by_facility(amount).where(Facility.is_active.is_(True))


@_query(
    "active_beds",
    by_facility=True,
    description="general, intensive, coronary and neonatal beds of active centres "
    "(as registered now)",
    kind="static",
)
def active_beds(start: dt.date, end: dt.date) -> Rows:
    beds = Facility.beds_general + Facility.beds_icu + Facility.beds_ccu + Facility.beds_nicu
    return _active(func.sum(beds))


@_query(
    "icu_beds", by_facility=True, description="intensive-care beds of active centres", kind="static"
)
def icu_beds(start: dt.date, end: dt.date) -> Rows:
    return _active(func.sum(Facility.beds_icu))


@_query("physicians", by_facility=True, description="physicians of active centres", kind="static")
def physicians(start: dt.date, end: dt.date) -> Rows:
    return _active(func.sum(Facility.physicians))


@_query(
    "insured_covered",
    by_facility=False,
    description="insured people covered on the period's last day, by province of residence",
    kind="snapshot",
    span=snapshots.insured_covered_on,
)
def insured_covered(start: dt.date, end: dt.date) -> Rows:
    covered = exists().where(
        CoveragePeriod.insured_id == Insured.id,
        CoveragePeriod.start_date <= end,
        or_(CoveragePeriod.end_date.is_(None), CoveragePeriod.end_date >= end),
    )
    return (
        select(
            Insured.province_id.label("province_id"),
            null().label("facility_id"),
            func.count(Insured.id).label("amount"),
        )
        .where(covered)
        .group_by(Insured.province_id)
    )


# ------------------------------------------------------------------ surveys
def _responses(amount: Any, start: dt.date, end: dt.date) -> Rows:
    return (
        _by_facility(amount)
        .join(SurveyResponse, SurveyResponse.facility_id == Facility.id)
        .where(SurveyResponse.answered_on >= start, SurveyResponse.answered_on <= end)
    )


@_query(
    "survey_score_sum",
    by_facility=True,
    description="overall 0-100 scores of patient-experience responses answered in the period",
    kind="day",
    dated=SurveyResponse.answered_on,
)
def survey_score_sum(start: dt.date, end: dt.date) -> Rows:
    return _responses(func.coalesce(func.sum(SurveyResponse.score), 0), start, end)


@_query(
    "survey_responses",
    by_facility=True,
    description="patient-experience responses answered in the period",
    kind="day",
    dated=SurveyResponse.answered_on,
)
def survey_responses(start: dt.date, end: dt.date) -> Rows:
    return _responses(func.count(SurveyResponse.id), start, end)


# ------------------------------------------------------------------ prevention programmes
def _prevention(programme: Programme, *, done: bool) -> Builder:
    def build(start: dt.date, end: dt.date) -> Rows:
        return prevention.coverage_query(programme, end, done=done)

    return build


def _prevention_span(programme: Programme, *, done: bool) -> SpanBuilder:
    def build(days: list[dt.date]) -> Select[Any]:
        return coverage_runs.coverage_on_days(programme, days, done=done)

    return build


# Each prevention programme (population/data/programmes.toml) gives two queries, counted
# on the period's last day: its target population then, and those of it done in the
# programme's window ending that day; people on no panel count in their province only.
for _programme in prevention.all_programmes():
    _query(
        f"prevention_{_programme.code}_target",
        by_facility=True,
        description=f"target population of the prevention programme {_programme.code} on the "
        "period's last day, at their family physician's facility",
        kind="snapshot",
        span=_prevention_span(_programme, done=False),
    )(_prevention(_programme, done=False))
    _query(
        f"prevention_{_programme.code}_done",
        by_facility=True,
        description=f"people of the programme {_programme.code}'s target population with a "
        "service or measurement that counts in its window ending on the period's last day",
        kind="snapshot",
        span=_prevention_span(_programme, done=True),
    )(_prevention(_programme, done=True))
