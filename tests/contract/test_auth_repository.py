"""The auth ports: the in-memory users, sessions and throttle (unit tests) behave as the Postgres adapters
(production) in everything the auth flows rely on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from imagedrive import db
from imagedrive.auth import repository
from imagedrive.auth.models import Client
from imagedrive.auth.repository import NewSession, ThrottlePolicy
from imagedrive.auth.tokens import token_digest
from imagedrive.errors import Conflict
from tests.contract.conftest import REAL
from tests.fakes.auth_repository import MemorySessions, MemoryThrottle, MemoryUsers
from tests.fakes.transactions import no_transaction

HOME = Client("10.1.0.1", "contract")


@dataclass
class AuthPorts:
    users: repository.UserRepository
    sessions: repository.SessionRepository
    throttle: repository.ThrottleStore
    transaction: Callable[[], AbstractContextManager[Any]]


@pytest.fixture(params=["memory", REAL])
def ports(request: pytest.FixtureRequest) -> AuthPorts:
    if request.param == "memory":
        return AuthPorts(MemoryUsers(), MemorySessions(), MemoryThrottle(), no_transaction)
    request.getfixturevalue("clean_db")
    return AuthPorts(repository.PostgresUsers(), repository.PostgresSessions(), repository.PostgresThrottle(),
                     db.transaction)


def _user(ports: AuthPorts, name: str = "alice") -> int:
    with ports.transaction() as cur:
        return ports.users.insert(cur, name, f"hash-of-{name}").id


def _session(ports: AuthPorts, user_id: int, family: uuid.UUID, *, ttl_s: int = 3600,
             parent_id: int | None = None) -> bytes:
    digest = token_digest(uuid.uuid4().hex)
    with ports.transaction() as cur:
        ports.sessions.create(cur, NewSession(user_id, digest, family, parent_id, ttl_s, HOME))
    return digest


def test_usernames_are_unique_and_found_in_any_letter_case(ports):
    alice = _user(ports, "Alice")
    with pytest.raises(Conflict) as taken, ports.transaction() as cur:
        ports.users.insert(cur, "aLICE", "another hash")
    assert taken.value.code == "username_taken"
    with ports.transaction() as cur:
        found = ports.users.find_credentials(cur, "ALICE")
        assert found is not None and (found.user.id, found.user.username, found.password_hash) == (
            alice, "Alice", "hash-of-Alice")
        assert found.user.role == "user" and found.user.created_at is not None
        ports.users.update_hash(cur, alice, "rehashed")
        assert ports.users.find_credentials(cur, "alice").password_hash == "rehashed"
        assert ports.users.find(cur, alice) == found.user
        assert ports.users.find(cur, alice + 1000) is None


def test_the_system_owner_neither_logs_in_nor_is_found_as_a_person(ports):
    with ports.transaction() as cur:
        assert ports.users.find_credentials(cur, "system") is None
        with pytest.raises(Conflict):
            ports.users.insert(cur, "SYSTEM", "hash")
    alice = _user(ports)
    with ports.transaction() as cur:
        assert [ports.users.find(cur, user_id) for user_id in range(1, alice)] == [None] * (alice - 1)


def test_a_session_is_found_by_its_digest_rotated_and_revoked_with_its_family(ports):
    alice = _user(ports)
    family, other_family = uuid.uuid4(), uuid.uuid4()
    first = _session(ports, alice, family)
    with ports.transaction() as cur:
        parent = ports.sessions.find_for_update(cur, first)
        assert parent is not None and (parent.user_id, parent.family_id) == (alice, family)
        assert parent.rotated_at is None and parent.revoked_at is None and not parent.expired
        assert ports.sessions.find_for_update(cur, token_digest("never issued")) is None
        ports.sessions.mark_rotated(cur, parent.id)
    second = _session(ports, alice, family, parent_id=parent.id)
    elsewhere = _session(ports, alice, other_family)
    with ports.transaction() as cur:
        assert ports.sessions.find_for_update(cur, first).rotated_at is not None
        assert ports.sessions.revoke_family(cur, family) == 2
        assert ports.sessions.revoke_family(cur, family) == 0, "already revoked sessions are not counted again"
        assert ports.sessions.find_for_update(cur, second).revoked_at is not None
        assert ports.sessions.find_for_update(cur, elsewhere).revoked_at is None


def test_a_session_past_its_lifetime_is_expired(ports):
    digest = _session(ports, _user(ports), uuid.uuid4(), ttl_s=1)
    with ports.transaction() as cur:
        assert not ports.sessions.find_for_update(cur, digest).expired
    time.sleep(1.1)
    with ports.transaction() as cur:
        assert ports.sessions.find_for_update(cur, digest).expired


def _wait(ports: AuthPorts, username: str, address: str, policy: ThrottlePolicy) -> int | None:
    with ports.transaction() as cur:
        return ports.throttle.retry_after(cur, username, address, policy)


def _attempt(ports: AuthPorts, username: str, address: str, *, succeeded: bool = False) -> None:
    with ports.transaction() as cur:
        ports.throttle.record(cur, username, address, succeeded=succeeded)


def test_an_account_is_throttled_after_its_failures_and_a_success_forgives_them(ports):
    policy = ThrottlePolicy(window_s=300, max_failures_per_account=3, max_failures_per_address=100)
    for address in ("10.0.0.1", "10.0.0.2"):
        _attempt(ports, "Alice", address)
    assert _wait(ports, "alice", "10.0.0.3", policy) is None
    _attempt(ports, "alice", "10.0.0.3")
    wait = _wait(ports, "ALICE", "10.0.0.4", policy)
    assert wait is not None and 290 <= wait <= 300
    assert _wait(ports, "bob", "10.0.0.4", policy) is None
    _attempt(ports, "alice", "10.0.0.5", succeeded=True)
    assert _wait(ports, "alice", "10.0.0.4", policy) is None


def test_an_address_is_throttled_after_failures_for_any_names(ports):
    policy = ThrottlePolicy(window_s=300, max_failures_per_account=100, max_failures_per_address=3)
    for name in ("a", "b", "c"):
        _attempt(ports, name, "10.0.0.9")
    wait = _wait(ports, "d", "10.0.0.9", policy)
    assert wait is not None and 290 <= wait <= 300
    assert _wait(ports, "d", "10.0.0.10", policy) is None


def test_failures_older_than_the_window_are_forgotten(ports):
    policy = ThrottlePolicy(window_s=1, max_failures_per_account=2, max_failures_per_address=2)
    _attempt(ports, "alice", "10.0.0.1")
    _attempt(ports, "alice", "10.0.0.1")
    assert _wait(ports, "alice", "10.0.0.1", policy) == 1
    time.sleep(1.2)
    assert _wait(ports, "alice", "10.0.0.1", policy) is None
