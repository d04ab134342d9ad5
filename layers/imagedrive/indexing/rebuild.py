"""What the index builder does with rebuild requests: `{"users": [ids] | "*"}` messages, coalesced.

An id names that user's private index; SHARED_INDEX (0) the shared one; "*" every index. Only indexes that
need it are built: stale ones, missing ones, and ones holding another model's vectors. `force` builds every
named index (on-demand calls).
"""

from __future__ import annotations

import json
from typing import Any

from imagedrive.db import transaction
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.scope import SHARED_OWNER
from imagedrive.indexing.stale import EVERYONE, SHARED_INDEX
from imagedrive.indexing.stale import Users as Requested
from imagedrive.settings import get_settings


class BadRebuildRequest(ValueError):
    pass


def parse_request(body: str | dict[str, Any]) -> Requested:
    payload = json.loads(body) if isinstance(body, str) else body
    users = payload.get("users") if isinstance(payload, dict) else None
    if users == EVERYONE:
        return EVERYONE
    if not isinstance(users, list) or not all(isinstance(u, int) and not isinstance(u, bool) for u in users):
        raise BadRebuildRequest(f'expected {{"users": [ids] | "*"}}, got {str(body)[:200]!r}')
    return sorted(set(users))


def current_model_version(cur: Any) -> str | None:
    """The vectors to index: the configured model version, else the one ingestion wrote last."""
    configured = get_settings().search_model_version
    if configured:
        return configured
    cur.execute("SELECT model_version FROM embeddings ORDER BY created_at DESC LIMIT 1")
    row = cur.fetchone()
    return row["model_version"] if row else None


def users_to_build(cur: Any, requested: Requested, model_version: str, *, force: bool = False) -> dict[int, int]:
    """{name in requests (a user id, SHARED_INDEX): index owner} of the named indexes that need a build."""
    cur.execute(
        f"""WITH shared AS (SELECT {SHARED_OWNER} AS owner)
            SELECT CASE WHEN u.id = shared.owner AND (%(everyone)s OR {SHARED_INDEX} = ANY(%(ids)s))
                        THEN {SHARED_INDEX} ELSE u.id END AS name,  -- as the request named it
                   u.id AS owner
            FROM users u CROSS JOIN shared
            LEFT JOIN user_index_state s ON s.user_id = u.id
            LEFT JOIN index_versions v ON (v.user_id, v.version) = (s.user_id, s.current_version)
            WHERE (u.role <> 'system' OR u.id = shared.owner)
              AND (%(everyone)s OR u.id = ANY(%(ids)s) OR (u.id = shared.owner AND {SHARED_INDEX} = ANY(%(ids)s)))
              AND (%(force)s OR s.current_version IS NULL OR s.stale_since IS NOT NULL
                   OR v.model_version IS DISTINCT FROM %(model_version)s)
            ORDER BY u.id""",
        {"everyone": requested == EVERYONE, "ids": [] if requested == EVERYONE else list(requested),
         "force": force, "model_version": model_version},
    )
    return {row["name"]: row["owner"] for row in cur.fetchall()}


def rebuild(requested: Requested, *, force: bool = False) -> dict[int, Exception | None]:
    """Build each named index that needs it; per name (a user id, SHARED_INDEX), None or the error that
    stopped its build."""
    with transaction() as cur:
        model_version = current_model_version(cur)
        if model_version is None:  # nothing was ever embedded: there is nothing to index yet
            return {}
        users = users_to_build(cur, requested, model_version, force=force)
    outcomes: dict[int, Exception | None] = {}
    for name, owner in users.items():
        try:
            build_user_index(owner, model_version)
            outcomes[name] = None
        except Exception as error:  # logged by the builder; one index's failure does not stop the others
            outcomes[name] = error
    return outcomes
