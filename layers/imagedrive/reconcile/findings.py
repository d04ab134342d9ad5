"""What is out of step between Postgres, S3 and the queues. Read-only; every function is one question."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from imagedrive.indexing.store import FILES, MANIFEST_FILE, IndexStore
from imagedrive.indexing.versions import IndexVersion
from imagedrive.queues import sqs_queue
from imagedrive.storage import DROP_PREFIX, UPLOADS_PREFIX, ListedObject, ObjectRef, s3_objects

INGEST_PREFIXES = (UPLOADS_PREFIX, DROP_PREFIX)  # what S3 announces to the ingest queue


@dataclass(frozen=True)
class ImageRow:
    id: int
    owner_id: int
    uri: str
    status: str
    visibility: str

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.from_uri(self.uri)


def pending_older_than(cur: Any, minutes: int) -> list[ImageRow]:
    """PENDING rows untouched for `minutes`: their ingest message was lost (or is dead-lettered)."""
    cur.execute(
        """SELECT id, owner_id, uri, status, visibility FROM images
           WHERE status = 'PENDING' AND updated_at < now() - make_interval(mins => %s) ORDER BY id""",
        (minutes,),
    )
    return [ImageRow(**row) for row in cur.fetchall()]


def count_pending_older_than(cur: Any, minutes: int) -> int:
    cur.execute("SELECT count(*) AS n FROM images WHERE status = 'PENDING' "
                "AND updated_at < now() - make_interval(mins => %s)", (minutes,))
    return int(cur.fetchone()["n"])


def rows_in_bucket(cur: Any, bucket: str) -> list[ImageRow]:
    """Every row whose original should be in `bucket` (FAILED rows point at quarantine/, which is kept)."""
    cur.execute(
        """SELECT id, owner_id, uri, status, visibility FROM images
           WHERE uri LIKE %s AND status IN ('PENDING', 'READY') ORDER BY id""",
        (f"s3://{bucket}/%",),
    )
    return [ImageRow(**row) for row in cur.fetchall()]


def known_uris(cur: Any, bucket: str) -> set[str]:
    cur.execute("SELECT uri FROM images WHERE uri LIKE %s", (f"s3://{bucket}/%",))
    return {row["uri"] for row in cur.fetchall()}


def objects_under(bucket: str, prefixes: Iterable[str]) -> dict[str, ListedObject]:
    return {o.key: o for prefix in prefixes for o in s3_objects().list_objects(bucket, prefix)}


def vanished(rows: list[ImageRow], present: dict[str, ListedObject]) -> list[ImageRow]:
    """Rows whose original is not among the listed objects."""
    return [row for row in rows if row.ref.key not in present]


def unknown(bucket: str, present: dict[str, ListedObject], uris: set[str], *, older_than: timedelta,
            now: datetime | None = None) -> list[ListedObject]:
    """Objects under the ingest prefixes that no row names and whose own notification had time to arrive."""
    cutoff = (now or datetime.now(UTC)) - older_than
    return [o for key, o in present.items()
            if key.startswith(INGEST_PREFIXES) and f"s3://{bucket}/{key}" not in uris and o.last_modified < cutoff]


def broken_indexes(store: IndexStore, current: list[IndexVersion]) -> dict[int, str]:
    """user id → why its current index cannot serve (a file missing, an unreadable manifest)."""
    problems = {version.user_id: store.problem(version.s3_prefix, version.count) for version in current}
    return {user: problem for user, problem in problems.items() if problem}


def unlisted_index_files(current: list[IndexVersion], listed: set[str], *, complete: bool) -> list[int]:
    """Users whose current version lacks a file in a listing of indexes/ (in key order, so when the
    listing was cut short, only versions it reached are judged)."""
    last = max(listed, default="")
    judged = [v for v in current if complete or v.s3_prefix + MANIFEST_FILE <= last]
    return [v.user_id for v in judged if any(v.s3_prefix + name not in listed for name in FILES)]


def dead_letters(queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each dead-letter queue."""
    return {queue: sqs_queue(queue).depth() for queue in queues}
