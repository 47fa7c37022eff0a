"""The scoring rule, worked by hand: eligibility, the exam shortlist, the interview score,
the weighted total with its tie-break, quotas after ranking, the next in line, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from darman.appointments import rules
from darman.appointments.rules import Entry, Outcome, Quota, Requirements, Rule
from darman.common.errors import InvalidInput

DAY = dt.date(2026, 12, 1)
REQ = Requirements(min_education=2, min_experience_years=5)
TEHRAN, QOM = 8, 19


def entry(app: int, **kw) -> Entry:
    base = dict(
        application_id=app,
        national_id=f"{app:010d}",
        sex="m",
        home_province_id=TEHRAN,
        birth_date=dt.date(1980, 1, 1),
        education=3,
        experience_years=10,
        exam=80.0,
        interview=80.0,
        record=50.0,
    )
    base.update(kw)
    return Entry(**base)


def test_each_unmet_requirement_is_a_reason_of_its_own() -> None:
    req = Requirements(
        min_education=3,
        min_experience_years=8,
        prior_posts=frozenset({"hospital_director"}),
        max_age=50,
    )
    young_enough = entry(1, education=2, experience_years=4, birth_date=dt.date(1970, 6, 1))
    reasons = rules.eligibility_refusals(young_enough, req, on=DAY)
    assert len(reasons) == 4
    assert "کارشناسی" in reasons[0] and "۴" not in reasons[1] and "4 سال" in reasons[1]
    assert "hospital_director" in reasons[2] and "56" in reasons[3]
    ok = entry(2, prior_posts=frozenset({"hospital_director"}), birth_date=dt.date(1980, 1, 1))
    assert rules.eligibility_refusals(ok, req, on=DAY) == []


def test_the_shortlist_takes_k_per_opening_and_everyone_tied_with_the_last() -> None:
    scores = {1: 90.0, 2: 85.0, 3: 80.0, 4: 80.0, 5: 70.0}
    # 2 openings x 1 per opening: the second place is 85
    assert rules.shortlist(scores, openings=2, rule=Rule(shortlist_per_opening=1)) == {1, 2}
    # 3 places: the third is 80, and 4 is tied with 3
    assert rules.shortlist(scores, openings=3, rule=Rule(shortlist_per_opening=1)) == {1, 2, 3, 4}
    # a cut score alone
    cut = Rule(shortlist_per_opening=None, exam_cut=82)
    assert rules.shortlist(scores, openings=1, rule=cut) == {1, 2}


def test_the_interview_score_is_the_raters_mean_on_a_hundred_and_needs_three_raters() -> None:
    # rater means 4.0, 3.5, 3.0 -> 3.5 -> (3.5 - 1) / 4 * 100 = 62.5
    marks = {
        "r1": {"leadership": 4, "planning": 4},
        "r2": {"leadership": 3, "planning": 4},
        "r3": {"leadership": 3, "planning": 3},
    }
    assert rules.interview_score(marks) == pytest.approx(62.5)
    assert rules.interview_score({k: marks[k] for k in ("r1", "r2")}) is None


def test_the_total_weights_the_stages_and_ties_go_by_the_rules_order() -> None:
    rule = Rule(weight_exam=50, weight_interview=30, weight_record=20, tie_break=("interview",))
    # 0.5*80 + 0.3*60 + 0.2*50 = 68 for both; 2 has the better interview
    a = entry(1, exam=80.0, interview=60.0, record=50.0)
    b = entry(2, exam=68.0, interview=80.0, record=50.0)  # 34 + 24 + 10 = 68
    assert rules.total(a, rule) == pytest.approx(68.0)
    placed = rules.rank_post(
        [a, b], rule, openings=1, requirements=REQ, post_province_id=TEHRAN, on=DAY
    )
    assert [(p.application_id, p.rank, p.outcome) for p in placed] == [
        (2, 1, Outcome.SELECTED),
        (1, 2, Outcome.RESERVE),
    ]
    by_exam = Rule(weight_exam=50, weight_interview=30, weight_record=20, tie_break=("exam",))
    placed = rules.rank_post(
        [a, b], by_exam, openings=1, requirements=REQ, post_province_id=TEHRAN, on=DAY
    )
    assert placed[0].application_id == 1


def test_a_post_states_why_each_application_fell_out_and_at_which_stage() -> None:
    rule = Rule(shortlist_per_opening=1, interview_cut=50, final_cut=60)
    apps = [
        entry(1, education=1),  # ineligible
        entry(2, exam=None),  # absent
        entry(3, exam=95.0, interview=None),  # shortlisted, fewer than three raters
        entry(4, exam=94.0, interview=40.0),  # below the interview cut
        entry(5, exam=93.0, interview=55.0, record=0.0),  # 46.5 + 16.5 + 0 = 63
        entry(6, exam=92.0, interview=50.0, record=0.0),  # 46 + 15 = 61
        entry(7, exam=91.0, interview=50.0, record=0.0),  # 45.5 + 15 = 60.5
        entry(8, exam=90.0, interview=50.0, record=0.0),  # 45 + 15 = 60
        entry(9, exam=89.0, interview=50.0, record=0.0),  # 44.5 + 15 = 59.5 < 60
        entry(10, exam=10.0),  # not shortlisted: 7 per... 1 x 7 openings stops at 89
    ]
    placed = rules.rank_post(
        apps, rule, openings=7, requirements=REQ, post_province_id=TEHRAN, on=DAY
    )
    got = {p.application_id: p.outcome for p in placed}
    assert got == {
        1: Outcome.INELIGIBLE,
        2: Outcome.ABSENT,
        3: Outcome.NOT_INTERVIEWED,
        4: Outcome.BELOW_INTERVIEW_CUT,
        5: Outcome.SELECTED,
        6: Outcome.SELECTED,
        7: Outcome.SELECTED,
        8: Outcome.SELECTED,
        9: Outcome.BELOW_FINAL_CUT,
        10: Outcome.NOT_SHORTLISTED,
    }
    assert [p.application_id for p in placed if p.rank] == [5, 6, 7, 8]


def test_a_quota_seats_its_best_member_in_place_of_the_lowest_ranked_non_member() -> None:
    rule = Rule(quotas=(Quota("female", 1),), shortlist_per_opening=5)
    apps = [
        entry(1, exam=90.0),
        entry(2, exam=85.0),
        entry(3, exam=80.0),
        entry(4, exam=75.0, sex="f"),
        entry(5, exam=70.0, sex="f"),
    ]
    placed = rules.rank_post(
        apps, rule, openings=3, requirements=REQ, post_province_id=TEHRAN, on=DAY
    )
    selected = [(p.application_id, p.quota) for p in placed if p.outcome is Outcome.SELECTED]
    assert selected == [(1, ""), (2, ""), (4, "female")]
    # ranks are by merit, the quota only moves who is seated
    assert [p.rank for p in placed] == [1, 2, 3, 4, 5]


def test_a_member_seated_by_rank_counts_toward_the_quota_and_quotas_apply_in_order() -> None:
    rule = Rule(quotas=(Quota("native", 1), Quota("female", 1)), shortlist_per_opening=5)
    apps = [
        entry(1, exam=90.0, sex="f"),  # female, not native to Qom: seated by rank
        entry(2, exam=85.0),
        entry(3, exam=80.0),
        entry(4, exam=75.0, home_province_id=QOM),
    ]
    placed = rules.rank_post(apps, rule, openings=2, requirements=REQ, post_province_id=QOM, on=DAY)
    selected = [(p.application_id, p.quota) for p in placed if p.outcome is Outcome.SELECTED]
    # the native seat goes to 4 in place of 2; the female quota is already met by 1
    assert selected == [(1, ""), (4, "native")]


def test_a_refused_quota_seat_passes_to_the_next_member_of_that_quota() -> None:
    rule = Rule(quotas=(Quota("female", 1),), shortlist_per_opening=5)
    apps = [
        entry(1, exam=90.0),
        entry(2, exam=85.0),
        entry(3, exam=80.0, sex="f"),
        entry(4, exam=75.0),
        entry(5, exam=70.0, sex="f"),
    ]
    placed = rules.rank_post(
        apps, rule, openings=2, requirements=REQ, post_province_id=TEHRAN, on=DAY
    )
    by_id = {p.application_id: p for p in placed}
    assert by_id[3].quota == "female" and by_id[3].outcome is Outcome.SELECTED
    nxt = rules.next_in_line(
        placed, refused=by_id[3], offered={1, 3}, rule=rule, post_province_id=TEHRAN, holding={1}
    )
    assert nxt is not None and nxt.application_id == 5 and nxt.quota == "female"
    # a seat won by rank passes to the best-ranked person not yet offered
    nxt = rules.next_in_line(
        placed, refused=by_id[1], offered={1, 3}, rule=rule, post_province_id=TEHRAN, holding={3}
    )
    assert nxt is not None and nxt.application_id == 2


def test_a_rule_whose_weights_do_not_sum_to_a_hundred_is_refused_in_persian() -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_rule(Rule(weight_exam=50, weight_interview=30, weight_record=10), openings=1)
    assert caught.value.problems[0].field == "weights"
    with pytest.raises(InvalidInput):
        rules.check_rule(Rule(quotas=(Quota("female", 2),)), openings=1)
    assert rules.Rule.from_dict(Rule(quotas=(Quota("female", 1),)).as_dict()) == Rule(
        quotas=(Quota("female", 1),)
    )


def test_a_rater_may_not_score_a_declared_relative_nor_someone_of_their_own_unit() -> None:
    declared = {"0012345679": "first_degree"}
    said = rules.conflict(
        rater_unit="U1", candidate_unit="U2", candidate_national_id="0012345679", declared=declared
    )
    assert said is not None and "درجه یک" in said
    said = rules.conflict(
        rater_unit="U1", candidate_unit="U1", candidate_national_id="0000000001", declared={}
    )
    assert said is not None and "U1" in said
    assert (
        rules.conflict(
            rater_unit="U1", candidate_unit="U2", candidate_national_id="1", declared=declared
        )
        is None
    )


def test_record_points_add_years_degree_and_managerial_posts_up_to_a_hundred() -> None:
    # 12 years -> 24; master's -> 20; one managerial post of two held -> 15
    posts = frozenset({"hospital_director", "clerk"})
    assert rules.record_points(experience_years=12, education=3, prior_posts=posts) == 59.0
    # 30 years -> 40 (capped); PhD -> 30; three managerial posts -> 30 (capped)
    many = frozenset({"hospital_director", "unit_head", "deputy_director"})
    assert rules.record_points(experience_years=30, education=5, prior_posts=many) == 100.0
    assert rules.record_points(experience_years=0, education=1, prior_posts=frozenset()) == 0.0


def test_a_province_rank_gives_twenty_points_to_the_first_and_none_to_the_last() -> None:
    # all 31 ranked: 20 x (31 - rank) / 30
    assert rules.rank_points(rank=1, ranked=31) == 20.0
    assert rules.rank_points(rank=16, ranked=31) == 10.0  # 20 x 15 / 30
    assert rules.rank_points(rank=31, ranked=31) == 0.0
    assert rules.rank_points(rank=7, ranked=31) == 16.0  # 20 x 24 / 30
    # three ranked: 20, 10, 0; a province ranked alone gets the whole
    assert [rules.rank_points(rank=r, ranked=3) for r in (1, 2, 3)] == [20.0, 10.0, 0.0]
    assert rules.rank_points(rank=1, ranked=1) == 20.0
    with pytest.raises(InvalidInput):
        rules.rank_points(rank=4, ranked=3)


def test_the_rank_part_is_added_to_the_record_points_without_passing_a_hundred() -> None:
    assert rules.record_points_with_rank(55.0, rank=2, ranked=3) == 65.0  # 55 + 10
    assert rules.record_points_with_rank(95.0, rank=1, ranked=31) == 100.0  # 95 + 20, capped


def test_only_a_candidate_listing_the_province_director_post_counts_as_serving_director() -> None:
    assert rules.is_serving_director(frozenset({"province_director", "unit_head"}))
    assert not rules.is_serving_director(frozenset({"hospital_director"}))
    assert not rules.is_serving_director(frozenset())
