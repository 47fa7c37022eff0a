"""A small, hand-countable population for the registers and the cascade of 1405Q2
(reference month 1405/06: the last three months start 1405/04/01, the last twelve
1404/07/01, the window ends 1405/06/31).

Tehran (08): facilities A and B. Qom (19): facility C.

Hypertension (htn):
- p1: claim at A, I10, 1404/10/05; BP 1405/05/10 130/85 -> controlled.
- p2: claim at A, "E78;I11.9", 1404/11/01; BP 1405/04/05 120/80 then 1405/05/20 150/85
  -> the last one counts: uncontrolled.
- p3: losartan prescribed at B 1404/12/10; a claim with no diagnosis at B 1405/01/15 -> under
  care, no visit in the last 3 months.
- p4: claim at A, I10, 1403/05/01, nothing since -> lost to follow-up, no visit in 3 months.
- p5: enrolled by a clinician at A on 1405/05/01, BP that day 120/70 -> registered and under
  care, but registered less than 3 months ago: outside the cohort.
- p6: I10 on a rejected claim and on a submitted one at A -> on no register.
- p7: claim at C, I10, 1405/07/10 -> registered after the quarter: not counted in 1405Q2.
- p8: claim at C, I10, 1405/01/10; BP 1405/06/01 135/95 -> uncontrolled (diastolic).
Type 2 diabetes (t2dm):
- p9: metformin at B 1404/08/01, then a claim at B with E11.9 on 1404/09/01; HbA1c 6.5 on
  1405/06/10 -> one entry per source, registered from 1404/08/01 at B, controlled.
- p1: metformin at A 1405/03/01 -> in the cohort, seen (BP) but no HbA1c: uncontrolled.
- p10: claim at A with E10 (type 1) -> on no register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from darman.claims.models import Claim
from darman.common.jalali import parse_jalali
from darman.db.base import utcnow
from darman.population.models import Measurement
from darman.prescriptions.models import Prescription, PrescriptionLine
from darman.registry.models import Practitioner
from tests import factories as f


def j(text: str) -> dt.date:
    return parse_jalali(text)


@dataclass
class World:
    a: Any
    b: Any
    c: Any
    people: dict[str, str]  # p1..p10 -> national id


_docs = iter(range(1, 100_000))


def _claim(
    session: Session, fac: Any, nid: str, day: str, dx: str, status: str = "approved"
) -> None:
    n = next(_docs)
    session.add(
        Claim(
            facility_id=fac.id, province_id=fac.province_id, document_number=f"Q{n}",
            national_id=nid, nid_valid=True, visit_type="outpatient", diagnoses=dx,
            status=status, content_hash=f"h{n}", submitted_at=utcnow(), submitted_on=j(day),
        )
    )  # fmt: skip


def _rx(session: Session, fac: Any, doc: Practitioner, person: Any, day: str, code: str) -> None:
    n = next(_docs)
    p = Prescription(
        tracking_code=f"PT{n}", status="issued", insured_id=person.id,
        national_id=person.national_id, practitioner_id=doc.id, facility_id=fac.id,
        province_id=fac.province_id, issued_on=j(day), expires_on=j(day) + dt.timedelta(days=30),
        issued_by="dr", created_at=utcnow(),
    )  # fmt: skip
    session.add(p)
    session.flush()
    session.add(
        PrescriptionLine(prescription_id=p.id, line_no=1, kind="drug", code=code, quantity=30)
    )


def measure(session: Session, fac: Any, nid: str, day: str, **values: float) -> None:
    codes = {"sys": "8480-6", "dia": "8462-4", "a1c": "4548-4"}
    for key, value in values.items():
        session.add(
            Measurement(
                national_id=nid, province_id=fac.province_id, facility_id=fac.id,
                loinc=codes[key], value=value, measured_on=j(day), recorded_by="test",
                created_at=utcnow(),
            )
        )  # fmt: skip


def build(session: Session) -> World:
    a = f.facility(session, province_code="08")
    b = f.facility(session, province_code="08")
    c = f.facility(session, province_code="19")
    insured = {
        f"p{i}": f.insured(session, province_code="19" if i in (7, 8) else "08")
        for i in range(1, 11)
    }
    nid = {k: v.national_id for k, v in insured.items()}
    doc = Practitioner(
        council_number="PC900", first_name="مریم", last_name="احمدی", sex="female",
        specialty="general", level=1, province_id=a.province_id,
    )  # fmt: skip
    session.add(doc)
    session.flush()

    _claim(session, a, nid["p1"], "1404/10/05", "I10")
    measure(session, a, nid["p1"], "1405/05/10", sys=130, dia=85)
    _rx(session, a, doc, insured["p1"], "1405/03/01", "10007")

    _claim(session, a, nid["p2"], "1404/11/01", "E78;I11.9")
    measure(session, a, nid["p2"], "1405/04/05", sys=120, dia=80)
    measure(session, a, nid["p2"], "1405/05/20", sys=150, dia=85)

    _rx(session, b, doc, insured["p3"], "1404/12/10", "10010")
    _claim(session, b, nid["p3"], "1405/01/15", "")

    _claim(session, a, nid["p4"], "1403/05/01", "I10")

    measure(session, a, nid["p5"], "1405/05/01", sys=120, dia=70)

    _claim(session, a, nid["p6"], "1405/02/01", "I10", status="rejected")
    _claim(session, a, nid["p6"], "1405/02/02", "I10", status="submitted")

    _claim(session, c, nid["p7"], "1405/07/10", "I10")

    _claim(session, c, nid["p8"], "1405/01/10", "I10")
    measure(session, c, nid["p8"], "1405/06/01", sys=135, dia=95)

    _rx(session, b, doc, insured["p9"], "1404/08/01", "10007")
    _claim(session, b, nid["p9"], "1404/09/01", "E11.9")
    measure(session, b, nid["p9"], "1405/06/10", a1c=6.5)

    _claim(session, a, nid["p10"], "1405/02/01", "E10")
    session.flush()
    return World(a, b, c, nid)
