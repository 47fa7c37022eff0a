from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import chain, verification
from darman.audit import service as audit
from darman.audit.models import AuditEntry
from darman.db.uow import UnitOfWork
from darman.registry import service as registry
from darman.registry.models import Facility
from darman.registry.schemas import FacilityUpdate
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.audit.tampering import as_owner


def _three_changes(factory: sessionmaker[Session]) -> int:
    with UnitOfWork(factory) as uow:
        fac = f.facility(uow.session, beds_icu=4)
        registry.update_facility(
            uow.session, SYSTEM, facility_id=fac.id, data=FacilityUpdate(beds_icu=9)
        )
        f.insured(uow.session)
        uow.commit()
        return fac.id


def test_every_registry_change_is_recorded_with_before_and_after(session_factory) -> None:
    fac_id = _three_changes(session_factory)
    with session_factory() as s:
        entries, _ = audit.list_entries(s, entity="facility")
        update = next(e for e in entries if e.action == "update")
        assert update.entity_id == str(fac_id)
        assert update.before["beds_icu"] == 4 and update.after["beds_icu"] == 9
        assert verification.verify(s).ok and verification.verify(s).entries == 3


def test_an_altered_entry_is_reported_as_the_first_break(session_factory, engine) -> None:
    _three_changes(session_factory)
    with as_owner(engine) as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    with session_factory() as s:
        report = verification.verify(s)
    assert not report.ok and report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (2, verification.Finding.ALTERED)
    assert report.entries == 1


def test_a_deleted_entry_is_reported_as_missing(session_factory, engine) -> None:
    _three_changes(session_factory)
    with as_owner(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    with session_factory() as s:
        report = verification.verify(s)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (2, verification.Finding.MISSING)


def test_a_rewritten_entry_sealed_again_without_the_key_is_reported_at_itself(
    session_factory, engine
) -> None:
    _three_changes(session_factory)
    with session_factory() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.seq == 2))
        assert entry is not None
    # the unkeyed SHA-256 an earlier release sealed with, recomputed over the change
    resealed = chain.unkeyed_seal(
        chain.canonical(
            seq=entry.seq, at=entry.at, actor="mallory", action=entry.action,
            entity=entry.entity, entity_id=entry.entity_id, before=entry.before,
            after=entry.after, prev_hash=entry.prev_hash,
        )
    )  # fmt: skip
    with as_owner(engine) as conn:
        conn.execute(
            text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 2"),
            {"h": resealed},
        )
    with session_factory() as s:
        report = verification.verify(s)
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (2, verification.Finding.ALTERED)
    assert report.entries == 1


def test_a_rolled_back_change_leaves_no_audit_entry(session_factory) -> None:
    with UnitOfWork(session_factory) as uow:
        f.facility(uow.session)
        # leaving the block without commit rolls back the facility and its entry together
    with session_factory() as s:
        assert audit.list_entries(s)[1] == 0


def test_the_returned_entry_is_the_stored_one_and_pending_changes_land_first(
    session_factory,
) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        fac = f.facility(s)
        before_count = audit.list_entries(s)[1]
        row = s.get(Facility, fac.id)
        assert row is not None
        row.beds_icu = 7  # pending in the session when the entry is written
        first = audit.record(
            s,
            actor="کاربر",
            action="update",
            entity="facility",
            entity_id=fac.id,
            before={"beds_icu": 4},
            after={"beds_icu": 7, "نام": "بیمارستان"},
        )
        second = audit.record(s, actor="system", action="note", entity="facility", entity_id=1)
        # the caller's change was written with the entry, inside the same transaction (read
        # on the connection, which does not flush the session as Session.execute would)
        beds = (
            s.connection()
            .execute(text("SELECT beds_icu FROM facilities WHERE id = :id"), {"id": fac.id})
            .scalar_one()
        )
        assert beds == 7
        uow.commit()
    assert second.seq == first.seq + 1 == before_count + 2
    assert second.prev_hash == first.hash
    with session_factory() as s:
        stored = s.scalar(select(AuditEntry).where(AuditEntry.id == first.id))
        assert stored is not None
        assert (stored.seq, stored.hash, stored.prev_hash) == (
            first.seq,
            first.hash,
            first.prev_hash,
        )
        assert stored.actor == "کاربر" and stored.after == {"beds_icu": 7, "نام": "بیمارستان"}
        assert stored.entity_id == str(fac.id)
        assert verification.verify(s).ok
