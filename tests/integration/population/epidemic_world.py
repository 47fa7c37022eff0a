"""A hand-worked cohort of COVID-19 admissions (episode covid19: U07.1 / U07.2 admitted
1404/01/01 to 1405/12/29; intensive care: service codes 500102-500104).

Facilities: H owned in Tehran (08), K contracted in Tehran, Q owned in Qom (19).

In the episode (lines the insurer did not reject; amounts allowed / insurer's share):
- a1 at H, "U07.1", 1404/02/01 -> 1404/02/06: 5 days. Ward 3 days 3,000 / 2,700, ICU 2 days
  10,000 / 9,000, drug 1,000 / 900; a rejected ICU line of 4 days does not count.
  Total 14,000, insurer 12,600, ICU 2 days, 2,800 a day.
- a2 at K, "J18.9;U07.2", 1404/02/10 -> 1404/02/17: 7 days, billed on two claims: ward 7,000 /
  6,300 and drug 700 / 630. Total 7,700, insurer 6,930, no ICU, 1,100 a day.
- a3 at Q, "U071" (no dot), 1404/02/20, discharged the same day: 1 day. Ward 2,000 / 1,800.
- a4 at H, "U07.1", 1404/02/25 -> 1404/03/02: 8 days. Ward 6,000 / 5,400, ICU 2 days 4,000 /
  3,600. Total 10,000, insurer 9,000, 1,250 a day; discharged in Khordad (1404/03).
Outside it: x1 pneumonia only (J18.9); x2 admitted 1403/12/20, before the period; x3 an
outpatient U07.1 visit; x4 a rejected and x5 a submitted U07.1 admission.

All four: totals 2,000 7,700 10,000 14,000 -> median 8,850, p90 10,000 + 0.7 x 4,000 =
12,800; stays 1 5 7 8 -> median 6, p90 7.7; 21 patient days, 33,700 -> 1,605 a day (1,604.76),
8,425 an admission; cost a day 1,100 1,250 2,000 2,800 -> median 1,625, p90 2,560.
Month 1404/02 (a1, a2, a3): 3 admissions, 13 days, insurer 21,330, total 23,700.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from darman.claims.models import Claim, ClaimLine
from darman.common.jalali import parse_jalali
from darman.db.base import utcnow
from tests import factories as f

_docs = iter(range(1, 1_000_000))


def j(text: str) -> dt.date:
    return parse_jalali(text)


@dataclass
class EpidemicWorld:
    h: Any
    k: Any
    q: Any
    claims: dict[str, int] = field(default_factory=dict)  # a1, a2b, ... -> claim id
    people: dict[str, str] = field(default_factory=dict)


def admit(
    session: Session,
    fac: Any,
    nid: str,
    dx: str,
    admitted: str,
    discharged: str | None,
    lines: list[tuple[str, str, int, int, int, str]],
    *,
    status: str = "approved",
    visit: str = "inpatient",
) -> int:
    """One claim; lines are (item_type, code, quantity, allowed, insurer, outcome)."""
    n = next(_docs)
    claim = Claim(
        facility_id=fac.id, province_id=fac.province_id, document_number=f"E{n}",
        national_id=nid, nid_valid=True, visit_type=visit, admission_date=j(admitted),
        discharge_date=j(discharged) if discharged else None, diagnoses=dx, status=status,
        content_hash=f"e{n}", submitted_at=utcnow(), submitted_on=j(discharged or admitted),
        allowed_rials=sum(x[3] for x in lines), insurer_rials=sum(x[4] for x in lines),
    )  # fmt: skip
    session.add(claim)
    session.flush()
    for no, (kind, code, qty, allowed, insurer, outcome) in enumerate(lines, start=1):
        session.add(
            ClaimLine(
                claim_id=claim.id, line_no=no, national_id=nid, facility_id=fac.id,
                item_type=kind, code=code, service_date=j(admitted), quantity=qty,
                unit_price_rials=allowed // max(qty, 1), outcome=outcome, asked_rials=allowed,
                allowed_rials=allowed, copay_rials=allowed - insurer, insurer_rials=insurer,
            )
        )  # fmt: skip
    session.flush()
    return claim.id


def build(session: Session) -> EpidemicWorld:
    h = f.facility(session, province_code="08", ownership="owned", level=3)
    k = f.facility(session, province_code="08", ownership="contracted", level=2)
    q = f.facility(session, province_code="19", ownership="owned", level=2)
    w = EpidemicWorld(h, k, q)
    people = {f"p{i}": f.insured(session, province_code="08").national_id for i in range(1, 10)}
    w.people = people
    ok = "accepted"
    w.claims["a1"] = admit(session, h, people["p1"], "U07.1", "1404/02/01", "1404/02/06", [
        ("service", "500101", 3, 3_000, 2_700, ok),
        ("service", "500102", 2, 10_000, 9_000, ok),
        ("drug", "10004", 5, 1_000, 900, ok),
        ("service", "500102", 4, 0, 0, "rejected"),
    ])  # fmt: skip
    w.claims["a2"] = admit(session, k, people["p2"], "J18.9;U07.2", "1404/02/10", "1404/02/17",
                           [("service", "500101", 7, 7_000, 6_300, ok)])  # fmt: skip
    w.claims["a2b"] = admit(session, k, people["p2"], "U07.2", "1404/02/10", "1404/02/17",
                            [("drug", "10004", 7, 700, 630, ok)])  # fmt: skip
    w.claims["a3"] = admit(session, q, people["p3"], "U071", "1404/02/20", "1404/02/20",
                           [("service", "500101", 1, 2_000, 1_800, ok)])  # fmt: skip
    w.claims["a4"] = admit(session, h, people["p4"], "U07.1", "1404/02/25", "1404/03/02", [
        ("service", "500101", 6, 6_000, 5_400, ok),
        ("service", "500102", 2, 4_000, 3_600, "partial"),
    ])  # fmt: skip
    w.claims["x1"] = admit(session, h, people["p5"], "J18.9", "1404/02/05", "1404/02/09",
                           [("service", "500101", 4, 4_000, 3_600, ok)])  # fmt: skip
    w.claims["x2"] = admit(session, h, people["p6"], "U07.1", "1403/12/20", "1404/01/03",
                           [("service", "500101", 4, 4_000, 3_600, ok)])  # fmt: skip
    seen = [("service", "100101", 1, 500, 450, ok)]
    w.claims["x3"] = admit(session, h, people["p7"], "U07.1", "1404/02/03", None, seen,
                           visit="outpatient")  # fmt: skip
    w.claims["x4"] = admit(session, h, people["p8"], "U07.1", "1404/02/03", "1404/02/05",
                           [("service", "500101", 2, 2_000, 1_800, "rejected")],
                           status="rejected")  # fmt: skip
    w.claims["x5"] = admit(session, h, people["p9"], "U07.1", "1404/02/03", "1404/02/05",
                           [("service", "500101", 2, 2_000, 1_800, "pending")],
                           status="submitted")  # fmt: skip
    return w
