from imagedrive.auth.cookies import (
    CSRF_COOKIE,
    REFRESH_COOKIE,
    cleared_cookies,
    parse_cookie_header,
    session_cookies,
)


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
