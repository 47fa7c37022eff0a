"""The facilities and needs database: one row of facts per province, gathered from the
registry (facilities with their beds, equipment and staff, split owned and contracted;
insured people covered on the day and their age), the insurer's treatment spending from
adjudicated claims, and the national statistics kept with each province (2016 census
population, active and intensive-care beds of 1396) as the whole-population context.

Facilities are edited through the registry (``PATCH /api/v1/facilities/{id}`` and the
Excel/CSV import), which audits every change; this module only reads.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from darman.claims import spending as claims_spending
from darman.claims.models import Claim
from darman.common.jalali import fiscal_year, fiscal_year_bounds, tehran_today
from darman.planning.enums import FACILITY_RESOURCES
from darman.planning.province_facts import ProvinceFacts
from darman.registry.enums import Ownership
from darman.registry.models import CoveragePeriod, Facility, Insured, Province

OLD_AGE = 60


def claims_year(session: Session, on: dt.date) -> int:
    """The fiscal year whose claims planning reads: the last complete one before ``on``
    (a province's spending is not cut by how far the current year has run), or, when it
    has no claims, the latest earlier year that has."""
    year = fiscal_year(on) - 1
    start, end = fiscal_year_bounds(year)
    found = session.scalar(
        select(Claim.id).where(Claim.submitted_on >= start, Claim.submitted_on <= end).limit(1)
    )
    if found is not None:
        return year
    latest = session.scalar(select(func.max(Claim.submitted_on)).where(Claim.submitted_on < start))
    return fiscal_year(latest) if latest is not None else year


def year_bounds(session: Session, on: dt.date) -> tuple[dt.date, dt.date]:
    return fiscal_year_bounds(claims_year(session, on))


def gather(session: Session, *, on: dt.date | None = None) -> list[ProvinceFacts]:
    """Every province's facts on ``on`` (default today), in province-code order."""
    on = on or tehran_today()
    out = {
        p.id: ProvinceFacts(
            p.id,
            p.code,
            p.name_fa,
            p.name_en,
            p.population_2016,
            p.active_beds_1396,
            p.icu_beds_1396,
        )
        for p in session.scalars(select(Province).order_by(Province.code))
    }
    sums = [func.coalesce(func.sum(getattr(Facility, r)), 0) for r in FACILITY_RESOURCES]
    for pid, ownership, centres, *units in session.execute(
        select(Facility.province_id, Facility.ownership, func.count(Facility.id), *sums)
        .where(Facility.is_active.is_(True))
        .group_by(Facility.province_id, Facility.ownership)
    ):
        facts = out[pid]
        held = {r: int(u) for r, u in zip(FACILITY_RESOURCES, units, strict=True)}
        if ownership == Ownership.OWNED:
            facts.owned, facts.owned_centres = held, int(centres)
        else:
            facts.contracted, facts.contracted_centres = held, int(centres)
    born_by = _years_before(on, OLD_AGE)
    covered = (
        select(CoveragePeriod.insured_id)
        .where(
            CoveragePeriod.start_date <= on,
            or_(CoveragePeriod.end_date.is_(None), CoveragePeriod.end_date >= on),
        )
        .distinct()
        .subquery()
    )
    for pid, people, old in session.execute(
        select(
            Insured.province_id,
            func.count(Insured.id),
            func.count(Insured.id).filter(and_(Insured.birth_date <= born_by)),
        )
        .join(covered, covered.c.insured_id == Insured.id)
        .group_by(Insured.province_id)
    ):
        out[pid].insured, out[pid].insured_over_60 = int(people), int(old)
    start, end = year_bounds(session, on)
    for pid, spent in claims_spending.spending_by_province(session, start=start, end=end).items():
        if pid in out:
            out[pid].spending_rials = spent["insurer_rials"]
            out[pid].claim_patients = spent["patients"]
    return list(out.values())


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)
