"""Service levelling (سطح‌بندی خدمات): which level-2 and level-3 services each province offers,
which its population should have and does not, where its insured people travel for them,
and for every gap whether to expand an owned centre or build a new one.

* A catalogue service's level of care is its ``min_level``; its minimum catchment is the
  population one provider of it is planned for: ``DEFAULT_CATCHMENT`` by level (level 2:
  100,000 people, level 3: 500,000), or the service's own figure in
  ``planning/data/catchment.csv``. A province needs a service when its census population
  reaches the catchment.
* A service is available in a province when centres there (owned or contracted) billed it
  in accepted claim lines of the last complete fiscal year: the claims are the evidence of
  what is really offered.
* Travel: insured people of the province whose accepted lines for the service were at a
  centre of another province, by destination.
* A gap is proposed as an expansion of the owned centre of at least the service's level
  with the most staff per bed when that is at or above the national rate of owned centres
  (it has headroom), and as a new centre otherwise, at the scenario's unit costs (its
  ``[levelling]`` table; the seeds' scenario when none is given).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.claims.models import ClaimLine
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import tehran_today
from darman.planning.facts import year_bounds
from darman.planning.scenario import LevellingCosts, shipped
from darman.registry.enums import Ownership
from darman.registry.models import Facility, Insured, Province, Service

DEFAULT_CATCHMENT = {2: 100_000, 3: 500_000}
LEVELS = (2, 3)
ACCEPTED = ("accepted", "partial")


@dataclass(frozen=True)
class Costs:
    """Rials to add a service by expanding an owned centre, or by building one, by level;
    from a scenario's ``[levelling]`` table (``Costs.of``)."""

    expand_rials: dict[int, int]
    build_rials: dict[int, int]

    @classmethod
    def of(cls, costs: LevellingCosts) -> Costs:
        return cls(
            {2: costs.expand_level_2_rials, 3: costs.expand_level_3_rials},
            {2: costs.build_level_2_rials, 3: costs.build_level_3_rials},
        )


@dataclass(frozen=True)
class Travel:
    province_code: str
    province_name_fa: str
    lines: int


@dataclass(frozen=True)
class Gap:
    code: str
    name_fa: str
    level: int
    catchment: int
    action: str  # expand | build
    facility_code: str | None
    facility_name: str | None
    cost_rials: int
    reason_fa: str
    travel: list[Travel]


@dataclass
class ProvinceLevelling:
    province_code: str
    province_name_fa: str
    population: int
    available: dict[int, int]  # level -> services offered
    needed: dict[int, int]  # level -> services its population should have
    owned_only: int  # services offered only at owned centres
    contracted_only: int
    gaps: list[Gap] = field(default_factory=list)


def catchments() -> dict[str, int]:
    text = resources.files("darman.planning").joinpath("data/catchment.csv").read_text("utf-8")
    return {r["code"]: int(r["min_population"]) for r in csv.DictReader(io.StringIO(text))}


def _headroom_centre(centres: list[Facility], level: int, national_rate: float) -> Facility | None:
    fit = [c for c in centres if c.level >= level and c.beds_general + c.beds_icu > 0]
    if not fit:
        return None
    best = max(fit, key=lambda c: (c.nurses / (c.beds_general + c.beds_icu), c.code))
    return best if best.nurses / (best.beds_general + best.beds_icu) >= national_rate else None


def assess(
    session: Session,
    *,
    province_code: str | None = None,
    costs: Costs | None = None,
    on: dt.date | None = None,
) -> list[ProvinceLevelling]:
    """The levelling of every province (or one), in province-code order."""
    on = on or tehran_today()
    costs = costs or Costs.of(shipped().levelling)
    since, until = year_bounds(session, on)
    provinces = list(session.scalars(select(Province).order_by(Province.code)))
    if province_code is not None and province_code not in {p.code for p in provinces}:
        raise InvalidInput(
            "unknown province", [FieldProblem("province_code", f"no province {province_code}")]
        )
    names = {p.id: (p.code, p.name_fa) for p in provinces}
    services = list(
        session.scalars(select(Service).where(Service.min_level >= 2).order_by(Service.code))
    )
    own_catchment = catchments()
    line_province = Facility.province_id
    offered: dict[tuple[int, str], set[str]] = {}
    for pid, code, ownership in session.execute(
        select(line_province, ClaimLine.code, Facility.ownership)
        .join(Facility, Facility.id == ClaimLine.facility_id)
        .where(
            ClaimLine.item_type == "service",
            ClaimLine.outcome.in_(ACCEPTED),
            ClaimLine.service_date >= since,
            ClaimLine.service_date <= until,
        )
        .distinct()
    ):
        offered.setdefault((pid, code), set()).add(ownership)
    travel: dict[tuple[int, str], dict[int, int]] = {}
    for home, there, code, n in session.execute(
        select(Insured.province_id, line_province, ClaimLine.code, func.count(ClaimLine.id))
        .join(Facility, Facility.id == ClaimLine.facility_id)
        .join(Insured, Insured.national_id == ClaimLine.national_id)
        .where(
            ClaimLine.item_type == "service",
            ClaimLine.outcome.in_(ACCEPTED),
            ClaimLine.service_date >= since,
            ClaimLine.service_date <= until,
            Insured.province_id != line_province,
        )
        .group_by(Insured.province_id, line_province, ClaimLine.code)
    ):
        travel.setdefault((home, code), {})[there] = int(n)
    owned = list(
        session.scalars(
            select(Facility).where(
                Facility.ownership == Ownership.OWNED.value, Facility.is_active.is_(True)
            )
        )
    )
    beds = sum(c.beds_general + c.beds_icu for c in owned)
    national_rate = sum(c.nurses for c in owned) / beds if beds else 0.0
    out = []
    for p in provinces:
        if province_code is not None and p.code != province_code:
            continue
        centres = [c for c in owned if c.province_id == p.id]
        row = ProvinceLevelling(
            p.code, p.name_fa, p.population_2016, dict.fromkeys(LEVELS, 0),
            dict.fromkeys(LEVELS, 0), 0, 0,
        )  # fmt: skip
        for s in services:
            level = min(s.min_level, 3)
            catchment = own_catchment.get(s.code, DEFAULT_CATCHMENT[level])
            kinds = offered.get((p.id, s.code), set())
            if kinds:
                row.available[level] += 1
                row.owned_only += kinds == {Ownership.OWNED.value}
                row.contracted_only += kinds == {Ownership.CONTRACTED.value}
            if p.population_2016 < catchment:
                continue
            row.needed[level] += 1
            if kinds:
                continue
            went = sorted(
                travel.get((p.id, s.code), {}).items(), key=lambda kv: (-kv[1], names[kv[0]][0])
            )
            trips = [Travel(names[t][0], names[t][1], n) for t, n in went]
            centre = _headroom_centre(centres, level, national_rate)
            if centre is not None:
                gap = Gap(
                    s.code, s.name_fa, level, catchment, "expand", centre.code, centre.name,
                    costs.expand_rials[level],
                    f"مرکز ملکی سطح {centre.level} با نیروی کافی نسبت به تخت در استان هست؛ "
                    "افزودن خدمت به آن ارزان‌تر از ساخت است",
                    trips,
                )  # fmt: skip
            else:
                has_level = any(c.level >= level for c in centres)
                why = (
                    f"مرکز ملکی سطح {level} استان نیروی مازاد ندارد"
                    if has_level
                    else f"در استان مرکز ملکی سطح {level} نیست"
                )
                gap = Gap(
                    s.code, s.name_fa, level, catchment, "build", None, None,
                    costs.build_rials[level], why + "؛ مرکز تازه لازم است", trips,
                )  # fmt: skip
            row.gaps.append(gap)
        out.append(row)
    return out
