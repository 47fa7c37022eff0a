"""Access tokens: a signed token is refused unless it says when it was issued and when
it expires, so a leaked token without an expiry is never good for ever."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from darman.common.errors import AuthenticationFailed
from darman.security import tokens

SECRET = "s" * 40


def _signed(**claims: object) -> str:
    return jwt.encode({"sub": "ali", "uid": 1, "typ": "access", **claims}, SECRET, "HS256")


def test_an_issued_token_is_read_back() -> None:
    token = tokens.issue(username="ali", user_id=1, secret=SECRET, minutes=5)
    assert tokens.decode(token, secret=SECRET)["sub"] == "ali"


@pytest.mark.parametrize("missing", ["exp", "iat"])
def test_a_signed_token_without_exp_or_iat_is_refused(missing: str) -> None:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"exp": now + 300, "iat": now}
    del claims[missing]
    with pytest.raises(AuthenticationFailed, match="not valid"):
        tokens.decode(_signed(**claims), secret=SECRET)


def test_an_expired_token_is_refused_as_expired() -> None:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    with pytest.raises(AuthenticationFailed, match="expired"):
        tokens.decode(_signed(exp=now - 10, iat=now - 400), secret=SECRET)
