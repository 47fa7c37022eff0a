"""FastAPI dependencies: a unit of work per request and the calling principal.

Every dependency and endpoint that touches the database is a plain function, which
FastAPI runs on its thread pool: a request waiting for a connection or for SQLite's
write lock never holds up the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Engine

from darman.common.errors import AuthenticationFailed
from darman.db.uow import UnitOfWork
from darman.security import api_keys, service
from darman.security.principal import Principal
from darman.settings import Settings

TOKEN_COOKIE = "darman_token"

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    with UnitOfWork(request.app.state.session_factory) as uow:
        yield uow


def get_read_uow(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work that only reads: on SQLite it does not queue for the write lock."""
    with UnitOfWork(request.app.state.read_session_factory) as uow:
        yield uow


def current_principal(
    request: Request,
    token: Annotated[str | None, Depends(oauth2)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    """Bearer token first, then API key, then the web page's cookie, read in a read-only
    unit (never the write lock). The user row is re-read, so a disabled user is refused at
    once. An API key's ``last_used_at`` is written at most once a minute, in a unit of
    its own."""
    settings: Settings = request.app.state.settings
    engine: Engine = request.app.state.read_engine
    with engine.connect() as conn:
        if api_key and not token:
            use = api_keys.principal_from_api_key(conn, key=api_key)
        else:
            bearer = token or request.cookies.get(TOKEN_COOKIE)
            if not bearer:
                raise AuthenticationFailed(
                    "sign in first: send a bearer token or an X-API-Key header"
                )
            return service.principal_from_token(conn, token=bearer, secret=settings.secret_key)
    if use.stale:
        with UnitOfWork(request.app.state.session_factory) as uow:
            api_keys.touch_api_key(uow.session, key_id=use.key_id)
            uow.commit()
    return use.principal


# How many requests of a process may hold a database connection at once, by what they
# hold it for. A unit of work keeps its connection until its request is answered, and
# answering (validating the answer) needs one of FastAPI's 40 worker threads; if more
# requests held connections than the pool has, every worker thread could end up waiting
# for a connection while every connection waited for a thread. Capped here, the waiting
# happens before a request takes a connection or a thread. Together the caps stay within
# the smaller pool (PostgreSQL's 10 plus 10 under load, db/engine.py), with one left for
# what is not capped (the health probe).
READING_UNITS = 9
WRITING_UNITS = 4
CALLER_LOOKUPS = 3  # the API's; the pages' have as many of their own (web/rendering.py)

UowDep = Annotated[UnitOfWork, Depends(get_uow, max_concurrency=WRITING_UNITS)]
ReadUowDep = Annotated[UnitOfWork, Depends(get_read_uow, max_concurrency=READING_UNITS)]
PrincipalDep = Annotated[Principal, Depends(current_principal, max_concurrency=CALLER_LOOKUPS)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
