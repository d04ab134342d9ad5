import pytest
from pydantic import ValidationError

from imagedrive.auth.cookies import (
    CSRF_COOKIE,
    REFRESH_COOKIE,
    cleared_cookies,
    parse_cookie_header,
    session_cookies,
)
from imagedrive.settings import Settings, get_settings


def _attributes(header):
    name_value, *attributes = header.split("; ")
    return name_value, set(attributes)


def test_refresh_cookie_is_http_only_strict_and_scoped_to_auth_csrf_cookie_readable():
    refresh, csrf = session_cookies("r-token", "c-token", max_age=3600, secure=True)
    name_value, attributes = _attributes(refresh)
    assert name_value == f"{REFRESH_COOKIE}=r-token"
    assert attributes == {"Path=/auth", "Max-Age=3600", "SameSite=Strict", "HttpOnly", "Secure"}
    name_value, attributes = _attributes(csrf)
    assert name_value == f"{CSRF_COOKIE}=c-token"
    assert attributes == {"Path=/", "Max-Age=3600", "SameSite=Strict", "Secure"}


def test_local_http_cookies_are_not_secure_and_clearing_expires_both():
    assert not any("Secure" in c for c in session_cookies("r", "c", max_age=1, secure=False))
    assert all("Max-Age=0" in c for c in cleared_cookies(secure=False))


def test_cookie_header_parsing_tolerates_garbage():
    assert parse_cookie_header(f"a=1; {REFRESH_COOKIE}=xyz") == {"a": "1", REFRESH_COOKIE: "xyz"}
    assert parse_cookie_header(None) == {}
    assert parse_cookie_header('a="unterminated') == {}


def test_the_refresh_cookie_is_scoped_under_the_api_base_path(monkeypatch):
    """Behind the web server or CloudFront the browser sees /api/auth/refresh, so the cookie must say so."""
    monkeypatch.setenv("IMAGEDRIVE_API_BASE_PATH", "/api")
    get_settings.cache_clear()
    try:
        assert all("Path=/api/auth" in c for c in session_cookies("r", "c", max_age=1, secure=False)
                   if c.startswith(REFRESH_COOKIE))
        assert "Path=/api/auth" in cleared_cookies(secure=False)[0]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.parametrize("bad", ["api", "/api/", "/a b", "https://x/api"])
def test_an_api_base_path_that_is_not_a_clean_path_prefix_is_refused(bad):
    with pytest.raises(ValidationError, match="api_base_path"):
        Settings(api_base_path=bad)
