"""Who sees which prescriptions."""

from __future__ import annotations

import pytest

from darman.common.errors import InvalidInput, NotFound, PermissionDenied
from darman.common.paging import PageParams
from darman.prescriptions import issuing, service
from darman.registry.service import UserPlaces
from darman.security import service as security
from darman.security.enums import Role, ScopeLevel
from tests.integration.prescriptions.world import DAY, drug, rx

PAGE = PageParams(page=1, size=50)


@pytest.fixture
def two(session, world) -> tuple[int, int]:
    """One prescription by doc (province 01), one by fardoc (another province)."""
    mine = issuing.issue(session, world.who["doc"], data=rx(world.nid, drug("10005")), on=DAY)
    far = issuing.issue(
        session, world.who["fardoc"], data=rx(world.other_nid, drug("10011", 30, 30)), on=DAY
    )
    return mine.id, far.id


def ids(session, who) -> set[int]:
    return {p.id for p in service.list_prescriptions(session, who, page=PAGE).items}


def test_a_physician_sees_only_the_prescriptions_they_wrote(session, world, two) -> None:
    mine, _far = two
    assert ids(session, world.who["doc"]) == {mine}
    assert ids(session, world.who["doc2"]) == set()  # same clinic, another physician
    assert service.get(session, world.who["doc"], prescription_id=mine).id == mine
    with pytest.raises(NotFound):
        service.get(session, world.who["doc2"], prescription_id=mine)


def test_a_pharmacist_cannot_list_or_fetch_by_id(session, world, two) -> None:
    mine, _ = two
    with pytest.raises(PermissionDenied, match="tracking code"):
        service.list_prescriptions(session, world.who["pharm_a"], page=PAGE)
    with pytest.raises(PermissionDenied):
        service.get(session, world.who["pharm_a"], prescription_id=mine)
    with pytest.raises(PermissionDenied):
        service.list_prescriptions(session, world.who["lab"], page=PAGE, national_id=world.nid)


def test_national_staff_see_every_province_and_provincial_staff_their_own(
    session, world, two
) -> None:
    mine, far = two
    assert ids(session, world.who["boss"]) == {mine, far}
    assert ids(session, world.who["manager"]) == {mine}
    assert ids(session, world.who["far_manager"]) == {far}
    with pytest.raises(NotFound):
        service.get(session, world.who["manager"], prescription_id=far)


def test_a_physician_user_is_linked_by_council_number_at_their_facility(session, world) -> None:
    user = security.get_user(session, username="doc")
    assert user.practitioner_id is not None
    assert world.who["doc"].practitioner_id == user.practitioner_id


def test_a_practitioner_link_is_refused_for_other_roles_and_other_facilities(
    session, world
) -> None:
    with pytest.raises(InvalidInput, match="practitioner"):
        security.create_user(
            session, places=UserPlaces(session), actor="test",
            username="x1", password="long-enough-1", role=Role.PHARMACIST,
            scope_level=ScopeLevel.FACILITY, facility_id=world.pharmacy_a_id,
            practitioner_council_number="90001",
        )  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        security.create_user(
            session, places=UserPlaces(session), actor="test",
            username="x2", password="long-enough-1", role=Role.PHYSICIAN,
            scope_level=ScopeLevel.FACILITY, facility_id=world.pharmacy_a_id,
            practitioner_council_number="90001",
        )  # fmt: skip
    assert "کار نمی‌کند" in str(caught.value)
    with pytest.raises(InvalidInput, match="در ثبت نیست"):
        security.create_user(
            session, places=UserPlaces(session), actor="test",
            username="x3", password="long-enough-1", role=Role.PHYSICIAN,
            scope_level=ScopeLevel.FACILITY, facility_id=world.clinic_id,
            practitioner_council_number="123",
        )  # fmt: skip
