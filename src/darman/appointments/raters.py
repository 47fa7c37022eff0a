"""Raters as users: a national administrator links a rater record to a user account of
role ``rater``; signed in, the rater sees and scores only the candidates shortlisted for
interview on the posts whose panel they sit on (``panels``), under the same
conflict-of-interest rules and audit as the national office's entries
(``scoring.record_marks``), with their own account as the actor. Anything else is
answered as an unknown candidate, so a rater learns nothing of who applied."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.appointments import panels
from darman.appointments.exceptions import RaterNotFound
from darman.appointments.models import Declaration, Rater, Scorecard
from darman.appointments.scoring import CardLine, no_such_candidate, rater_by_code, record_marks
from darman.audit import service as audit
from darman.common import national_id
from darman.common.errors import Conflict, FieldProblem, InvalidInput
from darman.security import service as security_service
from darman.security.enums import ROLE_LABELS_FA, Role
from darman.security.principal import Principal
from darman.security.rules import Act, require_user_admin, roles_that

SCORERS = roles_that(Act.SCORE_OWN_INTERVIEWS)


def link_problem(role: Role, rater_code: str | None) -> FieldProblem | None:
    """Why an account of ``role`` being created with ``rater_code`` cannot be linked, or
    None: a rater's account without a rater record would open on nothing, and only a
    rater's account is linked to one."""
    if role is Role.RATER and not rater_code:
        return FieldProblem("rater", "حساب ارزیاب کد ارزیاب می‌خواهد (مانند R-DIR-08-1)")
    if role is not Role.RATER and rater_code:
        only = ROLE_LABELS_FA[Role.RATER]
        return FieldProblem("rater", f"فقط حساب {only} به ارزیاب پیوند می‌خورد")
    return None


def link_user(session: Session, who: Principal, *, rater_code: str, username: str) -> Rater:
    """Link the rater record ``rater_code`` to the account ``username`` (audited); linking
    the same pair again changes nothing. The link grants access, so only a national
    administrator makes it. Raises RaterNotFound, NotFound for an unknown user,
    InvalidInput when the account's role is not rater, Conflict when the rater or the
    account is already linked to another."""
    require_user_admin(who)
    rater = rater_by_code(session, rater_code)
    user = security_service.get_user(session, username=username)
    if Role(user.role) is not Role.RATER:
        raise InvalidInput(
            "حساب به ارزیاب پیوند نخورد",
            [FieldProblem("rater", f"نقش «{username}» {ROLE_LABELS_FA[Role(user.role)]} است، "
                                   f"نه {ROLE_LABELS_FA[Role.RATER]}")],
        )  # fmt: skip
    if rater.user_id == user.id:
        return rater
    if rater.user_id is not None:
        raise Conflict(
            f"ارزیاب «{rater.code}» به حساب دیگری پیوند خورده است",
            [FieldProblem("rater", "هر ارزیاب یک حساب دارد")],
        )
    held = session.scalar(select(Rater.code).where(Rater.user_id == user.id))
    if held is not None:
        raise Conflict(
            f"حساب «{username}» به ارزیاب «{held}» پیوند خورده است",
            [FieldProblem("username", "هر حساب از آنِ یک ارزیاب است")],
        )
    rater.user_id = user.id
    session.flush()
    audit.record(
        session, actor=who.username, action="link_user", entity="appt_rater",
        entity_id=rater.id, after={"rater": rater.code, "user": username},
    )  # fmt: skip
    return rater


def rater_codes_of(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The code of the rater record linked to each of these accounts that has one, keyed
    by user id; one query whatever the number of accounts."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    query = select(Rater.user_id, Rater.code).where(Rater.user_id.in_(wanted))
    return {user_id: code for user_id, code in session.execute(query) if user_id is not None}


def rater_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Rater.id).where(Rater.code == code)) is not None


def own_rater(session: Session, who: Principal) -> Rater:
    """The rater record linked to the signed-in rater's account. PermissionDenied for any
    other role, RaterNotFound while no record is linked to the account."""
    who.require_role(*SCORERS)
    rater = session.scalar(select(Rater).where(Rater.user_id == who.user_id))
    if rater is None:
        raise RaterNotFound(
            "حساب شما هنوز به ارزیابی پیوند نخورده است؛ از مدیر سامانه بخواهید آن را پیوند دهد",
            [FieldProblem("rater", who.username)],
        )
    return rater


def own_cards(session: Session, who: Principal) -> tuple[Rater, list[CardLine], dict[str, str]]:
    """The candidates the signed-in rater is to score: one line per candidate shortlisted
    on a post whose panel they sit on, with the marks they have given (none yet: empty),
    and what they declared about those candidates; never another rater's marks, nor a
    candidate outside their panels."""
    rater = own_rater(session, who)
    todo = panels.rater_shortlist(session, rater)
    ids = [t.application_id for t in todo]
    given: dict[int, dict[str, int]] = defaultdict(dict)
    for app, comp, mark in session.execute(
        select(Scorecard.application_id, Scorecard.competency, Scorecard.mark).where(
            Scorecard.rater_id == rater.id, Scorecard.application_id.in_(ids)
        )
    ):
        given[app][comp] = mark
    lines = [
        CardLine(t.post_code, t.national_id, t.full_name, t.panel, given.get(t.application_id, {}))
        for t in todo
    ]
    nids = {t.national_id for t in todo}
    declared = {
        nid: rel
        for nid, rel in session.execute(
            select(Declaration.national_id, Declaration.relation).where(
                Declaration.rater_id == rater.id
            )
        )
        if nid in nids
    }
    return rater, lines, declared


def score_own(
    session: Session,
    who: Principal,
    *,
    post_code: str,
    national_id_: str,
    panel: str | None,
    marks: Mapping[str, int],
) -> int:
    """The signed-in rater records their own marks for one candidate of ``post_code``;
    returns how many changed. Only a candidate shortlisted on a post whose panel they sit
    on (and ``panel``, when given, theirs) can be scored: anything else, an unknown post
    included, is CandidateNotFound in the same words as for a person who never applied.
    A conflict of interest refuses it (ConflictOfInterest), as do marks off the 1-5 scale
    (InvalidInput); each change is audited with the rater's account as the actor."""
    rater = own_rater(session, who)
    nid = national_id.normalize(national_id_)
    found = panels.visible_to_rater(
        session, rater, post_code=post_code, national_id_=nid, panel=panel
    )
    if found is None:
        raise no_such_candidate(post_code, nid)
    post, held = found
    return record_marks(
        session, who, rater=rater, post=post, national_id_=nid, panel=held, marks=marks,
    )  # fmt: skip
