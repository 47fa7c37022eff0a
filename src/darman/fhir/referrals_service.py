"""ServiceRequest through the FHIR facade: referrals, and the lab and imaging order
lines of e-prescriptions, in one resource type.

Rule: referrals start from the referrals service's scope filter
(``referrals.service.in_scope``: a physician sees the referrals they wrote and those
addressed to their facility, provincial staff their province's, national staff all,
a facility desk none, PermissionDenied); order lines from the prescriptions
service's (see ``fhir.prescriptions_service``). A search returns the referrals first,
then the order lines, each by id; a parameter that means nothing for one kind
(``requisition`` for a referral, ``performer`` for an order) matches none of that kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, select, true
from sqlalchemy.orm import Session

from darman.common.errors import NotFound
from darman.common.jalali import tehran_today
from darman.fhir import mapping as m
from darman.fhir import params, search
from darman.fhir import prescriptions_mapping as pm
from darman.fhir import prescriptions_service as rx
from darman.fhir import referrals_mapping as rm
from darman.fhir.claims_mapping import PRESCRIPTION_SYSTEM, REFERRAL_SYSTEM
from darman.fhir.service import Matches
from darman.prescriptions.enums import LineKind
from darman.prescriptions.models import Prescription, PrescriptionLine
from darman.referrals import reading as referrals_reading
from darman.referrals.enums import ReferralStatus
from darman.referrals.models import ReferralOrder
from darman.registry.models import Facility, Practitioner, Service
from darman.security.principal import Principal

INTERACTIONS: dict[str, tuple[str, ...]] = {"ServiceRequest": ("read", "search-type")}
Condition = search.Condition


# ------------------------------------------------------------ conditions
def _never(check: Condition) -> Condition:
    """Matches nothing of this kind, after the same validation as the other kind."""

    def cond(raw: str) -> ColumnElement[bool]:
        check(raw)
        return false()

    return cond


def _referral_status(raw: str) -> ColumnElement[bool]:
    system, value = params.split_token(raw)
    if value not in pm.REQUEST_STATUS or system not in (None, ""):
        raise search.bad("status", f"'{raw}' is not a RequestStatus code")
    today = tehran_today()
    issued = ReferralOrder.status == ReferralStatus.ISSUED.value
    if value == "completed":
        return ReferralOrder.status == ReferralStatus.ANSWERED.value
    if value == "active":
        return and_(issued, ReferralOrder.valid_until >= today)
    if value == "revoked":
        return and_(issued, ReferralOrder.valid_until < today)
    return false()


def _category(kind: str) -> Condition:
    def cond(raw: str) -> ColumnElement[bool]:
        system, value = params.split_token(raw)
        if system not in (None, pm.SNOMED) or not value:
            return true() if system == pm.SNOMED else false()
        if kind == "referral":
            return true() if value == rm.REFERRAL_CATEGORY else false()
        wanted = [c for c, code in pm.CATEGORY_OF_SERVICE.items() if code == value]
        if not wanted:
            return false()
        return PrescriptionLine.code.in_(select(Service.code).where(Service.category.in_(wanted)))

    return cond


def _identifier_referral(raw: str) -> ColumnElement[bool]:
    return search.token(REFERRAL_SYSTEM, ReferralOrder.ref_number)(raw)


_referral_performer = search.reference("performer", "Organization", ReferralOrder.to_facility_id)
_based_on = search.reference("based-on", "ServiceRequest", ReferralOrder.parent_id, "referral-")
_status_doc = "active, completed (feedback given or order done), revoked (validity ended)"
_intent = rx.intent(pm.REQUEST_INTENT, "RequestIntent")


def _pair(
    name: str, kind: str, doc: str, referral: Condition, order: Condition
) -> tuple[params.Param, params.Param]:
    return params.Param(name, kind, doc, referral), params.Param(name, kind, doc, order)


_PAIRS = [
    _pair("_id", "token", "logical id (referral-<n> or order-<n>)",
          search.id_of(ReferralOrder.id, rm.REFERRAL_PREFIX),
          search.id_of(PrescriptionLine.id, pm.ORDER_PREFIX)),
    _pair("identifier", "token",
          f"referral number ({REFERRAL_SYSTEM}|n) or order line "
          f"({pm.PRESCRIPTION_LINE_SYSTEM}|code-n)",
          _identifier_referral, rx.line_identifier(tracking_too=False)),
    _pair("requisition", "token",
          f"an order's prescription tracking code ({PRESCRIPTION_SYSTEM}|code)",
          _never(rx.tracking_token), rx.tracking_token),
    _pair("patient", "reference", "Patient/<id>",
          search.reference("patient", "Patient", ReferralOrder.insured_id),
          search.reference("patient", "Patient", Prescription.insured_id)),
    _pair("subject", "reference", "Patient/<id>",
          search.reference("subject", "Patient", ReferralOrder.insured_id),
          search.reference("subject", "Patient", Prescription.insured_id)),
    _pair("patient:identifier", "token",
          f"the patient's national id ({m.NATIONAL_ID_SYSTEM}|nnnnnnnnnn)",
          search.token(m.NATIONAL_ID_SYSTEM, ReferralOrder.national_id),
          search.token(m.NATIONAL_ID_SYSTEM, Prescription.national_id)),
    _pair("requester", "reference", "Practitioner/<id>",
          search.reference("requester", "Practitioner", ReferralOrder.from_practitioner_id),
          search.reference("requester", "Practitioner", Prescription.practitioner_id)),
    _pair("performer", "reference", "Organization/<id> (a referral's receiving facility)",
          _referral_performer, _never(_referral_performer)),
    _pair("based-on", "reference", "ServiceRequest/referral-<n> (the referral continued)",
          _based_on, _never(_based_on)),
    _pair("status", "token", _status_doc, _referral_status,
          rx.line_status(pm.REQUEST_STATUS, "revoked", "RequestStatus")),
    _pair("intent", "token", "order (every one is an order)", _intent, _intent),
    _pair("category", "token",
          f"{pm.SNOMED}|3457005 (referral), 108252007 (laboratory), 363679005 (imaging)",
          _category("referral"), _category("order")),
    _pair("authored", "date", "issue day: eq, ne, lt, le, gt, ge with YYYY[-MM[-DD]]",
          search.date("authored", ReferralOrder.issued_on),
          search.date("authored", Prescription.issued_on)),
]  # fmt: skip
REFERRAL_PARAMS = {r.name: r for r, _ in _PAIRS}
ORDER_PARAMS = {o.name: o for _, o in _PAIRS}


def documented(resource_type: str) -> list[params.Param]:
    return search.documented(REFERRAL_PARAMS)


# ------------------------------------------------------------ facts
def _facts(session: Session, rows: Sequence[ReferralOrder]) -> list[rm.ReferralFacts]:
    if not rows:
        return []
    people = {r.from_practitioner_id for r in rows} | {
        r.feedback_practitioner_id for r in rows if r.feedback_practitioner_id
    }
    names = {
        i: f"{first} {last}".strip()
        for i, first, last in session.execute(
            select(Practitioner.id, Practitioner.first_name, Practitioner.last_name).where(
                Practitioner.id.in_(people)
            )
        )
    }
    targets = {r.to_facility_id for r in rows if r.to_facility_id}
    facilities = (
        dict(
            session.execute(
                select(Facility.id, Facility.name).where(Facility.id.in_(targets))
            ).all()
        )
        if targets
        else {}
    )
    return [
        rm.ReferralFacts(
            referral=r,
            requester_name=names.get(r.from_practitioner_id, ""),
            performer_name=facilities.get(r.to_facility_id, "") if r.to_facility_id else "",
            feedback_author_name=names.get(r.feedback_practitioner_id or 0, ""),
        )
        for r in rows
    ]


def _referrals(who: Principal) -> Select[Any]:
    return referrals_reading.in_scope(select(ReferralOrder), who)


def _not_found(resource_id: str) -> NotFound:
    return NotFound(f"no ServiceRequest {resource_id} in your scope")


def read(session: Session, who: Principal, *, resource_id: str) -> dict[str, Any]:
    """A referral (``referral-<n>``) or an order line (``order-<n>``); NotFound when
    absent or outside the caller's scope, PermissionDenied for a facility desk."""
    today = tehran_today()
    if resource_id.startswith(rm.REFERRAL_PREFIX):
        rid = search.int_id(resource_id, rm.REFERRAL_PREFIX)
        query = _referrals(who)
        row = session.scalar(query.where(ReferralOrder.id == rid)) if rid is not None else None
        if row is None:
            raise _not_found(resource_id)
        return rm.referral(_facts(session, [row])[0], today)
    query = rx.lines_query(who, LineKind.SERVICE)
    lid = search.int_id(resource_id, pm.ORDER_PREFIX)
    found = session.execute(query.where(PrescriptionLine.id == lid)).first() if lid else None
    if found is None:
        raise _not_found(resource_id)
    return pm.order_service_request(rx.line_facts(session, [found])[0], today)


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _narrow(query: Select[Any], table: dict[str, params.Param], items: Any) -> Select[Any]:
    for condition in search.conditions("ServiceRequest", table, items):
        query = query.where(condition)
    return query


def search_requests(
    session: Session,
    who: Principal,
    *,
    items: Sequence[tuple[str, str]],
    paging: params.Paging,
) -> Matches:
    """In-scope referrals, then order lines, matching every parameter; one page of them."""
    today = tehran_today()
    referrals = _narrow(_referrals(who), REFERRAL_PARAMS, items)
    orders = _narrow(rx.lines_query(who, LineKind.SERVICE), ORDER_PARAMS, items)
    n_referrals = _count(session, referrals)
    total = n_referrals + _count(session, orders)
    if paging.count == 0:
        return Matches([], total)
    out: list[dict[str, Any]] = []
    start, wanted = paging.offset, paging.count
    if start < n_referrals:
        rows = session.scalars(referrals.order_by(ReferralOrder.id).offset(start).limit(wanted))
        out.extend(rm.referral(f, today) for f in _facts(session, list(rows)))
    skip = max(start - n_referrals, 0)
    left = wanted - len(out)
    if left > 0:
        lines = session.execute(orders.order_by(PrescriptionLine.id).offset(skip).limit(left))
        out.extend(pm.order_service_request(f, today) for f in rx.line_facts(session, lines.all()))
    return Matches(out, total)
