"""Every search leaves one search_events row for analytics; the raw query only if the user opted in."""

from __future__ import annotations

from imagedrive.log import logger
from imagedrive.search.models import Kind
from imagedrive.search.repository import SearchRepository


def record_search(repository: SearchRepository, user_id: int, kind: Kind, *, latency_ms: float, result_count: int,
                  query_text: str | None) -> None:
    try:
        repository.insert_search_event(user_id, kind, latency_ms=latency_ms, result_count=result_count,
                                       query_text=query_text)
    except Exception:  # analytics must never cost the user their results
        logger.exception("could not record a search event", extra={"user_id": user_id, "kind": kind})
