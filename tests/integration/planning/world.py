"""A small country for the planning tests: Qom (19) with one owned level-2 hospital, Tehran
(08) with an owned level-3 hospital and a contracted one, insured people with their ages,
services of level 2 and 3, and adjudicated claims (some of Qom's people treated in
Tehran)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from darman.claims.models import Claim, ClaimLine
from darman.common.jalali import fiscal_year, fiscal_year_bounds, tehran_today
from darman.db.base import utcnow
from darman.registry.models import Service
from tests import factories as f

TODAY = tehran_today()
# inside the last complete fiscal year, the one planning reads
SERVICE_DAY = fiscal_year_bounds(fiscal_year(TODAY) - 1)[0] + dt.timedelta(days=100)
MRI = "300106"  # level 3
CT = "300104"  # level 2
KNEE = "400109"  # level 3, catchment 1,000,000


@dataclass
class World:
    qom_hospital: Any
    tehran_tertiary: Any
    tehran_contracted: Any
    qom_people: list[str]
    tehran_people: list[str]


def _service(session: Session, code: str, name: str, level: int) -> None:
    session.add(Service(code=code, name_fa=name, category="imaging", min_level=level))


def _claim(session: Session, facility: Any, nid: str, code: str, insurer: int, n: int) -> None:
    claim = Claim(
        facility_id=facility.id,
        province_id=facility.province_id,
        document_number=f"D{n}",
        national_id=nid,
        nid_valid=True,
        visit_type="outpatient",
        status="approved",
        content_hash=f"h{n}",
        submitted_at=utcnow(),
        submitted_on=TODAY,
        asked_rials=insurer,
        allowed_rials=insurer,
        insurer_rials=insurer,
    )
    session.add(claim)
    session.flush()
    session.add(
        ClaimLine(
            claim_id=claim.id, line_no=1, national_id=nid, facility_id=facility.id,
            item_type="service", code=code, service_date=SERVICE_DAY,
            quantity=1, unit_price_rials=insurer, outcome="accepted", asked_rials=insurer,
            allowed_rials=insurer, insurer_rials=insurer,
        )
    )  # fmt: skip


def build(session: Session) -> World:
    qom_h = f.facility(
        session, ownership="owned", level=2, province_code="19", beds_general=40, beds_icu=2,
        nurses=20, physicians=5, ct_scanners=0,
    )  # fmt: skip
    teh_t = f.facility(
        session, ownership="owned", level=3, province_code="08", beds_general=300, beds_icu=40,
        nurses=500, physicians=90, mri_scanners=2, ct_scanners=2,
    )  # fmt: skip
    teh_c = f.facility(
        session, ownership="contracted", level=2, province_code="08", beds_general=100,
        beds_icu=10, nurses=80, physicians=20, ct_scanners=1,
    )  # fmt: skip
    qom, tehran = [], []
    for n in range(6):
        born = "1330/01/01" if n < 3 else "1370/01/01"  # half of Qom's people are over 60
        p = f.insured(session, province_code="19", birth_date=born)
        f.coverage(session, national_id=p.national_id)
        qom.append(p.national_id)
    for _ in range(4):
        p = f.insured(session, province_code="08", birth_date="1370/01/01")
        f.coverage(session, national_id=p.national_id)
        tehran.append(p.national_id)
    uncovered = f.insured(session, province_code="19")
    assert uncovered.national_id not in qom
    _service(session, MRI, "ام‌آر‌آی مغز", 3)
    _service(session, CT, "سی‌تی‌اسکن مغز", 2)
    _service(session, KNEE, "تعویض مفصل زانو", 3)
    session.flush()
    n = 0
    for nid in qom[:2]:  # Qom's people go to Tehran for an MRI
        n += 1
        _claim(session, teh_t, nid, MRI, 20_000_000, n)
    for nid in tehran:
        n += 1
        _claim(session, teh_c, nid, CT, 10_000_000, n)
    n += 1
    _claim(session, qom_h, qom[3], CT, 5_000_000, n)
    session.flush()
    return World(qom_h, teh_t, teh_c, qom, tehran)
