"""The SQL of index versions: numbering, the building → ready/failed/deleted life cycle, and the
per-user pointer (user_index_state.current_version). Every function runs in the caller's transaction.

Staleness without touching the ingestion side: `mark_stale` upserts the user's state row, and every
update writes a new row version, so the row's xmin changes whenever anything marked the user stale.
A build remembers the xmin it saw in its snapshot and clears stale_since only if it is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IndexVersion:
    user_id: int
    version: int
    s3_prefix: str
    count: int
    dim: int
    model_version: str
    watermark: datetime | None
    built_at: datetime  # also in the manifest: tells a cached copy of this version from an older namesake


@dataclass(frozen=True)
class Published:
    current: bool  # False: a newer version was already current, this one was discarded
    retired: list[str]  # S3 prefixes of versions no longer needed


def allocate(cur: Any, user_id: int) -> int:
    cur.execute(
        """INSERT INTO index_version_counters (user_id, last_version) VALUES (%s, 1)
           ON CONFLICT (user_id) DO UPDATE SET last_version = index_version_counters.last_version + 1
           RETURNING last_version""",
        (user_id,),
    )
    return int(cur.fetchone()["last_version"])


def start(cur: Any, user_id: int, version: int, s3_prefix: str) -> None:
    cur.execute("INSERT INTO index_versions (user_id, version, s3_prefix) VALUES (%s, %s, %s)",
                (user_id, version, s3_prefix))


def fail(cur: Any, user_id: int, version: int) -> None:
    cur.execute(
        "UPDATE index_versions SET status = 'failed' WHERE user_id = %s AND version = %s AND status = 'building'",
        (user_id, version),
    )


def state_marker(cur: Any, user_id: int) -> str | None:
    """Which write of the user's state row this snapshot sees (None: no row yet)."""
    cur.execute("SELECT xmin::text AS marker FROM user_index_state WHERE user_id = %s", (user_id,))
    row = cur.fetchone()
    return row["marker"] if row else None


_CURRENT = """SELECT v.user_id, v.version, v.s3_prefix, v.count, v.dim, v.model_version, v.watermark, v.built_at
               FROM user_index_state s
               JOIN index_versions v ON (v.user_id, v.version) = (s.user_id, s.current_version)
               WHERE v.status = 'ready'"""


def current(cur: Any, user_id: int) -> IndexVersion | None:
    cur.execute(_CURRENT + " AND s.user_id = %s", (user_id,))
    row = cur.fetchone()
    return IndexVersion(**row) if row else None


def every_current(cur: Any) -> list[IndexVersion]:
    """Every user's current version (the reconciler checks their files)."""
    cur.execute(_CURRENT + " ORDER BY v.user_id")
    return [IndexVersion(**row) for row in cur.fetchall()]


def publish(cur: Any, built: IndexVersion, *, build_ms: float, marker: str | None, timeout_s: int) -> Published:
    """Make `built` current unless a newer version already is; retire versions older than the previous one."""
    cur.execute("INSERT INTO user_index_state (user_id) VALUES (%s) ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
                (built.user_id,))
    inserted_now = cur.fetchone() is not None
    cur.execute("SELECT current_version, xmin::text AS marker FROM user_index_state WHERE user_id = %s FOR UPDATE",
                (built.user_id,))
    state = cur.fetchone()
    previous = state["current_version"]
    if previous is not None and previous > built.version:
        return Published(False, _retire(cur, built.user_id, "version = %s", built.version))
    untouched = inserted_now if marker is None else state["marker"] == marker
    cur.execute(
        """UPDATE index_versions SET status = 'ready', count = %s, dim = %s, model_version = %s, watermark = %s,
               built_at = %s, build_ms = %s
           WHERE user_id = %s AND version = %s""",
        (built.count, built.dim, built.model_version, built.watermark, built.built_at, build_ms, built.user_id,
         built.version),
    )
    cur.execute(
        """UPDATE user_index_state SET current_version = %s, stale_since = CASE WHEN %s THEN NULL ELSE stale_since END
           WHERE user_id = %s""",
        (built.version, untouched, built.user_id),
    )
    # The previous version stays: a query function may be loading it right now.
    keep_from = previous if previous is not None else built.version
    retired = _retire(
        cur, built.user_id,
        "version < %s AND (status <> 'building' OR created_at < now() - make_interval(secs => %s))",
        keep_from, timeout_s,
    )
    return Published(True, retired)


def forget(cur: Any, user_id: int, prefixes: list[str]) -> None:
    """Drop retired version rows once their S3 objects are gone."""
    cur.execute("DELETE FROM index_versions WHERE user_id = %s AND status = 'deleted' AND s3_prefix = ANY(%s)",
                (user_id, prefixes))


def _retire(cur: Any, user_id: int, condition: str, *params: Any) -> list[str]:
    # Rows already 'deleted' whose objects a previous cleanup failed to remove are retried here too.
    cur.execute(
        f"""UPDATE index_versions SET status = 'deleted'
            WHERE user_id = %s AND (status = 'deleted' OR ({condition}))
            RETURNING s3_prefix""",  # condition: one of this module's constants, never input
        (user_id, *params),
    )
    return [row["s3_prefix"] for row in cur.fetchall()]
