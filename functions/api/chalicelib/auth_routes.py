"""POST /auth/register|login|refresh|logout, GET /auth/me."""

from __future__ import annotations

from imagedrive.api.endpoint import Call, Reply, Routes, endpoint
from imagedrive.auth.cookies import CSRF_COOKIE, REFRESH_COOKIE, cleared_cookies, session_cookies
from imagedrive.auth.models import IssuedSession, LoginRequest, RegisterRequest, TokenOut, UserOut
from imagedrive.auth.service import auth_service
from imagedrive.auth.tokens import check_csrf
from imagedrive.settings import get_settings

routes = Routes()
CSRF_HEADER = ({"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"},
                "description": "the value of the imagedrive_csrf cookie"},)


@endpoint(routes, "/auth/register", "POST", summary="Create an account", tag="auth", auth=False,
          body=RegisterRequest, response=UserOut, status=201, errors=(409,))
def register(call: Call) -> UserOut:
    return auth_service().register(call.body.username, call.body.password)


@endpoint(routes, "/auth/login", "POST", summary="Log in: access token in the body, refresh token in a cookie",
          tag="auth", auth=False, body=LoginRequest, response=TokenOut, errors=(401, 429))
def login(call: Call) -> Reply:
    issued = auth_service().login(call.body.username, call.body.password, call.request.client)
    return _session_reply(call, issued)


@endpoint(routes, "/auth/refresh", "POST", summary="Exchange the refresh cookie for new tokens (rotates it)",
          tag="auth", auth=False, response=TokenOut, errors=(401, 403), parameters=CSRF_HEADER)
def refresh(call: Call) -> Reply:
    _require_csrf(call)
    issued = auth_service().refresh(call.request.cookies.get(REFRESH_COOKIE), call.request.client)
    return _session_reply(call, issued)


@endpoint(routes, "/auth/logout", "POST", summary="End this login's sessions and clear the cookies", tag="auth",
          auth=False, status=204, errors=(403,), parameters=CSRF_HEADER)
def logout(call: Call) -> Reply:
    _require_csrf(call)
    auth_service().logout(call.request.cookies.get(REFRESH_COOKIE))
    return Reply(headers={"Set-Cookie": cleared_cookies(secure=_secure(call))})


@endpoint(routes, "/auth/me", "GET", summary="The logged-in user", tag="auth", response=UserOut)
def me(call: Call) -> UserOut:
    return auth_service().profile(call.me)


def _require_csrf(call: Call) -> None:
    check_csrf(call.request.cookies.get(CSRF_COOKIE), call.request.header("x-csrf-token"))


def _session_reply(call: Call, issued: IssuedSession) -> Reply:
    cookies = session_cookies(issued.refresh_token, issued.tokens.csrf_token,
                              max_age=get_settings().refresh_token_ttl_s, secure=_secure(call))
    return Reply(issued.tokens, headers={"Set-Cookie": cookies, "Cache-Control": "no-store"})


def _secure(call: Call) -> bool:
    """Secure cookies everywhere but plain-http local runs, where a browser would drop them."""
    return call.request.is_https or get_settings().environment == "aws"
