"""The audit log cannot be cut or rewritten silently: entries are sealed with a key the
database does not hold, checkpoints of the head are kept outside it, and on PostgreSQL
the database itself refuses to change or delete an entry."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import chain, verification
from darman.audit import checkpoint as checkpoints
from darman.audit import service as audit
from darman.audit.exceptions import AuditChainBroken, AuditKeyMissing, CheckpointRefused
from darman.audit.models import AuditEntry
from darman.db.engine import make_session_factory
from darman.db.uow import UnitOfWork
from tests.conftest import TEST_AUDIT_KEY
from tests.integration.audit.tampering import as_owner

Finding = verification.Finding


def _write(factory: sessionmaker[Session], count: int) -> None:
    with UnitOfWork(factory) as uow:
        for n in range(count):
            audit.record(
                uow.session, actor="system", action="note", entity="facility",
                entity_id=n + 1, after={"n": n + 1},
            )  # fmt: skip
        uow.commit()


def _checkpoint(factory: sessionmaker[Session], *earlier: checkpoints.Checkpoint):
    """A checkpoint as the file holds it: taken, written as its line, read back."""
    with factory() as s:
        point = verification.take_checkpoint(s, against=earlier)
    return checkpoints.parse(checkpoints.to_line(point))[0]


def _reseal_from(engine: Engine, first: int, key: bytes | None, actor: str) -> None:
    """Rewrite entry ``first``'s actor, then seal it and every later entry again, each
    linked to the one before: with ``key`` (an HMAC key) or, without one, the plain
    SHA-256 an earlier release used."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.__table__).where(AuditEntry.seq >= first).order_by(AuditEntry.seq)
        ).all()
        prev = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == first - 1)).scalar()
    with as_owner(engine) as conn:
        for row in rows:
            fields = dict(
                seq=row.seq, at=row.at, actor=actor if row.seq == first else row.actor,
                action=row.action, entity=row.entity, entity_id=row.entity_id,
                before=row.before, after=row.after, prev_hash=prev or chain.GENESIS,
            )  # fmt: skip
            body = chain.canonical(**fields)
            sealed = chain.seal(key, body) if key is not None else chain.unkeyed_seal(body)
            conn.execute(
                text("UPDATE audit_log SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"a": fields["actor"], "p": fields["prev_hash"], "h": sealed, "s": row.seq},
            )
            prev = sealed


@pytest.mark.parametrize(("cut", "first_missing"), [(1, 8), (5, 4)])
def test_entries_cut_from_the_end_are_reported_from_the_first_missing_one(
    session_factory, engine, cut: int, first_missing: int
) -> None:
    _write(session_factory, 8)
    point = _checkpoint(session_factory)
    assert (point.entries, point.unkeyed_entries) == (8, 0)
    with as_owner(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :keep"), {"keep": 8 - cut})
    with session_factory() as s:
        alone = verification.verify(s)
        against = verification.verify(s, checkpoints=[point])
    # what is left is a whole chain: only the checkpoint kept outside knows there was more
    assert alone.ok and alone.entries == 8 - cut
    assert against.problem is not None
    assert (against.problem.seq, against.problem.kind) == (first_missing, Finding.CUT)
    assert against.entries == 8 - cut and against.checkpoints == 1


def test_a_cut_end_written_over_by_new_entries_is_still_caught(session_factory, engine) -> None:
    _write(session_factory, 8)
    point = _checkpoint(session_factory)
    with as_owner(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > 5"))
    _write(session_factory, 4)  # the product carries on from entry 5: entries 6 to 9 are new
    with session_factory() as s:
        report = verification.verify(s, checkpoints=[point])
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (8, Finding.REWRITTEN)


def test_one_entry_changed_in_place_is_reported_at_itself(session_factory, engine) -> None:
    _write(session_factory, 8)
    with as_owner(engine) as conn:
        conn.execute(text("UPDATE audit_log SET entity_id = '999' WHERE seq = 3"))
    with session_factory() as s:
        report = verification.verify(s)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (3, Finding.ALTERED)
    assert report.entries == 2


@pytest.mark.parametrize(
    "key", [None, chain.entry_key("a-guessed-key-" + "g" * 30)], ids=["sha256", "other-key"]
)
def test_a_rewrite_sealed_again_through_the_end_without_the_key_is_reported_at_the_first_change(
    session_factory, engine, key: bytes | None
) -> None:
    _write(session_factory, 8)
    _reseal_from(engine, 3, key, actor="mallory")
    with session_factory() as s:
        report = verification.verify(s)
        chained = s.execute(select(AuditEntry.prev_hash, AuditEntry.hash).order_by("seq")).all()
    # every link was made good again: each entry points at the seal before it
    assert all(later[0] == earlier[1] for earlier, later in itertools.pairwise(chained))
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (3, Finding.ALTERED)
    assert report.entries == 2


def test_a_rewrite_sealed_again_with_the_key_is_caught_by_the_checkpoints_around_it(
    session_factory, engine
) -> None:
    _write(session_factory, 4)
    at_four = _checkpoint(session_factory)
    _write(session_factory, 4)
    at_eight = _checkpoint(session_factory, at_four)
    _reseal_from(engine, 6, chain.entry_key(TEST_AUDIT_KEY), actor="mallory")
    with session_factory() as s:
        alone = verification.verify(s)
        report = verification.verify(s, checkpoints=[at_eight, at_four])
    assert alone.ok and alone.entries == 8  # whoever holds the key can re-seal
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (8, Finding.REWRITTEN)
    # entries 1-4 still match the earlier checkpoint: the change is among 5 to 8
    assert "۵ تا ۸" in report.problem.reason


def test_a_checkpoint_whose_fields_or_key_differ_is_refused_naming_its_line(
    session_factory,
) -> None:
    _write(session_factory, 3)
    good = checkpoints.to_line(_checkpoint(session_factory))
    edited = json.loads(good)
    edited["entries"] = 2  # to hide a cut entry
    forged = checkpoints.sign(
        "another-key-" + "o" * 30, entries=3, head_hash=edited["head_hash"],
        unkeyed_entries=0, taken_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    for bad in (json.dumps(edited), checkpoints.to_line(forged)):
        points = checkpoints.parse(f"{good}\n\n{bad}\n")
        with session_factory() as s, pytest.raises(CheckpointRefused) as refused:
            verification.verify(s, checkpoints=points)
        problem = refused.value.problems[0]
        assert (problem.row, problem.field) == (3, "signature")


def test_no_checkpoint_is_signed_over_a_broken_log(session_factory, engine) -> None:
    _write(session_factory, 3)
    with as_owner(engine) as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    with session_factory() as s, pytest.raises(AuditChainBroken, match="entry 2"):
        verification.take_checkpoint(s)


def test_a_session_without_the_key_can_neither_seal_nor_verify(session_factory, engine) -> None:
    keyless = make_session_factory(engine, audit_key=None)
    with keyless() as s:
        with pytest.raises(AuditKeyMissing, match="DARMAN_AUDIT_KEY"):
            audit.record(s, actor="system", action="note", entity="x", entity_id=1)
        with pytest.raises(AuditKeyMissing, match="DARMAN_AUDIT_KEY"):
            verification.verify(s)
    with session_factory() as s:
        assert audit.list_entries(s)[1] == 0


def test_postgresql_refuses_to_change_or_delete_an_entry_and_sqlite_is_caught_by_verify(
    session_factory, engine, backend: str
) -> None:
    _write(session_factory, 3)
    statements = (
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 3",
        "INSERT INTO audit_unkeyed_prefix (id, entries, head_hash, marked_at) "
        "VALUES (1, 3, 'x', CURRENT_TIMESTAMP)",
    )
    if backend == "postgresql":
        for statement in statements:
            refused = pytest.raises(DBAPIError, match="the audit log is append-only")
            with refused, engine.begin() as conn:
                conn.execute(text(statement))
        with session_factory() as s:
            assert verification.verify(s).ok and verification.verify(s).entries == 3
        return
    # SQLite has no roles to keep a trigger from being dropped: the key is the guard
    with engine.begin() as conn:
        conn.execute(text(statements[0]))
    with session_factory() as s:
        report = verification.verify(s)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (2, Finding.ALTERED)
