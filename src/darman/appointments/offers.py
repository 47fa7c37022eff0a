"""Offers of a post to those its stored ranking selected, their answers, and a refusal
passing the seat to the next in line (``rules.next_in_line``).

Every step is idempotent and audited: offering twice offers nobody new, answering an offer
again with the same answer changes nothing, and a refusal passes its seat once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.appointments import rules
from darman.appointments.exceptions import CandidateNotFound, NothingRanked
from darman.appointments.models import Application, Candidate, Offer, Post, RankingRow
from darman.appointments.setup import get_post, require_runner, rule_version
from darman.audit import service as audit
from darman.common import national_id
from darman.common.errors import Conflict, FieldProblem
from darman.db.base import utcnow
from darman.security.principal import Principal

OFFERED, ACCEPTED, REFUSED = "offered", "accepted", "refused"
STATUS_FA = {OFFERED: "پیشنهادشده", ACCEPTED: "پذیرفته", REFUSED: "نپذیرفته"}


def _placed(session: Session, post: Post) -> tuple[int, list[rules.Placed]]:
    """The post's latest stored ranking as the rule's placements."""
    version = session.scalar(
        select(RankingRow.rule_version)
        .where(RankingRow.post_id == post.id)
        .order_by(RankingRow.rule_version.desc())
        .limit(1)
    )
    if version is None:
        raise NothingRanked(f"پست «{post.code}» هنوز رتبه‌بندی نشده است")
    rows = session.execute(
        select(RankingRow, Candidate)
        .join(Application, Application.id == RankingRow.application_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(RankingRow.post_id == post.id, RankingRow.rule_version == version)
        .where(RankingRow.rank.is_not(None))
        .order_by(RankingRow.rank)
    )
    placed = [
        rules.Placed(
            rules.Entry(
                application_id=r.application_id,
                national_id=c.national_id,
                sex=c.sex,
                home_province_id=c.home_province_id,
                birth_date=c.birth_date,
                education=c.education,
                experience_years=c.experience_years,
                exam=r.exam,
                interview=r.interview,
                record=r.record or 0.0,
            ),
            rules.Outcome(r.outcome),
            total=r.total,
            rank=r.rank,
            quota=r.quota,
        )
        for r, c in rows
    ]
    return version, placed


def _offer(
    session: Session, who: Principal, post: Post, p: rules.Placed, version: int, why: str
) -> Offer:
    offer = Offer(
        post_id=post.id, application_id=p.application_id, rule_version=version,
        status=OFFERED, offered_at=utcnow(),
    )  # fmt: skip
    session.add(offer)
    session.flush()
    audit.record(
        session, actor=who.username, action="offer", entity="appt_post", entity_id=post.id,
        after={"national_id": p.entry.national_id, "rank": p.rank, "quota": p.quota,
               "version": version, "why": why},
    )  # fmt: skip
    return offer


def make_offers(session: Session, who: Principal, *, post_code: str) -> int:
    """Offer the post to everyone its latest stored ranking selected who has no offer
    yet; returns how many offers were made (0 the second time)."""
    require_runner(who)
    post = get_post(session, who, post_code)
    version, placed = _placed(session, post)
    held = set(session.scalars(select(Offer.application_id).where(Offer.post_id == post.id)))
    made = 0
    for p in placed:
        if p.outcome is rules.Outcome.SELECTED and p.application_id not in held:
            _offer(session, who, post, p, version, "selected")
            made += 1
    return made


@dataclass(frozen=True)
class Answer:
    status: str
    changed: bool
    passed_to: str | None  # national ID the refused seat went to


def answer(
    session: Session, who: Principal, *, post_code: str, national_id_: str, accept: bool
) -> Answer:
    """Record a candidate's answer to their offer. The same answer again changes nothing;
    a different answer to an answered offer is a Conflict. A refusal offers the seat to
    the next in line: the best-ranked person not yet offered, or, when the refused seat was
    a quota's and the quota would fall short, the best-ranked member of that quota."""
    require_runner(who)
    post = get_post(session, who, post_code)
    nid = national_id.normalize(national_id_)
    offer = session.scalar(
        select(Offer)
        .join(Application, Application.id == Offer.application_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(Offer.post_id == post.id, Candidate.national_id == nid)
    )
    if offer is None:
        raise CandidateNotFound(
            f"به داوطلب {nid} پست «{post.code}» پیشنهاد نشده است",
            [FieldProblem("national_id", nid)],
        )
    wanted = ACCEPTED if accept else REFUSED
    if offer.status == wanted:
        return Answer(wanted, False, None)
    if offer.status != OFFERED:
        raise Conflict(
            f"داوطلب {nid} پیش‌تر پاسخ «{STATUS_FA[offer.status]}» داده است",
            [FieldProblem("accept", "پاسخ داده‌شده تغییر نمی‌کند")],
        )
    offer.status, offer.answered_at = wanted, utcnow()
    session.flush()
    audit.record(
        session, actor=who.username, action=wanted, entity="appt_offer", entity_id=offer.id,
        before={"status": OFFERED}, after={"status": wanted, "national_id": nid},
    )  # fmt: skip
    if accept:
        return Answer(wanted, True, None)
    version, placed = _placed(session, post)
    offers = session.execute(
        select(Offer.application_id, Offer.status).where(Offer.post_id == post.id)
    ).all()  # fmt: skip
    refused = next((p for p in placed if p.application_id == offer.application_id), None)
    if refused is None:
        return Answer(wanted, True, None)
    rule = rules.Rule.from_dict(rule_version(session, post, version).body)
    nxt = rules.next_in_line(
        placed, refused=refused, offered={a for a, _ in offers}, rule=rule,
        post_province_id=post.province_id,
        holding={a for a, s in offers if s in (OFFERED, ACCEPTED)},
    )  # fmt: skip
    if nxt is None:
        return Answer(wanted, True, None)
    _offer(session, who, post, nxt, version, f"refused by {nid}")
    return Answer(wanted, True, nxt.entry.national_id)


@dataclass(frozen=True)
class OfferLine:
    national_id: str
    full_name: str
    rank: int | None
    status: str


def list_offers(session: Session, who: Principal, *, post_code: str) -> list[OfferLine]:
    post = get_post(session, who, post_code)
    rows = session.execute(
        select(Candidate.national_id, Candidate.full_name, RankingRow.rank, Offer.status)
        .join(Application, Application.id == Offer.application_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .join(
            RankingRow,
            (RankingRow.application_id == Offer.application_id)
            & (RankingRow.rule_version == Offer.rule_version),
        )
        .where(Offer.post_id == post.id)
        .order_by(Offer.id)
    )
    return [OfferLine(*r) for r in rows]
