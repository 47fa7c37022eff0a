"""What every command needs: settings, a migrated engine, a unit of work, a console.

`darman --help` loads every command module, so nothing here imports the database, the
settings or a domain until a command runs: help answers without loading them."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from darman.db.uow import UnitOfWork
    from darman.settings import Settings

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    from darman.settings import get_settings

    return get_settings()


@lru_cache(maxsize=1)
def engine() -> Engine:
    from darman.db import migrate
    from darman.db.engine import make_engine

    eng = make_engine(settings().database_url)
    migrate.upgrade(eng)
    return eng


def session_factory() -> sessionmaker[Session]:
    """Sessions on the migrated engine, carrying the audit key (a missing or unfit key
    stops the command here, before any work, with the setting named)."""
    from darman.db.engine import make_session_factory

    return make_session_factory(engine(), audit_key=settings().audit_secret())


def unit_of_work() -> UnitOfWork:
    from darman.db.uow import UnitOfWork

    return UnitOfWork(session_factory())
