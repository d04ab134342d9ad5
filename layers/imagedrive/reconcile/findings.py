"""What is out of step between Postgres, S3 and the queues. Read-only; every function is one question (the
database's rows come from imagedrive.reconcile.repository)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from imagedrive.indexing.store import FILES, MANIFEST_FILE, IndexStore
from imagedrive.indexing.versions import IndexVersion
from imagedrive.queues import sqs_queue
from imagedrive.reconcile.repository import ImageRow
from imagedrive.storage import DROP_PREFIX, UPLOADS_PREFIX, ListedObject, ObjectStore

INGEST_PREFIXES = (UPLOADS_PREFIX, DROP_PREFIX)  # what S3 announces to the ingest queue


def objects_under(objects: ObjectStore, bucket: str, prefixes: Iterable[str]) -> dict[str, ListedObject]:
    return {o.key: o for prefix in prefixes for o in objects.list_objects(bucket, prefix)}


def vanished(rows: Sequence[ImageRow], present: dict[str, ListedObject]) -> list[ImageRow]:
    """Rows whose original is not among the listed objects."""
    return [row for row in rows if row.ref.key not in present]


def unknown(bucket: str, present: dict[str, ListedObject], uris: frozenset[str], *, older_than: timedelta,
            now: datetime | None = None) -> list[ListedObject]:
    """Objects under the ingest prefixes that no row names and whose own notification had time to arrive."""
    cutoff = (now or datetime.now(UTC)) - older_than
    return [o for key, o in present.items()
            if key.startswith(INGEST_PREFIXES) and f"s3://{bucket}/{key}" not in uris and o.last_modified < cutoff]


def broken_indexes(store: IndexStore, current: Sequence[IndexVersion]) -> dict[int, str]:
    """user id → why its current index cannot serve (a file missing, an unreadable manifest)."""
    problems = {version.user_id: store.problem(version.s3_prefix, version.count) for version in current}
    return {user: problem for user, problem in problems.items() if problem}


def unlisted_index_files(current: Sequence[IndexVersion], listed: set[str], *, complete: bool) -> list[int]:
    """Users whose current version lacks a file in a listing of indexes/ (in key order, so when the
    listing was cut short, only versions it reached are judged)."""
    last = max(listed, default="")
    judged = [v for v in current if complete or v.s3_prefix + MANIFEST_FILE <= last]
    return [v.user_id for v in judged if any(v.s3_prefix + name not in listed for name in FILES)]


def dead_letters(queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each dead-letter queue."""
    return {queue: sqs_queue(queue).depth() for queue in queues}
