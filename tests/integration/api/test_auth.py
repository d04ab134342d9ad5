"""The whole auth lifecycle through the Chalice app, against the real database."""

import time

from imagedrive.auth.cookies import CSRF_COOKIE, REFRESH_COOKIE
from tests.integration.api.conftest import (
    PASSWORD,
    audit_actions,
    call,
    cookie_header,
    register_and_login,
    set_cookies,
)


def _refresh(http, cookies, csrf=None):
    headers = {"Cookie": cookie_header(cookies)}
    if csrf is not False:
        headers["X-CSRF-Token"] = csrf or cookies.get(CSRF_COOKIE, "")
    return call(http, "POST", "/auth/refresh", headers=headers)


def _cookie_attributes(response, name):
    values = response.headers["Set-Cookie"]
    header = next(v for v in values if v.startswith(name + "="))
    return set(header.split("; ")[1:])


def test_register_login_me_refresh_rotation_and_logout(http):
    assert call(http, "POST", "/auth/register", body={"username": "alice", "password": PASSWORD}).status_code == 201
    duplicate = call(http, "POST", "/auth/register", body={"username": "ALICE", "password": PASSWORD})
    assert duplicate.status_code == 409 and duplicate.json_body["error"]["code"] == "username_taken"

    login = call(http, "POST", "/auth/login", body={"username": "alice", "password": PASSWORD})
    assert login.status_code == 200
    tokens = login.json_body
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and "refresh" not in str(tokens)
    cookies = set_cookies(login)
    assert cookies[CSRF_COOKIE] == tokens["csrf_token"]
    assert _cookie_attributes(login, REFRESH_COOKIE) >= {"HttpOnly", "SameSite=Strict", "Path=/auth"}
    assert "Secure" not in _cookie_attributes(login, REFRESH_COOKIE)  # plain local http
    assert "HttpOnly" not in _cookie_attributes(login, CSRF_COOKIE)

    me = call(http, "GET", "/auth/me", token=tokens["access_token"])
    assert me.status_code == 200 and me.json_body["username"] == "alice"

    refreshed = _refresh(http, cookies)
    assert refreshed.status_code == 200
    rotated = set_cookies(refreshed)
    assert rotated[REFRESH_COOKIE] != cookies[REFRESH_COOKIE]
    assert call(http, "GET", "/auth/me", token=refreshed.json_body["access_token"]).status_code == 200

    logout = call(http, "POST", "/auth/logout",
                  headers={"Cookie": cookie_header(rotated), "X-CSRF-Token": rotated[CSRF_COOKIE]})
    assert logout.status_code == 204
    assert all("Max-Age=0" in header for header in logout.headers["Set-Cookie"])
    assert _refresh(http, rotated).json_body["error"]["code"] == "session_expired"
    assert audit_actions("auth.") == ["auth.register", "auth.login", "auth.refresh", "auth.logout"]


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(http):
    alice = register_and_login(http, "alice")
    first = alice.cookies
    second = set_cookies(_refresh(http, first))
    reused = _refresh(http, first)
    assert reused.status_code == 401 and reused.json_body["error"]["code"] == "refresh_reused"
    # The thief's copy is dead, and so is the legitimate holder's newer token: log in again.
    after = _refresh(http, second)
    assert after.status_code == 401 and after.json_body["error"]["code"] == "session_expired"
    assert "auth.refresh_reuse" in audit_actions("auth.")


def test_refresh_and_logout_need_the_csrf_header_to_match_the_cookie(http):
    alice = register_and_login(http, "alice")
    for path in ("/auth/refresh", "/auth/logout"):
        missing = call(http, "POST", path, headers={"Cookie": cookie_header(alice.cookies)})
        wrong = call(http, "POST", path, headers={"Cookie": cookie_header(alice.cookies), "X-CSRF-Token": "guess"})
        for response in (missing, wrong):
            assert response.status_code == 403
            assert response.json_body["error"]["code"] == "csrf_failed"
    assert _refresh(http, alice.cookies).status_code == 200  # nothing was consumed by the refusals


def test_cookies_are_secure_behind_https(http):
    call(http, "POST", "/auth/register", body={"username": "alice", "password": PASSWORD})
    login = call(http, "POST", "/auth/login", body={"username": "alice", "password": PASSWORD},
                 headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in _cookie_attributes(login, REFRESH_COOKIE)


def test_unknown_user_and_wrong_password_get_the_same_answer_and_both_are_audited(http):
    call(http, "POST", "/auth/register", body={"username": "alice", "password": PASSWORD})
    wrong = call(http, "POST", "/auth/login", body={"username": "alice", "password": "not the password"})
    unknown = call(http, "POST", "/auth/login", body={"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json_body == unknown.json_body
    assert audit_actions("auth.login") == ["auth.login_failed", "auth.login_failed"]


def test_throttling_per_account_answers_429_with_retry_after_and_recovers(http, configure):
    # Five argon2 verifications must fit in the window even on a busy 2-core machine.
    configure(login_window_s=6)
    call(http, "POST", "/auth/register", body={"username": "alice", "password": PASSWORD})
    for _ in range(5):
        assert call(http, "POST", "/auth/login", body={"username": "alice", "password": "nope"}).status_code == 401
    throttled = call(http, "POST", "/auth/login", body={"username": "alice", "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json_body["error"]["code"] == "too_many_requests"
    retry_after = int(throttled.headers["Retry-After"])
    assert 1 <= retry_after <= 6
    time.sleep(retry_after + 0.2)
    assert call(http, "POST", "/auth/login", body={"username": "alice", "password": PASSWORD}).status_code == 200
    assert "auth.login_throttled" in audit_actions("auth.")


def test_throttling_per_address_covers_many_usernames(http, configure):
    configure(login_max_failures_per_address=3)
    for name in ("a1", "a2", "a3"):
        assert call(http, "POST", "/auth/login", body={"username": name, "password": "x"}).status_code == 401
    assert call(http, "POST", "/auth/login", body={"username": "a4", "password": "x"}).status_code == 429


def test_requests_without_or_with_bad_tokens_are_401_in_the_error_shape(http):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        response = call(http, "GET", "/auth/me", headers=headers)
        assert response.status_code == 401
        assert set(response.json_body["error"]) == {"code", "message", "details"}


def test_password_policy_and_body_validation(http):
    weak = call(http, "POST", "/auth/register", body={"username": "alice", "password": "alice-password-1"})
    assert weak.status_code == 422 and weak.json_body["error"]["code"] == "weak_password"
    short = call(http, "POST", "/auth/register", body={"username": "bob", "password": "short"})
    assert short.status_code == 422 and short.json_body["error"]["details"][0]["loc"] == ["body", "password"]
    malformed = http.request("POST", "/auth/login", headers={"Content-Type": "application/json"}, body=b"{oops")
    assert malformed.status_code == 400 and malformed.json_body["error"]["code"] == "malformed_json"
    form = http.request("POST", "/auth/login", headers={"Content-Type": "text/plain"}, body=b"user=a")
    assert form.status_code == 415 and form.json_body["error"]["code"] == "unsupported_media_type"


def test_responses_carry_the_correlation_id_and_cors_for_the_spa_only(http, settings):
    response = call(http, "GET", "/auth/me", headers={"X-Request-Id": "trace-123"})
    assert response.headers["X-Request-Id"] == "trace-123"
    assert response.headers["Access-Control-Allow-Origin"] == settings.spa_origin != "*"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    generated = call(http, "GET", "/auth/me", headers={"X-Request-Id": "bad id with spaces"})
    assert generated.headers["X-Request-Id"] != "bad id with spaces"
