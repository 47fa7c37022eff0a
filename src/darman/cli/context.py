"""What every command needs: settings, a migrated engine, a unit of work, a console."""

from __future__ import annotations

from functools import lru_cache

from rich.console import Console
from sqlalchemy import Engine

from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


@lru_cache(maxsize=1)
def engine() -> Engine:
    eng = make_engine(settings().database_url)
    migrate.upgrade(eng)
    return eng


def unit_of_work() -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine()))
