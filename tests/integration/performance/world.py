"""A small, hand-countable country for the indicator queries, in Mehr 1405 (1405/07).

Tehran (08): contracted level-2 hospital A and owned level-2 hospital B.
Qom (19): contracted level-2 hospital C. Tehran runs the referral programme, Qom does not.
Every expected figure in the tests is counted from what is written here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from darman.claims.models import Claim, ProgrammeRollout
from darman.db.base import utcnow
from darman.performance.periods import parse
from darman.prescriptions.models import Prescription, PrescriptionDispensing, PrescriptionLine
from darman.procurement.models import (
    Award,
    Consumable,
    Delivery,
    PurchaseOrder,
    StockMonth,
    Supplier,
    Tender,
)
from darman.referrals.models import PanelEnrolment, ReferralOrder
from darman.registry.models import Practitioner
from tests import factories as f

PERIOD = parse("1405/07")
START, END = PERIOD.bounds()
DAY = dt.timedelta(days=1)


@dataclass
class World:
    a: Any  # Tehran, contracted
    b: Any  # Tehran, owned
    c: Any  # Qom, contracted
    tehran: int
    qom: int


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)


_docs = iter(range(1, 10_000))


def _claim(session: Session, fac: Any, **kw: Any) -> None:
    n = next(_docs)
    data: dict[str, Any] = {
        "facility_id": fac.id, "province_id": fac.province_id, "document_number": f"P{n}",
        "national_id": "0000000000", "nid_valid": True, "visit_type": "outpatient",
        "status": "approved", "content_hash": f"h{n}", "submitted_at": utcnow(),
        "submitted_on": START,
    }  # fmt: skip
    data.update(kw)
    session.add(Claim(**data))


def build(session: Session) -> World:
    a = f.facility(session, ownership="contracted", level=2, province_code="08",
                   beds_general=50, beds_icu=5, physicians=10)  # fmt: skip
    b = f.facility(session, ownership="owned", level=2, province_code="08",
                   beds_general=20, beds_icu=0, physicians=5)  # fmt: skip
    c = f.facility(session, ownership="contracted", level=2, province_code="19",
                   beds_general=30, beds_icu=3, physicians=3)  # fmt: skip
    _claims(session, a, b, c)
    people = _people(session)
    _prescriptions_and_referrals(session, a, b, c, people)
    _stock(session, a, c)
    _deliveries(session, a)
    session.flush()
    return World(a, b, c, a.province_id, c.province_id)


def _claims(session: Session, a: Any, b: Any, c: Any) -> None:
    # paid in the period: A 35 and 20 days, C 110 days; B is owned; one paid the day after
    _claim(session, a, status="paid", submitted_on=START - 30 * DAY, paid_at=_at(START + 5 * DAY))
    _claim(session, a, status="paid", submitted_on=START, paid_at=_at(START + 20 * DAY),
           asked_rials=1000, deducted_rials=100, copay_rials=200, allowed_rials=900,
           referral_ref="R1")  # fmt: skip
    _claim(session, b, status="paid", submitted_on=START - 50 * DAY, paid_at=_at(START + DAY))
    _claim(session, c, status="paid", submitted_on=START - 100 * DAY, paid_at=_at(START + 10 * DAY))
    _claim(session, a, status="paid", submitted_on=START, paid_at=_at(END + DAY))
    # submitted in the period: not yet adjudicated (left out) and adjudicated at B
    _claim(session, a, status="submitted", submitted_on=START + DAY, asked_rials=5000)
    _claim(session, b, status="approved", submitted_on=START + 3 * DAY, asked_rials=2000,
           deducted_rials=0, copay_rials=600, allowed_rials=2000)  # fmt: skip
    # level-2 outpatient claims at C, Qom: the programme does not run there
    _claim(session, c, status="approved", submitted_on=START + 2 * DAY, referral_ref="R9")
    session.add(ProgrammeRollout(province_id=a.province_id, programme="referral",
                                 active_from=START - 365 * DAY))  # fmt: skip


def _people(session: Session) -> list[Any]:
    people = []
    for province, ends in (("08", None), ("08", None), ("08", "1405/06/15"), ("19", None)):
        person = f.insured(session, province_code=province)
        f.coverage(session, national_id=person.national_id, end_date=ends)
        people.append(person)
    # covered only from after the period
    late = f.insured(session, province_code="19")
    f.coverage(session, national_id=late.national_id, start_date="1405/08/05")
    return people


def _practitioner(session: Session, province_id: int, n: int) -> Practitioner:
    doc = Practitioner(
        council_number=f"PC{n}", first_name="مریم", last_name="احمدی", sex="female",
        specialty="general", level=1, province_id=province_id,
    )  # fmt: skip
    session.add(doc)
    session.flush()
    return doc


def _prescriptions_and_referrals(
    session: Session, a: Any, b: Any, c: Any, people: list[Any]
) -> None:
    doc = _practitioner(session, a.province_id, 1)
    qdoc = _practitioner(session, c.province_id, 2)
    rx = []
    for n, (fac, issued, status) in enumerate(
        [(a, START, "issued"), (a, START + DAY, "issued"), (a, START, "refused"),
         (c, END, "issued"), (a, START - DAY, "issued")]
    ):  # fmt: skip
        p = Prescription(
            tracking_code=f"TC{n}" if status == "issued" else None, status=status,
            insured_id=people[0].id, national_id=people[0].national_id, practitioner_id=doc.id,
            facility_id=fac.id, province_id=fac.province_id, issued_on=issued,
            expires_on=issued + 30 * DAY, issued_by="dr", created_at=utcnow(),
        )  # fmt: skip
        session.add(p)
        session.flush()
        line = PrescriptionLine(prescription_id=p.id, line_no=1, kind="drug", code="D1", quantity=1)
        session.add(line)
        session.flush()
        rx.append((p, line))
    # dispensed: A's first (twice, counted once), C's, and the one issued before the period
    for n, (p, line) in enumerate((rx[0], rx[0], rx[3], rx[4])):
        session.add(PrescriptionDispensing(
            line_id=line.id, prescription_id=p.id, facility_id=b.id, request_key=f"k{n}",
            quantity=1, dispensed_on=END + 2 * DAY, dispensed_at=utcnow(), dispensed_by="ph",
        ))  # fmt: skip
    # referrals from A: answered in time (internal), answered late, unanswered (internal);
    # from C: one answered in time; one from A issued before the period
    for n, (fac, who, issued, feedback, internal) in enumerate(
        [(a, doc, START, START + 5 * DAY, True), (a, doc, START, START + 20 * DAY, False),
         (a, doc, START + DAY, None, True), (c, qdoc, END, END + 2 * DAY, False),
         (a, doc, START - DAY, START, True)]
    ):  # fmt: skip
        session.add(ReferralOrder(
            ref_number=f"RF{n}", status="issued", insured_id=people[0].id,
            national_id=people[0].national_id, province_id=fac.province_id,
            from_practitioner_id=who.id, from_facility_id=fac.id, from_level=1, to_level=2,
            to_facility_id=b.id if internal else None, internal=internal, specialty="cardio",
            reason="-", diagnosis="I10", issued_on=issued, valid_until=issued + 30 * DAY,
            feedback_due_on=issued + 10 * DAY, feedback_on=feedback, issued_by="dr",
            created_at=utcnow(),
        ))  # fmt: skip
    # on a panel at the period's end: people 0 and 1 (Tehran); person 2's enrolment ended
    for person, ended in ((people[0], None), (people[1], END + DAY), (people[2], END - DAY)):
        session.add(PanelEnrolment(
            insured_id=person.id, national_id=person.national_id, practitioner_id=doc.id,
            province_id=a.province_id, enrolled_on=START - 60 * DAY, ended_on=ended,
            created_by="t", created_at=utcnow(),
        ))  # fmt: skip


def _stock(session: Session, a: Any, c: Any) -> None:
    vital = Consumable(code="V1", name_fa="سرنگ", unit="عدد", category="c", criticality="vital")
    other = Consumable(code="N1", name_fa="گاز", unit="بسته", category="c",
                       criticality="non_essential")  # fmt: skip
    vital2 = Consumable(code="V2", name_fa="سوند", unit="عدد", category="c", criticality="vital")
    session.add_all([vital, other, vital2])
    session.flush()
    month = 140507
    for fac, item, closing, issues, out in [
        (a, vital, 100, 300, 0),
        (a, vital2, 0, 60, 4),
        (a, other, 50, 30, 2),
        (c, vital, 10, 10, 3),
    ]:
        session.add(StockMonth(facility_id=fac.id, item_id=item.id, month=month, opening=0,
                               issues=issues, closing=closing, stockout_days=out))  # fmt: skip
    # another month: left out
    session.add(StockMonth(facility_id=a.id, item_id=vital.id, month=140506, opening=0,
                           issues=999, closing=999, stockout_days=9))  # fmt: skip


def _deliveries(session: Session, a: Any) -> None:
    item = Consumable(code="D9", name_fa="دستکش", unit="جفت", category="c", criticality="vital")
    sup = Supplier(code="S1", name_fa="تأمین", kind="manufacturer", lead_time_days=10)
    session.add_all([item, sup])
    session.flush()
    tender = Tender(
        code="T1", title_fa="مناقصه", scope="national", period_start=START, period_end=END,
        need_by=END, status="awarded", weight_price=50, weight_quality=30, weight_delivery=20,
        max_share_percent=100, intermediary_penalty_percent=0, created_by="t",
        created_at=utcnow(),
    )  # fmt: skip
    session.add(tender)
    session.flush()
    award = Award(tender_id=tender.id, item_id=item.id, supplier_id=sup.id, quantity=10,
                  unit_price_rials=5)  # fmt: skip
    session.add(award)
    session.flush()
    order = PurchaseOrder(award_id=award.id, facility_id=a.id, quantity=10, ordered_on=START,
                          due_on=START + 10 * DAY, created_by="t")  # fmt: skip
    session.add(order)
    session.flush()
    # on time, late, and one before the period
    for day in (START + 10 * DAY, START + 11 * DAY, START - DAY):
        session.add(Delivery(order_id=order.id, delivered_on=day, quantity=1, recorded_by="t"))
