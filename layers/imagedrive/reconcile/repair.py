"""What the reconciler changes. Each repair is safe to repeat: ingestion dedupes a re-sent event,
a row is marked FAILED only while it is still PENDING or READY, a rebuild of a fresh index is skipped."""

from __future__ import annotations

from collections.abc import Sequence

from imagedrive import audit
from imagedrive.db import transaction
from imagedrive.indexing.stale import affected_users, mark_stale, request_rebuild, request_repair, union
from imagedrive.ingest.events import object_created_event
from imagedrive.ingest.repository import mark_failed
from imagedrive.queues import sqs_queue
from imagedrive.reconcile.findings import ImageRow
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef

MISSING_ORIGINAL = "missing_original"


def enqueue(objects: Sequence[tuple[ObjectRef, int]]) -> None:
    """The notification S3 would have sent for each (object, size), on the ingest queue."""
    sqs_queue(get_settings().ingest_queue).send_many([object_created_event(ref, size) for ref, size in objects])


def mark_missing_original(rows: Sequence[ImageRow]) -> list[int]:
    """FAILED `missing_original` for rows whose original is gone; the ids changed. READY ones leave
    their users' indexes, so those are marked stale and rebuilt."""
    changed: list[ImageRow] = []
    with transaction() as cur:
        for row in rows:
            reason = f"{MISSING_ORIGINAL}: {row.uri} no longer exists"
            if mark_failed(cur, reason, image_id=row.id, from_statuses=("PENDING", "READY")):
                changed.append(row)
                audit.record(cur, MISSING_ORIGINAL, user_id=row.owner_id, target_id=row.id, uri=row.uri,
                             was=row.status)
        stale = union([affected_users(r.owner_id, r.visibility) for r in changed if r.status == "READY"])
        if stale:
            mark_stale(cur, stale)
    if stale:
        request_rebuild(stale)
    return [row.id for row in changed]


def rebuild_indexes(users: Sequence[int]) -> None:
    if users:
        request_repair(sorted(users))
