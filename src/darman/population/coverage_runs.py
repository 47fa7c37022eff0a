"""A prevention programme's coverage on many reference days in one statement.

``prevention.coverage_query`` counts one day: the target population then, per province
and family physician's facility, or those of it done in the window ending that day. Run
for 24 month-ends it reads every elderly person 24 times. Here each condition becomes a
run of day indexes (``db.day_runs``) and one grouped scan gives every day's count:

- a coverage period of a person of the programme: from the day they are covered, of age
  and on the register, to the day the cover ends or they age out;
- a panel enrolment: from its first day to its end, at its physician's first facility;
- being done: each service or measurement counts from the first reference day on or after
  it until the window of a later day starts after it; one person's overlapping runs are
  cut where the next begins, so they never hold the same day twice.

People on no panel count in their province only. The rows without a facility are every
person of the programme in the province, and each facility's rows those on its panels, so
each day's province total and facility counts are ``coverage_query``'s (whose rows sum to
the province's total, people on no panel in a row without a facility). One
person's coverage periods and enrolments never overlap (the registry and the panels keep
that), which is what makes runs count people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, Select, and_, cast, func, null, or_, select, union_all

from darman.claims.models import Claim, ClaimLine
from darman.db.day_runs import counts_by_day, day_index, earlier, labelled, run
from darman.population import screenings
from darman.population.models import Measurement, RegisterEntry
from darman.population.programmes import Programme
from darman.population.service import ADJUDICATED
from darman.referrals.models import PanelEnrolment
from darman.registry.models import CoveragePeriod, Insured, PractitionerFacility, Province


def coverage_on_days(programme: Programme, days: list[dt.date], *, done: bool) -> Select[Any]:
    """``(province_id, facility_id, amount on days[0], ..., days[-1])`` for ascending
    ``days``: on each day, ``prevention.coverage_query(programme, d, done=done)``'s
    province total (the row without a facility) and each facility's count."""
    n = len(days)
    c, person = CoveragePeriod, Insured
    begun = [lambda d: c.start_date <= d]
    begun.append(lambda d: person.birth_date <= screenings.born_by(d, programme.min_age))
    ends = day_index(
        days,
        lambda d: and_(c.end_date.is_not(None), c.end_date < d),
        never=or_(c.end_date.is_(None), c.end_date >= days[-1]),
    )
    gones = [ends]
    if programme.max_age is not None:
        too_old = programme.max_age + 1
        gones.append(
            day_index(
                days,
                lambda d: person.birth_date <= screenings.born_by(d, too_old),
                never=person.birth_date > screenings.born_by(days[-1], too_old),
            )
        )
    people = (
        select()
        .select_from(c)
        .join(person, person.id == c.insured_id)
        .where(
            c.start_date <= days[-1],
            or_(c.end_date.is_(None), c.end_date >= days[0]),
            person.birth_date <= screenings.born_by(days[-1], programme.min_age),
        )
    )
    if programme.sex != "any":
        people = people.where(person.sex == programme.sex)
    if programme.provinces:
        people = people.where(
            person.province_id.in_(
                select(Province.id).where(Province.code.in_(programme.provinces))
            )
        )
    if programme.register is not None:
        registered = (
            select(
                RegisterEntry.national_id.label("national_id"),
                func.min(RegisterEntry.entered_on).label("entered_on"),
            )
            .where(RegisterEntry.register_code == programme.register)
            .group_by(RegisterEntry.national_id)
            .subquery()
        )
        people = people.join(registered, registered.c.national_id == person.national_id).where(
            registered.c.entered_on <= days[-1]
        )
        begun.append(lambda d: registered.c.entered_on <= d)
    firsts = [day_index(days, b) for b in begun]
    if done:
        did = _done_runs(programme, days)
        people = people.join(did, did.c.national_id == person.national_id)
        firsts.append(did.c.first_day)
        gones.append(did.c.gone_day)
    first, gone = run(firsts, gones)

    # the programme's people once (a CTE read twice, which both databases materialise),
    # then their enrolments found from the people rather than the people from every one
    held = people.with_only_columns(
        person.id.label("insured_id"),
        person.province_id.label("province_id"),
        first.label("first_day"),
        gone.label("gone_day"),
    ).cte("programme_people")
    e = PanelEnrolment
    # the physician's first facility, looked up per enrolment of the programme's people
    facility = (
        select(func.min(PractitionerFacility.facility_id))
        .where(PractitionerFacility.practitioner_id == e.practitioner_id)
        .scalar_subquery()
    )
    on_panel_first, on_panel_gone = run(
        [held.c.first_day, day_index(days, lambda d: e.enrolled_on <= d)],
        [
            held.c.gone_day,
            day_index(
                days,
                lambda d: and_(e.ended_on.is_not(None), e.ended_on <= d),
                never=or_(e.ended_on.is_(None), e.ended_on > days[-1]),
            ),
        ],
    )
    everyone = {"province_id": held.c.province_id, "facility_id": cast(null(), Integer)}
    at_facility = {"province_id": held.c.province_id, "facility_id": facility}
    runs = union_all(
        select(*labelled(everyone, held.c.first_day, held.c.gone_day, 1)),
        # a physician with no facility attaches nobody: their people count in the province
        select(*labelled(at_facility, on_panel_first, on_panel_gone, 1))
        .select_from(held)
        .join(e, e.insured_id == held.c.insured_id)
        .where(facility.is_not(None)),
    ).subquery()
    return counts_by_day(runs, n, ("province_id", "facility_id"))


def _done_runs(programme: Programme, days: list[dt.date]) -> Any:
    """Per person, the non-overlapping runs of days on which something that counts lies in
    the programme's window: ``(national_id, first_day, gone_day)``."""
    since = programme.window(days[0])[0]
    ways: list[Select[str, dt.date]] = []
    if programme.service_codes:
        ways.append(
            select(ClaimLine.national_id.label("national_id"), ClaimLine.service_date.label("on"))
            .join(Claim, Claim.id == ClaimLine.claim_id)
            .where(
                Claim.status.in_([s.value for s in ADJUDICATED]),
                ClaimLine.code.in_(programme.service_codes),
                ClaimLine.service_date.between(since, days[-1]),
            )
        )
    if programme.loinc:
        ways.append(
            select(
                Measurement.national_id.label("national_id"),
                Measurement.measured_on.label("on"),
            ).where(
                Measurement.loinc.in_(programme.loinc),
                Measurement.measured_on.between(since, days[-1]),
            )
        )
    events = (union_all(*ways) if len(ways) > 1 else ways[0]).subquery()
    # an event counts from the first day on or after it until a day whose window starts
    # after it; runs of one person that overlap are cut where the next one begins
    each = select(
        events.c.national_id,
        day_index(days, lambda d: events.c.on <= d).label("first_day"),
        day_index(days, lambda d: events.c.on < programme.window(d)[0]).label("gone_day"),
    ).subquery()
    distinct = (
        select(each.c.national_id, each.c.first_day, func.max(each.c.gone_day).label("gone_day"))
        .group_by(each.c.national_id, each.c.first_day)
        .subquery()
    )
    following = func.lead(distinct.c.first_day).over(
        partition_by=distinct.c.national_id, order_by=distinct.c.first_day
    )
    return select(
        distinct.c.national_id,
        distinct.c.first_day,
        earlier(distinct.c.gone_day, func.coalesce(following, len(days))).label("gone_day"),
    ).subquery()
