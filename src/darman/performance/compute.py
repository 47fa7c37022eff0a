"""The compute job: every indicator of a period's type, for every province and, where both
of its queries count by facility, every facility, from one grouped query per named
numerator or denominator (a query shared by several indicators runs once). The period's
facts are replaced whole, so running it again gives the same table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, case, delete, literal_column, select
from sqlalchemy.orm import Session

from darman.db import bulk
from darman.db.base import utcnow
from darman.performance import statistics
from darman.performance.definitions import Definitions, Indicator
from darman.performance.models import IndicatorFact
from darman.performance.periods import Period
from darman.performance.queries import QUERIES, NamedQuery, moments
from darman.performance.rules import ratio
from darman.registry.models import Province

_FACTS = cast(Table, IndicatorFact.__table__)
FACT_COLUMNS = (
    "indicator_code",
    "period",
    "province_id",
    "facility_id",
    "numerator",
    "denominator",
    "value",
    "definitions_version",
    "computed_at",
)


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
    return compute_months(session, [period], definitions)[0]


def compute_months(
    session: Session, months: list[Period], definitions: Definitions
) -> list[ComputeResult]:
    """Recompute and replace the facts of several consecutive periods of one kind at once:
    each named query runs once over the whole span with the period as a grouping column
    (a query counted on each period's last day runs once with a column per day where it
    has a span form, else once per period), so the result is the same as computing the
    periods one by one."""
    if not months:
        return []
    indicators = due(definitions, months[0])
    names = sorted({q for i in indicators for q in (i.numerator, i.denominator)})
    amounts = {name: run_span(session, name, months) for name in names}
    provinces = list(session.scalars(select(Province.id).order_by(Province.id)))
    now = utcnow()
    rows: list[dict[str, object]] = []
    results = []
    for period in months:
        these = {name: amounts[name][period.code] for name in names}
        made, facility_facts = _rows(indicators, period, these, provinces, definitions, now)
        rows.extend(made)
        results.append(
            ComputeResult(
                period=period.code,
                indicators=[i.code for i in indicators],
                province_facts=len(made) - facility_facts,
                facility_facts=facility_facts,
            )
        )
    session.execute(
        delete(IndicatorFact).where(
            IndicatorFact.period.in_([p.code for p in months]),
            IndicatorFact.indicator_code.in_([i.code for i in indicators]),
        )
    )
    # COPY / a plain executemany: the ORM's bulk path builds an insert command per fact,
    # a third of the job at 120,000 facts
    bulk.insert_rows(
        session.connection(),
        _FACTS,
        FACT_COLUMNS,
        [tuple(row[c] for c in FACT_COLUMNS) for row in rows],
    )
    # the scorecard and the ranking read these facts next: plan them on their real size
    statistics.refresh(session, IndicatorFact.__tablename__, rows=len(rows))
    return results


def _rows(
    indicators: list[Indicator],
    period: Period,
    amounts: dict[str, Amounts],
    provinces: list[int],
    definitions: Definitions,
    now: dt.datetime,
) -> tuple[list[dict[str, object]], int]:
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
    return rows, facility_facts


def _bucket(query: NamedQuery, months: list[Period]) -> Any:
    """The period a row falls in, as a SQL expression over the query's dating column."""
    if query.kind == "moment":
        whens = [(query.dated < moments(*p.bounds())[1], p.code) for p in months]
    else:
        whens = [(query.dated <= p.bounds()[1], p.code) for p in months]
    return case(*whens, else_=None)


def run_span(session: Session, name: str, months: list[Period]) -> dict[str, Amounts]:
    """One named query over consecutive periods: the amounts of each period."""
    query = QUERIES[name]
    if query.kind == "snapshot" and query.span is not None and len(months) > 1:
        return _run_snapshots(session, query, months)
    if query.kind == "snapshot" or len(months) == 1:
        return {p.code: run_query(session, name, *p.bounds()) for p in months}
    start, end = months[0].bounds()[0], months[-1].bounds()[1]
    if query.kind == "static":
        same = run_query(session, name, start, end)
        return {p.code: same for p in months}
    out = {p.code: Amounts() for p in months}
    # a Jalali yyyymm column is its own period: grouped by it, named here (no CASE per row)
    by_month = {p.year * 100 + p.number: p.code for p in months}
    bucket = query.dated if query.kind == "month" else _bucket(query, months)
    # grouped by the output column's name: the CASE's bound values would otherwise make
    # PostgreSQL see the select's and the GROUP BY's expressions as different
    stmt = (
        query.build(start, end)
        .add_columns(bucket.label("period"))
        .group_by(literal_column("period"))
    )
    for province_id, facility_id, amount, found in session.execute(stmt):
        period = by_month.get(int(found)) if query.kind == "month" and found else found
        if province_id is None or period is None:
            continue
        value = float(amount or 0)
        got = out[period]
        got.by_province[int(province_id)] += value
        if facility_id is not None:
            got.by_facility[(int(province_id), int(facility_id))] = value
    return out


def _run_snapshots(session: Session, query: NamedQuery, months: list[Period]) -> dict[str, Amounts]:
    """A snapshot counted on every period's last day in one statement: rows without a
    facility are the province's amounts, rows with one the facility's (already in the
    province's)."""
    assert query.span is not None
    out = {p.code: Amounts() for p in months}
    for row in session.execute(query.span([p.bounds()[1] for p in months])):
        province_id, facility_id, *counts = tuple(row)
        if province_id is None:
            continue
        for period, count in zip(months, counts, strict=True):
            if not count:
                continue  # as a day's own query, which answers no row for nobody
            got = out[period.code]
            if facility_id is None:
                got.by_province[int(province_id)] += float(count)
            else:
                got.by_facility[(int(province_id), int(facility_id))] = float(count)
    return out


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
