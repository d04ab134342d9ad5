"""Refresh sessions: one row per issued refresh token, chained into a family per login.

A token is exchanged once; the exchange marks it rotated and issues its child. Presenting a
rotated token again means it was copied, so the whole family is revoked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from imagedrive.auth.models import Client
from imagedrive.auth.tokens import new_opaque_token, token_digest


@dataclass(frozen=True)
class RefreshSession:
    id: int
    user_id: int
    family_id: uuid.UUID
    expires_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    expired: bool


def create(
    cur: Any, user_id: int, client: Client, *, ttl_s: int, family_id: uuid.UUID | None = None,
    parent_id: int | None = None,
) -> str:
    """Store a new session and return its token (only its digest is kept)."""
    token = new_opaque_token()
    cur.execute(
        """INSERT INTO refresh_sessions (user_id, token_hash, family_id, parent_id, expires_at, client_ip, user_agent)
           VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s), %s, %s)""",
        (user_id, token_digest(token), str(family_id or uuid.uuid4()), parent_id, ttl_s,
         client.address, (client.user_agent or "")[:256] or None),
    )
    return token


def find_for_update(cur: Any, token: str) -> RefreshSession | None:
    """The session a token names, locked so two exchanges of one token cannot both succeed."""
    cur.execute(
        """SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at, expires_at <= now() AS expired
           FROM refresh_sessions WHERE token_hash = %s FOR UPDATE""",
        (token_digest(token),),
    )
    row = cur.fetchone()
    return RefreshSession(**{**row, "family_id": uuid.UUID(str(row["family_id"]))}) if row else None


def mark_rotated(cur: Any, session_id: int) -> None:
    cur.execute("UPDATE refresh_sessions SET rotated_at = now() WHERE id = %s", (session_id,))


def revoke_family(cur: Any, family_id: uuid.UUID) -> int:
    cur.execute(
        "UPDATE refresh_sessions SET revoked_at = now() WHERE family_id = %s AND revoked_at IS NULL",
        (str(family_id),),
    )
    return cur.rowcount
