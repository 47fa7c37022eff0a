"""Prepared statements answer what SQLAlchemy's own execution answers (same values, same
Python types after the column types' conversions) on both databases, and the date
arithmetic of date_sql agrees with Python's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, bindparam, literal, select

from darman.db.date_sql import days_before
from darman.db.engine import make_session_factory
from darman.db.prepared import Prepared
from darman.db.uow import UnitOfWork
from darman.prescriptions.models import Prescription
from darman.registry.models import Province
from darman.security.models import ApiKey, User


def _user_with_key(session) -> None:  # type: ignore[no-untyped-def]
    user = User(
        username="prepared.user", password_hash="x", role="admin", scope_level="national",
        is_active=True,
    )  # fmt: skip
    session.add(user)
    session.flush()
    session.add(
        ApiKey(
            user_id=user.id, name="k", prefix="abcd", digest="d" * 64, is_active=True,
            last_used_at=dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.UTC),
        )
    )  # fmt: skip
    session.flush()


def test_rows_match_sqlalchemy_execution_with_types_converted(
    engine: Engine, session_factory: object
) -> None:
    stmt = (
        select(ApiKey.id, ApiKey.is_active, ApiKey.last_used_at, User.username, User.is_active)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.digest == bindparam("digest"))
    )
    with UnitOfWork(make_session_factory(engine)) as uow:
        _user_with_key(uow.session)
        expected = [tuple(r) for r in uow.session.execute(stmt, {"digest": "d" * 64})]
        got = Prepared(stmt).rows(uow.session, {"digest": "d" * 64})
        assert got == expected
        (_key_id, active, last, username, user_active) = got[0]
        assert active is True and user_active is True  # not SQLite's 1
        assert last == dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.UTC)  # aware, as stored
        assert username == "prepared.user"
        assert Prepared(stmt).first(uow.session, {"digest": "e" * 64}) is None


def test_a_bind_used_twice_and_literal_values_are_sent(
    engine: Engine, session_factory: object
) -> None:
    stmt = select(Province.code, literal("x").label("tag")).where(
        Province.id.in_([bindparam("a"), bindparam("b")]),
        (Province.id == bindparam("a")) | (Province.id >= bindparam("b")),
    )
    with UnitOfWork(make_session_factory(engine, reads_only=True)) as uow:
        expected = sorted(tuple(r) for r in uow.session.execute(stmt, {"a": 1, "b": 2}))
        assert sorted(Prepared(stmt).rows(uow.session, {"a": 1, "b": 2})) == expected
        assert len(expected) == 2 and {t for _, t in expected} == {"x"}


def test_expanding_in_is_refused_with_the_name() -> None:
    stmt = select(Province.id).where(Province.code.in_(bindparam("codes", expanding=True)))
    with pytest.raises(TypeError, match="codes"):
        Prepared(stmt)._compile(_FakeConn())  # type: ignore[arg-type]


def test_a_missing_parameter_is_refused_with_its_name(
    engine: Engine, session_factory: object
) -> None:
    stmt = select(Province.id).where(Province.id == bindparam("wanted"))
    with UnitOfWork(make_session_factory(engine, reads_only=True)) as uow:
        with pytest.raises(KeyError, match="wanted"):
            Prepared(stmt).rows(uow.session, {})
        assert Prepared(stmt).rows(uow.session, {"wanted": None}) == []  # given, as NULL


class _FakeConn:
    from sqlalchemy.dialects import sqlite as _sqlite

    dialect = _sqlite.dialect()


@pytest.mark.parametrize("days", [0, 1, 29, 31, 365, 366])
def test_days_before_agrees_with_python_across_months_and_leap_years(
    engine: Engine, session_factory: object, days: int
) -> None:
    day = dt.date(2024, 3, 1)  # the day after a leap day
    stmt = select(days_before(bindparam("day", type_=Prescription.issued_on.type), days))
    with UnitOfWork(make_session_factory(engine, reads_only=True)) as uow:
        got = uow.session.execute(stmt, {"day": day}).scalar_one()
        prepared = Prepared(stmt).first(uow.session, {"day": day})
    assert got == day - dt.timedelta(days=days)
    assert prepared == (day - dt.timedelta(days=days),)
