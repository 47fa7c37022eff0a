"""Interview scorecards and record points: raters, what they declare, their marks per
competency on the anchored scale, and each panel's agreement.

A rater may not score a relative they declared nor a candidate from their own unit
(``rules.conflict``): the refusal is a 409 naming the reason, and nothing is stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.appointments import agreement, rules
from darman.appointments import panels as panels_
from darman.appointments.exceptions import CandidateNotFound, ConflictOfInterest, RaterNotFound
from darman.appointments.models import (
    Application,
    Call,
    Candidate,
    Declaration,
    Post,
    Rater,
    RecordPoints,
    Scorecard,
)
from darman.appointments.setup import READERS, get_post, require_runner
from darman.audit import service as audit
from darman.common import national_id
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import format_decimal, to_persian_digits
from darman.db.base import utcnow
from darman.performance import service as performance_service
from darman.registry import scope
from darman.registry.models import Province
from darman.registry.scope import AnySelect
from darman.security.principal import Principal


def add_rater(
    session: Session, who: Principal, *, code: str, full_name: str, unit_code: str
) -> Rater:
    require_runner(who)
    rater = Rater(code=code, full_name=full_name, unit_code=unit_code)
    session.add(rater)
    session.flush()
    audit.record(
        session, actor=who.username, action="create", entity="appt_rater", entity_id=rater.id,
        after=audit.snapshot(rater),
    )  # fmt: skip
    return rater


def rater_by_code(session: Session, code: str) -> Rater:
    rater = session.scalar(select(Rater).where(Rater.code == code))
    if rater is None:
        raise RaterNotFound(f"ارزیابی با کد «{code}» نیست", [FieldProblem("rater", code)])
    return rater


def declare(
    session: Session, who: Principal, *, rater_code: str, national_id_: str, relation: str
) -> Declaration:
    """A rater's declared relationship with a person; declaring it again changes nothing."""
    require_runner(who)
    if relation not in rules.RELATIONS:
        raise InvalidInput("نوع رابطه", [FieldProblem("relation", "، ".join(rules.RELATIONS))])
    nid = national_id.normalize(national_id_)
    rater = rater_by_code(session, rater_code)
    held = session.scalar(
        select(Declaration).where(Declaration.rater_id == rater.id, Declaration.national_id == nid)
    )
    if held is not None:
        return held
    row = Declaration(rater_id=rater.id, national_id=nid, relation=relation, declared_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(
        session, actor=who.username, action="declare", entity="appt_rater", entity_id=rater.id,
        after={"national_id": nid, "relation": relation},
    )  # fmt: skip
    return row


def _application(session: Session, post: Post, nid: str) -> tuple[Application, Candidate]:
    row = session.execute(
        select(Application, Candidate)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(Application.post_id == post.id, Candidate.national_id == nid)
    ).first()
    if row is None:
        raise no_such_candidate(post.code, nid)
    return row[0], row[1]


def no_such_candidate(post_code: str, nid: str) -> CandidateNotFound:
    """The one answer for a candidate the caller may not score: the same words whether the
    person did not apply, or a rater is not seated on the post or the person was not
    shortlisted, so the refusal tells nobody who applied."""
    return CandidateNotFound(
        f"داوطلبی با کد ملی {nid} برای پست «{post_code}» نیست",
        [FieldProblem("national_id", nid)],
    )


def score(
    session: Session,
    who: Principal,
    *,
    rater_code: str,
    post_code: str,
    national_id_: str,
    panel: str | None,
    marks: Mapping[str, int],
) -> int:
    """The national office stores a rater's marks for one candidate (``record_marks``);
    returns how many marks changed. The rater must sit on the post's interview panel
    (``panels.seated_panel``: InvalidInput naming the rater, or the panel when another
    is given; none given means theirs). A rater signed in scores through
    ``raters.score_own``."""
    require_runner(who)
    post = get_post(session, who, post_code)
    rater = rater_by_code(session, rater_code)
    held = panels_.seated_panel(session, rater, post, panel)
    return record_marks(
        session, who, rater=rater, post=post, national_id_=national_id_, panel=held,
        marks=marks,
    )  # fmt: skip


def check_marks(marks: Mapping[str, int]) -> None:
    """Every competency of ``rules.COMPETENCIES`` marked 1-5 and nothing else, or
    InvalidInput naming each competency that is wrong."""
    problems = [
        FieldProblem(c, "باید عددی از ۱ تا ۵ باشد")
        for c in rules.COMPETENCIES
        if not isinstance(marks.get(c), int) or not 1 <= marks[c] <= 5
    ] + [FieldProblem(c, "شایستگی شناخته‌شده نیست") for c in marks if c not in rules.COMPETENCIES]
    if problems:
        raise InvalidInput("کارت امتیاز کامل نیست", problems)


def record_marks(
    session: Session,
    who: Principal,
    *,
    rater: Rater,
    post: Post,
    national_id_: str,
    panel: str,
    marks: Mapping[str, int],
) -> int:
    """Store ``rater``'s marks for one candidate of ``post``; returns how many changed.
    The caller has checked who may act for the rater and the marks (``check_marks``).

    A conflict of interest (``rules.conflict``: a relative the rater declared, or a
    candidate of the rater's own unit) refuses the whole scorecard (ConflictOfInterest).
    Sending the same marks again changes nothing; each change is audited with ``who`` as
    the actor and the old and new value. CandidateNotFound when the person did not apply
    to the post."""
    check_marks(marks)
    nid = national_id.normalize(national_id_)
    app, cand = _application(session, post, nid)
    # only this candidate's declaration matters to the check
    declared = dict(
        session.execute(
            select(Declaration.national_id, Declaration.relation).where(
                Declaration.rater_id == rater.id, Declaration.national_id == nid
            )
        ).all()
    )
    why = rules.conflict(
        rater_unit=rater.unit_code, candidate_unit=cand.unit_code, candidate_national_id=nid,
        declared=declared,
    )  # fmt: skip
    if why is not None:
        raise ConflictOfInterest(
            f"ارزیاب «{rater.code}» نمی‌تواند به این داوطلب امتیاز دهد: {why}",
            [FieldProblem("rater", why)],
        )
    held = {
        c.competency: c
        for c in session.scalars(
            select(Scorecard).where(
                Scorecard.application_id == app.id, Scorecard.rater_id == rater.id
            )
        )
    }
    changed = 0
    before, after = {}, {}
    for comp, mark in marks.items():
        card = held.get(comp)
        if card is not None and card.mark == mark:
            continue
        if card is None:
            session.add(
                Scorecard(
                    application_id=app.id, rater_id=rater.id, panel=panel, competency=comp,
                    mark=mark, recorded_by=who.username, recorded_at=utcnow(),
                )
            )  # fmt: skip
        else:
            before[comp] = card.mark
            card.mark, card.recorded_by, card.recorded_at = mark, who.username, utcnow()
        after[comp] = mark
        changed += 1
    if changed:
        audit.record(
            session, actor=who.username, action="score", entity="appt_application",
            entity_id=app.id, before={"rater": rater.code, **before} if before else None,
            after={"rater": rater.code, "panel": panel, **after},
        )  # fmt: skip
    return changed


def set_record_points(
    session: Session, who: Principal, *, national_id_: str, points: float, basis: str
) -> RecordPoints:
    """A candidate's record points (0-100) with what they rest on; audited when changed."""
    require_runner(who)
    if not 0 <= points <= 100:
        raise InvalidInput("امتیاز سوابق", [FieldProblem("points", "میان ۰ و ۱۰۰")])
    nid = national_id.normalize(national_id_)
    cand = session.scalar(select(Candidate).where(Candidate.national_id == nid))
    if cand is None:
        raise CandidateNotFound(f"داوطلبی با کد ملی {nid} نیست", [FieldProblem("national_id", nid)])
    row = session.scalar(select(RecordPoints).where(RecordPoints.candidate_id == cand.id))
    if row is not None and row.points == points and row.basis == basis:
        return row
    before = {"points": row.points, "basis": row.basis} if row is not None else None
    if row is None:
        row = RecordPoints(candidate_id=cand.id, points=points, basis=basis)
        session.add(row)
    else:
        row.points, row.basis = points, basis
    session.flush()
    audit.record(
        session, actor=who.username, action="record_points", entity="appt_candidate",
        entity_id=cand.id, before=before, after={"points": points, "basis": basis},
    )  # fmt: skip
    return row


@dataclass(frozen=True)
class ProvinceStanding:
    """A province's place in the managers' latest monthly ranking."""

    rank: int
    ranked: int
    name_fa: str
    period_label_fa: str


def _standings(session: Session, who: Principal) -> dict[int, ProvinceStanding]:
    """Each ranked province's standing (by province id) in the latest month the
    performance domain has computed; empty when it has ranked none."""
    period = performance_service.latest_month(session)
    if period is None:
        return {}
    try:
        ranking = performance_service.rank(session, who, period=period)
    except InvalidInput:  # a month with facts for facilities only: no province ranked
        return {}
    ids = {code: pid for code, pid in session.execute(select(Province.code, Province.id))}
    ranked = len(ranking.provinces)
    return {
        ids[p.province_code]: ProvinceStanding(p.rank, ranked, p.name_fa, ranking.period_label_fa)
        for p in ranking.provinces
        if p.province_code in ids
    }


HISTORY_BASIS = "سابقه، مدرک و پست‌های مدیریتی پیشین"


def record_points_from_history(session: Session, who: Principal, *, call_code: str) -> int:
    """Set every applicant's record points of the call from their service history
    (``rules.record_points``), leaving alone those already at that value and basis; each
    change is audited as ``set_record_points`` does. Returns how many changed.

    A serving province director (``rules.is_serving_director``: ``province_director``
    among their posts, their home province taken as the one they direct) also gets
    ``rules.rank_points`` for their province's rank in the latest month ranked by the
    performance domain, read through its service; the basis names the rank and the month.
    Nothing is added when no month has been ranked or their province is not ranked."""
    require_runner(who)
    call_id = session.scalar(select(Post.call_id).join(Call).where(Call.code == call_code))
    if call_id is None:
        raise CandidateNotFound(
            f"فراخوان «{call_code}» داوطلبی ندارد", [FieldProblem("call", call_code)]
        )
    applicants = select(Application.candidate_id).join(Post).where(Post.call_id == call_id)
    standings = _standings(session, who)
    changed = 0
    for cand in session.scalars(select(Candidate).where(Candidate.id.in_(applicants))):
        posts = frozenset(k for k in cand.prior_posts.split(",") if k)
        points = rules.record_points(
            experience_years=cand.experience_years, education=cand.education, prior_posts=posts,
        )  # fmt: skip
        basis = HISTORY_BASIS
        standing = standings.get(cand.home_province_id)
        if standing is not None and rules.is_serving_director(posts):
            part = rules.rank_points(rank=standing.rank, ranked=standing.ranked)
            points = rules.record_points_with_rank(
                points, rank=standing.rank, ranked=standing.ranked
            )
            basis += (
                f"؛ مدیر استان {standing.name_fa}: رتبه {to_persian_digits(standing.rank)} از "
                f"{to_persian_digits(standing.ranked)} در رتبه‌بندی {standing.period_label_fa}، "
                f"{format_decimal(part)} امتیاز"
            )
        row = session.scalar(select(RecordPoints).where(RecordPoints.candidate_id == cand.id))
        if row is not None and row.points == points and row.basis == basis:
            continue
        set_record_points(session, who, national_id_=cand.national_id, points=points, basis=basis)
        changed += 1
    return changed


@dataclass(frozen=True)
class CardLine:
    post_code: str
    national_id: str
    full_name: str
    panel: str
    marks: dict[str, int]


def rater_cards(
    session: Session, who: Principal, *, rater_code: str
) -> tuple[Rater, list[CardLine], dict[str, str]]:
    """A rater's scorecards on the posts the caller may see, one line per candidate, and
    the relationships they declared (national ID -> relation)."""
    who.require_role(*READERS)
    rater = rater_by_code(session, rater_code)
    lines, declared = cards_of(
        session, rater, lambda q: scope.restrict(q, who, province=Post.province_id)
    )
    return rater, lines, declared


def cards_of(
    session: Session, rater: Rater, narrow: Callable[[AnySelect], AnySelect]
) -> tuple[list[CardLine], dict[str, str]]:
    """``rater``'s scorecards, one line per candidate, and their declarations, on the
    posts ``narrow`` keeps (a reader's scope; nothing narrower for the rater themself)."""
    query = (
        select(Post.code, Candidate.national_id, Candidate.full_name, Scorecard.panel,
               Scorecard.competency, Scorecard.mark)
        .join(Application, Application.id == Scorecard.application_id)
        .join(Post, Post.id == Application.post_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(Scorecard.rater_id == rater.id)
        .order_by(Post.code, Candidate.national_id)
    )  # fmt: skip
    lines: dict[tuple[str, str], CardLine] = {}
    for post, nid, name, panel, comp, mark in session.execute(narrow(query)):
        line = lines.setdefault((post, nid), CardLine(post, nid, name, panel, {}))
        line.marks[comp] = mark
    # a declaration names a person: shown only for candidates of posts the caller may see
    in_scope = narrow(
        select(Candidate.national_id)
        .join(Application, Application.candidate_id == Candidate.id)
        .join(Post, Post.id == Application.post_id)
    )
    declared = dict(
        session.execute(
            select(Declaration.national_id, Declaration.relation).where(
                Declaration.rater_id == rater.id, Declaration.national_id.in_(in_scope)
            )
        ).all()
    )
    return list(lines.values()), declared


@dataclass(frozen=True)
class PanelLine:
    panel: str
    agreement: agreement.Agreement


def panels(session: Session, who: Principal, *, call_id: int) -> list[PanelLine]:
    """Each interview panel of the call (posts the caller may see) with its ICC(2,1) and
    ICC(2,k); ``agreement.flagged`` marks those below the threshold."""
    who.require_role(*READERS)
    query = (
        select(Scorecard.panel, Scorecard.application_id, Scorecard.rater_id, Scorecard.mark)
        .join(Application, Application.id == Scorecard.application_id)
        .join(Post, Post.id == Application.post_id)
        .where(Post.call_id == call_id)
    )
    query = scope.restrict(query, who, province=Post.province_id)
    sums: dict[str, dict[int, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for panel, app, rater, mark in session.execute(query):
        sums[panel][app][rater].append(mark)
    out = []
    for panel in sorted(sums):
        table = {
            app: {str(r): sum(m) / len(m) for r, m in by_rater.items()}
            for app, by_rater in sums[panel].items()
        }
        out.append(PanelLine(panel, agreement.panel_agreement(table)))
    return out
