"""Shared fixtures. Every test that touches storage runs twice: on SQLite and on PostgreSQL.

PostgreSQL is the production database; a run that cannot reach it fails
loudly instead of skipping, so a green run always means both were exercised.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from darman.app import create_app
from darman.common import jalali
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.metadata import target_metadata
from darman.db.uow import UnitOfWork
from darman.registry import provinces
from darman.settings import Settings, get_settings


# The whole session reads one business day: a run that crosses Tehran's midnight
# must not see the day the product stamps differ from the day a test expects.
# DARMAN_TEST_TODAY (ISO date) runs the suite as of another day, e.g. a month's first.
def _session_day() -> dt.date:
    given = os.environ.get("DARMAN_TEST_TODAY")
    if not given:
        return jalali.tehran_today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise pytest.UsageError(
            f"DARMAN_TEST_TODAY={given!r} is not a date: give it as YYYY-MM-DD, e.g. 2027-03-21"
        ) from None


# Parallel workers start with COLUMNS=80 in their environment, and Rich fixes a console's
# width from COLUMNS when the console is made (the CLI's, at import), which would outrank
# the width a CLI test asks for when it invokes a command.
os.environ.pop("COLUMNS", None)

SESSION_DAY = _session_day()
jalali.pin_today(SESSION_DAY)
# Parallel workers start from this process's environment: handing them the day keeps the
# whole run on one business day even when a worker starts after Tehran's midnight.
os.environ["DARMAN_TEST_TODAY"] = SESSION_DAY.isoformat()

PG_ADMIN_URL = os.environ.get("DARMAN_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
TEST_SECRET = "test-secret-" + "x" * 40
TEST_AUDIT_KEY = "test-audit-key-" + "k" * 40
# The CLI reads its settings from the environment: its commands seal the audit log with
# the same key as the tests' sessions, so either can verify what the other wrote.
os.environ["DARMAN_AUDIT_KEY"] = TEST_AUDIT_KEY
# Reference data that every test shares and none changes.
KEEP_TABLES = {"provinces", "alembic_version"}


def _pg_database(tag: str) -> tuple[str, Engine]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"darman_t_{tag}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment failure
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); start it with "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            pytrace=False,
        )
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    return url, admin


def _drop_pg(admin: Engine, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One fresh SQLite file and one fresh PostgreSQL database per test session."""
    sqlite_path = tmp_path_factory.mktemp("db") / "darman.db"
    pg_url, admin = _pg_database("s")
    yield {"sqlite": f"sqlite:///{sqlite_path}", "postgresql": pg_url}
    _drop_pg(admin, pg_url)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


_engines: dict[str, Engine] = {}


@pytest.fixture(scope="session")
def engine(backend: str, database_urls: dict[str, str]) -> Iterator[Engine]:
    if backend not in _engines:
        eng = make_engine(database_urls[backend])
        migrate.upgrade(eng)
        with Session(eng) as s:
            provinces.ensure_loaded(s)
            s.commit()
        _engines[backend] = eng
    yield _engines[backend]


def _clean(engine: Engine) -> None:
    tables = [t for t in reversed(target_metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A clean database (provinces kept) for each test."""
    _clean(engine)
    yield make_session_factory(engine, audit_key=TEST_AUDIT_KEY)
    _clean(engine)


@pytest.fixture
def uow(session_factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    with UnitOfWork(session_factory) as unit:
        yield unit


@pytest.fixture
def session(uow: UnitOfWork) -> Session:
    return uow.session


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET,
        audit_key=TEST_AUDIT_KEY,
        demo_mode=False,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, engine=engine, run_migrations=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


@pytest.fixture
def cli(session_factory, engine, monkeypatch) -> Iterator[CliRunner]:
    """The CLI pointed at the test database of the current backend (a module that needs
    data in place first overrides this with a fixture of its own that asks for it)."""
    # imported here, not at the top: the CLI's console fixes its width from COLUMNS when
    # it is made, which must be after COLUMNS is cleared above
    from darman.cli import context

    monkeypatch.setenv("DARMAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    context.engine.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    context.engine.cache_clear()
