"""A prescription's ``active_until``: the last day its longest drug line lasts, written at
issue, by the demo loader and by the migration that brought the column in. The checks find
a person's possibly active prescriptions by it, so a wrong value hides duplicate therapy."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.prescriptions import facts, issuing, rules
from darman.prescriptions.models import Prescription, PrescriptionLine
from darman.synth import claims_seed
from darman.synth import service as synth
from tests.conftest import TEST_AUDIT_KEY, _drop_pg, _pg_database
from tests.integration.prescriptions.world import DAY, drug, order, rx


def test_issuing_stores_the_last_day_of_the_longest_drug_line(session, world) -> None:
    mixed = issuing.issue(
        session, world.who["doc"],
        data=rx(world.nid, drug("10005", 20, 7), drug("10007", 60, 60), order("200101")), on=DAY,
    )  # fmt: skip
    orders_only = issuing.issue(session, world.who["doc"], data=rx(world.nid, order("200101")))
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
    return {
        pid: rules.prescription_active_until(_as_date(on), days[pid]) for pid, on in issued.items()
    }


def _as_date(value: object) -> dt.date:
    """A date column as read by plain SQL: text on SQLite, a date on PostgreSQL."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _stored(engine: Engine) -> dict[int, dt.date | None]:
    with make_session_factory(engine, audit_key=TEST_AUDIT_KEY)() as s:
        return {r[0]: r[1] for r in s.execute(select(Prescription.id, Prescription.active_until))}


def _add_like(
    s: Session, like: Prescription, status: str, lines: list[tuple[str, int | None]]
) -> int:
    """A prescription of ``like``'s person and physician, as a writer without the column."""
    p = Prescription(
        tracking_code=None if status == "refused" else rules.new_tracking_code(),
        status=status, insured_id=like.insured_id, national_id=like.national_id,
        practitioner_id=like.practitioner_id, facility_id=like.facility_id,
        province_id=like.province_id, issued_on=like.issued_on, expires_on=like.expires_on,
        issued_by="test", created_at=like.created_at,
    )  # fmt: skip
    s.add(p)
    s.flush()
    for n, (kind, days) in enumerate(lines, start=1):
        s.add(
            PrescriptionLine(
                prescription_id=p.id, line_no=n, kind=kind, code="10005", quantity=1,
                days_supply=days,
            )
        )  # fmt: skip
    s.flush()
    return p.id


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
        with UnitOfWork(make_session_factory(engine, audit_key=TEST_AUDIT_KEY)) as uow:
            synth.seed(uow.session, scale=0.001, seed=7)
            claims_seed.load(uow.session, scale=0.001, seed=7, lines=3_000)
            uow.commit()
        expected = _expected(engine)
        assert len(expected) > 50 and any(v is not None for v in expected.values())
        assert _stored(engine) == expected  # as the demo loader wrote them
        # rows the demo has none of, written without the column: a refused prescription,
        # an orders-only one and a drug line without days
        with UnitOfWork(make_session_factory(engine, audit_key=TEST_AUDIT_KEY)) as uow:
            like = uow.session.scalars(select(Prescription).limit(1)).one()
            day = like.issued_on
            refused = _add_like(uow.session, like, "refused", [("drug", 30)])
            orders = _add_like(uow.session, like, "issued", [("service", None)])
            no_days = _add_like(uow.session, like, "issued", [("drug", None), ("drug", 7)])
            added = {
                refused: day + dt.timedelta(days=29),
                orders: None,
                no_days: day + dt.timedelta(days=6),
            }
            uow.commit()
        expected = _expected(engine)
        assert {pid: expected[pid] for pid in added} == added
        # the column dropped and brought back: the migration fills it from the lines
        migrate.downgrade(engine, "0011")
        migrate.upgrade(engine)
        assert _stored(engine) == expected
        # and the checks see a backfilled prescription's drugs on its last day
        with make_session_factory(engine, audit_key=TEST_AUDIT_KEY)() as s:
            last = s.scalars(
                select(Prescription)
                .where(Prescription.status == "issued", Prescription.active_until.is_not(None))
                .order_by(Prescription.active_until.desc(), Prescription.id)
                .limit(1)
            ).one()
            assert last.active_until is not None
            person = facts.person(s, last.national_id, last.active_until)
            assert last.tracking_code in {a.tracking_code for a in person.active}
            after = facts.person(s, last.national_id, last.active_until + dt.timedelta(days=1))
            assert last.tracking_code not in {a.tracking_code for a in after.active}
    finally:
        engine.dispose()
        if cleanup:
            _drop_pg(*cleanup)
