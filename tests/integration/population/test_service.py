"""Registers built from claims and prescriptions, enrolment, measurements and the care
cascade of 1405Q2 on the hand-worked world (see world.py for every expected count)."""

from __future__ import annotations

import pytest

from darman.common.errors import Conflict, InvalidInput, PermissionDenied
from darman.population import service
from darman.population.schemas import EnrolmentCreate, MeasurementCreate
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests.integration.population.world import World, build, j

COLUMNS = (
    "registered", "under_care", "cohort", "controlled", "uncontrolled", "no_visit_3m",
    "lost_to_follow_up",
)  # fmt: skip


@pytest.fixture
def world(session) -> World:
    w = build(session)
    service.enrol(
        session, SYSTEM,
        data=EnrolmentCreate(register_code="htn", national_id=w.people["p5"],
                             facility_id=w.a.id, entered_on=j("1405/05/01")),
    )  # fmt: skip
    service.build_registers(session, SYSTEM)
    return w


def _counts(read, register: str, facility_id: int) -> tuple[int, ...]:
    row = next(r for r in read.rows if r.register_code == register and r.facility_id == facility_id)
    return tuple(getattr(row, c) for c in COLUMNS)


def test_the_registers_take_adjudicated_diagnoses_and_the_diseases_drugs_once_per_source(
    session, world
) -> None:
    counts = {(c.register_code, c.province_id): c for c in service.register_counts(session, SYSTEM)}
    tehran, qom = world.a.province_id, world.c.province_id
    htn = counts[("htn", tehran)]
    assert (htn.people, htn.from_claims, htn.from_prescriptions, htn.from_enrolment) == (5, 3, 1, 1)
    htn_qom = counts[("htn", qom)]
    assert (htn_qom.people, htn_qom.from_claims) == (2, 2)
    t2 = counts[("t2dm", tehran)]
    assert (t2.people, t2.from_claims, t2.from_prescriptions) == (2, 1, 2)
    assert set(counts) == {("htn", tehran), ("htn", qom), ("t2dm", tehran)}


def test_building_the_registers_again_adds_nobody(session, world) -> None:
    again = service.build_registers(session, SYSTEM)
    assert again.added == {"htn": {}, "t2dm": {}}


def test_the_first_build_reports_what_each_source_added(session) -> None:
    build(session)
    first = service.build_registers(session, SYSTEM)
    assert first.added == {
        "htn": {"claim": 5, "prescription": 1},
        "t2dm": {"claim": 1, "prescription": 2},
    }


def test_the_cascade_of_1405q2_matches_the_hand_count_per_facility(session, world) -> None:
    read = service.cascade(session, SYSTEM, quarter="1405Q2")
    assert (read.quarter, read.reference_month) == ("1405Q2", 140506)
    assert _counts(read, "htn", world.a.id) == (4, 3, 3, 1, 1, 1, 1)
    assert _counts(read, "htn", world.b.id) == (1, 1, 1, 0, 0, 1, 0)
    assert _counts(read, "htn", world.c.id) == (1, 1, 1, 0, 1, 0, 0)
    assert _counts(read, "t2dm", world.b.id) == (1, 1, 1, 1, 0, 0, 0)
    assert _counts(read, "t2dm", world.a.id) == (1, 1, 1, 0, 1, 0, 0)
    assert len(read.rows) == 5


def test_the_next_quarter_counts_the_late_entry_and_loses_the_old_visits(session, world) -> None:
    # 1405Q3: window 1404/10/01..1405/09/30, last three months from 1405/07/01.
    read = service.cascade(session, SYSTEM, quarter="1405/Q3")
    # Qom: p8 (seen 1405/06/01, not in the last three months) and p7 (claim 1405/07/10,
    # registered less than 3 months before the end: outside the cohort).
    assert _counts(read, "htn", world.c.id) == (2, 2, 1, 0, 0, 1, 0)


def test_the_cascade_summed_per_province_adds_its_facilities(session, world) -> None:
    rows = service.cascade_by_province(service.cascade(session, SYSTEM, quarter="1405Q2"))
    tehran_htn = next(
        r for r in rows if r.register_code == "htn" and r.province_id == world.a.province_id
    )
    assert tuple(getattr(tehran_htn, c) for c in COLUMNS) == (5, 4, 4, 1, 1, 2, 1)


def test_a_province_user_sees_only_their_province(session, world) -> None:
    qom = Principal(user_id=9, username="qom", role=Role.PROVINCE_MANAGER,
                    scope_level=ScopeLevel.PROVINCE, province_id=world.c.province_id)  # fmt: skip
    read = service.cascade(session, qom, quarter="1405Q2")
    assert {r.province_id for r in read.rows} == {world.c.province_id}
    assert {(c.register_code, c.province_id) for c in service.register_counts(session, qom)} == {
        ("htn", world.c.province_id)
    }


def test_a_facility_user_sees_only_their_facility(session, world) -> None:
    desk = Principal(user_id=8, username="desk", role=Role.PROVIDER_USER,
                     scope_level=ScopeLevel.FACILITY, province_id=world.b.province_id,
                     facility_id=world.b.id)  # fmt: skip
    read = service.cascade(session, desk, quarter="1405Q2")
    assert {r.facility_id for r in read.rows} == {world.b.id}


def test_enrolling_twice_answers_the_first_entry(session, world) -> None:
    data = EnrolmentCreate(
        register_code="htn", national_id=world.people["p5"], facility_id=world.a.id
    )
    again = service.enrol(session, SYSTEM, data=data)
    assert again.entered_on == j("1405/05/01") and again.source == "enrolment"


def test_an_unknown_register_is_refused_naming_the_field(session, world) -> None:
    with pytest.raises(InvalidInput) as err:
        data = EnrolmentCreate(
            register_code="copd", national_id=world.people["p5"], facility_id=world.a.id
        )
        service.enrol(session, SYSTEM, data=data)
    assert err.value.problems[0].field == "register_code"


def test_a_measurement_out_of_range_or_of_an_unknown_code_is_refused(session, world) -> None:
    for loinc, value, field in (("8480-6", 900.0, "value"), ("1234-5", 10.0, "loinc")):
        with pytest.raises(InvalidInput) as err:
            service.record_measurement(
                session, SYSTEM,
                data=MeasurementCreate(national_id=world.people["p1"], loinc=loinc, value=value,
                                       measured_on=j("1405/05/11"), facility_id=world.a.id),
            )  # fmt: skip
        assert err.value.problems[0].field == field


def test_a_measurement_sent_twice_is_stored_once(session, world) -> None:
    data = MeasurementCreate(national_id=world.people["p4"], loinc="4548-4", value=8.1,
                             measured_on=j("1405/06/01"), facility_id=world.a.id)  # fmt: skip
    first = service.record_measurement(session, SYSTEM, data=data)
    second = service.record_measurement(
        session, SYSTEM, data=data.model_copy(update={"value": 5.0})
    )
    assert first.id == second.id and second.value == 8.1


def test_a_facility_user_cannot_record_at_another_facility(session, world) -> None:
    desk = Principal(user_id=8, username="desk", role=Role.PROVIDER_USER,
                     scope_level=ScopeLevel.FACILITY, province_id=world.b.province_id,
                     facility_id=world.b.id)  # fmt: skip
    row = service.record_measurement(
        session, desk,
        data=MeasurementCreate(national_id=world.people["p3"], loinc="8480-6", value=128,
                               measured_on=j("1405/06/02"), facility_id=world.a.id),
    )  # fmt: skip
    assert row.facility_id == world.b.id  # a desk records at its own facility, whatever it names


def test_a_clinician_elsewhere_repeating_a_record_learns_nothing_of_it(session, world) -> None:
    # p5 was enrolled at facility a (Tehran); a desk at facility c (Qom) enrols p5 too
    desk = Principal(user_id=9, username="qom-desk", role=Role.PHYSICIAN,
                     scope_level=ScopeLevel.FACILITY, province_id=world.c.province_id,
                     facility_id=world.c.id)  # fmt: skip
    with pytest.raises(Conflict) as err:
        service.enrol(
            session, desk,
            data=EnrolmentCreate(register_code="htn", national_id=world.people["p5"]),
        )  # fmt: skip
    assert "۱۴۰۵" not in str(err.value) and "1405" not in str(err.value)
    data = MeasurementCreate(national_id=world.people["p4"], loinc="4548-4", value=8.1,
                             measured_on=j("1405/06/03"), facility_id=world.a.id)  # fmt: skip
    service.record_measurement(session, SYSTEM, data=data)
    with pytest.raises(Conflict) as err:
        service.record_measurement(session, desk, data=data.model_copy(update={"value": 6.0}))
    assert "8.1" not in str(err.value) and err.value.problems[0].field == "measured_on"
    # at its own facility the desk's repeat answers its own first record
    own = data.model_copy(update={"measured_on": j("1405/06/04")})
    first = service.record_measurement(session, desk, data=own)
    assert service.record_measurement(session, desk, data=own).id == first.id


def test_only_national_staff_build_the_registers(session, world) -> None:
    desk = Principal(user_id=8, username="desk", role=Role.PROVIDER_USER,
                     scope_level=ScopeLevel.FACILITY, facility_id=world.b.id)  # fmt: skip
    with pytest.raises(PermissionDenied):
        service.build_registers(session, desk)


def test_a_facility_calls_back_its_lost_and_uncontrolled_patients(session, world) -> None:
    desk = Principal(user_id=8, username="desk", role=Role.PHYSICIAN,
                     scope_level=ScopeLevel.FACILITY, province_id=world.a.province_id,
                     facility_id=world.a.id)  # fmt: skip
    rows = service.to_call_back(session, desk, quarter="1405Q2")
    p = world.people
    assert {(r.register_code, r.national_id, r.status) for r in rows} == {
        ("htn", p["p2"], "uncontrolled"),
        ("htn", p["p4"], "lost_to_follow_up"),
        ("t2dm", p["p1"], "uncontrolled"),
    }
    everyone = service.to_call_back(session, SYSTEM, quarter="1405Q2")
    assert {r.national_id for r in everyone} == {p["p1"], p["p2"], p["p4"], p["p8"]}
    assert service.to_call_back(session, SYSTEM, quarter="1405Q2", facility_id=world.b.id) == []


def test_an_enrolment_dated_in_the_future_is_refused_naming_the_field(session, world) -> None:
    data = EnrolmentCreate(
        register_code="t2dm", national_id=world.people["p10"], facility_id=world.a.id,
        entered_on=j("1499/01/01"),
    )  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        service.enrol(session, SYSTEM, data=data)
    assert err.value.problems[0].field == "entered_on"


def test_several_quarters_from_one_read_equal_one_quarter_at_a_time(session) -> None:
    from darman.population import cascade_span

    build(session)
    service.build_registers(session, SYSTEM)
    quarters = ["1404Q4", "1405Q1", "1405Q2", "1405Q3"]
    spanned = cascade_span.cascade_quarters(session, SYSTEM, quarters=quarters)
    assert [r.quarter for r in spanned] == quarters
    for read in spanned:
        assert read.rows == service.cascade(session, SYSTEM, quarter=read.quarter).rows
    # p7 entered 1405/07/10: registered in 1405Q3 only
    assert (
        sum(r.registered for r in spanned[3].rows) == sum(r.registered for r in spanned[2].rows) + 1
    )


def test_a_list_enrolment_names_each_bad_row_and_skips_those_already_enrolled(
    session, world
) -> None:
    bad = [
        EnrolmentCreate(
            register_code="htn", national_id=world.people["p2"], facility_id=world.a.id
        ),
        EnrolmentCreate(
            register_code="gout", national_id=world.people["p3"], facility_id=world.a.id
        ),
        EnrolmentCreate(register_code="htn", national_id="0000000001", facility_id=world.a.id),
    ]
    with pytest.raises(InvalidInput) as refused:
        service.enrol_many(session, SYSTEM, data=bad)
    assert [(p.row, p.field) for p in refused.value.problems] == [
        (2, "register_code"), (3, "national_id"),
    ]  # fmt: skip
    # p5 is enrolled on htn already (the fixture); p2 twice in the list counts once
    added = service.enrol_many(
        session, SYSTEM,
        data=[
            EnrolmentCreate(register_code="htn", national_id=world.people["p5"],
                            facility_id=world.a.id, entered_on=j("1403/01/10")),
            EnrolmentCreate(register_code="htn", national_id=world.people["p2"],
                            facility_id=world.b.id, entered_on=j("1403/02/10")),
            EnrolmentCreate(register_code="htn", national_id=world.people["p2"],
                            facility_id=world.b.id),
        ],
    )  # fmt: skip
    assert added == 1
    counts = {(c.register_code, c.province_id): c for c in service.register_counts(session, SYSTEM)}
    assert counts[("htn", world.a.province_id)].from_enrolment == 2
    # p2's earliest entry is now the enrolment of 1403/02/10 at B: counted there, not at A
    read = service.cascade(session, SYSTEM, quarter="1405Q2")
    assert _counts(read, "htn", world.b.id)[0] == 2  # p3 and p2
    assert sum(r.registered for r in read.rows if r.register_code == "htn") == 6
