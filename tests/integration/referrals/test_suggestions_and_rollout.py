"""Internal referral first: which own facilities are suggested, in which order; and the
programme's rollout by province and phase."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.claims import policy
from darman.common.errors import InvalidInput, PermissionDenied
from darman.referrals import panels, rollout, service, suggestions
from tests.integration.referrals.world import CARDIO, INTERNAL, TODAY, referral


def codes(items) -> list[str]:
    return [s.facility_code for s in items]


def test_own_facilities_offering_the_specialty_are_suggested_same_city_first(
    session, world
) -> None:
    found = suggestions.suggest(session, world.who["doc"], specialty=INTERNAL)
    # the contracted hospital is never suggested; Tehran before Shahriar
    assert codes(found) == [world.hospital, world.suburb_hospital]
    assert found[0].same_city and not found[1].same_city
    assert (found[1].practitioners, found[1].open_referrals) == (2, 0)
    assert codes(suggestions.suggest(session, world.who["doc"], specialty=CARDIO, level=3)) == [
        world.tertiary
    ]
    assert suggestions.suggest(session, world.who["doc"], specialty=CARDIO) == []  # none at level 2


def test_a_busier_facility_moves_down_among_facilities_of_the_same_city(session, world) -> None:
    for nid in world.nids[:2]:
        panels.enrol(session, world.who["doc"], national_id=nid)
        service.issue(session, world.who["doc"], data=referral(nid, world.hospital))
    found = suggestions.suggest(session, world.who["boss"], specialty=INTERNAL, province_code="08")
    # no city given: the load decides, 2 open referrals for 1 internist against 0 for 2
    assert codes(found) == [world.suburb_hospital, world.hospital]
    assert found[1].open_referrals == 2 and found[1].load == 2.0
    in_shahriar = suggestions.suggest(
        session, world.who["manager"], specialty=INTERNAL, city="شهریار"
    )
    assert codes(in_shahriar)[0] == world.suburb_hospital


def test_suggestions_for_staff_name_the_province_and_refuse_a_desk(session, world) -> None:
    with pytest.raises(InvalidInput) as caught:
        suggestions.suggest(session, world.who["boss"], specialty=INTERNAL)
    assert caught.value.problems[0].field == "province_code"
    with pytest.raises(PermissionDenied):
        suggestions.suggest(
            session, world.who["far_manager"], specialty=INTERNAL, province_code="08"
        )
    with pytest.raises(PermissionDenied):
        suggestions.suggest(session, world.who["desk"], specialty=INTERNAL)
    with pytest.raises(InvalidInput):
        suggestions.suggest(session, world.who["doc"], specialty=INTERNAL, level=1)


def test_the_shipped_rollout_seeds_tehran_and_alborz_in_phase_1(session, world) -> None:
    rows = rollout.seed_rollout(session, world.who["boss"])
    assert [(r.province_code, r.phase) for r in rows] == [("05", 1), ("08", 1)]
    rollout.set_phase(session, world.who["boss"], province_code="08", phase=2, active_from=TODAY)
    again = rollout.seed_rollout(session, world.who["boss"])  # leaves existing rows alone
    assert {(r.province_code, r.phase, r.active_from) for r in again} == {
        ("05", 1, dt.date(2026, 3, 21)),
        ("08", 2, TODAY),
    }
    assert rollout.phase_on(session, world.tehran_id, TODAY) == 2
    assert rollout.phase_on(session, world.tehran_id, TODAY - dt.timedelta(days=1)) is None
    assert rollout.phase_on(session, world.far_id, TODAY) is None


def test_moving_a_rollout_date_keeps_its_phase_and_a_bad_phase_is_refused(session, world) -> None:
    boss = world.who["boss"]
    rollout.set_phase(session, boss, province_code="08", phase=2, active_from=TODAY)
    policy.set_rollout(
        session, boss, province_id=world.tehran_id, programme="referral", active_from=TODAY
    )
    assert [r.phase for r in rollout.rollout(session)] == [2]
    with pytest.raises(InvalidInput) as caught:
        rollout.set_phase(session, boss, province_code="08", phase=3, active_from=TODAY)
    assert caught.value.problems[0].field == "phase"
    with pytest.raises(PermissionDenied):
        rollout.set_phase(
            session, world.who["manager"], province_code="08", phase=1, active_from=TODAY
        )
