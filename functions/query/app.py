"""Query function: one search per invocation, `{"kind", "user_id", "request", …}` → `{"ok", "result"|"error"}`.

Models and loaded indexes live in the container between warm invocations (see imagedrive.search.dispatch
and imagedrive.indexing.cache); an index is reloaded only when the user's current version changes.
"""

from __future__ import annotations

from imagedrive.log import logger
from imagedrive.search.dispatch import handle


@logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    reply = handle(event)
    result = reply.get("result") or {}
    logger.info("search", extra={"kind": event.get("kind"), "user_id": event.get("user_id"), "ok": reply["ok"],
                                 "timing_ms": result.get("timing"), "error": reply.get("error")})
    return reply
