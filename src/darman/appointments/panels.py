"""Interview panels as data: the national office seats raters on a post's panel (one seat
per rater and post, audited, seating again changes nothing) and takes off those who have
not scored on it; who the exam calls to
interview on a post (``rules.interview_shortlist`` under the post's current rule); and the
checks both scoring paths make: the office enters marks only for a rater seated on the
post, and a signed-in rater sees and scores only the shortlisted candidates of the posts
they sit on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from darman.appointments import rules
from darman.appointments.exceptions import RaterNotFound
from darman.appointments.models import (
    Application,
    Call,
    Candidate,
    PanelSeat,
    Post,
    Rater,
    Scorecard,
    ScoringRule,
)
from darman.appointments.ranking import load_entries
from darman.appointments.setup import READERS, get_post, require_runner, requirements
from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput
from darman.db.base import utcnow
from darman.security.principal import Principal


@dataclass(frozen=True)
class Seat:
    post_code: str
    panel: str
    rater_code: str
    rater_name: str


def seat_raters(
    session: Session, who: Principal, *, post_code: str, panel: str, rater_codes: Sequence[str]
) -> int:
    """Seat each rater of ``rater_codes`` on ``panel`` of the post; returns how many seats
    changed. A rater already on that panel is left alone (nothing audited); one on another
    panel of the post moves, unless they have scored on the post already (Conflict: their
    cards belong to the old panel's agreement). Each change is audited. National office
    only; RaterNotFound naming every unknown code, nothing seated then."""
    require_runner(who)
    post = get_post(session, who, post_code)
    codes = list(dict.fromkeys(c.strip() for c in rater_codes if c.strip()))
    if not panel.strip() or not codes:
        field = "panel" if not panel.strip() else "raters"
        raise InvalidInput("هیئت و ارزیاب‌ها را بنویسید", [FieldProblem(field, "خالی است")])
    panel = panel.strip()
    found = _known_raters(session, codes)
    held = {
        s.rater_id: s
        for s in session.scalars(select(PanelSeat).where(PanelSeat.post_id == post.id))
    }
    changed = 0
    for code in codes:
        rater = found[code]
        seat = held.get(rater.id)
        if seat is not None and seat.panel == panel:
            continue
        before = None
        if seat is None:
            seat = PanelSeat(post_id=post.id, rater_id=rater.id, panel=panel)
            session.add(seat)
        else:
            if _has_scored(session, rater.id, post.id):
                raise Conflict(
                    f"ارزیاب «{code}» در هیئت «{seat.panel}» این پست نمره داده است و جابه‌جا نمی‌شود",
                    [FieldProblem("raters", code)],
                )
            before = {"rater": code, "panel": seat.panel}
            seat.panel = panel
        seat.seated_by, seat.seated_at = who.username, utcnow()
        session.flush()
        audit.record(
            session, actor=who.username, action="seat", entity="appt_post", entity_id=post.id,
            before=before, after={"rater": code, "panel": panel},
        )  # fmt: skip
        changed += 1
    return changed


def unseat_raters(
    session: Session, who: Principal, *, post_code: str, rater_codes: Sequence[str]
) -> int:
    """Take each rater of ``rater_codes`` off the post's panel; returns how many seats were
    freed. A rater not seated on the post is left alone (nothing audited), so unseating
    again changes nothing; one who has scored on the post stays (Conflict: their cards
    count in the panel's agreement). Each seat freed is audited. National office only;
    RaterNotFound naming every unknown code, nothing unseated then."""
    require_runner(who)
    post = get_post(session, who, post_code)
    codes = list(dict.fromkeys(c.strip() for c in rater_codes if c.strip()))
    if not codes:
        raise InvalidInput("ارزیاب‌ها را بنویسید", [FieldProblem("raters", "خالی است")])
    found = _known_raters(session, codes)
    held = {
        s.rater_id: s
        for s in session.scalars(select(PanelSeat).where(PanelSeat.post_id == post.id))
    }
    scored = [
        c for c in codes if found[c].id in held and _has_scored(session, found[c].id, post.id)
    ]
    if scored:
        raise Conflict(
            "ارزیاب‌هایی که در این پست نمره داده‌اند از هیئت برداشته نمی‌شوند: " + "، ".join(scored),
            [FieldProblem("raters", c) for c in scored],
        )
    freed = 0
    for code in codes:
        seat = held.get(found[code].id)
        if seat is None:
            continue
        session.delete(seat)
        session.flush()
        audit.record(
            session, actor=who.username, action="unseat", entity="appt_post", entity_id=post.id,
            before={"rater": code, "panel": seat.panel}, after=None,
        )  # fmt: skip
        freed += 1
    return freed


def _known_raters(session: Session, codes: list[str]) -> dict[str, Rater]:
    """The raters of ``codes`` by code; RaterNotFound naming every unknown one."""
    found = {r.code: r for r in session.scalars(select(Rater).where(Rater.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise RaterNotFound(
            "ارزیاب‌های ناشناخته: " + "، ".join(unknown),
            [FieldProblem("raters", c) for c in unknown],
        )
    return found


def _has_scored(session: Session, rater_id: int, post_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists()
                .where(Scorecard.rater_id == rater_id)
                .where(Scorecard.application_id == Application.id)
                .where(Application.post_id == post_id)
            )
        )
    )


def seats(session: Session, who: Principal, *, post_code: str) -> list[Seat]:
    """The post's panels and who sits on them (posts the caller may read)."""
    who.require_role(*READERS)
    post = get_post(session, who, post_code)
    rows = session.execute(
        select(PanelSeat.panel, Rater.code, Rater.full_name)
        .join(Rater, Rater.id == PanelSeat.rater_id)
        .where(PanelSeat.post_id == post.id)
        .order_by(PanelSeat.panel, Rater.code)
    )
    return [Seat(post.code, panel, code, name) for panel, code, name in rows]


def seated_panel(session: Session, rater: Rater, post: Post, panel: str | None) -> str:
    """The panel ``rater`` sits on for ``post``, for the office's entry of their marks.
    InvalidInput naming ``rater`` when they are not seated on the post, or ``panel`` when
    one was given and it is not theirs."""
    held = session.scalar(
        select(PanelSeat.panel).where(PanelSeat.post_id == post.id, PanelSeat.rater_id == rater.id)
    )
    if held is None:
        raise InvalidInput(
            f"ارزیاب «{rater.code}» در هیئت مصاحبه‌ی پست «{post.code}» نیست",
            [FieldProblem("rater", "نخست او را در هیئت مصاحبه‌ی این پست بنشانید")],
        )
    if panel and panel != held:
        raise InvalidInput(
            f"ارزیاب «{rater.code}» در هیئت «{held}» پست «{post.code}» است",
            [FieldProblem("panel", f"هیئت او «{held}» است، نه «{panel}»")],
        )
    return held


def shortlisted(session: Session, post: Post) -> set[int]:
    """Application ids of ``post`` called to interview under its current rule; empty while
    no rule is published."""
    body = session.scalar(
        select(ScoringRule.body)
        .where(ScoringRule.post_id == post.id)
        .order_by(ScoringRule.version.desc())
        .limit(1)
    )
    if body is None:
        return set()
    call = session.get_one(Call, post.call_id)
    entries = load_entries(session, Post.id == post.id, call.id)[post.id]
    return rules.interview_shortlist(
        entries, rules.Rule.from_dict(body), openings=post.openings,
        requirements=requirements(post), on=call.closes_on,
    )  # fmt: skip


@dataclass(frozen=True)
class Shortlisted:
    post_code: str
    panel: str
    application_id: int
    national_id: str
    full_name: str


def rater_shortlist(session: Session, rater: Rater) -> list[Shortlisted]:
    """Every candidate shortlisted on the posts ``rater`` sits on, by post then national ID."""
    out: list[Shortlisted] = []
    held = session.execute(
        select(Post, PanelSeat.panel)
        .join(PanelSeat, PanelSeat.post_id == Post.id)
        .where(PanelSeat.rater_id == rater.id)
        .order_by(Post.code)
    ).all()
    for post, panel in held:
        ids = shortlisted(session, post)
        if not ids:
            continue
        rows = session.execute(
            select(Application.id, Candidate.national_id, Candidate.full_name)
            .join(Candidate, Candidate.id == Application.candidate_id)
            .where(Application.id.in_(ids))
            .order_by(Candidate.national_id)
        )
        out.extend(Shortlisted(post.code, panel, a, nid, name) for a, nid, name in rows)
    return out


def visible_to_rater(
    session: Session, rater: Rater, *, post_code: str, national_id_: str, panel: str | None
) -> tuple[Post, str] | None:
    """The post and the panel when the candidate ``national_id_`` is shortlisted on a post
    ``rater`` sits on (and ``panel``, when given, is theirs); None for anything else, so
    the caller answers every other case alike and nobody learns who applied."""
    row = session.execute(
        select(Post, PanelSeat.panel)
        .join(PanelSeat, PanelSeat.post_id == Post.id)
        .where(Post.code == post_code, PanelSeat.rater_id == rater.id)
    ).first()
    if row is None or (panel and panel != row[1]):
        return None
    post, held = row[0], row[1]
    # the shortlist first, whoever is asked about, so the time taken does not tell either
    called = shortlisted(session, post)
    app_id = session.scalar(
        select(Application.id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(Application.post_id == post.id, Candidate.national_id == national_id_)
    )
    if app_id is None or app_id not in called:
        return None
    return post, held
