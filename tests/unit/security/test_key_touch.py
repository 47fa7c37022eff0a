"""An API key's last_used_at: of the requests that read the same stale value at once,
only the first of a process writes it; a newer stale value, another key, or a claim
older than the grain is written again."""

from __future__ import annotations

import datetime as dt

from darman.security import service
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

WHO = Principal(user_id=1, username="k", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL)
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def _use(digest: str, last: dt.datetime | None) -> service.KeyUse:
    return service.KeyUse(WHO, 1, digest, last, stale=True)


def test_one_write_per_stale_value_per_key(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(service, "_TOUCHING", {})
    assert service.claim_key_touch(_use("a" * 64, None)) is True
    assert service.claim_key_touch(_use("a" * 64, None)) is False  # the herd
    assert service.claim_key_touch(_use("b" * 64, None)) is True  # another key
    assert service.claim_key_touch(_use("a" * 64, T0)) is True  # a newer stale value
    assert service.claim_key_touch(_use("a" * 64, T0)) is False


def test_a_claim_lapses_after_the_grain_so_a_failed_write_is_retried(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(service, "_TOUCHING", {})
    clock = [1000.0]
    monkeypatch.setattr(service.time, "monotonic", lambda: clock[0])
    assert service.claim_key_touch(_use("c" * 64, T0)) is True
    clock[0] += service.LAST_USED_GRAIN.total_seconds() - 1
    assert service.claim_key_touch(_use("c" * 64, T0)) is False
    clock[0] += 2
    assert service.claim_key_touch(_use("c" * 64, T0)) is True
