"""Each named numerator and denominator query on the hand-worked world (world.py), on both
databases: per province, and per facility where the query counts by facility."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from darman.performance.compute import run_query
from darman.performance.definitions import shipped
from darman.performance.queries import QUERIES
from tests.integration.performance import world as w


@pytest.fixture
def country(session: Session) -> w.World:
    return w.build(session)


def _amounts(session: Session, name: str) -> tuple[dict[int, float], dict[int, float]]:
    got = run_query(session, name, w.START, w.END)
    by_fac = {fid: v for (_, fid), v in got.by_facility.items()}
    return {k: v for k, v in got.by_province.items() if v}, by_fac


def test_every_query_an_indicator_names_exists() -> None:
    for ind in shipped().indicators:
        assert ind.numerator in QUERIES and ind.denominator in QUERIES


def test_payment_delay_counts_contracted_claims_paid_in_the_period(
    session: Session, country: w.World
) -> None:
    days, fac_days = _amounts(session, "contracted_paid_claim_days")
    count, _ = _amounts(session, "contracted_paid_claims")
    # A: 35 + 20 days over 2 claims; C: 110 days; B is owned; one was paid the day after
    assert days == {country.tehran: 55, country.qom: 110}
    assert count == {country.tehran: 2, country.qom: 1}
    assert fac_days[country.a.id] == 55


def test_deductions_and_copayment_count_adjudicated_claims_submitted_in_the_period(
    session: Session, country: w.World
) -> None:
    deducted, by_fac = _amounts(session, "deducted_rials")
    asked, _ = _amounts(session, "adjudicated_asked_rials")
    copay, _ = _amounts(session, "copay_rials")
    allowed, _ = _amounts(session, "allowed_rials")
    assert deducted == {country.tehran: 100}
    assert by_fac == {country.a.id: 100, country.b.id: 0, country.c.id: 0}
    assert asked == {country.tehran: 3000}  # 1000 (A, paid) + 2000 (B); A's 5000 is pending
    assert copay == {country.tehran: 800}
    assert allowed == {country.tehran: 2900}


def test_level_two_visits_count_only_in_provinces_running_the_referral_programme(
    session: Session, country: w.World
) -> None:
    visits, _ = _amounts(session, "level2_outpatient_claims_in_rollout")
    referred, _ = _amounts(session, "level2_outpatient_claims_referred")
    # Tehran: A's two submitted on Mehr 1st (one with R1), A's pending one, B's approved
    # one; Qom is not in the programme
    assert visits == {country.tehran: 4}
    assert referred == {country.tehran: 1}


def test_prescriptions_issued_in_the_period_and_those_dispensed(
    session: Session, country: w.World
) -> None:
    issued, _ = _amounts(session, "prescriptions_issued")
    dispensed, _ = _amounts(session, "prescriptions_dispensed")
    assert issued == {country.tehran: 2, country.qom: 1}  # the refused one is left out
    assert dispensed == {country.tehran: 1, country.qom: 1}  # twice dispensed counts once


def test_referrals_issued_answered_in_time_and_internal(session: Session, country: w.World) -> None:
    issued, _ = _amounts(session, "referrals_issued")
    in_time, _ = _amounts(session, "referrals_answered_in_time")
    internal, _ = _amounts(session, "referrals_internal")
    assert issued == {country.tehran: 3, country.qom: 1}
    assert in_time == {country.tehran: 1, country.qom: 1}
    assert internal == {country.tehran: 2}


def test_panels_and_insured_count_people_on_the_period_s_last_day(
    session: Session, country: w.World
) -> None:
    on_panel, _ = _amounts(session, "insured_on_panel")
    covered, by_fac = _amounts(session, "insured_covered")
    assert on_panel == {country.tehran: 2}
    # Tehran: two covered (a third's cover ended in Shahrivar); Qom: one (one starts later)
    assert covered == {country.tehran: 2, country.qom: 1}
    assert by_fac == {}


def test_stock_records_of_the_month(session: Session, country: w.World) -> None:
    vital, _ = _amounts(session, "vital_stock_records")
    out, _ = _amounts(session, "vital_stock_records_out")
    closing, _ = _amounts(session, "closing_stock_times_30")
    issues, by_fac = _amounts(session, "stock_issues")
    assert vital == {country.tehran: 2, country.qom: 1}
    assert out == {country.tehran: 1, country.qom: 1}
    assert closing == {country.tehran: 150 * 30, country.qom: 10 * 30}
    assert issues == {country.tehran: 390, country.qom: 10}
    assert by_fac == {country.a.id: 390, country.c.id: 10}


def test_deliveries_on_time_by_the_ordering_facility(session: Session, country: w.World) -> None:
    delivered, _ = _amounts(session, "deliveries")
    on_time, _ = _amounts(session, "deliveries_by_due_day")
    assert delivered == {country.tehran: 2}
    assert on_time == {country.tehran: 1}


def test_beds_icu_beds_and_physicians_of_active_centres(session: Session, country: w.World) -> None:
    beds, by_fac = _amounts(session, "active_beds")
    icu, _ = _amounts(session, "icu_beds")
    doctors, _ = _amounts(session, "physicians")
    assert beds == {country.tehran: 75, country.qom: 33}
    assert by_fac[country.a.id] == 55
    assert icu == {country.tehran: 5, country.qom: 3}
    assert doctors == {country.tehran: 15, country.qom: 3}


def test_snapshots_on_many_days_in_one_pass_equal_each_day_s_own_count(
    session: Session, country: w.World
) -> None:
    from darman.common.jalali import parse_jalali
    from darman.performance import queries, snapshots

    days = [parse_jalali(d) for d in ("1405/05/31", "1405/06/31", "1405/08/30")]
    got = {r[0]: tuple(r[2:]) for r in session.execute(snapshots.insured_covered_on(days))}
    # Tehran: three covered until a cover ends in mid-Shahrivar; Qom: a second from Aban 5th
    assert got == {country.tehran: (3, 2, 2), country.qom: (1, 1, 2)}
    for i, day in enumerate(days):
        alone = {p: a for p, _, a in session.execute(queries.insured_covered(day, day))}
        assert {p: v[i] for p, v in got.items()} == alone
    # enrolments: one ends the day before the period's end, one the day after
    days = [w.END - 2 * w.DAY, w.END, w.END + w.DAY]
    panel = {r[0]: tuple(r[2:]) for r in session.execute(snapshots.insured_on_panel_on(days))}
    assert panel == {country.tehran: (3, 2, 1)}
