"""Verifying the audit log: the chain walked entry by entry under the key, then the log
against checkpoints of its head kept outside the database (``checkpoint.py``), which
catch what the chain alone cannot: entries cut from the end, and entries rewritten and
sealed again by someone holding the key.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import chain
from darman.audit.checkpoint import Checkpoint, sign, signature_matches
from darman.audit.exceptions import AuditChainBroken, CheckpointRefused
from darman.audit.models import AuditEntry, AuditUnkeyedPrefix
from darman.audit.service import session_secret
from darman.common.errors import FieldProblem
from darman.common.jalali import TEHRAN, format_jalali
from darman.common.persian import to_persian_digits
from darman.db.base import utcnow

GENESIS = chain.GENESIS


class Finding(enum.StrEnum):
    """What verification found wrong, at the first entry concerned."""

    MISSING = "missing"  # a number in the sequence has no entry
    LINK = "link"  # the entry does not point at the previous entry's seal
    ALTERED = "altered"  # the entry's seal does not match its content under the key
    UNKEYED_HEAD = "unkeyed_head"  # the last unkeyed entry is not the one the upgrade recorded
    CUT = "cut"  # a checkpoint counted more entries than the log holds
    REWRITTEN = "rewritten"  # a checkpoint's head entry no longer has the seal it recorded
    PREFIX_CHANGED = "prefix_changed"  # the unkeyed prefix is not the one a checkpoint saw


@dataclass(frozen=True)
class ChainProblem:
    """The first entry concerned (``seq``), what was found and the reason, in Persian."""

    seq: int
    kind: Finding
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    """``entries`` entries verified intact from the first, ``head_hash`` the last one's seal;
    the first ``unkeyed_entries`` were sealed before the chain was keyed; ``checkpoints``
    checkpoints were compared."""

    entries: int
    problem: ChainProblem | None
    unkeyed_entries: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class _Walk:
    checked: int = 0
    head_hash: str = GENESIS
    problem: ChainProblem | None = None
    seals_at: dict[int, str] = field(default_factory=dict)


def _fa(value: object) -> str:
    return to_persian_digits(value)


def _when(point: Checkpoint) -> str:
    local = point.taken_at.astimezone(TEHRAN)
    return f"{format_jalali(local.date())} ساعت {_fa(local.strftime('%H:%M'))}"


def unkeyed_prefix(session: Session) -> tuple[int, str]:
    """How many entries were sealed before the chain was keyed, and the last one's seal;
    (0, GENESIS) on a log begun keyed."""
    row = session.execute(
        select(AuditUnkeyedPrefix.entries, AuditUnkeyedPrefix.head_hash).where(
            AuditUnkeyedPrefix.id == 1
        )
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def verify(
    session: Session, *, checkpoints: Sequence[Checkpoint] = (), batch: int = 5000
) -> VerifyReport:
    """Walk the chain in order and report the first entry missing, out of place or whose
    seal does not match its content under the audit key (a rewrite re-sealed without the
    key is caught at the first entry changed). Then, against each checkpoint: entries cut
    from the end (the first missing one), a head re-sealed with the key (the checkpoint's
    head entry, after the last checkpoint that still matches), a changed unkeyed prefix.

    Raises AuditKeyMissing without the key, CheckpointRefused naming the line of a
    checkpoint whose signature does not match (altered, or signed with another key)."""
    secret = session_secret(session)
    for point in checkpoints:
        if not signature_matches(point, secret):
            raise CheckpointRefused(
                "نقطهٔ وارسی پذیرفته نشد",
                [
                    FieldProblem(
                        field="signature",
                        reason="امضا با محتوا نمی‌خواند: نقطهٔ وارسی دست‌کاری شده یا با "
                        "کلید دیگری امضا شده است",
                        row=point.line or None,
                    )
                ],
            )
    unkeyed, unkeyed_head = unkeyed_prefix(session)
    walk = _walk(session, chain.entry_key(secret), unkeyed, unkeyed_head,
                 wanted={p.entries for p in checkpoints}, batch=batch)  # fmt: skip
    problem = walk.problem
    if problem is None and walk.checked < unkeyed:
        problem = ChainProblem(
            walk.checked + 1,
            Finding.MISSING,
            f"ورودی {_fa(walk.checked + 1)} در دفتر نیست: هنگام ارتقا {_fa(unkeyed)} ورودی "
            "بی‌کلید ثبت شد",
        )
    if problem is None:
        problem = _against_checkpoints(checkpoints, walk, unkeyed)
    return VerifyReport(walk.checked, problem, unkeyed, walk.head_hash, len(checkpoints))


def _walk(
    session: Session,
    key: bytes,
    unkeyed: int,
    unkeyed_head: str,
    *,
    wanted: set[int],
    batch: int,
) -> _Walk:
    walk = _Walk()
    expected_seq = 1
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > walk.checked)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return walk
        for entry in rows:
            walk.problem = _entry_problem(entry, expected_seq, walk.head_hash, key, unkeyed)
            if (
                walk.problem is None
                and entry.seq == unkeyed
                and not chain.same(entry.hash, unkeyed_head)
            ):
                walk.problem = ChainProblem(
                    entry.seq,
                    Finding.UNKEYED_HEAD,
                    "این آخرین ورودی بی‌کلید است و مهرش با آنچه هنگام ارتقا ثبت شد نمی‌خواند",
                )
            if walk.problem is not None:
                return walk
            if entry.seq in wanted:
                walk.seals_at[entry.seq] = entry.hash
            walk.head_hash = entry.hash
            walk.checked = expected_seq
            expected_seq += 1
        session.expunge_all()


def _entry_problem(
    entry: AuditEntry, expected_seq: int, prev_hash: str, key: bytes, unkeyed: int
) -> ChainProblem | None:
    if entry.seq != expected_seq:
        return ChainProblem(
            expected_seq, Finding.MISSING, f"ورودی {_fa(expected_seq)} در دفتر نیست"
        )
    if entry.prev_hash != prev_hash:
        return ChainProblem(entry.seq, Finding.LINK, "پیوند این ورودی به ورودی پیش از آن نمی‌خواند")
    body = chain.canonical(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        before=entry.before,
        after=entry.after,
        prev_hash=entry.prev_hash,
    )
    sealed = chain.unkeyed_seal(body) if entry.seq <= unkeyed else chain.seal(key, body)
    if not chain.same(sealed, entry.hash):
        return ChainProblem(
            entry.seq,
            Finding.ALTERED,
            "مهر این ورودی با محتوایش نمی‌خواند: پس از نوشته شدن تغییر کرده، یا مهرش بی‌کلید "
            "دوباره ساخته شده است",
        )
    return None


def _against_checkpoints(
    points: Sequence[Checkpoint], walk: _Walk, unkeyed: int
) -> ChainProblem | None:
    """The first checkpoint, oldest head first, that the intact chain no longer matches."""
    still_matching = 0
    for point in sorted(points, key=lambda p: p.entries):
        when = _when(point)
        if point.unkeyed_entries != unkeyed:
            return ChainProblem(
                min(point.unkeyed_entries, unkeyed) + 1,
                Finding.PREFIX_CHANGED,
                f"دفتر {_fa(unkeyed)} ورودی بی‌کلید دارد و نقطهٔ وارسی {when} شمار آن‌ها "
                f"را {_fa(point.unkeyed_entries)} ثبت کرده است",
            )
        if point.entries > walk.checked:
            first_missing = walk.checked + 1
            return ChainProblem(
                first_missing,
                Finding.CUT,
                f"ورودی {_fa(first_missing)} در دفتر نیست: دفتر {_fa(walk.checked)} ورودی "
                f"دارد و نقطهٔ وارسی {when} شمار آن‌ها را {_fa(point.entries)} ثبت کرده است؛ "
                "ورودی‌هایی از پایان دفتر حذف شده است",
            )
        if point.entries and not chain.same(walk.seals_at[point.entries], point.head_hash):
            return ChainProblem(
                point.entries,
                Finding.REWRITTEN,
                f"مهر این ورودی با مهری که نقطهٔ وارسی {when} برایش ثبت کرده نمی‌خواند: یکی از "
                f"ورودی‌های {_fa(still_matching + 1)} تا {_fa(point.entries)} با کلید "
                "بازنویسی شده است",
            )
        still_matching = point.entries
    return None


def take_checkpoint(session: Session, *, against: Sequence[Checkpoint] = ()) -> Checkpoint:
    """A signed checkpoint of the log's head, once the whole chain (and the earlier
    checkpoints ``against``) verify. Raises AuditChainBroken naming the first entry
    concerned otherwise: a signature over a break would vouch for it."""
    report = verify(session, checkpoints=against)
    if report.problem is not None:
        raise AuditChainBroken(
            f"audit log broken at entry {report.problem.seq}: {report.problem.reason}; "
            "no checkpoint was signed"
        )
    return sign(
        session_secret(session),
        entries=report.entries,
        head_hash=report.head_hash,
        unkeyed_entries=report.unkeyed_entries,
        taken_at=utcnow(),
    )
