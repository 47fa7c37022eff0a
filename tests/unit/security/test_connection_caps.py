"""The requests that may hold a database connection at once, capped per kind, fit in the
smaller connection pool: were they more, every worker thread could wait for a
connection while every connection waited for a thread, and the server would stop."""

from __future__ import annotations

from typing import Any, get_args

from darman.db.engine import POSTGRES_POOL_SIZE, SQLITE_POOL_SIZE
from darman.security.deps import PrincipalDep, ReadUowDep, UowDep
from darman.web.rendering import PagePrincipal


def _cap(alias: Any) -> int:
    depends = get_args(alias)[1]
    assert depends.max_concurrency is not None, f"{alias} holds a connection uncapped"
    return int(depends.max_concurrency)


def test_every_dependency_that_holds_a_connection_is_capped_within_the_pool() -> None:
    caps = [_cap(a) for a in (UowDep, ReadUowDep, PrincipalDep, PagePrincipal)]
    # PostgreSQL's pool is its size plus as many again under load (db/engine.py)
    smaller_pool = min(POSTGRES_POOL_SIZE * 2, SQLITE_POOL_SIZE)
    # one connection left over for what is not capped (the health probe)
    assert sum(caps) <= smaller_pool - 1, caps
