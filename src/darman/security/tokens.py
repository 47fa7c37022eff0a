"""Short-lived JWT access tokens (HS256)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

from darman.common.errors import AuthenticationFailed

ALGORITHM = "HS256"


def issue(*, username: str, user_id: int, secret: str, minutes: int) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": username,
        "uid": user_id,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=minutes)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode(token: str, *, secret: str) -> dict[str, Any]:
    try:
        # a signed token without an expiry would be good for ever: both are required
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationFailed("the access token has expired; log in again") from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed("the access token is not valid") from exc
    if claims.get("typ") != "access":
        raise AuthenticationFailed("the token is not an access token")
    return claims
