"""The SQL of auth, behind the three ports the auth service takes: `UserRepository` (accounts),
`SessionRepository` (refresh sessions) and `ThrottleStore` (login attempts), with their Postgres adapters.
tests/fakes/auth_repository.py holds the in-memory ones; tests/contract/test_auth_repository.py keeps them in step.

Every method runs in the caller's transaction (the cursor it is given): a login reads the throttle, checks the
password, records the attempt and opens a session atomically, and a refresh keeps its session's row locked
until the child session exists.

Refresh sessions: one row per issued refresh token, chained into a family per login. A token is exchanged
once; the exchange marks it rotated and issues its child. Only the token's digest is stored.

Throttling: an account is locked after N failures inside the window since its last successful login; an
address after M failures inside the window. The answer says how long until the oldest failure that counts
leaves the window. Usernames are unique, and throttled, case-insensitively.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import psycopg2.errors

from imagedrive.auth.models import Client, Role
from imagedrive.errors import Conflict

Cursor = Any  # the caller's transaction: a psycopg2 cursor, or None for the in-memory adapters


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class Credentials:
    """A user who can log in (the system owner has no password), with their password hash."""

    user: User
    password_hash: str


@dataclass(frozen=True)
class NewSession:
    user_id: int
    token_digest: bytes
    family_id: uuid.UUID
    parent_id: int | None
    ttl_s: int
    client: Client


@dataclass(frozen=True)
class RefreshSession:
    id: int
    user_id: int
    family_id: uuid.UUID
    expires_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    expired: bool


@dataclass(frozen=True)
class ThrottlePolicy:
    window_s: int  # failures older than this are forgotten
    max_failures_per_account: int
    max_failures_per_address: int


class UserRepository(Protocol):
    def insert(self, cur: Cursor, username: str, password_hash: str) -> User:
        """Raises Conflict (username_taken) when the name is taken in any letter case."""
        ...

    def find_credentials(self, cur: Cursor, username: str) -> Credentials | None: ...

    def find(self, cur: Cursor, user_id: int) -> User | None:
        """A person's account (never the system owner)."""
        ...

    def update_hash(self, cur: Cursor, user_id: int, password_hash: str) -> None: ...


class SessionRepository(Protocol):
    def create(self, cur: Cursor, session: NewSession) -> None: ...

    def find_for_update(self, cur: Cursor, token_digest: bytes) -> RefreshSession | None:
        """The session a token names, locked so two exchanges of one token cannot both succeed."""
        ...

    def mark_rotated(self, cur: Cursor, session_id: int) -> None: ...

    def revoke_family(self, cur: Cursor, family_id: uuid.UUID) -> int:
        """Revoke every live session of the family; how many were live."""
        ...


class ThrottleStore(Protocol):
    def retry_after(self, cur: Cursor, username: str, address: str, policy: ThrottlePolicy) -> int | None:
        """Seconds until this account and address may try again; None when they may try now."""
        ...

    def record(self, cur: Cursor, username: str, address: str, *, succeeded: bool) -> None: ...


_USER_COLUMNS = "id, username, role, created_at"


class PostgresUsers:
    def insert(self, cur: Cursor, username: str, password_hash: str) -> User:
        cur.execute("SAVEPOINT new_user")
        try:
            cur.execute(
                f"INSERT INTO users (username, password_hash) VALUES (%s, %s) RETURNING {_USER_COLUMNS}",
                (username, password_hash),
            )
        except psycopg2.errors.UniqueViolation as error:
            cur.execute("ROLLBACK TO SAVEPOINT new_user")
            raise Conflict("that username is taken", code="username_taken") from error
        return User(**cur.fetchone())

    def find_credentials(self, cur: Cursor, username: str) -> Credentials | None:
        cur.execute(
            f"""SELECT {_USER_COLUMNS}, password_hash FROM users
                WHERE lower(username) = lower(%s) AND password_hash IS NOT NULL""",
            (username,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        password_hash = row.pop("password_hash")
        return Credentials(User(**row), password_hash)

    def find(self, cur: Cursor, user_id: int) -> User | None:
        cur.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = %s AND role <> 'system'", (user_id,))
        row = cur.fetchone()
        return User(**row) if row else None

    def update_hash(self, cur: Cursor, user_id: int, password_hash: str) -> None:
        cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))


class PostgresSessions:
    def create(self, cur: Cursor, session: NewSession) -> None:
        cur.execute(
            """INSERT INTO refresh_sessions (user_id, token_hash, family_id, parent_id, expires_at, client_ip,
                                             user_agent)
               VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s), %s, %s)""",
            (session.user_id, session.token_digest, str(session.family_id), session.parent_id, session.ttl_s,
             session.client.address, (session.client.user_agent or "")[:256] or None),
        )

    def find_for_update(self, cur: Cursor, token_digest: bytes) -> RefreshSession | None:
        cur.execute(
            """SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at, expires_at <= now() AS expired
               FROM refresh_sessions WHERE token_hash = %s FOR UPDATE""",
            (token_digest,),
        )
        row = cur.fetchone()
        return RefreshSession(**{**row, "family_id": uuid.UUID(str(row["family_id"]))}) if row else None

    def mark_rotated(self, cur: Cursor, session_id: int) -> None:
        cur.execute("UPDATE refresh_sessions SET rotated_at = now() WHERE id = %s", (session_id,))

    def revoke_family(self, cur: Cursor, family_id: uuid.UUID) -> int:
        cur.execute(
            "UPDATE refresh_sessions SET revoked_at = now() WHERE family_id = %s AND revoked_at IS NULL",
            (str(family_id),),
        )
        return int(cur.rowcount)


_ACCOUNT_WAIT_SQL = """
    SELECT ceil(extract(epoch FROM ts + make_interval(secs => %(window)s) - now()))::int AS retry_after_s
    FROM login_attempts
    WHERE username = %(key)s AND NOT succeeded AND ts > now() - make_interval(secs => %(window)s)
      AND ts > coalesce((SELECT max(ts) FROM login_attempts WHERE username = %(key)s AND succeeded), '-infinity')
    ORDER BY ts DESC OFFSET %(skip)s LIMIT 1"""

_ADDRESS_WAIT_SQL = """
    SELECT ceil(extract(epoch FROM ts + make_interval(secs => %(window)s) - now()))::int AS retry_after_s
    FROM login_attempts
    WHERE client_ip = %(key)s AND NOT succeeded AND ts > now() - make_interval(secs => %(window)s)
    ORDER BY ts DESC OFFSET %(skip)s LIMIT 1"""


class PostgresThrottle:
    def retry_after(self, cur: Cursor, username: str, address: str, policy: ThrottlePolicy) -> int | None:
        waits = []
        for sql, key, limit in (
            (_ACCOUNT_WAIT_SQL, username.lower(), policy.max_failures_per_account),
            (_ADDRESS_WAIT_SQL, address, policy.max_failures_per_address),
        ):
            cur.execute(sql, {"window": policy.window_s, "key": key, "skip": limit - 1})
            row = cur.fetchone()
            if row:
                waits.append(max(1, int(row["retry_after_s"])))
        return max(waits) if waits else None

    def record(self, cur: Cursor, username: str, address: str, *, succeeded: bool) -> None:
        cur.execute(
            "INSERT INTO login_attempts (username, client_ip, succeeded) VALUES (%s, %s, %s)",
            (username.lower(), address, succeeded),
        )
