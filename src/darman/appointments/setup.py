"""Calls, their posts and each post's published scoring rule (versioned).

Who may do what: national staff (``RUNNERS``) create calls and posts and publish rules;
``READERS`` read them, a province manager only the posts of their province."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from darman.appointments import rules
from darman.appointments.exceptions import CallNotFound, PostNotFound, RuleChangeNeedsReason
from darman.appointments.models import (
    Application,
    Call,
    ExamScore,
    Post,
    RankingRow,
    Scorecard,
    ScoringRule,
)
from darman.audit import service as audit
from darman.common.errors import FieldProblem, InvalidInput, PermissionDenied
from darman.db.base import utcnow
from darman.registry import scope
from darman.registry.service_support import province_id_for
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

RUNNERS = roles_that(Act.RUN_APPOINTMENTS)
READERS = roles_that(Act.READ_APPOINTMENTS)
STAGES = "eligibility,exam,interview,record"


def require_runner(who: Principal) -> None:
    """National staff only: a call is run by the national office."""
    who.require_role(*RUNNERS)
    if not who.is_national:
        raise PermissionDenied("فراخوان‌ها را ستاد ملی برگزار می‌کند")


def create_call(
    session: Session,
    who: Principal,
    *,
    code: str,
    title_fa: str,
    opens_on: dt.date,
    closes_on: dt.date,
    exam_on: dt.date | None = None,
) -> Call:
    """A new call (audited). InvalidInput when it closes before it opens or the code is
    taken."""
    require_runner(who)
    if closes_on < opens_on:
        raise InvalidInput("بازه‌ی فراخوان نادرست است", [FieldProblem("closes_on", "پیش از آغاز")])
    if session.scalar(select(Call.id).where(Call.code == code)) is not None:
        raise InvalidInput("کد فراخوان تکراری است", [FieldProblem("code", f"«{code}» هست")])
    call = Call(
        code=code,
        title_fa=title_fa,
        opens_on=opens_on,
        closes_on=closes_on,
        exam_on=exam_on,
        stages=STAGES,
        created_by=who.username,
        created_at=utcnow(),
    )
    session.add(call)
    session.flush()
    audit.record(
        session, actor=who.username, action="create", entity="appt_call", entity_id=call.id,
        after=audit.snapshot(call),
    )  # fmt: skip
    return call


def get_call(session: Session, code: str) -> Call:
    call = session.scalar(select(Call).where(Call.code == code))
    if call is None:
        raise CallNotFound(f"فراخوانی با کد «{code}» نیست", [FieldProblem("call", code)])
    return call


def create_post(
    session: Session,
    who: Principal,
    *,
    call_code: str,
    code: str,
    title_fa: str,
    kind: str,
    province_code: str,
    openings: int,
    min_education: int,
    min_experience_years: int,
    prior_posts: str = "",
    max_age: int | None = None,
    facility_id: int | None = None,
) -> Post:
    """A post of a call (audited)."""
    require_runner(who)
    call = get_call(session, call_code)
    if openings < 1:
        raise InvalidInput("شمار جایگاه‌ها", [FieldProblem("openings", "دست‌کم ۱")])
    if min_education not in rules.EDUCATION:
        raise InvalidInput("سطح تحصیلات", [FieldProblem("min_education", "۱ تا ۵")])
    if session.scalar(select(Post.id).where(Post.code == code)) is not None:
        raise InvalidInput("کد پست تکراری است", [FieldProblem("code", f"«{code}» هست")])
    post = Post(
        call_id=call.id,
        code=code,
        title_fa=title_fa,
        kind=kind,
        province_id=province_id_for(session, province_code),
        facility_id=facility_id,
        openings=openings,
        min_education=min_education,
        min_experience_years=min_experience_years,
        prior_posts=prior_posts,
        max_age=max_age,
    )
    session.add(post)
    session.flush()
    audit.record(
        session, actor=who.username, action="create", entity="appt_post", entity_id=post.id,
        after=audit.snapshot(post),
    )  # fmt: skip
    return post


def get_post(session: Session, who: Principal, code: str) -> Post:
    """The post, if the caller may see it (PostNotFound otherwise: a post of another
    province is not shown to exist)."""
    who.require_role(*READERS)
    query = scope.restrict(select(Post).where(Post.code == code), who, province=Post.province_id)
    post = session.scalar(query)
    if post is None:
        raise PostNotFound(f"پستی با کد «{code}» نیست", [FieldProblem("post", code)])
    return post


def list_posts(session: Session, who: Principal, *, call_code: str | None = None) -> list[Post]:
    who.require_role(*READERS)
    query = select(Post).order_by(Post.code)
    if call_code is not None:
        query = query.where(Post.call_id == get_call(session, call_code).id)
    return list(session.scalars(scope.restrict(query, who, province=Post.province_id)))


def requirements(post: Post) -> rules.Requirements:
    kinds = frozenset(k for k in post.prior_posts.split(",") if k)
    return rules.Requirements(post.min_education, post.min_experience_years, kinds, post.max_age)


def rule_version(session: Session, post: Post, version: int | None = None) -> ScoringRule:
    """The post's rule: the latest version, or the one asked for. NotFound without one."""
    query = select(ScoringRule).where(ScoringRule.post_id == post.id)
    if version is not None:
        query = query.where(ScoringRule.version == version)
    row = session.scalar(query.order_by(ScoringRule.version.desc()).limit(1))
    if row is None:
        raise PostNotFound(
            f"پست «{post.code}» قاعده‌ی امتیازدهی منتشرشده‌ای ندارد"
            + (f" (نسخه‌ی {version})" if version else ""),
            [FieldProblem("version", str(version or "-"))],
        )
    return row


def scores_exist(session: Session, post: Post) -> bool:
    """Whether any score of this post's applicants is recorded (exam, interview, ranking)."""
    applicants = select(Application.candidate_id).where(Application.post_id == post.id)
    exam = exists().where(ExamScore.call_id == post.call_id, ExamScore.candidate_id.in_(applicants))
    cards = exists().where(
        Scorecard.application_id.in_(select(Application.id).where(Application.post_id == post.id))
    )
    ranked = exists().where(RankingRow.post_id == post.id)
    return bool(session.scalar(select(exam | cards | ranked)))


def publish_rule(
    session: Session, who: Principal, *, post_code: str, rule: rules.Rule, reason: str = ""
) -> ScoringRule:
    """Publish a new version of the post's rule; earlier versions stay as they were.

    Once a score exists under the current version, a change needs a reason
    (RuleChangeNeedsReason otherwise); every publication is audited with the version it
    replaces. Publishing the very rule already in force changes nothing and returns it."""
    require_runner(who)
    post = get_post(session, who, post_code)
    rules.check_rule(rule, openings=post.openings)
    current = session.scalar(
        select(ScoringRule)
        .where(ScoringRule.post_id == post.id)
        .order_by(ScoringRule.version.desc())
        .limit(1)
    )
    body = rule.as_dict()
    if current is not None and current.body == body:
        return current
    reason = reason.strip()
    if current is not None and not reason and scores_exist(session, post):
        raise RuleChangeNeedsReason(
            f"برای پست «{post.code}» امتیاز ثبت شده است؛ تغییر قاعده دلیل می‌خواهد",
            [FieldProblem("reason", "دلیل تغییر را بنویسید")],
        )
    version = (current.version + 1) if current is not None else 1
    row = ScoringRule(
        post_id=post.id, version=version, body=body, reason=reason,
        published_by=who.username, published_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    before: dict[str, Any] | None = (
        {"version": current.version, **current.body} if current is not None else None
    )
    audit.record(
        session, actor=who.username, action="publish_rule", entity="appt_post",
        entity_id=post.id, before=before, after={"version": version, "reason": reason, **body},
    )  # fmt: skip
    return row


def rule_history(session: Session, who: Principal, *, post_code: str) -> list[ScoringRule]:
    post = get_post(session, who, post_code)
    query = select(ScoringRule).where(ScoringRule.post_id == post.id)
    return list(session.scalars(query.order_by(ScoringRule.version)))


def count_posts(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Post)) or 0)


def call_code_of(session: Session, post: Post) -> str:
    return str(session.scalar(select(Call.code).where(Call.id == post.call_id)))
