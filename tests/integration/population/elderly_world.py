"""A hand-countable panel for the elderly's screenings and the prevention programmes, with
the reference day 1405/06/31 (2026-09-22; month 1405/06). Ages are whole years that day.

Tehran (08): facility A (family physician PC700, Dr. Karimi) and facility B (PC701).
Qom (19): no facility of a panel.

On PC700's panel (all covered):
- e59: male, born 1966-09-23: 59 (60 tomorrow) -> not elderly, never listed.
- e60: male, born 1966-09-22: 60 today. BP measured 2026-01-10 -> blood pressure done;
  blood sugar never -> due; too young for fall risk; no mammography for men.
- e64: female, born 1961-09-23: 64. Family-physician visit (100104) on 2025-09-22, exactly
  12 months back -> blood pressure done; fasting sugar (200102) 2023-09-22, exactly 36
  months back -> done; mammography (300107) 2024-09-21, a day over 24 months -> due.
- e65: male, born 1961-09-22: 65 today. Visit 100104 on 2026-03-01 -> blood pressure and
  fall risk done; HbA1c measured 2026-05-01 -> blood sugar done. Nothing due. On the
  diabetes register (enrolled 1405/01/05).
- e70: female, born 1956-01-01: 70, too old for the mammography screening. Her only visit
  (100104, 2026-05-01) is on a rejected claim -> blood pressure, blood sugar, fall risk due.
- e61: male, born 1965-01-01: 61; left the panel on 2026-06-01 -> on no panel that day.
On PC701's panel: e66, male, born 1960-01-01: 66; BP measured 2026-02-01.
Qom: q72, female, born 1954-05-05: 72, on no panel, BP measured 2026-04-01.
u80: male, born 1946-01-01, Tehran, no cover -> in no target population.
m55: male, born 1971-01-01, Tehran, covered, mammography claimed -> not a woman: out.

Due list of PC700: 4 elderly (e60, e64, e65, e70), listed e70, e64, e60.

Programme elderly_bp (60+, 12 Jalali months 1404/07/01 = 2025-09-23 .. 2026-09-22):
Tehran target e60, e64, e65, e70, e61, e66 = 6; done e60, e65, e66 = 3 (e64's visit is
the day before the window) -> 50 %. Facility A 4 / 2; facility B 1 / 1; Qom 1 / 1.
Programme mammography_50_69 (women 50-69, 24 months from 1403/07/01 = 2024-09-22):
Tehran target e64 only, done none (her mammography was 2024-09-21).
Programme diabetes_a1c (t2dm register, 6 months from 1405/01/01): e65, done (HbA1c).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from darman.claims.models import Claim, ClaimLine
from darman.common.jalali import format_jalali, parse_jalali
from darman.db.base import utcnow
from darman.population.models import Measurement, RegisterEntry
from darman.referrals.models import PanelEnrolment
from darman.registry.models import Practitioner, PractitionerFacility
from tests import factories as f

ON = dt.date(2026, 9, 22)
assert format_jalali(ON, persian_digits=False) == "1405/06/31"


@dataclass
class ElderlyWorld:
    a: Any
    b: Any
    doc: Practitioner
    people: dict[str, str]  # key -> national id


_docs = iter(range(1, 100_000))


def _practitioner(session: Session, council: str, last: str, facility: Any) -> Practitioner:
    doc = Practitioner(
        council_number=council, first_name="سارا", last_name=last, sex="female",
        specialty="general", level=1, province_id=facility.province_id,
    )  # fmt: skip
    session.add(doc)
    session.flush()
    session.add(PractitionerFacility(practitioner_id=doc.id, facility_id=facility.id))
    return doc


def _enrol(session: Session, person: Any, doc: Practitioner, ended: dt.date | None = None) -> None:
    session.add(
        PanelEnrolment(
            insured_id=person.id, national_id=person.national_id, practitioner_id=doc.id,
            province_id=doc.province_id, enrolled_on=dt.date(2024, 1, 1), ended_on=ended,
            end_reason="transfer" if ended else "",
            open_insured_id=None if ended else person.id, created_by="test", created_at=utcnow(),
        )
    )  # fmt: skip


def claim_line(
    session: Session, fac: Any, nid: str, day: dt.date, code: str, status: str = "approved"
) -> None:
    n = next(_docs)
    claim = Claim(
        facility_id=fac.id, province_id=fac.province_id, document_number=f"E{n}",
        national_id=nid, nid_valid=True, visit_type="outpatient", diagnoses="",
        status=status, content_hash=f"e{n}", submitted_at=utcnow(), submitted_on=day,
    )  # fmt: skip
    session.add(claim)
    session.flush()
    session.add(
        ClaimLine(
            claim_id=claim.id, line_no=1, national_id=nid, facility_id=fac.id, item_type="service",
            code=code, service_date=day, quantity=1, unit_price_rials=1_000_000,
            asked_rials=1_000_000,
        )
    )  # fmt: skip


def measure(session: Session, fac: Any, nid: str, day: dt.date, loinc: str, value: float) -> None:
    session.add(
        Measurement(
            national_id=nid, province_id=fac.province_id, facility_id=fac.id, loinc=loinc,
            value=value, measured_on=day, recorded_by="test", created_at=utcnow(),
        )
    )  # fmt: skip


def build(session: Session) -> ElderlyWorld:
    a = f.facility(session, province_code="08", level=1, kind="clinic")
    b = f.facility(session, province_code="08", level=1, kind="clinic")
    doc = _practitioner(session, "PC700", "کریمی", a)
    doc2 = _practitioner(session, "PC701", "نوری", b)
    specs = {
        "e59": ("male", dt.date(1966, 9, 23), "08"),
        "e60": ("male", dt.date(1966, 9, 22), "08"),
        "e64": ("female", dt.date(1961, 9, 23), "08"),
        "e65": ("male", dt.date(1961, 9, 22), "08"),
        "e70": ("female", dt.date(1956, 1, 1), "08"),
        "e61": ("male", dt.date(1965, 1, 1), "08"),
        "e66": ("male", dt.date(1960, 1, 1), "08"),
        "q72": ("female", dt.date(1954, 5, 5), "19"),
        "u80": ("male", dt.date(1946, 1, 1), "08"),
        "m55": ("male", dt.date(1971, 1, 1), "08"),
    }
    people: dict[str, Any] = {}
    for key, (sex, born, province) in specs.items():
        people[key] = f.insured(
            session, sex=sex, birth_date=format_jalali(born, persian_digits=False),
            province_code=province,
        )  # fmt: skip
        if key != "u80":
            f.coverage(session, national_id=people[key].national_id)
    nid = {k: p.national_id for k, p in people.items()}
    for key in ("e59", "e60", "e64", "e65", "e70"):
        _enrol(session, people[key], doc)
    _enrol(session, people["e61"], doc, ended=dt.date(2026, 6, 1))
    _enrol(session, people["e66"], doc2)

    measure(session, a, nid["e60"], dt.date(2026, 1, 10), "8480-6", 130)
    claim_line(session, a, nid["e64"], dt.date(2025, 9, 22), "100104")
    claim_line(session, a, nid["e64"], dt.date(2023, 9, 22), "200102")
    claim_line(session, a, nid["e64"], dt.date(2024, 9, 21), "300107")
    claim_line(session, a, nid["e65"], dt.date(2026, 3, 1), "100104")
    measure(session, a, nid["e65"], dt.date(2026, 5, 1), "4548-4", 6.4)
    session.add(
        RegisterEntry(
            register_code="t2dm", national_id=nid["e65"], province_id=a.province_id,
            facility_id=a.id, source="enrolment", source_ref="test",
            entered_on=parse_jalali("1405/01/05"), created_at=utcnow(),
        )
    )  # fmt: skip
    claim_line(session, a, nid["e70"], dt.date(2026, 5, 1), "100104", status="rejected")
    measure(session, b, nid["e66"], dt.date(2026, 2, 1), "8480-6", 125)
    measure(session, b, nid["q72"], dt.date(2026, 4, 1), "8480-6", 128)
    claim_line(session, a, nid["m55"], dt.date(2026, 4, 1), "300107")
    session.flush()
    return ElderlyWorld(a=a, b=b, doc=doc, people=nid)
