"""Marking indexes stale and asking the index builder to rebuild them.

A change to an image changes the visible set of its owner (their private index), or of everyone when
the image is public or system (SHARED_INDEX: the one shared index, not every user's). Marking is done inside
the caller's transaction; the rebuild request is sent after commit. Requests are coalesced: one message
names many users, and the builder skips indexes that are already fresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from imagedrive.indexing.scope import SHARED_OWNER
from imagedrive.queues import MessageQueue, sqs_queue
from imagedrive.settings import get_settings
from imagedrive.visibility import EVERYONE, SHARED_INDEX, Users, affected_users

__all__ = ["EVERYONE", "SHARED_INDEX", "Users", "affected_users", "mark_stale", "request_rebuild", "request_repair",
           "union"]


def union(groups: Iterable[Users]) -> Users:
    """Coalesce several "these users are stale" sets into one; EVERYONE absorbs the rest."""
    users: set[int] = set()
    for group in groups:
        if isinstance(group, str):  # EVERYONE
            return EVERYONE
        users.update(group)
    return sorted(users)


def mark_stale(cur: Any, users: Iterable[int] | str) -> None:
    """These indexes (user ids, SHARED_INDEX for the shared one; EVERYONE: all) no longer reflect their rows."""
    if isinstance(users, str):  # EVERYONE
        cur.execute(
            """INSERT INTO user_index_state (user_id, stale_since)
               SELECT id, now() FROM users
               ON CONFLICT (user_id) DO UPDATE
               SET stale_since = coalesce(user_index_state.stale_since, now())"""
        )
        return
    cur.execute(
        f"""INSERT INTO user_index_state (user_id, stale_since)
            SELECT DISTINCT CASE WHEN u = {SHARED_INDEX} THEN {SHARED_OWNER} ELSE u END, now()
            FROM unnest(%s::bigint[]) AS u
            ON CONFLICT (user_id) DO UPDATE SET stale_since = coalesce(user_index_state.stale_since, now())""",
        (sorted(set(users)),),
    )


def request_rebuild(users: Iterable[int] | str, queue: MessageQueue | None = None) -> None:
    """One message for the index queue; call after the transaction that marked them commits."""
    payload = {"users": EVERYONE if isinstance(users, str) else sorted(set(users))}
    if payload["users"]:
        (queue or sqs_queue(get_settings().index_queue)).send(payload)


def request_repair(users: list[int]) -> None:
    """These users' current index cannot serve (files missing or unreadable): mark them stale, so the
    builder does not skip them as fresh, and ask for the rebuild."""
    from imagedrive.db import transaction

    with transaction() as cur:
        mark_stale(cur, users)
    request_rebuild(users)
