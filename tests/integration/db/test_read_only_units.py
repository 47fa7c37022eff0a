"""Read-only units of work: on SQLite they read beside a writer that holds the write lock
(they do not queue for it), and on both databases a write inside one is refused while
the pooled connection writes again afterwards."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from darman.db.engine import make_session_factory, read_only
from darman.db.uow import UnitOfWork
from darman.registry.models import Province
from tests.conftest import TEST_AUDIT_KEY


def test_a_reader_is_not_held_up_by_a_writer_holding_the_lock(
    engine: Engine, session_factory: object
) -> None:
    reads = make_session_factory(engine, audit_key=TEST_AUDIT_KEY, reads_only=True)
    writes = make_session_factory(engine, audit_key=TEST_AUDIT_KEY)
    holding, done = threading.Event(), threading.Event()

    def writer() -> None:
        with UnitOfWork(writes) as uow:
            uow.session.execute(text("UPDATE provinces SET name_en = name_en WHERE id = 1"))
            holding.set()
            done.wait(10)  # keeps the write transaction (and SQLite's write lock) open
            uow.commit()

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(10)
        t0 = time.perf_counter()
        with UnitOfWork(reads) as uow:
            n = uow.session.scalar(select(Province.id).order_by(Province.id).limit(1))
        took = time.perf_counter() - t0
    finally:
        done.set()
        t.join(10)
    assert n == 1
    assert took < 2.0, f"the reader waited {took:.1f} s for the writer"


def test_a_write_in_a_read_only_unit_is_refused_and_changes_nothing(
    engine: Engine, session_factory: object
) -> None:
    reads = make_session_factory(engine, audit_key=TEST_AUDIT_KEY, reads_only=True)
    with UnitOfWork(reads) as uow:
        before = uow.session.scalar(select(Province.name_en).where(Province.id == 1))
    with UnitOfWork(reads) as uow, pytest.raises(DBAPIError) as caught:
        uow.session.execute(text("UPDATE provinces SET name_en = 'changed' WHERE id = 1"))
        uow.commit()
    assert "read" in str(caught.value).lower()  # readonly / read-only transaction
    with UnitOfWork(make_session_factory(engine, audit_key=TEST_AUDIT_KEY)) as uow:
        assert uow.session.scalar(select(Province.name_en).where(Province.id == 1)) == before


def test_one_pooled_connection_reads_only_then_writes_again(
    engine: Engine, session_factory: object
) -> None:
    ro = read_only(engine)
    with engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        conn.execution_options(**ro.get_execution_options())
        with pytest.raises(DBAPIError):
            conn.execute(text("UPDATE provinces SET name_en = name_en WHERE id = 1"))
        conn.rollback()
        plain = {k: False for k in ro.get_execution_options()}
        conn.execution_options(**plain)
        assert conn.connection.dbapi_connection is driver  # the very same connection
        conn.execute(text("UPDATE provinces SET name_en = name_en WHERE id = 1"))
        conn.commit()
