"""A log written before the chain was keyed: the upgrade (0014) records its entries as the
unkeyed prefix, verification accepts their plain SHA-256 seals there and nowhere else,
and the first keyed entry seals the link to them."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import chain, verification
from darman.audit import checkpoint as checkpoints
from darman.audit import service as audit
from darman.audit.models import AuditEntry, AuditUnkeyedPrefix
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from tests.conftest import TEST_AUDIT_KEY, _drop_pg, _pg_database
from tests.integration.audit.tampering import as_owner

Finding = verification.Finding
WRITTEN = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)


def _earlier_release_entry(seq: int, prev: str) -> dict[str, object]:
    """An entry as the earlier release wrote it: its seal a plain SHA-256 of the canonical
    JSON, spelled out here as that release built it."""
    at = WRITTEN + dt.timedelta(minutes=seq)
    when = at.isoformat(timespec="microseconds")
    canonical = (
        f'{{"action":"create","actor":"system","after":{{"n":{seq}}},"at":"{when}",'
        f'"before":null,"entity":"user","entity_id":"{seq}","prev":"{prev}","seq":{seq}}}'
    )
    return {
        "seq": seq, "at": at, "actor": "system", "action": "create", "entity": "user",
        "entity_id": str(seq), "before": None, "after": {"n": seq}, "prev_hash": prev,
        "hash": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    }  # fmt: skip


def _entry(factory: sessionmaker[Session], seq: int) -> AuditEntry:
    with factory() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.seq == seq))
        assert entry is not None
        return entry


def _unkeyed_seal(entry: AuditEntry, **changes: object) -> str:
    """The plain SHA-256 seal of ``entry`` with ``changes``, as anyone can compute it."""
    fields: dict[str, object] = {
        "seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
        "entity": entry.entity, "entity_id": entry.entity_id, "before": entry.before,
        "after": entry.after, "prev_hash": entry.prev_hash,
    }  # fmt: skip
    return chain.unkeyed_seal(chain.canonical(**{**fields, **changes}))  # type: ignore[arg-type]


@pytest.fixture
def upgraded(backend: str, tmp_path) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    """A database the earlier release left at 0013 with three entries, upgraded."""
    if backend == "sqlite":
        engine, cleanup = make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"), None
    else:
        url, admin = _pg_database("a")
        engine, cleanup = make_engine(url), (admin, url)
    try:
        migrate.upgrade(engine, "0013")
        prev = chain.GENESIS
        with engine.begin() as conn:
            for seq in (1, 2, 3):
                entry = _earlier_release_entry(seq, prev)
                conn.execute(insert(AuditEntry.__table__), entry)
                prev = str(entry["hash"])
        migrate.upgrade(engine)
        yield engine, make_session_factory(engine, audit_key=TEST_AUDIT_KEY)
    finally:
        engine.dispose()
        if cleanup:
            _drop_pg(*cleanup)


def _one_more(factory: sessionmaker[Session]) -> None:
    with UnitOfWork(factory) as uow:
        audit.record(uow.session, actor="system", action="note", entity="user", entity_id=4)
        uow.commit()


def test_the_upgrade_records_the_unkeyed_entries_and_the_chain_goes_on_keyed(upgraded) -> None:
    _, factory = upgraded
    third = _entry(factory, 3)
    with factory() as s:
        prefix = s.get(AuditUnkeyedPrefix, 1)
        report = verification.verify(s)
    assert prefix is not None and (prefix.entries, prefix.head_hash) == (3, third.hash)
    assert report.ok and (report.entries, report.unkeyed_entries) == (3, 3)
    _one_more(factory)
    fourth = _entry(factory, 4)
    with factory() as s:
        report = verification.verify(s)
    assert report.ok and (report.entries, report.unkeyed_entries) == (4, 3)
    # the first keyed entry seals its link to the last unkeyed one
    assert fourth.prev_hash == third.hash and fourth.hash != _unkeyed_seal(fourth)


def test_an_unkeyed_seal_after_the_prefix_is_refused(upgraded) -> None:
    engine, factory = upgraded
    _one_more(factory)
    resealed = _unkeyed_seal(_entry(factory, 4), actor="mallory")
    with as_owner(engine) as conn:
        conn.execute(
            text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 4"),
            {"h": resealed},
        )
    with factory() as s:
        report = verification.verify(s)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (4, Finding.ALTERED)


def test_unkeyed_entries_rewritten_and_sealed_again_break_at_the_recorded_head(
    upgraded,
) -> None:
    engine, factory = upgraded
    second, third = _entry(factory, 2), _entry(factory, 3)
    new_second = _unkeyed_seal(second, actor="mallory")
    new_third = _unkeyed_seal(third, prev_hash=new_second)
    with as_owner(engine) as conn:
        conn.execute(
            text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 2"),
            {"h": new_second},
        )
        conn.execute(
            text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = 3"),
            {"p": new_second, "h": new_third},
        )
    with factory() as s:
        report = verification.verify(s)
    # unkeyed seals cannot say which entry changed: the upgrade's record of the last one can
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (3, Finding.UNKEYED_HEAD)


def test_a_prefix_stretched_over_keyed_entries_is_caught_by_the_checkpoint(upgraded) -> None:
    engine, factory = upgraded
    _one_more(factory)
    with factory() as s:
        point = checkpoints.parse(checkpoints.to_line(verification.take_checkpoint(s)))[0]
    assert (point.entries, point.unkeyed_entries) == (4, 3)
    resealed = _unkeyed_seal(_entry(factory, 4), actor="mallory")
    with as_owner(engine) as conn:
        conn.execute(
            text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 4"),
            {"h": resealed},
        )
        conn.execute(
            text("UPDATE audit_unkeyed_prefix SET entries = 4, head_hash = :h"), {"h": resealed}
        )
    with factory() as s:
        alone = verification.verify(s)
        report = verification.verify(s, checkpoints=[point])
    # with the prefix moved, entry 4 passes as unkeyed: only the checkpoint knows better
    assert alone.ok and alone.unkeyed_entries == 4
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (4, Finding.PREFIX_CHANGED)


def test_a_log_begun_keyed_has_no_unkeyed_prefix(session_factory) -> None:
    with UnitOfWork(session_factory) as uow:
        audit.record(uow.session, actor="system", action="note", entity="user", entity_id=1)
        uow.commit()
    with session_factory() as s:
        assert s.get(AuditUnkeyedPrefix, 1) is None
        report = verification.verify(s)
    assert report.ok and (report.entries, report.unkeyed_entries) == (1, 0)
