"""The referral chain: issue, refer on to level 3, feedback, overdue feedback, phase-1 rule."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.common.errors import InvalidInput, NotFound, PermissionDenied
from darman.common.paging import PageParams
from darman.referrals import panels, reading, rollout, rules, service
from darman.referrals.exceptions import FeedbackAlreadyGiven, ReferralStillOpen
from darman.referrals.schemas import FeedbackIn
from tests.integration.referrals.world import TODAY, onward, phase_1, referral

PAGE = PageParams(page=1, size=50)


@pytest.fixture
def enrolled(session, world) -> str:
    nid = world.nids[0]
    panels.enrol(session, world.who["doc"], national_id=nid)
    return nid


def _claims_view(session, ref_number: str) -> tuple[object, ...]:
    """The referral as the claims rule R10 reads it."""
    rows = {r.ref_number: tuple(r) for r in session.execute(reading.claims_register())}
    return rows[ref_number]


def test_an_issued_referral_is_read_by_the_claims_rules_with_its_validity(
    session, world, enrolled
) -> None:
    read = service.issue(session, world.who["doc"], data=referral(enrolled, world.hospital))
    assert read.from_level == 1 and read.to_level == 2 and read.internal
    assert read.valid_until == rules.valid_until(TODAY)
    assert read.state == "open" and read.to_facility_code == world.hospital
    assert _claims_view(session, read.ref_number) == (
        read.ref_number,
        enrolled,
        TODAY,
        TODAY + dt.timedelta(days=rules.DEFAULT_VALID_DAYS - 1),
    )


def test_feedback_after_the_validity_leaves_the_claims_validity_as_issued(
    session, world, enrolled
) -> None:
    read = service.issue(
        session, world.who["doc"], data=referral(enrolled, world.hospital), valid_days=7
    )
    answer = FeedbackIn(text="ویزیت انجام شد", diagnosis="i10")
    late = TODAY + dt.timedelta(days=9)
    service.feedback(session, world.who["spec"], referral_id=read.id, data=answer, on=late)
    assert _claims_view(session, read.ref_number)[3] == TODAY + dt.timedelta(days=6)


def test_the_validity_days_are_a_parameter(session, world, enrolled) -> None:
    read = service.issue(
        session,
        world.who["doc"],
        data=referral(enrolled, world.hospital),
        valid_days=7,
        feedback_days=3,
    )
    assert read.valid_until == TODAY + dt.timedelta(days=6)
    assert read.feedback_due_on == TODAY + dt.timedelta(days=3)


def test_only_the_persons_family_physician_refers(session, world, enrolled) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.issue(session, world.who["doc2"], data=referral(enrolled, world.hospital))
    assert caught.value.problems[0].field == "national_id"
    with pytest.raises(PermissionDenied):
        service.issue(session, world.who["spec"], data=referral(enrolled, world.hospital))
    with pytest.raises(PermissionDenied):
        service.issue(session, world.who["manager"], data=referral(enrolled, world.hospital))


def test_the_receiving_facility_must_offer_the_specialty_at_the_level(
    session, world, enrolled
) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.issue(session, world.who["doc"], data=referral(enrolled, world.fp_centre))
    reasons = [p.reason for p in caught.value.problems]
    assert {p.field for p in caught.value.problems} == {"facility_code"}
    assert any("سطح" in r for r in reasons) and any("تخصص" in r for r in reasons)
    with pytest.raises(InvalidInput):
        service.issue(session, world.who["doc"], data=referral(enrolled, "NOSUCH"))


def test_one_open_referral_per_person_and_specialty(session, world, enrolled) -> None:
    service.issue(session, world.who["doc"], data=referral(enrolled, world.hospital))
    with pytest.raises(ReferralStillOpen) as caught:
        service.issue(session, world.who["doc"], data=referral(enrolled, world.suburb_hospital))
    assert caught.value.problems[0].field == "specialty"


def test_in_phase_1_a_contracted_or_outside_centre_needs_a_written_reason(
    session, world, enrolled
) -> None:
    phase_1(session, world)
    for data in (
        referral(enrolled, world.contracted),
        referral(enrolled, None, outside_facility="بیمارستان خصوصی آزمون"),
    ):
        with pytest.raises(InvalidInput) as caught:
            service.issue(session, world.who["doc"], data=data)
        (problem,) = caught.value.problems
        assert problem.field == "choice_reason"
        assert "choice_reason" in problem.reason and "مرحله‌ی اول" in problem.reason
    read = service.issue(
        session,
        world.who["doc"],
        data=referral(enrolled, world.contracted, choice_reason="نوبت مراکز ملکی تا دو ماه پر است"),
    )
    assert not read.internal and read.choice_reason.startswith("نوبت")


def test_outside_phase_1_no_reason_is_needed(session, world, enrolled) -> None:
    rollout.set_phase(session, world.who["boss"], province_code="08", phase=2, active_from=TODAY)
    read = service.issue(session, world.who["doc"], data=referral(enrolled, world.contracted))
    assert not read.internal


def test_a_level_2_specialist_refers_on_to_level_3_as_a_child(session, world, enrolled) -> None:
    parent = service.issue(session, world.who["doc"], data=referral(enrolled, world.hospital))
    child = service.refer_on(
        session, world.who["spec"], referral_id=parent.id, data=onward(world.tertiary)
    )
    assert (child.from_level, child.to_level, child.parent_ref_number) == (2, 3, parent.ref_number)
    assert child.national_id == enrolled
    chain = reading.get(session, world.who["doc"], referral_id=parent.id)
    assert [c.ref_number for c in chain.children] == [child.ref_number]
    with pytest.raises(InvalidInput):  # level 3 is the top
        service.refer_on(
            session, world.who["cardio"], referral_id=child.id, data=onward(world.tertiary)
        )
    with pytest.raises(NotFound):  # not addressed to the suburb hospital: not theirs to see
        service.refer_on(
            session, world.who["suburb_spec"], referral_id=parent.id, data=onward(world.tertiary)
        )


def test_the_specialists_feedback_reaches_the_family_physician_and_closes_the_episode(
    session, world, enrolled
) -> None:
    read = service.issue(session, world.who["doc"], data=referral(enrolled, world.hospital))
    later = TODAY + dt.timedelta(days=3)
    answer = FeedbackIn(
        text="آملودیپین افزوده شد؛ پیگیری یک ماه بعد نزد پزشک خانواده", diagnosis="i10"
    )
    service.feedback(session, world.who["spec"], referral_id=read.id, data=answer, on=later)
    seen = reading.get(session, world.who["doc"], referral_id=read.id)
    assert seen.state == "answered"
    assert seen.feedback is not None and seen.feedback.council_number == "80003"
    assert seen.feedback.diagnosis == "I10" and seen.feedback.text.startswith("آملودیپین")
    # the episode is closed for claims on the feedback day, long before its validity ends
    assert _claims_view(session, read.ref_number)[3] == later
    assert reading.get(session, world.who["doc"], referral_id=read.id).valid_until == (
        read.valid_until
    )
    with pytest.raises(FeedbackAlreadyGiven):
        service.feedback(session, world.who["spec"], referral_id=read.id, data=answer, on=later)
    # the episode is closed: a new referral for the specialty may be issued
    service.issue(session, world.who["doc"], data=referral(enrolled, world.suburb_hospital))


def test_missing_feedback_after_the_due_days_is_listed_as_overdue(session, world, enrolled) -> None:
    early = TODAY - dt.timedelta(days=20)
    late = service.issue(
        session, world.who["doc"], data=referral(enrolled, world.hospital), on=early
    )
    panels.enrol(session, world.who["doc"], national_id=world.nids[1])
    fresh = service.issue(session, world.who["doc"], data=referral(world.nids[1], world.hospital))
    listed = reading.overdue(session, world.who["manager"], page=PAGE)
    assert [r.ref_number for r in listed.items] == [late.ref_number]
    assert listed.items[0].days_overdue == 20 - rules.DEFAULT_FEEDBACK_DAYS
    assert listed.items[0].state == "overdue"
    assert reading.overdue(session, world.who["doc"], page=PAGE).total == 1
    assert reading.overdue(session, world.who["far_manager"], page=PAGE).total == 0
    assert reading.overdue(session, world.who["boss"], page=PAGE, province_code="01").total == 0
    later = TODAY + dt.timedelta(days=rules.DEFAULT_FEEDBACK_DAYS + 1)
    both = reading.overdue(session, world.who["boss"], page=PAGE, on=later)
    assert [r.ref_number for r in both.items] == [late.ref_number, fresh.ref_number]
    service.feedback(
        session, world.who["spec"], referral_id=late.id, data=FeedbackIn(text="ویزیت شد")
    )
    assert reading.overdue(session, world.who["boss"], page=PAGE).total == 0
