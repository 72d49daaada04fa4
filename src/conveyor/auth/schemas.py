from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from conveyor.schemas import ApiModel

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
Scope = Literal["api", "alerts:write"]


def _default_scopes() -> list[Scope]:
    return ["api"]


class LoginRequest(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class PasswordChange(ApiModel):
    current_password: str = Field(max_length=256)
    new_password: Password


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    # Trade it at POST /auth/refresh for a new access token; POST /auth/logout revokes it.
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=128)


class UserRead(ApiModel):
    id: str
    username: str
    email: str | None
    is_admin: bool
    is_active: bool
    created_at: datetime


class UserCreate(ApiModel):
    username: Username
    password: Password
    email: str | None = Field(default=None, max_length=254)
    is_admin: bool = False


class UserUpdate(ApiModel):
    password: Password | None = None
    email: str | None = Field(default=None, max_length=254)
    is_admin: bool | None = None
    is_active: bool | None = None


class ApiTokenCreate(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=_default_scopes, min_length=1)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenRead(ApiModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str
