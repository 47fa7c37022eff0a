"""The elderly's due screenings and the prevention programmes' coverage on the hand-worked
panel of ``elderly_world`` (reference day 1405/06/31), on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.errors import InvalidInput, NotFound, PermissionDenied
from darman.db.base import utcnow
from darman.performance.compute import run_query
from darman.population import coverage_runs, prevention
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests import factories as f
from tests.integration.population.elderly_world import ON, ElderlyWorld, build, measure


@pytest.fixture
def world(session: Session) -> ElderlyWorld:
    return build(session)


def _manager(province_id: int) -> Principal:
    return Principal(
        user_id=9, username="manager", role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE, province_id=province_id,
    )  # fmt: skip


def _states(read, nid: str) -> dict[str, str]:
    patient = next(p for p in read.patients if p.national_id == nid)
    return {s.code: s.status for s in patient.screenings}


def test_the_due_list_holds_the_panel_s_elderly_with_a_screening_due(
    session: Session, world: ElderlyWorld
) -> None:
    read = prevention.due_list(session, SYSTEM, council_number="PC700", on=ON)
    p = world.people
    assert read.elderly == 4  # e60, e64, e65, e70: not e59 (59), e61 (left), e66 (elsewhere)
    assert [x.national_id for x in read.patients] == [p["e70"], p["e64"], p["e60"]]
    assert [x.age for x in read.patients] == [70, 64, 60]


def test_screenings_apply_by_age_and_sex_and_count_claims_and_measurements(
    session: Session, world: ElderlyWorld
) -> None:
    read = prevention.due_list(session, SYSTEM, council_number="PC700", on=ON)
    p = world.people
    # 60: blood pressure measured; fall risk only from 65; no mammography for a man
    assert _states(read, p["e60"]) == {"blood_pressure": "done", "blood_sugar": "due"}
    # 64: visit and sugar exactly at the interval's edge count; mammography a day late
    assert _states(read, p["e64"]) == {
        "blood_pressure": "done", "blood_sugar": "done", "mammography": "due",
    }  # fmt: skip
    # 70: a rejected claim does not count; past 69, no mammography
    assert _states(read, p["e70"]) == {
        "blood_pressure": "due", "blood_sugar": "due", "fall_risk": "due",
    }  # fmt: skip
    e64 = next(x for x in read.patients if x.national_id == p["e64"])
    assert [s.code for s in e64.due] == ["mammography"]
    assert str(e64.screenings[2].last_done) == "2024-09-21"


def test_at_65_fall_risk_applies_and_a_person_with_nothing_due_is_not_listed(
    session: Session, world: ElderlyWorld
) -> None:
    read = prevention.due_list(session, SYSTEM, council_number="PC700", on=ON)
    assert world.people["e65"] not in {x.national_id for x in read.patients}
    # a day earlier e65 is 64, e60 is 59: e60 leaves the list
    before = prevention.due_list(session, SYSTEM, council_number="PC700", on=ON.replace(day=21))
    assert world.people["e60"] not in {x.national_id for x in before.patients}
    assert before.elderly == 3


def test_staff_outside_the_province_and_facility_desks_do_not_read_a_panel(
    session: Session, world: ElderlyWorld
) -> None:
    tehran = _manager(world.a.province_id)
    assert prevention.due_list(session, tehran, council_number="PC700", on=ON).elderly == 4
    other = _manager(world.a.province_id + 1)
    with pytest.raises(NotFound):
        prevention.due_list(session, other, council_number="PC700", on=ON)
    desk = Principal(user_id=9, username="desk", role=Role.PROVIDER_USER,
                     scope_level=ScopeLevel.FACILITY, facility_id=world.a.id)  # fmt: skip
    with pytest.raises(PermissionDenied):
        prevention.due_list(session, desk, council_number="PC700", on=ON)


def _cov(read) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    return (
        {r.province_id: (r.target, r.done) for r in read.provinces},
        {r.facility_id: (r.target, r.done) for r in read.facilities},
    )


def test_elderly_bp_coverage_counts_the_target_population_and_those_done(
    session: Session, world: ElderlyWorld
) -> None:
    read = prevention.coverage(session, SYSTEM, programme="elderly_bp", month="1405/06")
    provinces, facilities = _cov(read)
    tehran = world.a.province_id
    assert provinces[tehran] == (6, 3)
    assert facilities == {world.a.id: (4, 2), world.b.id: (1, 1)}
    qom = next(r for r in read.provinces if r.province_id != tehran)
    assert (qom.target, qom.done, qom.percent, qom.meets_target) == (1, 1, 100.0, True)
    row = next(r for r in read.provinces if r.province_id == tehran)
    assert (row.percent, row.meets_target) == (50.0, False)
    assert str(read.window_start) == "2025-09-23"


def test_mammography_targets_women_in_the_band_and_diabetes_the_register(
    session: Session, world: ElderlyWorld
) -> None:
    mammo = prevention.coverage(session, SYSTEM, programme="mammography_50_69", month="1405/06")
    assert _cov(mammo)[0] == {world.a.province_id: (1, 0)}
    a1c = prevention.coverage(session, SYSTEM, programme="diabetes_a1c", month="۱۴۰۵/۰۶")
    assert _cov(a1c)[0] == {world.a.province_id: (1, 1)}


def test_a_provincial_reader_gets_their_province_and_bad_input_is_named(
    session: Session, world: ElderlyWorld
) -> None:
    tehran = world.a.province_id
    who = _manager(tehran)
    read = prevention.coverage(session, who, programme="elderly_bp", month="1405/06")
    assert {r.province_id for r in read.provinces} == {tehran}
    asked_other = prevention.coverage(
        session, who, programme="elderly_bp", month="1405/06", province_id=tehran + 1
    )
    assert asked_other.provinces == [] and asked_other.facilities == []  # narrows, never widens
    with pytest.raises(InvalidInput) as bad:
        prevention.coverage(session, SYSTEM, programme="elderly_bp", month="1405/13")
    assert bad.value.problems[0].field == "month"
    with pytest.raises(InvalidInput) as unknown:
        prevention.coverage(session, SYSTEM, programme="nope")
    assert unknown.value.problems[0].field == "programme"


def test_the_performance_queries_read_the_same_coverage(
    session: Session, world: ElderlyWorld
) -> None:
    done = run_query(session, "prevention_elderly_bp_done", ON.replace(day=1), ON)
    target = run_query(session, "prevention_elderly_bp_target", ON, ON)
    tehran = world.a.province_id
    assert (target.by_province[tehran], done.by_province[tehran]) == (6.0, 3.0)
    assert done.by_facility[(tehran, world.a.id)] == 2.0
    assert target.by_facility[(tehran, world.b.id)] == 1.0


# Reference days around the hand-worked ones: a birthday that makes e60 elderly on ON and
# e59 the day after, e61 leaving the panel on 2026-06-01, the window edges of e64's visit.
DAYS = [
    dt.date(2025, 9, 22), dt.date(2026, 1, 10), dt.date(2026, 3, 20), dt.date(2026, 6, 1),
    dt.date(2026, 6, 2), ON - dt.timedelta(days=1), ON, ON + dt.timedelta(days=1),
    dt.date(2027, 3, 20),
]  # fmt: skip


def _day_by_day(session: Session, programme, day: dt.date, done: bool) -> dict:
    counts: dict[tuple[int, int | None], int] = {}
    for province_id, facility_id, amount in session.execute(
        prevention.coverage_query(programme, day, done=done)
    ):
        counts[(province_id, None)] = counts.get((province_id, None), 0) + amount
        if facility_id is not None:
            counts[(province_id, facility_id)] = amount
    return {k: v for k, v in counts.items() if v}


def more_cases(session: Session, world: ElderlyWorld) -> None:
    """People the hand-worked panel lacks: a cover that ends and starts again, a move from
    one panel to another on the same day, and a physician with no facility."""
    from darman.referrals.models import PanelEnrolment
    from darman.registry.models import Practitioner

    def person(born: str) -> Any:
        return f.insured(session, sex="female", birth_date=born, province_code="08")

    def enrol(who: Any, doc: Any, start: dt.date, end: dt.date | None) -> None:
        session.add(
            PanelEnrolment(
                insured_id=who.id, national_id=who.national_id, practitioner_id=doc.id,
                province_id=doc.province_id, enrolled_on=start, ended_on=end,
                end_reason="transfer" if end else "", open_insured_id=None if end else who.id,
                created_by="test", created_at=utcnow(),
            )
        )  # fmt: skip

    gap = person("1337/01/01")  # 68: covered to 1404/12/10, again from 1405/02/11
    f.coverage(session, national_id=gap.national_id, end_date="1404/12/10")
    f.coverage(session, national_id=gap.national_id, start_date="1405/02/11")
    enrol(gap, world.doc, dt.date(2024, 1, 1), None)
    measure(session, world.a, gap.national_id, dt.date(2026, 3, 10), "8480-6", 141)
    moved = person("1338/01/01")  # 67: from Dr. Karimi's panel to Dr. Nouri's on 2026-04-01
    f.coverage(session, national_id=moved.national_id)
    doc2 = session.scalars(select(Practitioner).where(Practitioner.council_number == "PC701")).one()
    enrol(moved, world.doc, dt.date(2024, 1, 1), dt.date(2026, 4, 1))
    enrol(moved, doc2, dt.date(2026, 4, 1), None)
    measure(session, world.b, moved.national_id, dt.date(2026, 7, 1), "8480-6", 120)
    lone = Practitioner(
        council_number="PC799", first_name="رضا", last_name="بی‌مرکز", sex="male",
        specialty="general", level=1, province_id=world.a.province_id,
    )  # fmt: skip
    session.add(lone)
    session.flush()
    nowhere = person("1330/01/01")  # 75, on the panel of a physician with no facility
    f.coverage(session, national_id=nowhere.national_id)
    enrol(nowhere, lone, dt.date(2025, 1, 1), None)
    session.flush()


@pytest.mark.parametrize("done", [False, True])
def test_every_programme_on_many_days_in_one_pass_equals_each_day_s_own_count(
    session: Session, world: ElderlyWorld, done: bool
) -> None:
    # a second blood-pressure reading of e60 whose window overlaps the first's: once a day
    measure(session, world.a, world.people["e60"], dt.date(2026, 4, 1), "8480-6", 150)
    more_cases(session, world)
    shipped = prevention.all_programmes()
    tehran_only = dataclasses.replace(shipped[0], code="bp_08", provinces=("08",))
    for programme in (*shipped, tehran_only):
        rows = session.execute(coverage_runs.coverage_on_days(programme, DAYS, done=done)).all()
        for i, day in enumerate(DAYS):
            got = {(r[0], r[1]): r[2 + i] for r in rows if r[2 + i]}
            assert got == _day_by_day(session, programme, day, done), (programme.code, day)


def test_the_span_of_elderly_bp_by_hand(session: Session, world: ElderlyWorld) -> None:
    measure(session, world.a, world.people["e60"], dt.date(2026, 4, 1), "8480-6", 150)
    session.flush()
    bp = next(p for p in prevention.all_programmes() if p.code == "elderly_bp")
    tehran = world.a.province_id
    days = [ON - dt.timedelta(days=1), ON, ON + dt.timedelta(days=1)]
    rows = session.execute(coverage_runs.coverage_on_days(bp, days, done=False)).all()
    target = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    # e60 turns 60 on ON and e59 the day after; e61 is on no panel after 2026-06-01
    assert target[(tehran, None)] == (5, 6, 7)
    assert target[(tehran, world.a.id)] == (3, 4, 5)
    assert target[(tehran, world.b.id)] == (1, 1, 1)
    rows = session.execute(coverage_runs.coverage_on_days(bp, days, done=True)).all()
    done = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    # e60 (twice measured, counted once) only from ON, when he is 60; e65; e66
    assert done[(tehran, None)] == (2, 3, 3)
    assert done[(tehran, world.a.id)] == (1, 2, 2)
