from datetime import UTC, datetime, timedelta

import jwt
import pytest

from imagedrive.auth.tokens import check_csrf, issue_access_token, read_access_token, token_digest
from imagedrive.errors import Forbidden, Unauthenticated

KEY = "k" * 48


def test_access_token_round_trips_user_and_role_and_lasts_the_ttl():
    token = issue_access_token(7, "admin", key=KEY, ttl_s=900)
    claims = read_access_token(token, key=KEY)
    assert (claims.user_id, claims.role) == (7, "admin")
    raw = jwt.decode(token, KEY, algorithms=["HS256"], issuer="imagedrive")
    assert raw["exp"] - raw["iat"] == 900


def test_an_expired_token_is_refused_as_expired():
    token = issue_access_token(7, "user", key=KEY, ttl_s=60, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(Unauthenticated) as refused:
        read_access_token(token, key=KEY)
    assert refused.value.code == "token_expired"


@pytest.mark.parametrize("forge", [
    lambda: issue_access_token(7, "user", key="another key entirely, of 32 or more bytes", ttl_s=60),
    lambda: jwt.encode({"sub": "7", "iss": "imagedrive", "typ": "access", "iat": 1, "exp": 9999999999}, None,
                       algorithm="none"),
    lambda: jwt.encode({"sub": "7", "iss": "imagedrive", "typ": "refresh", "iat": 1, "exp": 9999999999}, KEY,
                       algorithm="HS256"),
    lambda: "not.a.jwt",
])
def test_forged_unsigned_foreign_or_malformed_tokens_are_refused(forge):
    with pytest.raises(Unauthenticated) as refused:
        read_access_token(forge(), key=KEY)
    assert refused.value.code == "invalid_token"


def test_refresh_tokens_are_stored_as_sha256():
    assert len(token_digest("abc")) == 32 and token_digest("abc") != token_digest("abd")


@pytest.mark.parametrize(("cookie", "header"), [(None, "x"), ("x", None), ("x", "y"), ("", "")])
def test_csrf_needs_the_header_to_repeat_the_cookie(cookie, header):
    with pytest.raises(Forbidden) as refused:
        check_csrf(cookie, header)
    assert refused.value.code == "csrf_failed"
    check_csrf("same-token", "same-token")
