"""Appointments through the services, on both databases: imports with per-row errors, the
versioned rule, scorecards and conflicts, the ranking worked by hand in ``world``, offers
passing on refusal, the caller's scope and a candidate's own result."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from darman.appointments import rules, service
from darman.appointments.exceptions import (
    ConflictOfInterest,
    PostNotFound,
    RaterNotFound,
    RuleChangeNeedsReason,
)
from darman.appointments.models import (
    Application,
    Candidate,
    ExamScore,
    RecordPoints,
    Scorecard,
)
from darman.audit.models import AuditEntry
from darman.common.errors import AuthenticationFailed, Conflict, InvalidInput
from darman.common.persian import to_persian_digits
from darman.common.tabular import TableFormat, write_table
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests.integration.appointments.world import CALL, IDS, POST, RULE, build, candidates_csv

QOM_MANAGER = Principal(2, "qom", Role.PROVINCE_MANAGER, ScopeLevel.PROVINCE, province_id=None)


def _province_id(session, code: str) -> int:
    from darman.registry.service_support import province_id_for

    return province_id_for(session, code)


def _audits(session, action: str) -> int:
    return session.scalar(select(func.count()).where(AuditEntry.action == action))


def test_a_candidate_file_reports_each_bad_row_in_persian_and_writes_the_good_ones(session) -> None:
    build(session, scores=False)
    bad = (
        "national_id,full_name,sex,birth_date,home_province,education,experience_years,"
        "prior_posts,unit_code,post_code\n"
        f"{IDS['A']},داوطلب,مرد,1360/01/01,19,3,10,,U,{POST}\n"  # row 2: applied already
        "0012345678,داوطلب,مرد,1360/01/01,19,3,10,,U,P-QOM\n"  # row 3: check digit
        "0000000019,داوطلب,نامعلوم,1360/13/01,99,9,10,,U,NOPE\n"  # row 4: many things
    ).encode()
    report = service.import_candidates(session, SYSTEM, content=bad, name="bad.csv")
    where = {(p.row, p.field) for p in report.problems}
    assert (2, "post_code") in where and (3, "national_id") in where
    assert {
        (4, "sex"),
        (4, "birth_date"),
        (4, "home_province"),
        (4, "education"),
        (4, "post_code"),
    } <= where
    assert any(
        "رقم کنترل" in p.reason or "check digit" in p.reason for p in report.problems if p.row == 3
    )
    assert report.written == 0
    # the same good file again writes nothing new: every row is an application held
    again = service.import_candidates(session, SYSTEM, content=candidates_csv(), name="c.csv")
    assert again.written == 0 and len(again.problems) == 5
    assert session.scalar(select(func.count()).select_from(Application)) == 5


def test_an_exam_score_sent_again_is_unchanged_and_a_changed_one_is_audited(session) -> None:
    build(session)
    same = f"call_code,national_id,score\n{CALL},{IDS['A']},90\n".encode()
    report = service.import_exam(session, SYSTEM, content=same, name="again.csv")
    assert (report.written, report.unchanged, report.changed) == (0, 1, 0)
    changed = f"call_code,national_id,score\n{CALL},{IDS['A']},91.5\n{CALL},{IDS['A']},1\n".encode()
    report = service.import_exam(session, SYSTEM, content=changed, name="fix.csv")
    assert report.changed == 1 and report.problems[0].row == 3
    service.create_call(
        session, SYSTEM, code="C-2", title_fa="فراخوان دیگر", opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 4, 1),
    )  # fmt: skip
    other = f"call_code,national_id,score\nC-2,{IDS['A']},50\n".encode()
    report = service.import_exam(session, SYSTEM, content=other, name="other.csv")
    assert report.written == 0 and "ثبت‌نام نکرده" in report.problems[0].reason
    assert (
        session.scalar(
            select(ExamScore.score).join(Candidate).where(Candidate.national_id == IDS["A"])
        )
        == 91.5
    )
    assert _audits(session, "change_score") == 1


def test_exam_scores_come_from_an_excel_sheet_with_numbers_and_persian_digits(session) -> None:
    build(session, scores=False)
    rows = [
        ["call_code", "national_id", "score"],
        [CALL, IDS["A"], 88.5],
        [CALL, to_persian_digits(IDS["C"]), 70],
    ]
    rows.append([CALL, IDS["B"], "هشتاد"])
    xlsx = write_table(rows[0], rows[1:], TableFormat.XLSX)
    report = service.import_exam(session, SYSTEM, content=xlsx, name="exam.xlsx")
    assert report.written == 2
    assert [(p.row, p.field) for p in report.problems] == [(4, "score")]
    assert "هشتاد" in report.problems[0].reason


def test_the_hand_worked_post_is_ranked_with_the_womens_quota_after_ranking(session) -> None:
    build(session)
    service.store_ranking(session, SYSTEM, call_code=CALL)
    _, rule, lines = service.read_ranking(session, SYSTEM, post_code=POST)
    got = [(ln.national_id, ln.rank, round(ln.total or 0, 2), ln.outcome, ln.quota) for ln in lines]
    assert got == [
        (IDS["A"], 1, 77.5, "selected", ""),
        (IDS["B"], 2, 72.5, "reserve", ""),
        (IDS["C"], 3, 65.0, "selected", "female"),
        (IDS["D"], 4, 55.0, "reserve", ""),
        (IDS["E"], None, 0.0, "not_shortlisted", ""),
    ]
    assert rule.version == 1
    # ranking again under the same rule and scores changes nothing and is not audited again
    service.store_ranking(session, SYSTEM, call_code=CALL)
    assert _audits(session, "rank") == 1
    service.set_record_points(session, SYSTEM, national_id_=IDS["B"], points=100, basis="اصلاح")
    service.store_ranking(session, SYSTEM, call_code=CALL)
    assert _audits(session, "rank") == 2
    _, _, lines = service.read_ranking(session, SYSTEM, post_code=POST)
    assert [ln.total for ln in lines[:2]] == [82.5, 77.5]  # B: 40 + 22.5 + 20 now first


def test_a_rule_change_after_scores_needs_a_reason_and_the_old_ranking_stays_readable(
    session,
) -> None:
    build(session)
    service.store_ranking(session, SYSTEM, call_code=CALL)
    no_quota = rules.Rule(
        weight_exam=50, weight_interview=30, weight_record=20, shortlist_per_opening=2
    )
    with pytest.raises(RuleChangeNeedsReason):
        service.publish_rule(session, SYSTEM, post_code=POST, rule=no_quota)
    v2 = service.publish_rule(session, SYSTEM, post_code=POST, rule=no_quota, reason="حکم دیوان")
    assert v2.version == 2 and _audits(session, "publish_rule") == 2
    # publishing the rule in force again is no new version
    assert service.publish_rule(session, SYSTEM, post_code=POST, rule=no_quota).version == 2
    service.store_ranking(session, SYSTEM, call_code=CALL, post_code=POST)
    _, _, now = service.read_ranking(session, SYSTEM, post_code=POST)
    assert [ln.national_id for ln in now if ln.outcome == "selected"] == [IDS["A"], IDS["B"]]
    _, old_rule, old = service.read_ranking(session, SYSTEM, post_code=POST, version=1)
    assert [ln.national_id for ln in old if ln.outcome == "selected"] == [IDS["A"], IDS["C"]]
    assert rules.Rule.from_dict(old_rule.body) == RULE


def test_a_rater_cannot_score_a_declared_relative_or_a_colleague_of_their_unit(session) -> None:
    build(session, scores=False)
    service.declare(
        session, SYSTEM, rater_code="R1", national_id_=IDS["E"], relation="first_degree"
    )
    marks = dict.fromkeys(rules.COMPETENCIES, 3)
    with pytest.raises(ConflictOfInterest) as caught:
        service.score(
            session,
            SYSTEM,
            rater_code="R1",
            post_code=POST,
            national_id_=IDS["E"],
            panel="P1",
            marks=marks,
        )
    assert "درجه یک" in caught.value.detail
    service.add_rater(session, SYSTEM, code="R9", full_name="همکار", unit_code="U-D")
    service.seat_raters(session, SYSTEM, post_code=POST, panel="P1", rater_codes=["R9"])
    with pytest.raises(ConflictOfInterest):
        service.score(
            session,
            SYSTEM,
            rater_code="R9",
            post_code=POST,
            national_id_=IDS["D"],
            panel="P1",
            marks=marks,
        )
    first = service.score(
        session,
        SYSTEM,
        rater_code="R2",
        post_code=POST,
        national_id_=IDS["E"],
        panel="P1",
        marks=marks,
    )
    again = service.score(
        session,
        SYSTEM,
        rater_code="R2",
        post_code=POST,
        national_id_=IDS["E"],
        panel="P1",
        marks=marks,
    )
    assert (first, again) == (4, 0) and _audits(session, "score") == 1


def test_the_office_enters_marks_only_for_a_rater_seated_on_the_posts_panel(session) -> None:
    build(session, scores=False)
    service.add_rater(session, SYSTEM, code="R8", full_name="بیرونی", unit_code="HQ")
    marks = dict.fromkeys(rules.COMPETENCIES, 4)
    with pytest.raises(InvalidInput) as caught:
        service.score(
            session, SYSTEM, rater_code="R8", post_code=POST, national_id_=IDS["A"],
            panel="P1", marks=marks,
        )  # fmt: skip
    assert [p.field for p in caught.value.problems] == ["rater"]
    assert "R8" in caught.value.detail and "هیئت" in caught.value.detail
    assert session.scalar(select(func.count()).select_from(Scorecard)) == 0


def test_seating_raters_is_audited_once_and_a_rater_who_scored_keeps_their_panel(
    session,
) -> None:
    build(session, scores=False)  # R1-R3 seated on P1 by build: three audited seats
    assert _audits(session, "seat") == 3
    assert service.seat_raters(session, SYSTEM, post_code=POST, panel="P1", rater_codes=["R1"]) == 0
    assert _audits(session, "seat") == 3
    # R3 has not scored yet: moving them to P2 is one audited change naming the old panel
    assert service.seat_raters(session, SYSTEM, post_code=POST, panel="P2", rater_codes=["R3"]) == 1
    assert _audits(session, "seat") == 4
    assert [(s.panel, s.rater_code) for s in service.seats(session, SYSTEM, post_code=POST)] == [
        ("P1", "R1"), ("P1", "R2"), ("P2", "R3"),
    ]  # fmt: skip
    # R1 scored on P1: their cards belong to P1's agreement, so they do not move
    service.score(
        session, SYSTEM, rater_code="R1", post_code=POST, national_id_=IDS["A"], panel=None,
        marks=dict.fromkeys(rules.COMPETENCIES, 4),
    )  # fmt: skip
    with pytest.raises(Conflict):
        service.seat_raters(session, SYSTEM, post_code=POST, panel="P2", rater_codes=["R1"])
    with pytest.raises(RaterNotFound) as unknown:
        service.seat_raters(session, SYSTEM, post_code=POST, panel="P1", rater_codes=["R1", "X9"])
    assert [p.reason for p in unknown.value.problems] == ["X9"]


def test_a_rater_who_has_not_scored_is_unseated_once_audited_and_one_who_scored_stays(
    session,
) -> None:
    build(session, scores=False)  # R1-R3 seated on P1
    service.score(
        session, SYSTEM, rater_code="R1", post_code=POST, national_id_=IDS["A"], panel=None,
        marks=dict.fromkeys(rules.COMPETENCIES, 4),
    )  # fmt: skip
    assert service.unseat_raters(session, SYSTEM, post_code=POST, rater_codes=["R3"]) == 1
    assert _audits(session, "unseat") == 1
    # again: R3 sits nowhere, nothing changes and nothing more is audited
    assert service.unseat_raters(session, SYSTEM, post_code=POST, rater_codes=["R3"]) == 0
    assert _audits(session, "unseat") == 1
    # R1's marks count on P1: refused, and R2 in the same request is not unseated either
    with pytest.raises(Conflict) as scored:
        service.unseat_raters(session, SYSTEM, post_code=POST, rater_codes=["R2", "R1"])
    assert [p.reason for p in scored.value.problems] == ["R1"]
    with pytest.raises(RaterNotFound):
        service.unseat_raters(session, SYSTEM, post_code=POST, rater_codes=["R2", "X9"])
    assert [(s.panel, s.rater_code) for s in service.seats(session, SYSTEM, post_code=POST)] == [
        ("P1", "R1"), ("P1", "R2"),
    ]  # fmt: skip
    # an unseated rater's marks are no longer taken for the post
    with pytest.raises(InvalidInput):
        service.score(
            session, SYSTEM, rater_code="R3", post_code=POST, national_id_=IDS["A"], panel=None,
            marks=dict.fromkeys(rules.COMPETENCIES, 4),
        )  # fmt: skip


def test_a_refusal_passes_the_seat_once_to_the_next_in_line_of_the_same_quota(session) -> None:
    build(session)
    service.store_ranking(session, SYSTEM, call_code=CALL)
    assert service.make_offers(session, SYSTEM, post_code=POST) == 2
    assert service.make_offers(session, SYSTEM, post_code=POST) == 0
    done = service.answer(session, SYSTEM, post_code=POST, national_id_=IDS["C"], accept=False)
    # C held the women's seat: it passes to D, the next woman, not to B
    assert done.passed_to == IDS["D"]
    again = service.answer(session, SYSTEM, post_code=POST, national_id_=IDS["C"], accept=False)
    assert not again.changed and again.passed_to is None
    with pytest.raises(Conflict):
        service.answer(session, SYSTEM, post_code=POST, national_id_=IDS["C"], accept=True)
    service.answer(session, SYSTEM, post_code=POST, national_id_=IDS["A"], accept=True)
    offers = {o.national_id: o.status for o in service.list_offers(session, SYSTEM, post_code=POST)}
    assert offers == {IDS["A"]: "accepted", IDS["C"]: "refused", IDS["D"]: "offered"}
    assert _audits(session, "offer") == 3 and _audits(session, "refused") == 1


def test_once_offers_are_made_a_different_ranking_under_the_same_rule_is_refused(session) -> None:
    build(session)
    service.store_ranking(session, SYSTEM, call_code=CALL)
    assert service.make_offers(session, SYSTEM, post_code=POST) == 2
    # the same ranking again is fine: nothing changes
    service.store_ranking(session, SYSTEM, call_code=CALL)
    service.set_record_points(session, SYSTEM, national_id_=IDS["B"], points=100, basis="اصلاح")
    with pytest.raises(Conflict) as err:
        service.store_ranking(session, SYSTEM, call_code=CALL)
    assert err.value.problems[0].field == "post"
    _, _, lines = service.read_ranking(session, SYSTEM, post_code=POST)
    assert lines[0].national_id == IDS["A"]  # the ranking the offers came from stays


def test_a_province_manager_sees_only_the_posts_of_their_province(session) -> None:
    build(session)
    qom = Principal(
        2,
        "qom",
        Role.PROVINCE_MANAGER,
        ScopeLevel.PROVINCE,
        province_id=_province_id(session, "19"),
    )
    tehran = Principal(
        3,
        "thr",
        Role.PROVINCE_MANAGER,
        ScopeLevel.PROVINCE,
        province_id=_province_id(session, "08"),
    )
    assert [p.code for p in service.list_posts(session, qom)] == [POST]
    assert service.list_posts(session, tehran) == []
    with pytest.raises(PostNotFound):
        service.get_post(session, tehran, POST)
    assert service.fairness_report(session, tehran, call_code=CALL).applicants == 0
    assert service.fairness_report(session, qom, call_code=CALL).applicants == 5


def test_a_candidate_sees_their_own_result_with_their_code_and_nobody_elses(session) -> None:
    build(session)
    service.store_ranking(session, SYSTEM, call_code=CALL)
    code = service.issue_access_code(session, SYSTEM, national_id_=IDS["C"])
    cand, results = service.own_result(session, national_id_=IDS["C"], access_code=code)
    assert cand.national_id == IDS["C"] and len(results) == 1
    line = results[0].line
    assert line is not None and (line.rank, line.exam, line.interview, line.outcome) == (
        3,
        70,
        100,
        "selected",
    )
    assert results[0].rule == RULE.as_dict()
    with pytest.raises(AuthenticationFailed):
        service.own_result(session, national_id_=IDS["D"], access_code=code)
    with pytest.raises(AuthenticationFailed):
        service.own_result(session, national_id_=IDS["C"], access_code="00000000")


def test_record_points_come_from_service_history_once_and_each_change_is_audited(session) -> None:
    build(session, scores=False)
    # every candidate of the world: 10 years (20) and a master's (20), no prior post
    assert service.record_points_from_history(session, SYSTEM, call_code=CALL) == 5
    assert service.record_points_from_history(session, SYSTEM, call_code=CALL) == 0
    assert _audits(session, "record_points") == 5
    cand = session.scalar(select(Candidate).where(Candidate.national_id == IDS["A"]))
    assert (
        session.scalar(select(RecordPoints.points).where(RecordPoints.candidate_id == cand.id))
        == 40.0
    )
