"""The auth ports in memory (imagedrive.auth.repository: UserRepository, SessionRepository, ThrottleStore).
tests/contract/test_auth_repository.py runs them against their Postgres adapters."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from imagedrive.auth.repository import Credentials, NewSession, RefreshSession, ThrottlePolicy, User
from imagedrive.errors import Conflict

Clock = Callable[[], float]  # seconds since the epoch, as time.time


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _moment(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


class MemoryUsers:
    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        # As the migration leaves it: the system owner exists, without a password.
        self.rows: dict[int, tuple[User, str | None]] = {1: (User(1, "system", "system", _moment(clock)), None)}

    def insert(self, cur: Any, username: str, password_hash: str) -> User:
        if any(user.username.lower() == username.lower() for user, _ in self.rows.values()):
            raise Conflict("that username is taken", code="username_taken")
        user = User(max(self.rows) + 1, username, "user", _moment(self.clock))
        self.rows[user.id] = (user, password_hash)
        return user

    def find_credentials(self, cur: Any, username: str) -> Credentials | None:
        for user, password_hash in self.rows.values():
            if user.username.lower() == username.lower() and password_hash is not None:
                return Credentials(user, password_hash)
        return None

    def find(self, cur: Any, user_id: int) -> User | None:
        user, _ = self.rows.get(user_id, (None, None))
        return user if user is not None and user.role != "system" else None

    def update_hash(self, cur: Any, user_id: int, password_hash: str) -> None:
        self.rows[user_id] = (self.rows[user_id][0], password_hash)

    # -- for tests ------------------------------------------------------------------------------------
    def delete(self, user_id: int) -> None:
        del self.rows[user_id]


@dataclass(frozen=True)
class _StoredSession:
    id: int
    user_id: int
    token_digest: bytes
    family_id: uuid.UUID
    parent_id: int | None
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None


class MemorySessions:
    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self.rows: dict[int, _StoredSession] = {}

    def create(self, cur: Any, session: NewSession) -> None:
        if any(row.token_digest == session.token_digest for row in self.rows.values()):
            raise ValueError("token_hash is unique")
        session_id = len(self.rows) + 1
        self.rows[session_id] = _StoredSession(
            session_id, session.user_id, session.token_digest, session.family_id, session.parent_id,
            _moment(self.clock) + timedelta(seconds=session.ttl_s))

    def find_for_update(self, cur: Any, token_digest: bytes) -> RefreshSession | None:
        for row in self.rows.values():
            if row.token_digest == token_digest:
                return RefreshSession(row.id, row.user_id, row.family_id, row.expires_at, row.rotated_at,
                                      row.revoked_at, expired=row.expires_at <= _moment(self.clock))
        return None

    def mark_rotated(self, cur: Any, session_id: int) -> None:
        self.rows[session_id] = replace(self.rows[session_id], rotated_at=_moment(self.clock))

    def revoke_family(self, cur: Any, family_id: uuid.UUID) -> int:
        live = [row for row in self.rows.values() if row.family_id == family_id and row.revoked_at is None]
        for row in live:
            self.rows[row.id] = replace(row, revoked_at=_moment(self.clock))
        return len(live)


@dataclass(frozen=True)
class _Attempt:
    ts: float
    username: str
    address: str
    succeeded: bool


class MemoryThrottle:
    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self.attempts: list[_Attempt] = []

    def retry_after(self, cur: Any, username: str, address: str, policy: ThrottlePolicy) -> int | None:
        now = self.clock()
        recent = [a for a in self.attempts if not a.succeeded and a.ts > now - policy.window_s]
        last_success = max((a.ts for a in self.attempts if a.username == username.lower() and a.succeeded),
                           default=-math.inf)
        by_account = [a.ts for a in recent if a.username == username.lower() and a.ts > last_success]
        by_address = [a.ts for a in recent if a.address == address]
        waits = [max(1, math.ceil(failures[limit - 1] + policy.window_s - now))
                 for failures, limit in ((sorted(by_account, reverse=True), policy.max_failures_per_account),
                                         (sorted(by_address, reverse=True), policy.max_failures_per_address))
                 if len(failures) >= limit]
        return max(waits) if waits else None

    def record(self, cur: Any, username: str, address: str, *, succeeded: bool) -> None:
        self.attempts.append(_Attempt(self.clock(), username.lower(), address, succeeded))
