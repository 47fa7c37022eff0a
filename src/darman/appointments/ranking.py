"""Ranking posts by their published rule, the stored rankings (one per rule version, so an
older one stays readable), the adverse-impact report of a call, and a candidate's own
result.

A call's facts are read in four set-based queries (applications with their candidates,
exam scores, scorecards, record points), whatever the number of posts; the rule runs in
memory (``rules.rank_post``)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select
from sqlalchemy.orm import Session

from darman.appointments import fairness, rules
from darman.appointments.attempts import ResultGuard
from darman.appointments.exceptions import CandidateNotFound, NothingRanked
from darman.appointments.models import (
    Application,
    Call,
    Candidate,
    ExamScore,
    Offer,
    Post,
    RankingRow,
    RecordPoints,
    Scorecard,
    ScoringRule,
)
from darman.appointments.setup import (
    READERS,
    get_call,
    get_post,
    require_runner,
    requirements,
    rule_version,
)
from darman.audit import service as audit
from darman.common import national_id
from darman.common.errors import AuthenticationFailed, Conflict, FieldProblem
from darman.common.persian import to_ascii_digits
from darman.registry import scope
from darman.registry.models import Province
from darman.security import passwords
from darman.security.principal import Principal


def load_entries(
    session: Session, where: ColumnElement[bool], call_id: int
) -> dict[int, list[rules.Entry]]:
    """Post id -> what the rule reads of each of its applications, for the posts ``where``
    selects (a condition on Post) of the call."""
    apps = session.execute(
        select(
            Application.id, Application.post_id, Candidate.id, Candidate.national_id,
            Candidate.sex, Candidate.home_province_id, Candidate.birth_date,
            Candidate.education, Candidate.experience_years, Candidate.prior_posts,
        )
        .join(Candidate, Candidate.id == Application.candidate_id)
        .join(Post, Post.id == Application.post_id)
        .where(where)
    ).all()  # fmt: skip
    exam = dict(
        session.execute(
            select(ExamScore.candidate_id, ExamScore.score).where(ExamScore.call_id == call_id)
        ).all()
    )
    marks: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    cards = (
        select(Scorecard.application_id, Scorecard.rater_id, Scorecard.competency, Scorecard.mark)
        .join(Application, Application.id == Scorecard.application_id)
        .join(Post, Post.id == Application.post_id)
        .where(where)
    )
    for app, rater, comp, mark in session.execute(cards):
        marks[app][rater][comp] = mark
    record = dict(
        session.execute(
            select(RecordPoints.candidate_id, RecordPoints.points)
            .join(Application, Application.candidate_id == RecordPoints.candidate_id)
            .join(Post, Post.id == Application.post_id)
            .where(where)
        ).all()
    )
    out: dict[int, list[rules.Entry]] = defaultdict(list)
    for app, post, cand, nid, sex, home, born, edu, years, prior in apps:
        out[post].append(
            rules.Entry(
                application_id=app, national_id=nid, sex=sex, home_province_id=home,
                birth_date=born, education=edu, experience_years=years,
                prior_posts=frozenset(k for k in prior.split(",") if k),
                exam=exam.get(cand),
                interview=rules.interview_score(marks[app]) if app in marks else None,
                record=record.get(cand, 0.0),
            )
        )  # fmt: skip
    return out


def _day(call: Call) -> dt.date:
    """Ages and requirements are judged on the day applications close."""
    return call.closes_on


def _rank(
    post: Post, rule: rules.Rule, entries: Sequence[rules.Entry], call: Call
) -> list[rules.Placed]:
    return rules.rank_post(
        entries, rule, openings=post.openings, requirements=requirements(post),
        post_province_id=post.province_id, on=_day(call),
    )  # fmt: skip


def _latest_rules(session: Session, post_ids: Sequence[int]) -> dict[int, ScoringRule]:
    out: dict[int, ScoringRule] = {}
    rows = session.scalars(
        select(ScoringRule).where(ScoringRule.post_id.in_(post_ids)).order_by(ScoringRule.version)
    )
    for row in rows:
        out[row.post_id] = row
    return out


def rank_call(
    session: Session, who: Principal, *, call_code: str, post_code: str | None = None
) -> dict[str, tuple[Post, int, list[rules.Placed]]]:
    """Post code -> (post, rule version, every application placed) under each post's
    current rule, for the posts of the call the caller may see (all, or ``post_code``).
    Nothing is stored. Posts without a published rule are left out."""
    who.require_role(*READERS)
    call = get_call(session, call_code)
    query = scope.restrict(
        select(Post).where(Post.call_id == call.id), who, province=Post.province_id
    )
    if post_code is not None:
        query = query.where(Post.code == get_post(session, who, post_code).code)
    posts = list(session.scalars(query.order_by(Post.code)))
    latest = _latest_rules(session, [p.id for p in posts])
    if post_code is not None and posts and posts[0].id not in latest:
        rule_version(session, posts[0])  # says the post has no published rule
    ids = [p.id for p in posts if p.id in latest]
    whole = who.is_national and post_code is None and len(ids) == len(posts)
    # the whole call in one condition, or just the posts in reach that have a rule
    where = Post.call_id == call.id if whole else Post.id.in_(ids)
    entries = load_entries(session, where, call.id)
    out = {}
    for post in posts:
        if post.id not in latest:
            continue
        rule = rules.Rule.from_dict(latest[post.id].body)
        out[post.code] = (post, latest[post.id].version, _rank(post, rule, entries[post.id], call))
    return out


def store_ranking(
    session: Session, who: Principal, *, call_code: str, post_code: str | None = None
) -> dict[str, int]:
    """Rank and store: each post's rows under its current rule version replace those
    stored earlier under the same version (rows of older versions stay), audited per post
    with who was selected. A ranking that comes out as the one stored is left alone and
    not audited again, so a rerun changes nothing. Returns post code -> rows ranked."""
    require_runner(who)
    ranked = rank_call(session, who, call_code=call_code, post_code=post_code)
    done = {}
    for code, (post, version, placed) in ranked.items():
        done[code] = len(placed)
        rows = [_row(post.id, version, p) for p in placed]
        where = (RankingRow.post_id == post.id) & (RankingRow.rule_version == version)
        held = session.execute(select(*(_RANKING_ROWS.c[k] for k in _SAME)).where(where))
        if {_same(tuple(r)) for r in held} == {_same(tuple(r[k] for k in _SAME)) for r in rows}:
            continue
        offered = session.scalar(
            select(Offer.id).where(Offer.post_id == post.id, Offer.rule_version == version)
        )
        if offered is not None:
            # offers were made from the stored ranking: a different one under the same
            # version would leave them with people no longer selected
            raise Conflict(
                f"برای جایگاه «{post.code}» پیشنهاد داده شده است؛ رتبه‌بندی دوباره"
                " نسخه‌ی تازه‌ای از قاعده با دلیل می‌خواهد",
                [FieldProblem("post", "offers exist under this rule version")],
            )
        session.execute(delete(RankingRow).where(where))
        if rows:
            # the table, not the entity: one executemany, no ids sent back
            session.execute(_INSERT_ROWS, rows)
        selected = [p.entry.national_id for p in placed if p.outcome is rules.Outcome.SELECTED]
        audit.record(
            session, actor=who.username, action="rank", entity="appt_post", entity_id=post.id,
            after={"version": version, "applications": len(placed), "selected": selected},
        )  # fmt: skip
    return done


# what makes two stored rankings the same
_SAME = ("application_id", "rank", "total", "exam", "interview", "record", "outcome", "quota")


def _same(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A stored ranking row's values in ``_SAME`` order, floats to nine places."""
    return tuple(round(v, 9) if isinstance(v, float) else v for v in values)


_RANKING_ROWS = RankingRow.__table__
assert isinstance(_RANKING_ROWS, Table)
_INSERT_ROWS = insert(_RANKING_ROWS)


def _row(post_id: int, version: int, p: rules.Placed) -> dict[str, Any]:
    return {
        "post_id": post_id, "rule_version": version, "application_id": p.application_id,
        "rank": p.rank, "total": p.total, "exam": p.entry.exam, "interview": p.entry.interview,
        "record": p.entry.record, "outcome": p.outcome.value, "quota": p.quota,
        "reason": "؛ ".join(p.reasons),
    }  # fmt: skip


@dataclass(frozen=True)
class Line:
    rank: int | None
    national_id: str
    full_name: str
    exam: float | None
    interview: float | None
    record: float | None
    total: float | None
    outcome: str
    quota: str
    reason: str


def read_ranking(
    session: Session, who: Principal, *, post_code: str, version: int | None = None
) -> tuple[Post, ScoringRule, list[Line]]:
    """The stored ranking of a post under a rule version (the latest ranked one unless
    asked), ranked lines first. NothingRanked when none is stored under that version."""
    post = get_post(session, who, post_code)
    if version is None:
        version = session.scalar(
            select(RankingRow.rule_version)
            .where(RankingRow.post_id == post.id)
            .order_by(RankingRow.rule_version.desc())
            .limit(1)
        )
        if version is None:
            raise NothingRanked(f"پست «{post.code}» هنوز رتبه‌بندی نشده است")
    rule = rule_version(session, post, version)
    rows = session.execute(
        select(RankingRow, Candidate.national_id, Candidate.full_name)
        .join(Application, Application.id == RankingRow.application_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(RankingRow.post_id == post.id, RankingRow.rule_version == version)
        .order_by(RankingRow.rank.is_(None), RankingRow.rank, RankingRow.id)
    )
    lines = [
        Line(
            r.rank, nid, name, r.exam, r.interview, r.record, r.total, r.outcome, r.quota, r.reason
        )
        for r, nid, name in rows
    ]
    if not lines:
        raise NothingRanked(f"پست «{post.code}» زیر نسخه‌ی {version} رتبه‌بندی نشده است")
    return post, rule, lines


# ---- fairness ---------------------------------------------------------------------------

SEX_FA = {"f": "زن", "m": "مرد"}
DIMENSIONS = {"sex": "جنس", "province": "استان محل تولد", "age": "گروه سنی"}
STAGES = {
    "eligibility": "بررسی شرایط",
    "exam": "آزمون کتبی",
    "interview": "مصاحبه",
    "final": "رتبه‌بندی نهایی",
    "overall": "کل فرایند",
}
_O = rules.Outcome
_SHORTLISTED = {_O.BELOW_INTERVIEW_CUT, _O.BELOW_FINAL_CUT, _O.RESERVE, _O.SELECTED}
_INTERVIEW_PASSED = {_O.BELOW_FINAL_CUT, _O.RESERVE, _O.SELECTED}


def stage_outcomes(p: rules.Placed) -> dict[str, bool]:
    """For each stage the applicant reached, whether they passed it."""
    o = p.outcome
    out = {"eligibility": o is not _O.INELIGIBLE, "overall": o is _O.SELECTED}
    if o not in (_O.INELIGIBLE, _O.ABSENT):
        out["exam"] = o is not _O.NOT_SHORTLISTED
    if o in _SHORTLISTED:
        out["interview"] = o in _INTERVIEW_PASSED
    if o in _INTERVIEW_PASSED:
        out["final"] = o is _O.SELECTED
    return out


@dataclass(frozen=True)
class FairnessReport:
    call: Call
    applicants: int
    # (stage, dimension) -> one line per group
    lines: dict[tuple[str, str], list[fairness.GroupImpact]]


def fairness_report(session: Session, who: Principal, *, call_code: str) -> FairnessReport:
    """Adverse impact per stage and overall, by sex, province of origin and age band, over
    the call's posts the caller may see, under each post's current rule."""
    ranked = rank_call(session, who, call_code=call_code)
    call = get_call(session, call_code)
    names = dict(session.execute(select(Province.id, Province.name_fa)).all())
    per: dict[tuple[str, str], list[tuple[str, bool]]] = defaultdict(list)
    count = 0
    for _, _, placed in ranked.values():
        for p in placed:
            count += 1
            groups = {
                "sex": SEX_FA.get(p.entry.sex, p.entry.sex),
                "province": names.get(p.entry.home_province_id, "?"),
                "age": rules.age_band(p.entry.birth_date, _day(call)),
            }
            for stage, passed in stage_outcomes(p).items():
                for dim, group in groups.items():
                    per[(stage, dim)].append((group, passed))
    lines = {
        (stage, dim): fairness.adverse_impact(per[(stage, dim)])
        for stage in STAGES
        for dim in DIMENSIONS
        if per[(stage, dim)]
    }
    return FairnessReport(call, count, lines)


# ---- a candidate's own result ---------------------------------------------------------


def issue_access_code(session: Session, who: Principal, *, national_id_: str) -> str:
    """A new access code for the candidate (the old one stops working); only its hash is
    kept. Audited without the code."""
    require_runner(who)
    nid = national_id.normalize(national_id_)
    cand = session.scalar(select(Candidate).where(Candidate.national_id == nid))
    if cand is None:
        raise CandidateNotFound(f"داوطلبی با کد ملی {nid} نیست", [FieldProblem("national_id", nid)])
    code = f"{secrets.randbelow(10**8):08d}"
    cand.access_code_hash = passwords.hash_password(code)
    session.flush()
    audit.record(
        session, actor=who.username, action="issue_access_code", entity="appt_candidate",
        entity_id=cand.id,
    )  # fmt: skip
    return code


@dataclass(frozen=True)
class OwnResult:
    post_code: str
    post_title: str
    version: int | None
    rule: dict[str, Any] | None
    line: Line | None


def own_result_guarded(
    session: Session, guard: ResultGuard, *, national_id_: str, access_code: str, address: str
) -> tuple[Candidate, list[OwnResult]]:
    """``own_result`` behind ``guard``: refused (TooManyAttempts) before the code is checked
    once this national ID has had too many wrong codes, or this address too many attempts,
    in the guard's window; a wrong code counts against the national ID."""
    key = to_ascii_digits(national_id_).strip()
    guard.admit(national_id=key, address=address)
    try:
        found = own_result(session, national_id_=national_id_, access_code=access_code)
    except AuthenticationFailed:
        guard.failed(national_id=key)
        raise
    guard.succeeded(national_id=key)
    return found


def own_result(
    session: Session, *, national_id_: str, access_code: str
) -> tuple[Candidate, list[OwnResult]]:
    """The candidate's own scores per stage, rank and the rule applied, for each post they
    applied to, from the latest stored ranking; nobody else's. A wrong national ID or
    access code is one and the same refusal (AuthenticationFailed), taking as long."""
    refused = AuthenticationFailed("کد ملی یا کد دسترسی درست نیست")
    if national_id.problem(national_id_) is not None:
        passwords.spend_a_check(access_code)
        raise refused
    nid = national_id.normalize(national_id_)
    cand = session.scalar(select(Candidate).where(Candidate.national_id == nid))
    if cand is None or not cand.access_code_hash:
        passwords.spend_a_check(access_code)
        raise refused
    if not passwords.verify_password(cand.access_code_hash, access_code):
        raise refused
    out = []
    apps = session.execute(
        select(Application.id, Post)
        .join(Post, Post.id == Application.post_id)
        .where(Application.candidate_id == cand.id)
    )
    for app_id, post in apps:
        row = session.scalar(
            select(RankingRow)
            .where(RankingRow.post_id == post.id, RankingRow.application_id == app_id)
            .order_by(RankingRow.rule_version.desc())
            .limit(1)
        )
        if row is None:
            out.append(OwnResult(post.code, post.title_fa, None, None, None))
            continue
        rule = rule_version(session, post, row.rule_version)
        line = Line(
            row.rank, nid, cand.full_name, row.exam, row.interview, row.record, row.total,
            row.outcome, row.quota, row.reason,
        )  # fmt: skip
        out.append(OwnResult(post.code, post.title_fa, row.rule_version, rule.body, line))
    return cand, out
