"""What the reconciler changes. Each repair is safe to repeat: ingestion dedupes a re-sent event,
a row is marked FAILED only while it is still PENDING or READY, a rebuild of a fresh index is skipped."""

from __future__ import annotations

from collections.abc import Sequence

from imagedrive.indexing.stale import request_rebuild, request_repair
from imagedrive.ingest.events import object_created_event
from imagedrive.queues import MessageQueue
from imagedrive.reconcile.repository import ImageRow, ReconcileRepository
from imagedrive.storage import ObjectRef


def enqueue(ingest_queue: MessageQueue, objects: Sequence[tuple[ObjectRef, int]]) -> None:
    """The notification S3 would have sent for each (object, size), on the ingest queue."""
    ingest_queue.send_many([object_created_event(ref, size) for ref, size in objects])


def mark_missing_original(repository: ReconcileRepository, index_queue: MessageQueue,
                          rows: Sequence[ImageRow]) -> list[int]:
    """FAILED `missing_original` for rows whose original is gone; the ids changed. READY ones leave
    their users' indexes, so those are marked stale and rebuilt."""
    changed = repository.mark_missing_original(rows)
    if changed.stale:
        request_rebuild(changed.stale, index_queue)
    return [row.id for row in changed.failed]


def rebuild_indexes(users: Sequence[int]) -> None:
    if users:
        request_repair(sorted(users))
