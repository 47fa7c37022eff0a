"""Checkpoints: the audit log's head (entry count and last seal), signed with the audit
key, kept outside the database. Pure: making, signing, writing and reading them.

A checkpoint is one line of JSON, so checkpoints taken over time append to one file or
go, line by line, to an external log (syslog, a write-once store). Verifying against them
catches what the chain alone cannot: entries cut from the end, and entries rewritten and
re-sealed by someone holding the key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace

from darman.audit import chain
from darman.audit.exceptions import CheckpointRefused
from darman.common.errors import FieldProblem

FORMAT = "darman-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checkpoint:
    """``entries`` entries, the last sealed ``head_hash``, the first ``unkeyed_entries`` of
    them sealed before the chain was keyed; signed at ``taken_at``. ``line`` is where it
    was read from (0 when made here); it is not signed."""

    entries: int
    head_hash: str
    unkeyed_entries: int
    taken_at: dt.datetime
    signature: str
    line: int = 0


def _body(entries: int, head_hash: str, unkeyed_entries: int, taken_at: dt.datetime) -> bytes:
    return json.dumps(
        {
            "format": FORMAT,
            "entries": entries,
            "head_hash": head_hash,
            "unkeyed_entries": unkeyed_entries,
            "taken_at": _instant(taken_at),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")


def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def sign(
    secret: str, *, entries: int, head_hash: str, unkeyed_entries: int, taken_at: dt.datetime
) -> Checkpoint:
    """A checkpoint of the head, signed with the checkpoint sub-key of ``secret``."""
    body = _body(entries, head_hash, unkeyed_entries, taken_at)
    signature = chain.seal(chain.checkpoint_key(secret), body)
    return Checkpoint(entries, head_hash, unkeyed_entries, taken_at.astimezone(dt.UTC), signature)


def signature_matches(point: Checkpoint, secret: str) -> bool:
    body = _body(point.entries, point.head_hash, point.unkeyed_entries, point.taken_at)
    return chain.same(chain.seal(chain.checkpoint_key(secret), body), point.signature)


def to_line(point: Checkpoint) -> str:
    """The checkpoint as one line of JSON (no newline)."""
    fields = json.loads(
        _body(point.entries, point.head_hash, point.unkeyed_entries, point.taken_at)
    )
    return json.dumps({**fields, "signature": point.signature}, sort_keys=True)


def parse(text: str) -> list[Checkpoint]:
    """Every checkpoint in ``text``, one per non-blank line, in order. Signatures are not
    checked here (that needs the key: ``verification.verify``). Raises CheckpointRefused
    naming each bad line and field."""
    points: list[Checkpoint] = []
    problems: list[FieldProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            points.append(_parse_line(raw, number))
        except _BadField as bad:
            problems.append(FieldProblem(field=bad.field, reason=bad.reason, row=number))
    if problems:
        raise CheckpointRefused("نقطهٔ وارسی خوانده نشد", problems)
    if not points:
        raise CheckpointRefused(
            "نقطهٔ وارسی خوانده نشد",
            [FieldProblem(field=None, reason="پرونده هیچ نقطهٔ وارسی ندارد")],
        )
    return points


class _BadField(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def _parse_line(raw: str, number: int) -> Checkpoint:
    try:
        fields = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _BadField(None, f"JSON نیست ({exc.msg}، ستون {exc.colno})") from None
    if not isinstance(fields, dict):
        raise _BadField(None, "باید یک شیء JSON باشد")
    if fields.get("format") != FORMAT:
        raise _BadField("format", f"باید {FORMAT} باشد")
    entries = _count(fields, "entries")
    unkeyed = _count(fields, "unkeyed_entries")
    head_hash = _hex(fields, "head_hash")
    signature = _hex(fields, "signature")
    taken = fields.get("taken_at")
    try:
        taken_at = dt.datetime.fromisoformat(taken) if isinstance(taken, str) else None
    except ValueError:
        taken_at = None
    if taken_at is None or taken_at.tzinfo is None:
        raise _BadField("taken_at", "باید زمانی با منطقهٔ زمانی باشد (ISO 8601)")
    point = Checkpoint(entries, head_hash, unkeyed, taken_at.astimezone(dt.UTC), signature)
    return replace(point, line=number)


def _count(fields: dict[str, object], name: str) -> int:
    value = fields.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _BadField(name, "باید عددی درست و نامنفی باشد")
    return value


def _hex(fields: dict[str, object], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise _BadField(name, "باید ۶۴ رقم شانزده‌شانزدهی (کوچک) باشد")
    return value
