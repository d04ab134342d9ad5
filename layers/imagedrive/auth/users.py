"""The users table, as auth needs it."""

from __future__ import annotations

from typing import Any

import psycopg2.errors

from imagedrive.auth.models import UserOut
from imagedrive.errors import Conflict

_COLUMNS = "id, username, role, created_at"


def insert(cur: Any, username: str, password_hash: str) -> UserOut:
    cur.execute("SAVEPOINT new_user")
    try:
        cur.execute(
            f"INSERT INTO users (username, password_hash) VALUES (%s, %s) RETURNING {_COLUMNS}",
            (username, password_hash),
        )
    except psycopg2.errors.UniqueViolation as error:
        cur.execute("ROLLBACK TO SAVEPOINT new_user")
        raise Conflict("that username is taken", code="username_taken") from error
    return UserOut(**cur.fetchone())


def find_with_hash(cur: Any, username: str) -> tuple[UserOut, str] | None:
    """A user who can log in (the system owner has no password), with their password hash."""
    cur.execute(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(username) = lower(%s) AND password_hash IS NOT NULL",
        (username,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    password_hash = row.pop("password_hash")
    return UserOut(**row), password_hash


def find(cur: Any, user_id: int) -> UserOut | None:
    cur.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s AND role <> 'system'", (user_id,))
    row = cur.fetchone()
    return UserOut(**row) if row else None


def update_hash(cur: Any, user_id: int, password_hash: str) -> None:
    cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))
