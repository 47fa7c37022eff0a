"""The demo's activity runs up to the day it is seeded: claims, prescriptions, referrals
and payments lie in the twelve months before the anchor, the newest within its last
month, and another anchor shifts them by the difference."""

from __future__ import annotations

import datetime as dt
import statistics
import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.synth import claims_seed
from darman.synth import service as synth
from tests.conftest import TEST_AUDIT_KEY

SCALE = 0.001
LINES = 3_000
SEED = 11
# two anchors on either side of Nowruz 1406 (2027-03-21), 200 days apart
ANCHOR = dt.date(2026, 12, 7)
LATER = ANCHOR + dt.timedelta(days=200)


def _demo(factory: sessionmaker[Session], today: dt.date) -> None:
    with UnitOfWork(factory) as uow:
        synth.seed(uow.session, scale=SCALE, seed=SEED)
        claims_seed.load(uow.session, scale=SCALE, seed=SEED, lines=LINES, today=today)
        claims_seed.process(uow.session, today=today)
        uow.commit()


def _day(value: object) -> dt.date:
    # SQLite answers aggregates over dates as ISO text
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _days(s: Session, sql: str) -> list[dt.date]:
    return [_day(r[0]) for r in s.execute(text(sql)) if r[0] is not None]


def _fresh_factory(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    return make_session_factory(engine, audit_key=TEST_AUDIT_KEY)


def test_the_demos_activity_ends_in_the_month_before_the_day_it_is_seeded(
    session_factory,
) -> None:
    _demo(session_factory, ANCHOR)
    month_before = ANCHOR - dt.timedelta(days=30)
    with session_factory() as s:
        submitted = _days(s, "SELECT submitted_on FROM claims")
        services = _days(s, "SELECT service_date FROM claim_lines")
        issued = _days(s, "SELECT issued_on FROM prescriptions")
        paid = _days(s, "SELECT paid_at FROM claims WHERE paid_at IS NOT NULL")
        assert month_before <= max(submitted) < ANCHOR
        assert month_before <= max(services) < ANCHOR
        assert month_before - dt.timedelta(days=15) <= max(issued) < ANCHOR
        # twelve months of services, none older than the window
        assert min(services) >= ANCHOR - dt.timedelta(days=365)
        assert min(services) <= ANCHOR - dt.timedelta(days=330)
        # the last payment run was within the month before the anchor, and never after
        assert month_before <= max(paid) <= ANCHOR
        # contracted centres are paid by the runs (owned ones are funded by budget)
        contracted = s.execute(
            text(
                "SELECT c.status, c.submitted_on FROM claims c"
                " JOIN facilities f ON f.id = c.facility_id WHERE f.ownership = 'contracted'"
            )
        ).all()
    by_status: dict[str, list[dt.date]] = {}
    for status, day in contracted:
        by_status.setdefault(status, []).append(_day(day))
    # most are paid; a believable share is still owed or held for review
    assert len(by_status["paid"]) > len(contracted) / 2
    assert 0 < len(by_status["approved"]) < len(contracted) / 3
    assert by_status["in_review"]
    # what is still owed is recent: nothing older than the last run's delay and a month
    assert min(by_status["approved"]) >= ANCHOR - dt.timedelta(days=45 + 30 + 1)


def test_referral_feedback_is_mostly_on_time_and_only_recent_ones_wait(session_factory) -> None:
    _demo(session_factory, ANCHOR)
    with session_factory() as s:
        rows = s.execute(
            text("SELECT issued_on, feedback_due_on, feedback_on FROM referral_orders")
        ).all()
    assert len(rows) > 20
    answered = [r for r in rows if r[2] is not None]
    on_time = [r for r in answered if _day(r[2]) <= _day(r[1])]
    # answered two days after the claim's last visit: late only when a repeated visit
    # (an injected R07) came weeks after the first
    assert len(on_time) >= 0.9 * len(answered)
    assert all(_day(r[2]) < ANCHOR for r in answered)
    overdue = [r for r in rows if r[2] is None and _day(r[1]) < ANCHOR]
    # a few old ones never answered (4 % of those issued 45 days or more before)
    assert len(overdue) < len(rows) * 0.1
    assert all(_day(r[1]) >= ANCHOR - dt.timedelta(days=366) for r in overdue)


def test_a_later_anchor_shifts_the_claims_by_the_difference(session_factory, tmp_path) -> None:
    _demo(session_factory, ANCHOR)
    later = _fresh_factory(f"sqlite:///{tmp_path / f'later-{uuid.uuid4().hex[:6]}.db'}")
    _demo(later, LATER)
    sql = "SELECT submitted_on FROM claims"
    with session_factory() as s, later() as t:
        first = [d.toordinal() for d in _days(s, sql)]
        second = [d.toordinal() for d in _days(t, sql)]
        second_paid = _days(t, "SELECT paid_at FROM claims WHERE paid_at IS NOT NULL")
    assert len(first) == len(second)
    # the same draws, 200 days on: the middle claim moves by the difference
    assert abs(statistics.median(second) - statistics.median(first) - 200) <= 2
    assert LATER - dt.timedelta(days=30) <= max(second_paid) <= LATER
