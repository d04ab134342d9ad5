"""The auth flows on in-memory ports: registration policy, login, throttling, refresh rotation and
reuse detection, logout. No Postgres; time moves by hand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from imagedrive.api.errors import error_headers, status_for
from imagedrive.auth.models import Client
from imagedrive.auth.service import AuthService
from imagedrive.auth.tokens import token_digest
from imagedrive.errors import Conflict, InvalidInput, Throttled, Unauthenticated
from imagedrive.settings import Settings
from tests.fakes.audit import MemoryAuditTrail
from tests.fakes.auth_repository import FakeClock, MemorySessions, MemoryThrottle, MemoryUsers
from tests.fakes.transactions import no_transaction

PASSWORD = "correct horse battery"
WINDOW_S = 60
HOME, CAFE = Client("10.0.0.1", "firefox"), Client("10.0.0.2")


@dataclass
class Auth:
    service: AuthService
    users: MemoryUsers
    sessions: MemorySessions
    throttle: MemoryThrottle
    audit: MemoryAuditTrail
    clock: FakeClock


@pytest.fixture
def auth() -> Auth:
    clock = FakeClock()
    users, sessions, throttle, audit = MemoryUsers(clock), MemorySessions(clock), MemoryThrottle(clock), \
        MemoryAuditTrail()
    settings = Settings(login_window_s=WINDOW_S, login_max_failures_per_account=3, login_max_failures_per_address=5,
                        access_token_ttl_s=900, refresh_token_ttl_s=3600)
    service = AuthService(users, sessions, throttle, jwt_key=lambda: "a unit-test key of at least 32 bytes",
                          audit=audit, transaction=no_transaction, configured=settings)
    return Auth(service, users, sessions, throttle, audit, clock)


def _fail(auth: Auth, username: str = "alice", client: Client = HOME) -> Exception:
    with pytest.raises((Unauthenticated, Throttled)) as refused:
        auth.service.login(username, "not the password", client)
    return refused.value


def test_register_stores_a_hash_and_names_are_unique_in_any_case(auth):
    user = auth.service.register("alice", PASSWORD)
    assert (user.username, user.role) == ("alice", "user")
    _, stored_hash = auth.users.rows[user.id]
    assert stored_hash and PASSWORD not in stored_hash
    with pytest.raises(Conflict) as taken:
        auth.service.register("ALICE", PASSWORD)
    assert taken.value.code == "username_taken"
    assert auth.audit.actions() == ["auth.register"]


@pytest.mark.parametrize("password", ["short", "my name is alice!", "aaaaaaaaaaaabbbb"])
def test_register_refuses_passwords_against_the_policy_and_stores_nothing(auth, password):
    with pytest.raises(InvalidInput) as refused:
        auth.service.register("alice", password)
    assert refused.value.code == "weak_password"
    assert auth.users.find_credentials(None, "alice") is None
    assert auth.audit.actions() == []


def test_login_issues_tokens_the_service_accepts_and_stores_only_the_refresh_digest(auth):
    alice = auth.service.register("alice", PASSWORD)
    issued = auth.service.login("Alice", PASSWORD, HOME)
    assert issued.tokens.user.id == alice.id and issued.tokens.expires_in == 900 and issued.tokens.csrf_token
    me = auth.service.authenticate(issued.tokens.access_token)
    assert (me.id, me.username, me.role) == (alice.id, "alice", "user")
    [session] = auth.sessions.rows.values()
    assert session.token_digest == token_digest(issued.refresh_token) and session.parent_id is None
    assert auth.audit.actions() == ["auth.register", "auth.login"]


def test_a_wrong_password_and_an_unknown_user_are_refused_alike_but_audited_apart(auth):
    auth.service.register("alice", PASSWORD)
    wrong, unknown = _fail(auth, "alice"), _fail(auth, "mallory")
    assert (wrong.code, unknown.code) == ("invalid_credentials", "invalid_credentials")
    assert str(wrong) == str(unknown)
    reasons = [entry.details["reason"] for entry in auth.audit.entries if entry.action == "auth.login_failed"]
    assert reasons == ["wrong_password", "unknown_user"]
    assert auth.sessions.rows == {}


def test_too_many_failures_throttle_the_account_until_the_oldest_leaves_the_window(auth):
    auth.service.register("alice", PASSWORD)
    for _ in range(3):
        _fail(auth)
        auth.clock.advance(10)
    throttled = _fail(auth)  # even the right password would be refused now
    with pytest.raises(Throttled):
        auth.service.login("alice", PASSWORD, CAFE)
    assert isinstance(throttled, Throttled)
    assert throttled.retry_after_s == WINDOW_S - 30  # the first failure counts until it is 60 s old
    assert status_for(throttled) == 429 and error_headers(throttled) == {"Retry-After": "30"}
    assert "auth.login_throttled" in auth.audit.actions()
    auth.clock.advance(30)
    assert auth.service.login("alice", PASSWORD, HOME).tokens.user.username == "alice"


def test_a_successful_login_forgives_the_accounts_earlier_failures(auth):
    auth.service.register("alice", PASSWORD)
    _fail(auth), _fail(auth)
    auth.service.login("alice", PASSWORD, HOME)
    _fail(auth), _fail(auth)
    auth.service.login("alice", PASSWORD, HOME)


def test_one_address_failing_for_many_names_is_throttled_and_others_are_not(auth):
    auth.service.register("alice", PASSWORD)
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail(auth, name, CAFE)
    assert isinstance(_fail(auth, "a6", CAFE), Throttled)
    assert auth.service.login("alice", PASSWORD, HOME).tokens.user.username == "alice"


def test_refresh_rotates_the_token_within_its_family(auth):
    auth.service.register("alice", PASSWORD)
    first = auth.service.login("alice", PASSWORD, HOME)
    second = auth.service.refresh(first.refresh_token, HOME)
    assert second.refresh_token != first.refresh_token
    assert auth.service.authenticate(second.tokens.access_token).username == "alice"
    parent, child = auth.sessions.rows.values()
    assert parent.rotated_at is not None and child.parent_id == parent.id and child.family_id == parent.family_id
    assert auth.audit.actions("auth.refresh") == ["auth.refresh"]


def test_reusing_a_rotated_token_revokes_the_whole_family(auth):
    auth.service.register("alice", PASSWORD)
    other_login = auth.service.login("alice", PASSWORD, CAFE)
    first = auth.service.login("alice", PASSWORD, HOME)
    second = auth.service.refresh(first.refresh_token, HOME)
    with pytest.raises(Unauthenticated) as reused:
        auth.service.refresh(first.refresh_token, HOME)
    assert reused.value.code == "refresh_reused"
    [reuse] = [entry for entry in auth.audit.entries if entry.action == "auth.refresh_reuse"]
    assert reuse.details["revoked"] == 2
    with pytest.raises(Unauthenticated) as after:
        auth.service.refresh(second.refresh_token, HOME)
    assert after.value.code == "session_expired"
    assert auth.service.refresh(other_login.refresh_token, CAFE).tokens.user.username == "alice", "another login lives"


def test_missing_unknown_and_expired_refresh_tokens_end_the_session(auth):
    auth.service.register("alice", PASSWORD)
    issued = auth.service.login("alice", PASSWORD, HOME)
    for token in (None, "not a token we issued"):
        with pytest.raises(Unauthenticated) as refused:
            auth.service.refresh(token, HOME)
        assert refused.value.code == "session_expired"
    auth.clock.advance(3600)
    with pytest.raises(Unauthenticated) as expired:
        auth.service.refresh(issued.refresh_token, HOME)
    assert expired.value.code == "session_expired"


def test_logout_revokes_the_family_and_is_audited_even_without_a_session(auth):
    alice = auth.service.register("alice", PASSWORD)
    first = auth.service.login("alice", PASSWORD, HOME)
    second = auth.service.refresh(first.refresh_token, HOME)
    auth.service.logout(second.refresh_token)
    with pytest.raises(Unauthenticated) as ended:
        auth.service.refresh(second.refresh_token, HOME)
    assert ended.value.code == "session_expired"
    auth.service.logout(None)
    logouts = [entry.user_id for entry in auth.audit.entries if entry.action == "auth.logout"]
    assert logouts == [alice.id, None]


def test_a_deleted_account_cannot_authenticate_or_read_its_profile(auth):
    auth.service.register("alice", PASSWORD)
    issued = auth.service.login("alice", PASSWORD, HOME)
    me = auth.service.authenticate(issued.tokens.access_token)
    assert auth.service.profile(me).username == "alice"
    auth.users.delete(me.id)
    for attempt in (lambda: auth.service.authenticate(issued.tokens.access_token), lambda: auth.service.profile(me)):
        with pytest.raises(Unauthenticated) as gone:
            attempt()
        assert gone.value.code == "invalid_token"
