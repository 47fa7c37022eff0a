from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from darman.security.enums import Role, ScopeLevel


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=200)
    full_name: str = Field("", max_length=200)
    role: Role
    scope_level: ScopeLevel
    province_id: int | None = None
    facility_id: int | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: Role
    scope_level: ScopeLevel
    province_id: int | None
    facility_id: int | None
    is_active: bool
    locked_until: dt.datetime | None


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)


class ApiKeyRead(BaseModel):
    id: int
    name: str
    prefix: str
    key: str = Field(description="shown once; only its digest is stored")


class MeRead(BaseModel):
    username: str
    role: Role
    scope_level: ScopeLevel
    province_id: int | None
    facility_id: int | None
