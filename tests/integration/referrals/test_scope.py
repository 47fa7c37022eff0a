"""Who sees which referrals, and who may answer them."""

from __future__ import annotations

import pytest

from darman.common.errors import NotFound, PermissionDenied
from darman.common.paging import PageParams
from darman.referrals import panels, reading, service
from darman.referrals.schemas import FeedbackIn
from tests.integration.referrals.world import referral

PAGE = PageParams(page=1, size=50)


@pytest.fixture
def two(session, world) -> tuple[int, int]:
    """One referral by doc (Tehran) to the Tehran hospital, one by doc2 to the suburb one."""
    panels.enrol(session, world.who["doc"], national_id=world.nids[0])
    panels.enrol(session, world.who["doc2"], national_id=world.nids[1])
    a = service.issue(session, world.who["doc"], data=referral(world.nids[0], world.hospital))
    b = service.issue(
        session, world.who["doc2"], data=referral(world.nids[1], world.suburb_hospital)
    )
    return a.id, b.id


def ids(session, who) -> set[int]:
    return {r.id for r in reading.list_referrals(session, who, page=PAGE).items}


def test_a_family_physician_sees_the_referrals_they_wrote(session, world, two) -> None:
    a, b = two
    assert ids(session, world.who["doc"]) == {a}
    assert ids(session, world.who["doc2"]) == {b}
    with pytest.raises(NotFound):
        reading.get(session, world.who["doc"], referral_id=b)


def test_a_specialist_sees_the_referrals_addressed_to_their_facility(session, world, two) -> None:
    a, b = two
    assert ids(session, world.who["spec"]) == {a}
    assert ids(session, world.who["suburb_spec"]) == {b}
    assert ids(session, world.who["contracted_spec"]) == set()
    with pytest.raises(NotFound):
        reading.get(session, world.who["spec"], referral_id=b)


def test_a_specialist_gives_feedback_only_on_referrals_addressed_to_them(
    session, world, two
) -> None:
    a, b = two
    note = FeedbackIn(text="بیمار ویزیت شد")
    with pytest.raises(NotFound):
        service.feedback(session, world.who["spec"], referral_id=b, data=note)
    with pytest.raises(PermissionDenied):  # the writer sees it but is not the receiving centre
        service.feedback(session, world.who["doc"], referral_id=a, data=note)
    assert (
        service.feedback(session, world.who["spec"], referral_id=a, data=note).status == "answered"
    )


def test_provincial_staff_see_their_province_and_national_staff_all(session, world, two) -> None:
    a, b = two
    assert ids(session, world.who["manager"]) == {a, b}
    assert ids(session, world.who["far_manager"]) == set()
    assert ids(session, world.who["boss"]) == {a, b}
    assert ids(session, world.who["analyst"]) == {a, b}
    with pytest.raises(NotFound):
        reading.get(session, world.who["far_manager"], referral_id=a)


def test_a_facility_desk_cannot_list_referrals(session, world, two) -> None:
    with pytest.raises(PermissionDenied):
        reading.list_referrals(session, world.who["desk"], page=PAGE)
    with pytest.raises(PermissionDenied):
        reading.overdue(session, world.who["desk"], page=PAGE)
