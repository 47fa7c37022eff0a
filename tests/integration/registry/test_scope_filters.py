"""The scope filters every domain restricts its queries with, at each scope level.

Three facilities: two in Tehran (province 1, codes 01), one in Qom (province 24). What
each caller sees is worked out by hand from that.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from darman.common.errors import PermissionDenied
from darman.registry import scope
from darman.registry.models import Facility
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal
from tests import factories as f

TEHRAN, QOM = 1, 24


@pytest.fixture
def three(session: Session) -> tuple[int, int, int]:
    a = f.facility(session, province_code="01")
    b = f.facility(session, province_code="01")
    c = f.facility(session, province_code="24")
    return a.id, b.id, c.id


def national() -> Principal:
    return Principal(
        user_id=1, username="hq", role=Role.HQ_ANALYST, scope_level=ScopeLevel.NATIONAL
    )


def provincial(province_id: int) -> Principal:
    return Principal(
        user_id=2,
        username="boss",
        role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=province_id,
    )


def at(facility_id: int, province_id: int) -> Principal:
    return Principal(
        user_id=3,
        username="desk",
        role=Role.PROVIDER_USER,
        scope_level=ScopeLevel.FACILITY,
        province_id=province_id,
        facility_id=facility_id,
    )


def seen(session: Session, who: Principal, **places: Any) -> set[int]:
    query = scope.restrict(select(Facility.id), who, **places)
    return set(session.scalars(query))


def test_a_national_caller_sees_every_row(session: Session, three: tuple[int, int, int]) -> None:
    places = {"province": Facility.province_id, "facility": Facility.id}
    assert seen(session, national(), **places) == set(three)


def test_a_provincial_caller_sees_only_its_provinces_rows(
    session: Session, three: tuple[int, int, int]
) -> None:
    a, b, c = three
    assert seen(session, provincial(TEHRAN), province=Facility.province_id) == {a, b}
    assert seen(session, provincial(QOM), province=Facility.province_id) == {c}


def test_a_facility_caller_sees_only_its_facilitys_rows(
    session: Session, three: tuple[int, int, int]
) -> None:
    _, b, _ = three
    places = {"province": Facility.province_id, "facility": Facility.id}
    assert seen(session, at(b, TEHRAN), **places) == {b}


def test_rows_without_a_facility_column_show_a_facility_its_province(
    session: Session, three: tuple[int, int, int]
) -> None:
    a, b, _ = three
    assert seen(session, at(a, TEHRAN), province=Facility.province_id) == {a, b}


def test_a_facility_is_refused_rows_it_may_not_read_with_the_reason(
    session: Session, three: tuple[int, int, int]
) -> None:
    with pytest.raises(PermissionDenied, match="desks do not list these"):
        seen(
            session,
            at(three[0], TEHRAN),
            province=Facility.province_id,
            facility_refused="desks do not list these",
        )
    # the refusal is for facilities only: provincial staff still read their rows
    assert seen(
        session,
        provincial(QOM),
        province=Facility.province_id,
        facility_refused="desks do not list these",
    ) == {three[2]}


def test_a_place_may_be_a_condition_built_from_the_callers_id(
    session: Session, three: tuple[int, int, int]
) -> None:
    a, b, c = three
    # a provincial caller who also reads one row held open to all (as national tenders are)
    open_to_all = a

    def province_or_open(pid: int | None) -> ColumnElement[bool]:
        return (Facility.province_id == pid) | (Facility.id == open_to_all)

    assert seen(session, provincial(QOM), province=province_or_open) == {a, c}
    assert seen(session, at(b, TEHRAN), facility=lambda fid: Facility.id == fid) == {b}


def test_a_level_without_the_column_it_needs_is_an_error_not_an_unfiltered_query(
    session: Session, three: tuple[int, int, int]
) -> None:
    with pytest.raises(ValueError, match="no province column"):
        seen(session, provincial(TEHRAN), facility=Facility.id)


def test_a_report_is_about_the_asked_province_for_national_staff_and_every_one_unasked() -> None:
    assert scope.report_province(national(), QOM, refused="no") == QOM
    assert scope.report_province(national(), None, refused="no") is None


def test_a_report_is_about_a_provincial_users_own_province_and_no_other() -> None:
    assert scope.report_province(provincial(TEHRAN), None, refused="no") == TEHRAN
    assert scope.report_province(provincial(TEHRAN), TEHRAN, refused="no") == TEHRAN
    with pytest.raises(PermissionDenied, match="outside your scope"):
        scope.report_province(provincial(TEHRAN), QOM, refused="no")


def test_a_report_is_refused_to_a_facility_with_the_reason() -> None:
    with pytest.raises(PermissionDenied, match="staff only"):
        scope.report_province(at(5, TEHRAN), TEHRAN, refused="staff only")


def test_the_level_predicates_name_exactly_one_level() -> None:
    levels = [national(), provincial(TEHRAN), at(5, TEHRAN)]
    assert [scope.at_facility(w) for w in levels] == [False, False, True]
    assert [scope.provincial(w) for w in levels] == [False, True, False]
