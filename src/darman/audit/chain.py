"""How an audit entry is sealed: pure functions, no database.

An entry's seal is HMAC-SHA256, keyed by the audit key (a setting, never stored in the
database), over its fields and the previous entry's seal. Whoever can write the database
but does not hold the key can neither change an entry nor re-seal the entries after it
without verification naming the first one changed.

Entries written before the chain was keyed (an earlier release) carry a plain SHA-256 of
the same fields; verification accepts that only for the prefix recorded when the
database was upgraded (``AuditUnkeyedPrefix``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

GENESIS = "0" * 64

# Sub-keys derived from the one configured key, one per use, so an entry's seal and a
# checkpoint's signature can never stand in for one another.
_ENTRY_KEY_LABEL = b"darman audit entry seal v1"
_CHECKPOINT_KEY_LABEL = b"darman audit checkpoint signature v1"


def _derive(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), label, hashlib.sha256).digest()


def entry_key(secret: str) -> bytes:
    return _derive(secret, _ENTRY_KEY_LABEL)


def checkpoint_key(secret: str) -> bytes:
    return _derive(secret, _CHECKPOINT_KEY_LABEL)


def canonical(
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> bytes:
    """The bytes an entry's seal covers: its fields and the previous seal, as sorted,
    compact UTF-8 JSON, the time in UTC to the microsecond."""
    return json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def seal(key: bytes, body: bytes) -> str:
    """The keyed seal of an entry (``key`` from ``entry_key``), as 64 hex digits."""
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def unkeyed_seal(body: bytes) -> str:
    """The seal of an entry written before the chain was keyed."""
    return hashlib.sha256(body).hexdigest()


def same(a: str, b: str) -> bool:
    """Compare two seals in constant time."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
