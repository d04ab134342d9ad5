"""Every search leaves one search_events row for analytics; the raw query only if the user opted in."""

from __future__ import annotations

from imagedrive.db import transaction
from imagedrive.log import logger
from imagedrive.search.models import Kind


def record_search(user_id: int, kind: Kind, *, latency_ms: float, result_count: int, query_text: str | None) -> None:
    try:
        with transaction() as cur:
            cur.execute(
                """INSERT INTO search_events (user_id, kind, latency_ms, result_count, query_text)
                   SELECT id, %s, %s, %s, CASE WHEN store_search_queries THEN %s END FROM users WHERE id = %s""",
                (kind, max(0.0, latency_ms), result_count, query_text, user_id),
            )
    except Exception:  # analytics must never cost the user their results
        logger.exception("could not record a search event", extra={"user_id": user_id, "kind": kind})
