"""The referral programme's pure rules: validity, overdue feedback, suggestion order,
the phase-1 written reason, panel capacity and levels."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from darman.referrals import rules
from darman.referrals.enums import ReferralState, ReferralStatus
from darman.referrals.rollout import shipped_rollout

DAY = dt.date(2026, 10, 1)
ISSUED = ReferralStatus.ISSUED.value
ANSWERED = ReferralStatus.ANSWERED.value


def cand(code: str, city: str, practitioners: int, open_referrals: int) -> rules.Candidate:
    return rules.Candidate(
        facility_id=int(code[1:]),
        code=code,
        name=code,
        city=city,
        level=2,
        practitioners=practitioners,
        open_referrals=open_referrals,
    )


def test_a_referral_is_valid_for_its_days_counting_the_issue_day() -> None:
    until = rules.valid_until(DAY)
    assert until == DAY + dt.timedelta(days=rules.DEFAULT_VALID_DAYS - 1)
    assert rules.valid_until(DAY, 1) == DAY
    assert rules.is_usable(ISSUED, DAY, until, DAY)
    assert rules.is_usable(ISSUED, DAY, until, until)
    assert not rules.is_usable(ISSUED, DAY, until, until + dt.timedelta(days=1))
    assert not rules.is_usable(ISSUED, DAY, until, DAY - dt.timedelta(days=1))


def test_an_answered_referral_is_no_longer_usable_for_another_visit() -> None:
    assert not rules.is_usable(ANSWERED, DAY, rules.valid_until(DAY), DAY)


def test_feedback_is_overdue_only_after_its_due_day_and_only_while_unanswered() -> None:
    due = rules.feedback_due(DAY)
    assert due == DAY + dt.timedelta(days=rules.DEFAULT_FEEDBACK_DAYS)
    assert not rules.is_overdue(ISSUED, due, due)
    assert rules.is_overdue(ISSUED, due, due + dt.timedelta(days=1))
    assert not rules.is_overdue(ANSWERED, due, due + dt.timedelta(days=30))
    assert rules.days_overdue(due, due + dt.timedelta(days=3)) == 3


def test_the_state_shown_tells_open_overdue_expired_and_answered_apart() -> None:
    until, due = rules.valid_until(DAY, 10), rules.feedback_due(DAY, 20)
    assert rules.state(ISSUED, until, due, DAY) is ReferralState.OPEN
    assert rules.state(ISSUED, until, due, until + dt.timedelta(days=1)) is ReferralState.EXPIRED
    assert rules.state(ISSUED, until, due, due + dt.timedelta(days=1)) is ReferralState.OVERDUE
    assert rules.state(ANSWERED, until, due, due + dt.timedelta(days=1)) is ReferralState.ANSWERED


def test_suggestions_put_the_same_city_first_then_the_lightest_load() -> None:
    ranked = rules.rank(
        [
            cand("F1", "کرج", 1, 5),  # same city, heavy
            cand("F2", "تهران", 2, 0),  # other city, empty
            cand("F3", "کرج", 4, 2),  # same city, 0.5 per practitioner
            cand("F4", "", 1, 0),  # city unknown
        ],
        "کرج",
    )
    assert [c.code for c in ranked] == ["F3", "F1", "F2", "F4"]


def test_without_a_known_city_suggestions_follow_load_and_then_code() -> None:
    ranked = rules.rank(
        [cand("F2", "کرج", 2, 2), cand("F1", "تهران", 1, 1), cand("F3", "", 3, 0)], None
    )
    assert [c.code for c in ranked] == ["F3", "F1", "F2"]


def test_load_counts_open_referrals_per_practitioner_of_the_specialty() -> None:
    assert cand("F1", "", 4, 2).load == Fraction(1, 2)
    assert cand("F1", "", 0, 3).load == 3  # a facility without practitioners is not free


def test_in_phase_1_leaving_the_own_network_needs_a_written_reason() -> None:
    problem = rules.choice_problem(1, internal=False, choice_reason="")
    assert problem is not None and problem.field == "choice_reason"
    assert "مرحله‌ی اول" in problem.reason
    assert rules.choice_problem(1, internal=False, choice_reason="  ") is not None
    assert (
        rules.choice_problem(1, internal=False, choice_reason="نوبت مرکز ملکی تا دو ماه پر است")
        is None
    )
    assert rules.choice_problem(1, internal=True, choice_reason="") is None


def test_phase_2_and_provinces_not_rolled_out_need_no_reason() -> None:
    assert rules.choice_problem(2, internal=False, choice_reason="") is None
    assert rules.choice_problem(None, internal=False, choice_reason="") is None


def test_a_full_panel_refuses_naming_the_physician() -> None:
    assert rules.capacity_problem(9, 10) is None
    problem = rules.capacity_problem(10, 10)
    assert problem is not None and problem.field == "council_number"


def test_only_level_1_general_or_family_physicians_hold_panels() -> None:
    assert rules.is_family_physician(1, "پزشک خانواده")
    assert rules.is_family_physician(1, "پزشک عمومی")
    assert not rules.is_family_physician(1, "دندان‌پزشکی")
    assert not rules.is_family_physician(2, "پزشک عمومی")


def test_referrals_go_up_one_level_and_stop_at_level_3() -> None:
    assert rules.next_level(1) == 2
    assert rules.next_level(2) == 3
    assert rules.next_level(3) is None


def test_referral_numbers_carry_the_jalali_year_and_differ() -> None:
    numbers = {rules.new_ref_number(1405) for _ in range(50)}
    assert len(numbers) == 50
    assert all(n.startswith("RF1405-") and len(n) == 15 for n in numbers)


def test_the_shipped_rollout_puts_tehran_and_alborz_in_phase_1() -> None:
    assert {(code, phase) for code, phase, _ in shipped_rollout()} == {("08", 1), ("05", 1)}
