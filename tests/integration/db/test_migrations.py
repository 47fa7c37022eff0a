from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from darman.db import migrate
from darman.db.engine import make_engine
from darman.db.metadata import target_metadata
from tests.conftest import _drop_pg, _pg_database


def _fresh_engine(backend: str, tmp_path) -> tuple[Engine, object]:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"), None
    url, admin = _pg_database("m")
    return make_engine(url), (admin, url)


def test_migrations_build_the_models_schema_from_empty_and_tear_it_down(
    backend: str, tmp_path
) -> None:
    engine, cleanup = _fresh_engine(backend, tmp_path)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), target_metadata
            )
        assert diff == []
        assert set(target_metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)  # and back up again: upgrades are repeatable from empty
        assert migrate.is_current(engine)
    finally:
        engine.dispose()
        if cleanup:
            admin, url = cleanup  # type: ignore[misc]
            _drop_pg(admin, url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
