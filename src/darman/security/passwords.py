"""Argon2id password hashing."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked against when the username is unknown or disabled, so that answer takes as long
# as a wrong password and the time taken does not tell which usernames exist.
_STAND_IN_HASH = _hasher.hash("no user has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_a_check(password: str) -> None:
    """Spend the time of one password check on no account."""
    verify_password(_STAND_IN_HASH, password)
