"""The audit trail: every mutating action and every login attempt leaves a row."""

from __future__ import annotations

from typing import Any, Protocol

from psycopg2.extras import Json


class AuditTrail(Protocol):
    """The port services take; this module is its Postgres adapter (pass `imagedrive.audit` itself),
    tests/fakes/audit.py the in-memory one."""

    def record(self, cur: Any, action: str, *, user_id: int | None, target_id: Any = None, **details: Any) -> None: ...


def record(cur: Any, action: str, *, user_id: int | None, target_id: Any = None, **details: Any) -> None:
    """Write one audit row inside the caller's transaction, so it commits with the change."""
    cur.execute(
        "INSERT INTO audit_logs (user_id, action, target_id, details) VALUES (%s, %s, %s, %s)",
        (user_id, action, None if target_id is None else str(target_id), Json(details)),
    )
