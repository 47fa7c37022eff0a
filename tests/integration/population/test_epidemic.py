"""The cost of an epidemic on the hand-worked cohort (epidemic_world.py has every expected
figure): admissions gathered, length of stay, intensive-care days, cost per day, the median
and 90th percentile, and the provincial scope."""

from __future__ import annotations

import pytest

from darman.common.errors import InvalidInput, PermissionDenied
from darman.population import epidemic_service as cost
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests.integration.population.epidemic_world import EpidemicWorld, build, j


@pytest.fixture
def world(session) -> EpidemicWorld:
    return build(session)


def _row(summary, province_id, ownership):
    return next(
        r for r in summary.rows if r.province_id == province_id and r.ownership == ownership
    )


def test_only_adjudicated_inpatient_episode_admissions_in_the_period_are_gathered(
    session, world
) -> None:
    rows = cost.admissions(session, SYSTEM)
    c = world.claims
    assert [r.admission_id for r in rows] == [c["a1"], c["a2"], c["a3"], c["a4"]]  # by discharge
    by_id = {r.admission_id: r for r in rows}
    a1, a2, a3, a4 = (by_id[c[k]] for k in ("a1", "a2", "a3", "a4"))
    assert (a1.los_days, a1.icu_days, a1.total_rials, a1.insurer_rials) == (5, 2, 14_000, 12_600)
    assert (a1.drugs_total_rials, a1.services_total_rials, a1.drugs_insurer_rials) == (
        1_000, 13_000, 900,
    )  # fmt: skip
    # a stay billed on two claims is one admission
    assert a2.claim_ids == f"{c['a2']};{c['a2b']}"
    assert (a2.los_days, a2.icu_days, a2.total_rials, a2.insurer_rials) == (7, 0, 7_700, 6_930)
    assert a2.ownership == "contracted"
    # discharged the day it was admitted: one day
    assert (a3.los_days, a3.total_rials) == (1, 2_000)
    assert (a4.los_days, a4.icu_days, a4.discharge_date) == (8, 2, j("1404/03/02"))


def test_the_distribution_is_the_hand_worked_one(session, world) -> None:
    summary = cost.cost_summary(session, SYSTEM)
    whole = _row(summary, None, None)
    assert (whole.admissions, whole.people, whole.patient_days) == (4, 4, 21)
    assert (whole.icu_admissions, whole.icu_days) == (2, 4)
    assert (whole.total_rials, whole.insurer_rials) == (33_700, 30_330)
    assert (whole.cost_per_admission, whole.cost_per_day) == (8_425, 1_605)
    assert (whole.median_cost, whole.p90_cost) == (8_850, 12_800)
    assert (whole.median_los, whole.p90_los) == (6.0, pytest.approx(7.7))
    assert (whole.median_cost_per_day, whole.p90_cost_per_day) == (1_625, 2_560)
    owned = _row(summary, None, "owned")
    assert (owned.admissions, owned.median_cost, owned.p90_cost) == (3, 10_000, 13_200)
    contracted = _row(summary, None, "contracted")
    assert (contracted.admissions, contracted.cost_per_day) == (1, 1_100)
    tehran = _row(summary, world.h.province_id, None)
    assert (tehran.admissions, tehran.total_rials) == (3, 31_700)
    qom_owned = _row(summary, world.q.province_id, "owned")
    assert (qom_owned.admissions, qom_owned.cost_per_day) == (1, 2_000)
    by_month = {m.month: m for m in summary.months}
    assert (by_month[140402].admissions, by_month[140402].insurer_rials) == (3, 21_330)
    assert (by_month[140403].admissions, by_month[140403].patient_days) == (1, 8)
    assert by_month[140401].admissions == 0 and len(summary.months) == 24


def test_a_province_manager_sees_their_province_only(session, world) -> None:
    qom = Principal(user_id=90, username="qm", role=Role.PROVINCE_MANAGER,
                    scope_level=ScopeLevel.PROVINCE, province_id=world.q.province_id)  # fmt: skip
    summary = cost.cost_summary(session, qom)
    assert {r.province_id for r in summary.rows} == {world.q.province_id, None}
    assert _row(summary, None, None).admissions == 1
    doctor = Principal(user_id=90, username="dr", role=Role.PHYSICIAN,
                       scope_level=ScopeLevel.FACILITY, facility_id=world.h.id)  # fmt: skip
    with pytest.raises(PermissionDenied):
        cost.cost_summary(session, doctor)


def test_a_malformed_month_and_an_unknown_episode_are_said_in_persian() -> None:
    with pytest.raises(InvalidInput) as bad:
        cost.parse_month("1405-3")
    assert "ماه" in bad.value.detail and bad.value.problems[0].field == "month"
    assert cost.parse_month("۱۴۰۵/۰۳") == 140503
    with pytest.raises(InvalidInput) as unknown:
        cost.episode("flu")
    assert unknown.value.problems[0].field == "episode_code"
