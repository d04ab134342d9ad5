"""The shapes auth reads and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from imagedrive.auth.passwords import MAX_LENGTH, MIN_LENGTH

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,62}$"  # the users table's CHECK
Role = Literal["user", "admin", "system"]


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Client:
    """Who is on the other end of a login or refresh, for throttling and the session record."""

    address: str
    user_agent: str | None = None


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    created_at: datetime


class TokenOut(BaseModel):
    """The access token for `Authorization: Bearer`; the refresh token travels only in its cookie."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the scheme name, not a secret)
    expires_in: int
    csrf_token: str = Field(description="the value to send as X-CSRF-Token on /auth/refresh and /auth/logout")
    user: UserOut


@dataclass(frozen=True)
class IssuedSession:
    tokens: TokenOut
    refresh_token: str
