"""The cascade's tables read in batches on both databases: what SQLAlchemy reads, whatever
the batch size, the cycle collector left as it was, and an empty read typed by its schema."""

from __future__ import annotations

import gc
from typing import Any

import pyarrow as pa
from sqlalchemy import Select, select

from darman.db import bulk
from darman.population import service
from darman.population.models import Measurement, RegisterEntry
from darman.population.periods import parse_quarter
from darman.security.principal import SYSTEM
from tests.integration.population.world import build

SCHEMA = pa.schema([
    ("national_id", pa.string()), ("loinc", pa.string()), ("value", pa.float64()),
    ("measured_on", pa.date32()),
])  # fmt: skip


def _measurements() -> Select[Any]:
    return select(
        Measurement.national_id, Measurement.loinc, Measurement.value, Measurement.measured_on
    ).order_by(Measurement.national_id, Measurement.loinc, Measurement.measured_on)


def test_a_read_in_batches_of_two_gives_every_row_as_sqlalchemy_does(session, monkeypatch) -> None:
    build(session)
    session.flush()
    expected = [dict(zip(SCHEMA.names, r, strict=True)) for r in session.execute(_measurements())]
    assert len(expected) >= 5  # several batches of two, the last one short
    monkeypatch.setattr(bulk, "CHUNK", 2)
    table = bulk.read_arrow(session.connection(), _measurements(), SCHEMA)
    assert table.schema == SCHEMA
    assert table.to_pylist() == expected
    assert gc.isenabled()


def test_a_read_leaves_the_collector_off_when_the_caller_had_it_off(session) -> None:
    build(session)
    session.flush()
    gc.disable()
    try:
        bulk.read_arrow(session.connection(), _measurements(), SCHEMA)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_empty_read_is_the_schemas_empty_table(session) -> None:
    query = _measurements().where(Measurement.loinc == "none")
    assert bulk.read_arrow(session.connection(), query, SCHEMA).equals(SCHEMA.empty_table())


def test_the_cascade_reads_each_registered_persons_visit_days(session) -> None:
    # the visits are read without DISTINCT: a day twice only repeats a row, the days are
    # those of the adjudicated claims of registered people in the window
    build(session)
    service.build_registers(session, SYSTEM)
    tables = service._cascade_inputs(session, parse_quarter("1405Q2"))
    registered = set(session.scalars(select(RegisterEntry.national_id)))
    visits = tables["visits"].to_pylist()
    assert visits and {v["national_id"] for v in visits} <= registered
    w = parse_quarter("1405Q2")
    assert all(w.start_12 <= v["visit_on"] <= w.end for v in visits)


def test_overlapping_reads_share_one_pause_and_the_last_puts_the_collector_back() -> None:
    assert gc.isenabled()
    first, second = bulk._collector_paused(), bulk._collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second read is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()
