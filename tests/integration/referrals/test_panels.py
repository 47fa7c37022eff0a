"""Family-physician panels: enrolment, capacity, transfer with history, unenrolled lists."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.common.errors import InvalidInput, NotFound, PermissionDenied
from darman.common.paging import PageParams
from darman.referrals import panels
from darman.referrals.exceptions import AlreadyEnrolled, PanelFull
from tests.integration.referrals.world import TODAY

PAGE = PageParams(page=1, size=50)


def fields(exc: pytest.ExceptionInfo) -> set[str | None]:
    return {p.field for p in exc.value.problems}


def test_a_family_physician_enrols_a_person_into_their_own_panel(session, world) -> None:
    read = panels.enrol(session, world.who["doc"], national_id=world.nids[0])
    assert read.council_number == "80001"
    assert read.enrolled_on == TODAY and read.ended_on is None
    panel = panels.panel(session, world.who["doc"], page=PAGE)
    assert panel.members == 1 and panel.capacity == 2500
    assert [m.national_id for m in panel.items] == [world.nids[0]]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "panel_enrolment")
    )
    assert list(actions) == ["enrol"]


def test_a_person_is_on_one_panel_at_a_time(session, world) -> None:
    panels.enrol(session, world.who["doc"], national_id=world.nids[0])
    with pytest.raises(AlreadyEnrolled) as caught:
        panels.enrol(session, world.who["doc2"], national_id=world.nids[0])
    assert fields(caught) == {"national_id"}
    assert "80001" in caught.value.problems[0].reason


def test_enrolment_needs_a_covered_resident_of_the_physicians_province(session, world) -> None:
    with pytest.raises(InvalidInput) as caught:
        panels.enrol(session, world.who["doc"], national_id=world.uncovered_nid)
    assert fields(caught) == {"national_id"}
    with pytest.raises(InvalidInput) as caught:
        panels.enrol(session, world.who["boss"], national_id=world.far_nid, council_number="80001")
    assert "استان دیگری" in caught.value.problems[0].reason


def test_only_level_1_general_or_family_physicians_hold_a_panel(session, world) -> None:
    with pytest.raises(InvalidInput) as caught:
        panels.enrol(session, world.who["boss"], national_id=world.nids[0], council_number="80003")
    assert fields(caught) == {"council_number"}
    with pytest.raises(InvalidInput):
        panels.enrol(session, world.who["dentist"], national_id=world.nids[0])


def test_a_full_panel_refuses_the_next_person(session, world) -> None:
    panels.set_capacity(session, world.who["manager"], council_number="80001", capacity=1)
    panels.enrol(session, world.who["doc"], national_id=world.nids[0])
    with pytest.raises(PanelFull) as caught:
        panels.enrol(session, world.who["doc"], national_id=world.nids[1])
    assert fields(caught) == {"council_number"}
    with pytest.raises(InvalidInput) as low:
        panels.set_capacity(session, world.who["manager"], council_number="80001", capacity=0)
    assert fields(low) == {"capacity"}


def test_a_capacity_cannot_fall_below_the_current_members(session, world) -> None:
    for nid in world.nids[:2]:
        panels.enrol(session, world.who["doc"], national_id=nid)
    with pytest.raises(InvalidInput, match="below"):
        panels.set_capacity(session, world.who["boss"], council_number="80001", capacity=1)


def test_a_transfer_moves_the_person_and_keeps_the_history(session, world) -> None:
    nid = world.nids[0]
    panels.enrol(session, world.who["doc"], national_id=nid)
    moved = panels.transfer(session, world.who["doc2"], national_id=nid, council_number="80002")
    assert moved.transferred_from_council_number == "80001"
    assert panels.panel(session, world.who["doc"], page=PAGE).members == 0
    assert panels.panel(session, world.who["doc2"], page=PAGE).members == 1
    history = panels.history(session, world.who["manager"], national_id=nid)
    assert [(h.council_number, h.end_reason) for h in history] == [
        ("80001", "transfer"),
        ("80002", ""),
    ]
    assert history[0].ended_on == TODAY and history[1].ended_on is None


def test_a_transfer_needs_an_enrolled_person_and_another_physician(session, world) -> None:
    nid = world.nids[0]
    with pytest.raises(InvalidInput, match="enrol them instead"):
        panels.transfer(session, world.who["doc2"], national_id=nid, council_number="80002")
    panels.enrol(session, world.who["doc"], national_id=nid)
    with pytest.raises(InvalidInput) as caught:
        panels.transfer(session, world.who["doc"], national_id=nid, council_number="80001")
    assert fields(caught) == {"council_number"}
    with pytest.raises(PermissionDenied):  # a physician takes people into their own panel only
        panels.transfer(session, world.who["doc"], national_id=nid, council_number="80002")


def test_a_physician_sees_only_their_own_panel(session, world) -> None:
    panels.enrol(session, world.who["doc"], national_id=world.nids[0])
    with pytest.raises(NotFound):
        panels.panel(session, world.who["doc2"], page=PAGE, council_number="80001")
    assert (
        panels.panel(session, world.who["manager"], page=PAGE, council_number="80001").members == 1
    )
    with pytest.raises(NotFound):
        panels.panel(session, world.who["far_manager"], page=PAGE, council_number="80001")
    with pytest.raises(PermissionDenied):
        panels.panel(session, world.who["desk"], page=PAGE, council_number="80001")
    with pytest.raises(NotFound):
        panels.history(session, world.who["doc2"], national_id=world.nids[0])


def test_the_unenrolled_of_a_province_are_listed_for_staff_only(session, world) -> None:
    panels.enrol(session, world.who["doc"], national_id=world.nids[0])
    tehran = panels.unenrolled(session, world.who["manager"], page=PAGE)
    listed = {p.national_id for p in tehran.items}
    assert world.nids[0] not in listed
    assert set(world.nids[1:]) | {world.uncovered_nid} == listed
    assert tehran.total == 4
    national = panels.unenrolled(session, world.who["boss"], page=PAGE, province_code="01")
    assert [p.national_id for p in national.items] == [world.far_nid]
    paged = panels.unenrolled(
        session, world.who["boss"], page=PageParams(page=2, size=3), province_code="08"
    )
    assert paged.total == 4 and len(paged.items) == 1
    with pytest.raises(InvalidInput) as caught:
        panels.unenrolled(session, world.who["boss"], page=PAGE)
    assert fields(caught) == {"province_code"}
    with pytest.raises(PermissionDenied):
        panels.unenrolled(session, world.who["manager"], page=PAGE, province_code="01")
    for desk in ("desk", "doc"):
        with pytest.raises(PermissionDenied):
            panels.unenrolled(session, world.who[desk], page=PAGE)
