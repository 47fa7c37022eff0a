"""The compute job: every indicator of a period's type, for every province and, where both
of its queries count by facility, every facility, from one grouped query per named
numerator or denominator (a query shared by several indicators runs once). The period's
facts are replaced whole, so running it again gives the same table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from darman.db.base import utcnow
from darman.performance.definitions import Definitions, Indicator
from darman.performance.models import IndicatorFact
from darman.performance.periods import Period
from darman.performance.queries import QUERIES
from darman.performance.rules import ratio
from darman.registry.models import Province


@dataclass
class Amounts:
    by_province: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    by_facility: dict[tuple[int, int], float] = field(default_factory=dict)


@dataclass(frozen=True)
class ComputeResult:
    period: str
    indicators: list[str]
    province_facts: int
    facility_facts: int


def run_query(session: Session, name: str, start: dt.date, end: dt.date) -> Amounts:
    """One named query over the period, as amounts per province and per facility."""
    out = Amounts()
    for province_id, facility_id, amount in session.execute(QUERIES[name].build(start, end)):
        if province_id is None:
            continue
        value = float(amount or 0)
        out.by_province[int(province_id)] += value
        if facility_id is not None:
            out.by_facility[(int(province_id), int(facility_id))] = value
    return out


def by_facility(ind: Indicator) -> bool:
    """Whether the indicator has facts per facility (both its queries count by facility)."""
    return QUERIES[ind.numerator].by_facility and QUERIES[ind.denominator].by_facility


def due(definitions: Definitions, period: Period) -> list[Indicator]:
    """The indicators reported for periods of this kind."""
    return [i for i in definitions.indicators if i.period_type is period.kind]


def compute(session: Session, period: Period, definitions: Definitions) -> ComputeResult:
    """Recompute and replace every fact of ``period`` (see the module)."""
    indicators = due(definitions, period)
    start, end = period.bounds()
    names = {q for i in indicators for q in (i.numerator, i.denominator)}
    amounts = {name: run_query(session, name, start, end) for name in sorted(names)}
    provinces = list(session.scalars(select(Province.id).order_by(Province.id)))
    now = utcnow()
    rows: list[dict[str, object]] = []
    facility_facts = 0
    for ind in indicators:
        num, den = amounts[ind.numerator], amounts[ind.denominator]
        for pid in provinces:
            n, d = num.by_province.get(pid, 0.0), den.by_province.get(pid, 0.0)
            rows.append(_fact(ind, period, pid, None, n, d, definitions.version, now))
        if by_facility(ind):
            for (pid, fid), d in den.by_facility.items():
                if d == 0:
                    continue
                n = num.by_facility.get((pid, fid), 0.0)
                rows.append(_fact(ind, period, pid, fid, n, d, definitions.version, now))
                facility_facts += 1
    session.execute(
        delete(IndicatorFact).where(
            IndicatorFact.period == period.code,
            IndicatorFact.indicator_code.in_([i.code for i in indicators]),
        )
    )
    if rows:
        session.execute(insert(IndicatorFact), rows)
    return ComputeResult(
        period=period.code,
        indicators=[i.code for i in indicators],
        province_facts=len(rows) - facility_facts,
        facility_facts=facility_facts,
    )


def _fact(
    ind: Indicator,
    period: Period,
    province_id: int,
    facility_id: int | None,
    numerator: float,
    denominator: float,
    version: str,
    now: dt.datetime,
) -> dict[str, object]:
    return {
        "indicator_code": ind.code,
        "period": period.code,
        "province_id": province_id,
        "facility_id": facility_id,
        "numerator": numerator,
        "denominator": denominator,
        "value": ratio(numerator, denominator, ind.factor, ind.min_denominator),
        "definitions_version": version,
        "computed_at": now,
    }
