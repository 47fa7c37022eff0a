"""Seals, checkpoints and the audit key's settings, without a database."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from darman.app import create_app
from darman.audit import chain, checkpoint
from darman.audit.exceptions import CheckpointRefused
from darman.common.errors import ConfigurationError
from darman.settings import DEMO_AUDIT_KEY, Settings

SECRET = "unit-audit-key-" + "u" * 30
TOKEN_SECRET = "unit-token-secret-" + "t" * 30
TEHRAN_NOON = dt.datetime(2026, 3, 21, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=3, minutes=30)))
# the entry below, as the seal covers it: sorted keys, no spaces, UTF-8, the time in UTC
CANONICAL = (
    '{"action":"update","actor":"کاربر","after":{"beds_icu":9},'
    '"at":"2026-03-21T08:30:00.000000+00:00","before":{"beds_icu":4},"entity":"facility",'
    '"entity_id":"7","prev":"' + "0" * 64 + '","seq":1}'
).encode("utf-8")
ENTRY = {
    "seq": 1, "at": TEHRAN_NOON, "actor": "کاربر", "action": "update", "entity": "facility",
    "entity_id": "7", "before": {"beds_icu": 4}, "after": {"beds_icu": 9},
    "prev_hash": chain.GENESIS,
}  # fmt: skip


def test_an_entry_is_sealed_with_hmac_sha256_under_a_key_derived_for_entries() -> None:
    assert chain.canonical(**ENTRY) == CANONICAL  # type: ignore[arg-type]
    entry_key = hmac.new(SECRET.encode(), b"darman audit entry seal v1", hashlib.sha256).digest()
    expected = hmac.new(entry_key, CANONICAL, hashlib.sha256).hexdigest()
    assert chain.seal(chain.entry_key(SECRET), CANONICAL) == expected
    # the earlier release's seal, a plain SHA-256 anyone can recompute, is another value
    assert chain.unkeyed_seal(CANONICAL) == hashlib.sha256(CANONICAL).hexdigest() != expected
    assert chain.entry_key(SECRET) != chain.checkpoint_key(SECRET)


def test_a_checkpoint_is_one_signed_line_that_reads_back_the_same() -> None:
    point = checkpoint.sign(
        SECRET, entries=8, head_hash="a" * 64, unkeyed_entries=3, taken_at=TEHRAN_NOON
    )
    line = checkpoint.to_line(point)
    body = (
        '{"entries":8,"format":"darman-audit-checkpoint/1","head_hash":"' + "a" * 64 + '",'
        '"taken_at":"2026-03-21T08:30:00.000000+00:00","unkeyed_entries":3}'
    ).encode()
    key = hmac.new(SECRET.encode(), b"darman audit checkpoint signature v1", hashlib.sha256)
    assert json.loads(line)["signature"] == hmac.new(key.digest(), body, hashlib.sha256).hexdigest()
    (read,) = checkpoint.parse("\n" + line + "\n")
    assert read.line == 2 and checkpoint.signature_matches(read, SECRET)
    assert (read.entries, read.unkeyed_entries, read.taken_at) == (8, 3, TEHRAN_NOON)
    assert not checkpoint.signature_matches(read, "another-key-" + "o" * 30)


def test_an_unreadable_checkpoint_file_names_every_bad_line_and_field() -> None:
    good = checkpoint.to_line(
        checkpoint.sign(SECRET, entries=1, head_hash="b" * 64, unkeyed_entries=0,
                        taken_at=TEHRAN_NOON)
    )  # fmt: skip
    fields = json.loads(good)
    text = "\n".join(
        [
            good,
            "not json",
            json.dumps({**fields, "entries": -1}),
            json.dumps({**fields, "head_hash": "XYZ"}),
            json.dumps({**fields, "taken_at": "2026-03-21T08:30:00"}),
            json.dumps({**fields, "format": "other"}),
        ]
    )
    with pytest.raises(CheckpointRefused) as refused:
        checkpoint.parse(text)
    where = [(p.row, p.field) for p in refused.value.problems]
    assert where == [(2, None), (3, "entries"), (4, "head_hash"), (5, "taken_at"), (6, "format")]
    with pytest.raises(CheckpointRefused, match="نقطهٔ وارسی"):
        checkpoint.parse("\n \n")


def test_the_audit_key_is_required_outside_demo_mode_and_must_be_fit() -> None:
    def audit_secret(**given: object) -> str:
        return Settings(secret_key=TOKEN_SECRET, **given).audit_secret()  # type: ignore[arg-type]

    with pytest.raises(ConfigurationError, match="DARMAN_AUDIT_KEY is not set"):
        audit_secret(audit_key=None, demo_mode=False)
    with pytest.raises(ConfigurationError, match="DARMAN_AUDIT_KEY is not set"):
        audit_secret(audit_key="   ", demo_mode=False)
    with pytest.raises(ConfigurationError, match="public demo key"):
        audit_secret(audit_key=DEMO_AUDIT_KEY, demo_mode=False)
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        audit_secret(audit_key="short", demo_mode=False)
    with pytest.raises(ConfigurationError, match="must differ from DARMAN_SECRET_KEY"):
        audit_secret(audit_key=TOKEN_SECRET, demo_mode=False)
    assert audit_secret(audit_key=SECRET, demo_mode=False) == SECRET
    assert audit_secret(audit_key=None, demo_mode=True) == DEMO_AUDIT_KEY
    assert SECRET not in repr(Settings(audit_key=SECRET))  # type: ignore[arg-type]


def test_the_app_does_not_start_without_an_audit_key(monkeypatch) -> None:
    monkeypatch.delenv("DARMAN_AUDIT_KEY")
    settings = Settings(database_url="sqlite://", secret_key=TOKEN_SECRET, demo_mode=False)
    with pytest.raises(ConfigurationError, match="DARMAN_AUDIT_KEY is not set"):
        create_app(settings, run_migrations=False)
