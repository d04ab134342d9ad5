"""The refresh and CSRF cookies: how they are written, cleared and read back."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from imagedrive.settings import get_settings

REFRESH_COOKIE = "imagedrive_refresh"
CSRF_COOKIE = "imagedrive_csrf"


def refresh_path() -> str:
    """The refresh token is only ever needed by /auth/refresh and /auth/logout, as the browser sees them:
    under the API's base path ("/api/auth" behind the web server or CloudFront)."""
    return get_settings().api_base_path + "/auth"


def format_cookie(name: str, value: str, *, path: str, max_age: int, http_only: bool, secure: bool) -> str:
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "SameSite=Strict"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookies(refresh_token: str, csrf_token: str, *, max_age: int, secure: bool) -> list[str]:
    """The refresh token, invisible to scripts; the CSRF token, readable so the SPA can echo it."""
    return [
        format_cookie(REFRESH_COOKIE, refresh_token, path=refresh_path(), max_age=max_age, http_only=True,
                      secure=secure),
        format_cookie(CSRF_COOKIE, csrf_token, path="/", max_age=max_age, http_only=False, secure=secure),
    ]


def cleared_cookies(*, secure: bool) -> list[str]:
    return [
        format_cookie(REFRESH_COOKIE, "", path=refresh_path(), max_age=0, http_only=True, secure=secure),
        format_cookie(CSRF_COOKIE, "", path="/", max_age=0, http_only=False, secure=secure),
    ]


def parse_cookie_header(header: str | None) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
