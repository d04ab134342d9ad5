"""Access tokens (short-lived JWTs), opaque refresh tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from imagedrive.errors import Forbidden, Unauthenticated

ALGORITHM = "HS256"
ISSUER = "imagedrive"


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    role: str


def issue_access_token(user_id: int, role: str, *, key: str, ttl_s: int, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id), "role": role, "iss": ISSUER, "typ": "access",
        "iat": issued, "exp": issued + timedelta(seconds=ttl_s), "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_access_token(token: str, *, key: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "iss"]}
        )
        if claims.get("typ") != "access":
            raise jwt.InvalidTokenError("not an access token")
        return AccessClaims(int(claims["sub"]), str(claims.get("role", "user")))
    except jwt.ExpiredSignatureError as error:
        raise Unauthenticated("the access token has expired", code="token_expired") from error
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthenticated("the access token is not valid", code="invalid_token") from error


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    """What is stored instead of a refresh token: a leaked table cannot be replayed."""
    return hashlib.sha256(token.encode()).digest()


def check_csrf(cookie_token: str | None, header_token: str | None) -> None:
    """Double submit: a page of another site can send our cookie but cannot read it into the header."""
    if not cookie_token or not header_token or not hmac.compare_digest(cookie_token, header_token):
        raise Forbidden("the X-CSRF-Token header must repeat the CSRF cookie", code="csrf_failed")
