"""A machine client's API key acts as one user. Its secret is shown once, when issued or
rotated, and only its SHA-256 digest is kept; keys are listed, disabled, enabled and
rotated (each change audited), and on each request a key names its caller
(``principal_from_api_key``), whose ``last_used_at`` is written at most once per
``LAST_USED_GRAIN``. Users, their look-up and the principal made from a user's columns
belong to ``service.py``; a key works only while its user is active."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import (
    AuthenticationFailed,
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
)
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow
from darman.security.models import ApiKey, User
from darman.security.principal import Principal
from darman.security.service import USER_COLUMNS, get_user, principal_of_row


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    key: str
    record: ApiKey


def _new_key() -> tuple[str, str]:
    """A fresh key and its prefix (the part shown in lists to tell keys apart)."""
    prefix = secrets.token_hex(4)
    return f"dk_{prefix}_{secrets.token_urlsafe(32)}", prefix


def create_api_key(session: Session, *, actor: str, username: str, name: str) -> NewApiKey:
    """Issue a key for a machine client acting as ``username``; the plain key is returned once.
    Raises NotFound, InvalidInput for an empty or over-long name."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("کلید ساخته نشد", [FieldProblem("name", "نام کلید ۱ تا ۱۰۰ نویسه است")])
    user = get_user(session, username=username)
    key, prefix = _new_key()
    record = ApiKey(user_id=user.id, name=name, prefix=prefix, digest=_digest(key), is_active=True)
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="api_key",
        entity_id=record.id,
        after={"user": username, "name": name, "prefix": prefix},
    )
    return NewApiKey(key=key, record=record)


def list_api_keys(session: Session, *, username: str) -> list[ApiKey]:
    """``username``'s keys, newest first (their digests, never the keys). Raises NotFound."""
    user = get_user(session, username=username)
    return list(
        session.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id.desc())
        ).all()
    )


def _key_of(session: Session, *, username: str, key_id: int) -> ApiKey:
    """``username``'s key ``key_id``, locked for the change; NotFound for anyone else's."""
    user = get_user(session, username=username)
    key = session.scalars(
        select(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if key is None:
        raise NotFound(f"کاربر «{username}» کلیدی با شناسه‌ی {to_persian_digits(key_id)} ندارد")
    return key


def _key_facts(key: ApiKey, username: str) -> dict[str, Any]:
    return {"user": username, "name": key.name, "prefix": key.prefix, "is_active": key.is_active}


def set_api_key_active(
    session: Session, *, actor: str, username: str, key_id: int, active: bool
) -> ApiKey:
    """Disable a key (requests with it are refused at once) or enable it again. Audited;
    setting the state a key already has changes and records nothing, so a retried
    request is harmless. Raises NotFound when ``username`` holds no such key."""
    key = _key_of(session, username=username, key_id=key_id)
    if key.is_active == active:
        return key
    before = _key_facts(key, username)
    key.is_active = active
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="enable" if active else "disable",
        entity="api_key",
        entity_id=key.id,
        before=before,
        after=_key_facts(key, username),
    )
    return key


def rotate_api_key(session: Session, *, actor: str, username: str, key_id: int) -> NewApiKey:
    """Give a key a new secret, returned once: the old secret stops working as this
    commits, the client's name and record stay. Audited with the old and new prefix.
    Each call issues a new secret (a retried rotation leaves the newest one in force).
    Raises NotFound, or Conflict for a disabled key (enable it first: a disabled key's
    client is not meant to work, and a fresh secret for it would hide that)."""
    key = _key_of(session, username=username, key_id=key_id)
    if not key.is_active:
        raise Conflict(
            f"کلید «{key.name}» غیرفعال است؛ نخست آن را فعال کنید، سپس کلید تازه بسازید",
            [FieldProblem("key_id", "کلید غیرفعال")],
        )
    before = _key_facts(key, username)
    secret, prefix = _new_key()
    key.prefix, key.digest, key.last_used_at = prefix, _digest(secret), None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="rotate",
        entity="api_key",
        entity_id=key.id,
        before=before,
        after=_key_facts(key, username),
    )
    return NewApiKey(key=secret, record=key)


# ``last_used_at`` tells when a key was last used to the minute: writing it on every
# request would turn every API call, reads included, into a write.
LAST_USED_GRAIN = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class KeyUse:
    principal: Principal
    key_id: int
    digest: str
    last_used_at: dt.datetime | None
    stale: bool  # last_used_at is unset or older than LAST_USED_GRAIN: touch_api_key


_KEY_HOLDER = (
    select(ApiKey.id, ApiKey.is_active, ApiKey.last_used_at, *USER_COLUMNS)
    .join(User, User.id == ApiKey.user_id)
    .where(ApiKey.digest == bindparam("digest"))
)


def principal_from_api_key(
    session: Session | Connection, *, key: str, now: dt.datetime | None = None
) -> KeyUse:
    """The caller of a key, read only; whether its ``last_used_at`` wants writing."""
    digest = _digest(key)
    row = session.execute(_KEY_HOLDER, {"digest": digest}).first()
    if row is None or not row[1]:
        raise AuthenticationFailed("the API key is not valid")
    key_id, _, last, *user = row
    if not user[-1]:
        raise AuthenticationFailed("the API key's user is disabled")
    stale = last is None or (now or utcnow()) - last >= LAST_USED_GRAIN
    return KeyUse(principal_of_row(tuple(user)), key_id, digest, last, stale)


def touch_api_key(session: Session, *, key_id: int, now: dt.datetime | None = None) -> None:
    """Set a key's ``last_used_at`` unless another request did within LAST_USED_GRAIN
    (the caller commits)."""
    now = now or utcnow()
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            ApiKey.last_used_at.is_(None) | (ApiKey.last_used_at <= now - LAST_USED_GRAIN),
        )
        .values(last_used_at=now)
    )
