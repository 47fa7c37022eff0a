"""The snapshot queries' span forms: people covered and people on a panel on each of many
days, counted in one grouped scan by runs of day indexes (``db.day_runs``). Each answers
``(province_id, facility_id, amount on each day)`` and equals its one-day query in
``queries.py`` on every day (``tests/integration/performance/test_queries.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, func, literal, null, or_, select, union_all

from darman.db.day_runs import counts_by_day, day_index, labelled
from darman.referrals.models import PanelEnrolment
from darman.registry.models import CoveragePeriod, Insured


def insured_on_panel_on(days: list[dt.date]) -> Select[Any]:
    """``insured_on_panel`` on each of ``days`` in one grouped scan of the enrolments
    (``db.day_runs``), by the panel's province. A person's enrolments never hold the same
    day (moving to another panel ends the last enrolment the day the next begins), so
    enrolments count people."""
    e = PanelEnrolment
    first = day_index(days, lambda d: e.enrolled_on <= d)
    gone = day_index(
        days,
        lambda d: and_(e.ended_on.is_not(None), e.ended_on <= d),
        never=or_(e.ended_on.is_(None), e.ended_on > days[-1]),
    )
    runs = (
        select(*labelled({"province_id": e.province_id, "facility_id": null()}, first, gone, 1))
        .where(e.enrolled_on <= days[-1], or_(e.ended_on.is_(None), e.ended_on > days[0]))
        .subquery()
    )
    return counts_by_day(runs, len(days), ("province_id", "facility_id"))


def insured_covered_on(days: list[dt.date]) -> Select[Any]:
    """``insured_covered`` on each of ``days`` in one grouped scan of the coverage periods
    (``db.day_runs``), by province of residence. One person's periods never overlap
    (``registry.service.create_coverage`` refuses it), so periods count people. Most
    periods hold every one of the days: they are counted per province in the scan's own
    order, and only the others are grouped by their run."""
    c = CoveragePeriod
    n = len(days)
    first = day_index(days, lambda d: c.start_date <= d)
    gone = day_index(
        days,
        lambda d: and_(c.end_date.is_not(None), c.end_date < d),
        never=or_(c.end_date.is_(None), c.end_date >= days[-1]),
    )
    place = {"province_id": Insured.province_id, "facility_id": null()}
    throughout = and_(c.start_date <= days[0], or_(c.end_date.is_(None), c.end_date >= days[-1]))
    periods = (
        select()
        .select_from(c)
        .join(Insured, Insured.id == c.insured_id)
        .where(c.start_date <= days[-1], or_(c.end_date.is_(None), c.end_date >= days[0]))
    )
    runs = union_all(
        periods.with_only_columns(
            *labelled(place, literal(0), literal(n), 1)[:-1], func.count().label("weight")
        )
        .where(throughout)
        .group_by(Insured.province_id),
        periods.with_only_columns(*labelled(place, first, gone, 1)).where(~throughout),
    ).subquery()
    return counts_by_day(runs, n, ("province_id", "facility_id"))
