"""Query function: one search per invocation, `{"kind", "user_id", "request", …}` → `{"ok", "result"|"error"}`.

Models and loaded indexes live in the container between warm invocations (see imagedrive.search.dispatch
and imagedrive.indexing.cache); an index is reloaded only when the user's current version changes.
"""

from __future__ import annotations

from imagedrive.log import logger
from imagedrive.search.dispatch import handle
from imagedrive.telemetry import metrics, record_search, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    reply = handle(event)
    result = reply.get("result") or {}
    record_search(str(event.get("kind")), (result.get("timing") or {}).get("total_ms"), ok=bool(reply["ok"]))
    logger.info("search", extra={"kind": event.get("kind"), "user_id": event.get("user_id"), "ok": reply["ok"],
                                 "timing_ms": result.get("timing"), "error": reply.get("error")})
    return reply
