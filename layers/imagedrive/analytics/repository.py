"""The SQL of the analytics summary: images by status, visibility, format and category, uploads per day,
storage, searches per day by kind with zero-result rate and latency percentiles, ingest failures.

A user sees their own images and searches; an admin sees the whole drive.
"""

from __future__ import annotations

from typing import Any

from imagedrive.analytics.models import (
    CategoryCount,
    DayCount,
    IngestFailure,
    IngestFailures,
    SearchDayCount,
    SearchStats,
    Summary,
)
from imagedrive.auth.models import CurrentUser
from imagedrive.db import fetch_one, transaction

FAILURE_ACTIONS = ("ingest_failed", "embedding_failed", "ingest_abandoned", "missing_original")  # + the reconciler
_IN_SCOPE = "(%(everyone)s OR i.owner_id = %(user)s)"
_SINCE = "now() - make_interval(days => %(days)s)"


def summary(user: CurrentUser, days: int) -> Summary:
    params = {"everyone": user.is_admin, "user": user.id, "days": days, "failures": list(FAILURE_ACTIONS)}
    with transaction() as cur:
        def grouped(column: str) -> dict[str, int]:
            cur.execute(f"SELECT {column} AS k, count(*) AS n FROM images i WHERE {_IN_SCOPE} GROUP BY 1", params)
            return {row["k"] or "unknown": row["n"] for row in cur.fetchall()}

        by_status, by_visibility, by_format = grouped("i.status"), grouped("i.visibility"), grouped("i.mime")
        cur.execute(f"SELECT coalesce(sum(i.size), 0)::bigint AS bytes FROM images i WHERE {_IN_SCOPE}", params)
        storage_bytes = fetch_one(cur)["bytes"]
        return Summary(
            scope="all" if user.is_admin else "own", days=days, images_total=sum(by_status.values()),
            storage_bytes=storage_bytes, by_status=by_status, by_visibility=by_visibility, by_format=by_format,
            by_category=_by_category(cur, params), uploads_per_day=_uploads_per_day(cur, params),
            searches=_searches(cur, params), ingest_failures=_failures(cur, params),
        )


def _by_category(cur: Any, params: dict[str, Any]) -> list[CategoryCount]:
    cur.execute(
        f"""SELECT c.id, c.name, count(*) AS count FROM images i
            JOIN image_categories ic ON ic.image_id = i.id JOIN categories c ON c.id = ic.category_id
            WHERE {_IN_SCOPE} GROUP BY c.id, c.name ORDER BY count(*) DESC, lower(c.name)""",
        params,
    )
    return [CategoryCount(**row) for row in cur.fetchall()]


def _uploads_per_day(cur: Any, params: dict[str, Any]) -> list[DayCount]:
    cur.execute(
        f"""SELECT (i.upload_ts AT TIME ZONE 'UTC')::date AS day, count(*) AS count FROM images i
            WHERE {_IN_SCOPE} AND i.upload_ts >= {_SINCE} GROUP BY 1 ORDER BY 1""",
        params,
    )
    return [DayCount(**row) for row in cur.fetchall()]


def _searches(cur: Any, params: dict[str, Any]) -> SearchStats:
    in_scope = "(%(everyone)s OR user_id = %(user)s) AND ts >= " + _SINCE
    cur.execute(
        f"""SELECT (ts AT TIME ZONE 'UTC')::date AS day, kind, count(*) AS count FROM search_events
            WHERE {in_scope} GROUP BY 1, 2 ORDER BY 1, 2""",
        params,
    )
    per_day = [SearchDayCount(**row) for row in cur.fetchall()]
    cur.execute(
        f"""SELECT count(*) AS total,
                   avg((result_count = 0)::int)::float AS zero_rate,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
            FROM search_events WHERE {in_scope}""",
        params,
    )
    row = cur.fetchone()
    return SearchStats(total=row["total"], per_day=per_day, zero_result_rate=row["zero_rate"],
                       p50_latency_ms=row["p50"], p95_latency_ms=row["p95"])


def _failures(cur: Any, params: dict[str, Any]) -> IngestFailures:
    cur.execute(f"SELECT count(*) AS n FROM images i WHERE {_IN_SCOPE} AND i.status = 'FAILED'", params)
    failed = cur.fetchone()["n"]
    cur.execute(
        f"""SELECT action, count(*) AS n FROM audit_logs
            WHERE action = ANY(%(failures)s) AND (%(everyone)s OR user_id = %(user)s) AND ts >= {_SINCE}
            GROUP BY action""",
        params,
    )
    events = {row["action"]: row["n"] for row in cur.fetchall()}
    cur.execute(
        f"""SELECT i.id, i.filename, i.error, i.updated_at AS at FROM images i
            WHERE {_IN_SCOPE} AND i.status = 'FAILED' ORDER BY i.updated_at DESC, i.id DESC LIMIT 10""",
        params,
    )
    return IngestFailures(failed_images=failed, events=events, recent=[IngestFailure(**r) for r in cur.fetchall()])
