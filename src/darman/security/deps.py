"""FastAPI dependencies: a unit of work per request and the calling principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

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


def current_principal(
    request: Request,
    uow: Annotated[UnitOfWork, Depends(get_uow)],
    token: Annotated[str | None, Depends(oauth2)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    """Bearer token first, then API key, then the web page's cookie."""
    settings: Settings = request.app.state.settings
    if token:
        return service.principal_from_token(uow.session, token=token, secret=settings.secret_key)
    if api_key:
        principal = service.principal_from_api_key(uow.session, key=api_key)
        uow.commit()  # keeps last_used_at
        return principal
    cookie = request.cookies.get(TOKEN_COOKIE)
    if cookie:
        return service.principal_from_token(uow.session, token=cookie, secret=settings.secret_key)
    raise AuthenticationFailed("sign in first: send a bearer token or an X-API-Key header")


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
