from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from darman.common.errors import AuthenticationFailed
from darman.common.paging import Page
from darman.security import api_keys, audit_api, service
from darman.security.deps import PrincipalDep, ReadUowDep, SettingsDep, UowDep
from darman.security.rules import require_user_admin
from darman.security.schemas import (
    ApiKeyCreate,
    ApiKeyRead,
    MeRead,
    TokenRead,
    UserRead,
)

router = APIRouter(prefix="/api/v1", tags=["security"])


@router.post("/auth/token", response_model=TokenRead)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    reads: ReadUowDep,
    uow: UowDep,
    settings: SettingsDep,
) -> TokenRead:
    """OAuth2 password flow. Five failures in a row lock the account for 15 minutes."""
    try:
        user = service.authenticate(
            reads.session,
            uow.session,
            username=form.username,
            password=form.password,
            max_failed=settings.max_failed_logins,
            lockout_minutes=settings.lockout_minutes,
        )
    except AuthenticationFailed:
        uow.commit()  # the failure count and any lock must survive the refusal
        raise
    uow.commit()
    token = service.issue_token(
        user, secret=settings.secret_key, minutes=settings.access_token_minutes
    )
    return TokenRead(access_token=token, expires_in=settings.access_token_minutes * 60)


@router.get("/me", response_model=MeRead)
def me(who: PrincipalDep) -> MeRead:
    return MeRead(
        username=who.username,
        role=who.role,
        scope_level=who.scope_level,
        province_id=who.province_id,
        facility_id=who.facility_id,
    )


@router.get("/users", response_model=Page[UserRead])
def list_users(who: PrincipalDep, uow: ReadUowDep) -> Page[UserRead]:
    require_user_admin(who)
    users, total = service.list_users(uow.session)
    return Page(
        items=[UserRead.model_validate(u) for u in users], total=total, page=1, size=len(users)
    )


@router.post("/users/{username}/disable", response_model=UserRead)
def disable_user(username: str, who: PrincipalDep, uow: UowDep) -> UserRead:
    """Disable a user: their tokens and API keys stop working at once. Disabling a
    disabled user answers it unchanged. Refused (409) for your own account
    (`cannot-disable-yourself`) and for the last active administrator
    (`last-active-admin`)."""
    require_user_admin(who)
    user = service.disable_user(
        uow.session, actor=who.username, username=username, acting_user_id=who.user_id
    )
    uow.commit()
    return UserRead.model_validate(user)


@router.post("/users/{username}/enable", response_model=UserRead)
def enable_user(username: str, who: PrincipalDep, uow: UowDep) -> UserRead:
    """Enable a disabled user again; enabling an active user answers it unchanged."""
    require_user_admin(who)
    user = service.enable_user(uow.session, actor=who.username, username=username)
    uow.commit()
    return UserRead.model_validate(user)


@router.post("/api-keys", response_model=ApiKeyRead, status_code=201)
def create_api_key(body: ApiKeyCreate, who: PrincipalDep, uow: UowDep) -> ApiKeyRead:
    require_user_admin(who)
    new = api_keys.create_api_key(
        uow.session, actor=who.username, username=body.username, name=body.name
    )
    uow.commit()
    return ApiKeyRead(id=new.record.id, name=new.record.name, prefix=new.record.prefix, key=new.key)


router.include_router(audit_api.router)
