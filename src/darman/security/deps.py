"""FastAPI dependencies: a unit of work per request and the calling principal.

The units of work are plain generator dependencies: they open, and are closed, on a
worker thread, so a request waiting for a database connection or the SQLite write lock
never holds up the event loop, and a connection is always given back without it.

Finding the caller is a coroutine on purpose: as a plain function it cost a hand-off to
a worker thread and back on every request, more than its one read. It reads on the
event loop's own engine (``loop_reads``), which nothing else uses: its connection is
taken and given back with no ``await`` in between, so the loop needs one connection at
a time and can never wait for a connection held by a request in a thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Connection, Engine
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


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    with UnitOfWork(request.app.state.session_factory) as uow:
        yield uow


def get_read_uow(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work that only reads: on SQLite it does not queue for the write lock."""
    with UnitOfWork(request.app.state.read_session_factory) as uow:
        yield uow


def loop_reads(request: Request) -> Engine:
    """The read-only engine for reads done on the event loop (see the module's note):
    use as ``with loop_reads(request).connect() as conn:`` with no ``await`` inside."""
    engine: Engine = request.app.state.loop_read_engine
    return engine


async def current_principal(
    request: Request,
    token: Annotated[str | None, Depends(oauth2)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    """Bearer token first, then API key, then the web page's cookie, read on the event
    loop's read-only engine (never the write lock). An API key's ``last_used_at`` is
    written at most once a minute, on a worker thread in a unit of its own."""
    with loop_reads(request).connect() as conn:
        who, use = read_caller(request, conn, token=token, api_key=api_key)
    await note_key_use(request, use)
    return who


def credentials(request: Request) -> tuple[str | None, str | None]:
    """The bearer token and the API key a request carries, read from its headers as the
    ``oauth2`` and ``api_key_header`` dependencies read them, for a route that solves no
    dependencies (``/api/v1/prescriptions/check``)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    bearer = token if scheme.lower() == "bearer" and token else None
    return bearer, request.headers.get(api_key_header.model.name) or None


def read_caller(
    request: Request, conn: Connection, *, token: str | None, api_key: str | None
) -> tuple[Principal, service.KeyUse | None]:
    """Who is calling, on ``conn`` (no ``await`` needed, none done); with the API key's
    use for ``note_key_use`` once the connection is given back."""
    settings: Settings = request.app.state.settings
    if token:
        return service.principal_from_token(conn, token=token, secret=settings.secret_key), None
    if api_key:
        use = service.principal_from_api_key(conn, key=api_key)
        return use.principal, use
    cookie = request.cookies.get(TOKEN_COOKIE)
    if not cookie:
        raise AuthenticationFailed("sign in first: send a bearer token or an X-API-Key header")
    return service.principal_from_token(conn, token=cookie, secret=settings.secret_key), None


async def note_key_use(request: Request, use: service.KeyUse | None) -> None:
    """Write a stale API key's ``last_used_at`` (one request per process does)."""
    if use is not None and use.stale and service.claim_key_touch(use):
        await run_in_threadpool(_touch, request.app.state.session_factory, use.key_id)


def _touch(factory: sessionmaker[Session], key_id: int) -> None:
    with UnitOfWork(factory) as uow:
        service.touch_api_key(uow.session, key_id=key_id)
        uow.commit()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ReadUowDep = Annotated[UnitOfWork, Depends(get_read_uow)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
