"""FastAPI dependencies: a unit of work per request and the calling principal.

They are coroutines on purpose: a plain function dependency is run on a worker thread,
and a request paid three such hand-offs (opening its unit of work, finding the caller,
closing the unit) before its endpoint ran. Each does a few short statements, which cost
less on the event loop than the hand-off does; the endpoints that write still run on a
worker thread, where waiting for the SQLite write lock does not hold up the loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from darman.common.errors import AuthenticationFailed
from darman.db.uow import UnitOfWork
from darman.security import service
from darman.security.principal import Principal
from darman.settings import Settings

TOKEN_COOKIE = "darman_token"

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    with UnitOfWork(request.app.state.session_factory) as uow:
        yield uow


async def get_read_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """A unit of work that only reads: on SQLite it does not queue for the write lock."""
    with UnitOfWork(request.app.state.read_session_factory) as uow:
        yield uow


async def get_read_connection(request: Request) -> AsyncIterator[Connection]:
    """A read-only connection (no ORM session): for reads on the path of every request."""
    with request.app.state.read_engine.connect() as conn:
        yield conn


ReadConnDep = Annotated[Connection, Depends(get_read_connection)]


async def current_principal(
    request: Request,
    conn: ReadConnDep,
    token: Annotated[str | None, Depends(oauth2)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    """Bearer token first, then API key, then the web page's cookie. Read on the
    request's read-only connection (cheaper than a session, never the write lock), whose
    transaction is ended straight after, so an endpoint that runs long (an upload) holds
    no snapshot open; an endpoint that reads on the same connection starts a new one. An
    API key's ``last_used_at`` is written at most once a minute, in a unit of its own."""
    settings: Settings = request.app.state.settings
    try:
        if token:
            return service.principal_from_token(conn, token=token, secret=settings.secret_key)
        if api_key:
            use = service.principal_from_api_key(conn, key=api_key)
        else:
            cookie = request.cookies.get(TOKEN_COOKIE)
            if not cookie:
                raise AuthenticationFailed(
                    "sign in first: send a bearer token or an X-API-Key header"
                )
            return service.principal_from_token(conn, token=cookie, secret=settings.secret_key)
    finally:
        conn.rollback()
    if use.stale:  # a write may wait for the SQLite write lock: not on the event loop
        await run_in_threadpool(_touch, request.app.state.session_factory, use.key_id)
    return use.principal


def _touch(factory: sessionmaker[Session], key_id: int) -> None:
    with UnitOfWork(factory) as uow:
        service.touch_api_key(uow.session, key_id=key_id)
        uow.commit()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ReadUowDep = Annotated[UnitOfWork, Depends(get_read_uow)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
