"""Use cases for users, log-in with lockout and tokens."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    func,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
)
from darman.common.persian import to_persian_digits
from darman.db.base import UtcDateTime, utcnow
from darman.security import tokens
from darman.security.enums import Role, ScopeLevel
from darman.security.models import User
from darman.security.passwords import hash_password, spend_a_check, verify_password
from darman.security.principal import Principal
from darman.security.rules import disabling_refusal, scope_problem

MIN_PASSWORD_LENGTH = 8
# What a username may hold: it is typed at log-in and shown verbatim in the audit log.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_USER_AUDIT_EXCLUDE = frozenset({"password_hash"})


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        scope_level=ScopeLevel(user.scope_level),
        province_id=user.province_id,
        facility_id=user.facility_id,
        practitioner_id=user.practitioner_id,
    )


class Places(Protocol):
    """What creating a user needs to know of provinces, facilities and practitioners.

    The registry knows them, and it sits above security (it filters every read by the
    caller's principal), so the caller passes its answers in:
    ``registry.service.UserPlaces(session)``.
    """

    def has_province(self, province_id: int) -> bool: ...

    # None when there is no such facility
    def province_of_facility(self, facility_id: int) -> int | None: ...

    def practitioner_id(self, council_number: str) -> int | None: ...

    def works_at(self, practitioner_id: int, facility_id: int) -> bool: ...


def create_user(
    session: Session,
    *,
    places: Places,
    actor: str,
    username: str,
    password: str,
    role: Role,
    scope_level: ScopeLevel,
    province_id: int | None = None,
    facility_id: int | None = None,
    full_name: str = "",
    practitioner_council_number: str | None = None,
) -> User:
    """Create a user whose scope is national, one province, one facility or their own
    records (a rater, linked to their rater record by the appointments domain).

    A province scope needs ``province_id``; a facility scope needs ``facility_id``
    and takes its province from the facility. A physician may be linked to their
    practitioner record by council number (what they prescribe is then theirs); the
    practitioner must work at the user's facility. ``places`` answers for the registry.
    Raises InvalidInput for a short password, inconsistent scope or a bad practitioner
    link, Conflict for a taken username.
    """
    problems: list[FieldProblem] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            FieldProblem(
                "password", f"دست‌کم {to_persian_digits(MIN_PASSWORD_LENGTH)} نویسه لازم است"
            )
        )
    if len(full_name) > 200:
        problems.append(FieldProblem("full_name", "دست‌بالا ۲۰۰ نویسه"))
    if not USERNAME_PATTERN.fullmatch(username):
        problems.append(
            FieldProblem(
                "username",
                "۱ تا ۶۴ نویسه از حروف و رقم‌های لاتین، نقطه، خط تیره و زیرخط "
                "(مانند tehran.manager)",
            )
        )
    role_scope = scope_problem(role, scope_level)
    if role_scope:
        problems.append(FieldProblem("scope_level", role_scope))
    if scope_level in (ScopeLevel.NATIONAL, ScopeLevel.OWN):
        province_id = facility_id = None
    elif scope_level is ScopeLevel.PROVINCE:
        facility_id = None
        if province_id is None or not places.has_province(province_id):
            problems.append(FieldProblem("province_id", "گستره‌ی استانی استانِ موجودی می‌خواهد"))
    else:
        province_id = places.province_of_facility(facility_id) if facility_id is not None else None
        if province_id is None:
            problems.append(FieldProblem("facility_id", "گستره‌ی مرکز درمانی مرکزِ موجودی می‌خواهد"))
    practitioner_id = None
    if practitioner_council_number is not None:
        practitioner_id = _practitioner_link(
            places, problems, role, facility_id, practitioner_council_number
        )
    if problems:
        raise InvalidInput("کاربر ساخته نشد", problems)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(
            f"نام کاربری «{username}» گرفته شده است",
            [FieldProblem("username", f"«{username}» از آنِ کاربر دیگری است")],
        )
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role.value,
        scope_level=scope_level.value,
        province_id=province_id,
        facility_id=facility_id,
        practitioner_id=practitioner_id,
        is_active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        after=audit.snapshot(user, exclude=_USER_AUDIT_EXCLUDE),
    )
    return user


def _practitioner_link(
    places: Places,
    problems: list[FieldProblem],
    role: Role,
    facility_id: int | None,
    council_number: str,
) -> int | None:
    """The practitioner id a physician user is linked to, or None with the problem noted."""
    field = "practitioner_council_number"
    if role is not Role.PHYSICIAN:
        problems.append(FieldProblem(field, "فقط کاربرِ پزشک به پرونده‌ی پزشک پیوند می‌خورد"))
        return None
    practitioner_id = places.practitioner_id(council_number.strip())
    if practitioner_id is None:
        problems.append(
            FieldProblem(
                field,
                f"پزشکی با شماره‌ی نظام پزشکی {council_number} در ثبت نیست "
                "(فهرست پزشکان: darman registry export practitioners FILE.csv)",
            )
        )
        return None
    if facility_id is not None and not places.works_at(practitioner_id, facility_id):
        problems.append(
            FieldProblem(
                field,
                f"پزشک {council_number} در مرکز {facility_id} کار نمی‌کند",
            )
        )
        return None
    return int(practitioner_id)


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"کاربری با نام «{username}» نیست")
    return user


def list_users(
    session: Session,
    *,
    offset: int = 0,
    limit: int = 200,
    text: str = "",
    role: Role | None = None,
) -> tuple[list[User], int]:
    """Users in username order, with how many there are; ``text`` narrows to usernames or
    full names holding it (any case), ``role`` to one role."""
    query = select(User)
    needle = text.strip().lower()
    if needle:
        query = query.where(
            func.lower(User.username).contains(needle, autoescape=True)
            | func.lower(User.full_name).contains(needle, autoescape=True)
        )
    if role is not None:
        query = query.where(User.role == role.value)
    rows = session.scalars(query.order_by(User.username).offset(offset).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(rows), int(total)


def disable_user(
    session: Session, *, actor: str, username: str, acting_user_id: int | None
) -> User:
    """Disable a user: their tokens and API keys stop working at once. Audited;
    disabling a disabled user changes and records nothing.

    ``acting_user_id`` is the signed-in user doing it (None from the command line).
    Nobody disables their own account, nor the last active administrator. The user and
    the active administrators are locked first (on SQLite the unit's write lock does it),
    so two administrators disabling each other at once cannot leave none.
    Raises NotFound, CannotDisableYourself or LastActiveAdmin.
    """
    rows = session.scalars(_USER_AND_ACTIVE_ADMINS, {"username": username}).all()
    user = next((row for row in rows if row.username == username), None)
    if user is None:
        raise NotFound(f"کاربری با نام «{username}» نیست")
    active_admins = [row.id for row in rows if row.role == Role.ADMIN and row.is_active]
    refusal = disabling_refusal(
        username=username,
        is_self=user.id == acting_user_id,
        is_active_admin=user.id in active_admins,
        other_active_admins=sum(1 for uid in active_admins if uid != user.id),
    )
    if refusal is not None:
        raise refusal
    return _set_active(session, actor=actor, user=user, active=False)


def enable_user(session: Session, *, actor: str, username: str) -> User:
    """Enable a disabled user again (their API keys work again; a lock from failed
    log-ins still runs its course). Audited; enabling an active user changes and records
    nothing. Raises NotFound."""
    user = session.scalars(_ONE_USER, {"username": username}).first()
    if user is None:
        raise NotFound(f"کاربری با نام «{username}» نیست")
    return _set_active(session, actor=actor, user=user, active=True)


# Locked in id order in one statement, so two administrators disabling each other at
# once wait for one another instead of deadlocking.
_USER_AND_ACTIVE_ADMINS = (
    select(User)
    .where(
        (User.username == bindparam("username"))
        | ((User.role == Role.ADMIN.value) & User.is_active.is_(True))
    )
    .order_by(User.id)
    .with_for_update()
    .execution_options(populate_existing=True)
)
_ONE_USER = (
    select(User)
    .where(User.username == bindparam("username"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def _set_active(session: Session, *, actor: str, user: User, active: bool) -> User:
    if user.is_active == active:
        return user
    before = audit.snapshot(user, exclude=_USER_AUDIT_EXCLUDE)
    user.is_active = active
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="enable" if active else "disable",
        entity="user",
        entity_id=user.id,
        before=before,
        after=audit.snapshot(user, exclude=_USER_AUDIT_EXCLUDE),
    )
    return user


@dataclass(frozen=True)
class PasswordCheck:
    """Whether a password was right for an active, unlocked user, as read before the
    attempt is recorded (``record_login``)."""

    user_id: int
    username: str
    right: bool


_LOGIN_FACTS = select(User.id, User.password_hash, User.is_active, User.locked_until).where(
    User.username == bindparam("username")
)
_USERS = User.__table__
assert isinstance(_USERS, Table)
# The conditions under which an attempt counts: the user is active and not locked now.
# They are part of each UPDATE below, so an attempt judged while another request locked
# the account finds no row and is refused as locked, whatever it read before.
_MAY_LOG_IN = and_(
    _USERS.c.id == bindparam("user_id"),
    _USERS.c.is_active.is_(True),
    or_(_USERS.c.locked_until.is_(None), _USERS.c.locked_until <= bindparam("now")),
)
_NEXT_COUNT = _USERS.c.failed_logins + 1
_MAX_FAILED = bindparam("max_failed", type_=Integer())
_REACHES_MAX = _NEXT_COUNT >= _MAX_FAILED
# One statement adds the failure and, at the limit, locks and starts a fresh count, so
# concurrent failures are each counted once (the database orders them on the row) and
# exactly one of them is the one that locks.
_COUNT_FAILURE = (
    update(_USERS)
    .where(_MAY_LOG_IN)
    .values(
        failed_logins=case((_REACHES_MAX, 0), else_=_NEXT_COUNT),
        locked_until=case((_REACHES_MAX, bindparam("until", type_=UtcDateTime())), else_=null()),
    )
    .returning(_USERS.c.locked_until)
)
_CLEAR_FAILURES = (
    update(_USERS)
    .where(_MAY_LOG_IN)
    .values(failed_logins=0, locked_until=null())
    .returning(_USERS.c.id)
)


def check_password(
    session: Session | Connection, *, username: str, password: str, now: dt.datetime | None = None
) -> PasswordCheck:
    """Whether ``password`` is ``username``'s, read only: the slow hash is checked outside
    any write transaction (on SQLite, without the write lock every writer waits for).

    Raises AuthenticationFailed for an unknown or disabled user (one message for both
    and for a wrong password, so usernames cannot be probed), AccountLocked while the
    account is locked, even for the right password.
    """
    now = now or utcnow()
    row = session.execute(_LOGIN_FACTS, {"username": username}).first()
    if row is None or not row.is_active:
        spend_a_check(password)
        raise AuthenticationFailed("wrong username or password")
    if row.locked_until is not None and row.locked_until > now:
        raise _locked(row.locked_until, now)
    return PasswordCheck(row.id, username, verify_password(row.password_hash, password))


def record_login(
    session: Session,
    *,
    check: PasswordCheck,
    max_failed: int,
    lockout_minutes: int,
    now: dt.datetime | None = None,
) -> User:
    """Record a checked attempt in one conditional UPDATE and answer it.

    A wrong password adds one to the count of failures in a row; the ``max_failed``-th
    locks the account for ``lockout_minutes`` (audited) and starts a fresh count. The
    right password clears the count. Either way the attempt counts only if the account is
    still active and unlocked when it is written: one checked while another request
    locked it is refused as locked. The caller commits even when this raises, so the
    count and any lock survive the refusal. Raises AuthenticationFailed or AccountLocked.
    """
    now = now or utcnow()
    params = {"user_id": check.user_id, "now": now}
    if check.right:
        if session.execute(_CLEAR_FAILURES, params).first() is None:
            raise _refused_meanwhile(session, check, now)
        return get_user(session, username=check.username)
    until = now + dt.timedelta(minutes=lockout_minutes)
    row = session.execute(
        _COUNT_FAILURE, {**params, "max_failed": max_failed, "until": until}
    ).first()
    if row is None:
        raise _refused_meanwhile(session, check, now)
    if row.locked_until is None:
        raise AuthenticationFailed("wrong username or password")
    audit.record(
        session,
        actor=check.username,
        action="lock",
        entity="user",
        entity_id=check.user_id,
        after={"locked_until": until.isoformat()},
    )
    raise AccountLocked(
        f"{max_failed} failed log-ins: the account is locked for {lockout_minutes} minutes"
    )


def authenticate(
    reads: Session | Connection,
    writes: Session,
    *,
    username: str,
    password: str,
    max_failed: int,
    lockout_minutes: int,
    now: dt.datetime | None = None,
) -> User:
    """Check a password on ``reads`` and record the attempt on ``writes``
    (``check_password``, then ``record_login``): ``max_failed`` consecutive failures lock
    the account for ``lockout_minutes``, and while it is locked even the right password
    is refused. The caller commits ``writes`` even on failure.
    Raises AuthenticationFailed or AccountLocked."""
    check = check_password(reads, username=username, password=password, now=now)
    return record_login(
        writes, check=check, max_failed=max_failed, lockout_minutes=lockout_minutes, now=now
    )


def _locked(until: dt.datetime, now: dt.datetime) -> AccountLocked:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return AccountLocked(f"the account is locked after repeated failures; try in {minutes} min")


def _refused_meanwhile(session: Session, check: PasswordCheck, now: dt.datetime) -> Exception:
    """Why an attempt checked as allowed found no row to write: the account was locked
    or disabled after its password was checked."""
    user = session.get(User, check.user_id)
    if user is not None and user.is_active and user.locked_until is not None:
        return _locked(user.locked_until, now)
    return AuthenticationFailed("wrong username or password")


def issue_token(user: User, *, secret: str, minutes: int) -> str:
    return tokens.issue(username=user.username, user_id=user.id, secret=secret, minutes=minutes)


def principal_from_token(session: Session | Connection, *, token: str, secret: str) -> Principal:
    """The caller behind a bearer token; the user is re-read so a disabled user is refused."""
    claims = tokens.decode(token, secret=secret)
    uid = claims.get("uid")
    row = session.execute(_TOKEN_HOLDER, {"user_id": uid}).first() if isinstance(uid, int) else None
    if row is None or row[1] != claims.get("sub") or not row[-1]:
        raise AuthenticationFailed("the token's user no longer exists or is disabled")
    return principal_of_row(tuple(row))


# The caller's user, as a bearer token (here) and an API key (``api_keys``) find it.
USER_COLUMNS = (
    User.id, User.username, User.role, User.scope_level, User.province_id, User.facility_id,
    User.practitioner_id, User.is_active,
)  # fmt: skip
_TOKEN_HOLDER = select(*USER_COLUMNS).where(User.id == bindparam("user_id"))


def principal_of_row(user: tuple[Any, ...]) -> Principal:
    """``user``: the values of USER_COLUMNS."""
    uid, username, role, scope_level, province_id, facility_id, practitioner_id, _ = user
    return Principal(
        user_id=uid,
        username=username,
        role=Role(role),
        scope_level=ScopeLevel(scope_level),
        province_id=province_id,
        facility_id=facility_id,
        practitioner_id=practitioner_id,
    )
