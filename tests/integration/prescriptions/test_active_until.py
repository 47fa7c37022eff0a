"""A prescription's ``active_until``: the last day its longest drug line lasts, written at
issue, by the demo loader and by the migration that brought the column in. The checks find
a person's possibly active prescriptions by it, so a wrong value hides duplicate therapy."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy import Engine, select, text

from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.prescriptions import rules, service
from darman.prescriptions.models import Prescription
from darman.synth import claims_seed
from darman.synth import service as synth
from tests.conftest import _drop_pg, _pg_database
from tests.integration.prescriptions.world import DAY, drug, order, rx


def test_issuing_stores_the_last_day_of_the_longest_drug_line(session, world) -> None:
    mixed = service.issue(
        session, world.who["doc"],
        data=rx(world.nid, drug("10005", 20, 7), drug("10007", 60, 60), order("200101")), on=DAY,
    )  # fmt: skip
    orders_only = service.issue(session, world.who["doc"], data=rx(world.nid, order("200101")))
    query = select(Prescription.tracking_code, Prescription.active_until)
    stored: dict[str | None, dt.date | None] = {r[0]: r[1] for r in session.execute(query)}
    assert stored[mixed.tracking_code] == DAY + dt.timedelta(days=59)
    assert stored[orders_only.tracking_code] is None


def _expected(engine: Engine) -> dict[int, dt.date | None]:
    """Each prescription's active_until by the rule, from its lines as stored."""
    with engine.connect() as conn:
        issued: dict[int, object] = {
            r[0]: r[1] for r in conn.execute(text("SELECT id, issued_on FROM prescriptions"))
        }
        days: dict[int, list[int | None]] = defaultdict(list)
        for pid, d in conn.execute(
            text("SELECT prescription_id, days_supply FROM prescription_lines WHERE kind = 'drug'")
        ):
            days[pid].append(d)
    as_date = lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(v)  # noqa: E731
    return {
        pid: rules.prescription_active_until(as_date(on), days[pid]) for pid, on in issued.items()
    }


def _stored(engine: Engine) -> dict[int, dt.date | None]:
    with make_session_factory(engine)() as s:
        return {r[0]: r[1] for r in s.execute(select(Prescription.id, Prescription.active_until))}


def test_the_demo_and_the_migration_give_every_prescription_its_longest_line(
    backend: str, tmp_path
) -> None:
    if backend == "sqlite":
        engine, cleanup = make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"), None
    else:
        url, admin = _pg_database("au")
        engine, cleanup = make_engine(url), (admin, url)
    try:
        migrate.upgrade(engine)
        with UnitOfWork(make_session_factory(engine)) as uow:
            synth.seed(uow.session, scale=0.001, seed=7)
            claims_seed.load(uow.session, scale=0.001, seed=7, lines=3_000)
            uow.commit()
        expected = _expected(engine)
        assert len(expected) > 50 and any(v is not None for v in expected.values())
        assert _stored(engine) == expected  # as the demo loader wrote them
        # the column dropped and brought back: the migration fills it from the lines
        migrate.downgrade(engine, "0011")
        migrate.upgrade(engine)
        assert _stored(engine) == expected
    finally:
        engine.dispose()
        if cleanup:
            _drop_pg(*cleanup)
