"""The SQL of reconciliation: `ReconcileRepository` is the port the reconciler and /health's drift take,
`PostgresReconcileRepository` its adapter; each method opens its own transaction. Marking an image FAILED
goes through the ingest repository's `mark_failed`, the one way an image fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from imagedrive import audit
from imagedrive.db import fetch_one, transaction
from imagedrive.indexing import versions
from imagedrive.indexing.stale import Users, affected_users, mark_stale, union
from imagedrive.indexing.versions import IndexVersion
from imagedrive.ingest.repository import mark_failed
from imagedrive.storage import ObjectRef

MISSING_ORIGINAL = "missing_original"


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


@dataclass(frozen=True)
class DriveRows:
    """What one reconciliation pass compares with the bucket and the index store, read in one transaction."""

    in_bucket: tuple[ImageRow, ...]  # PENDING and READY rows whose original should be in the bucket
    pending: tuple[ImageRow, ...]  # PENDING rows untouched for the given minutes: their message was lost
    known_uris: frozenset[str]  # every row's original in the bucket, FAILED ones too
    current_indexes: tuple[IndexVersion, ...]


@dataclass(frozen=True)
class StuckCounts:
    """What /health's drift reads from the database, in one transaction."""

    pending_stuck: int
    current_indexes: tuple[IndexVersion, ...]


@dataclass(frozen=True)
class MissingOriginals:
    failed: tuple[ImageRow, ...]  # the rows this call changed (a row no longer PENDING or READY is left alone)
    stale: Users  # whose index lost an image, marked stale in the same transaction


class ReconcileRepository(Protocol):
    def drive_rows(self, bucket: str, pending_after_min: int) -> DriveRows: ...

    def stuck(self, pending_after_min: int) -> StuckCounts: ...

    def mark_missing_original(self, rows: Sequence[ImageRow]) -> MissingOriginals:
        """FAILED `missing_original` (audited) for each row still PENDING or READY; the READY ones' users'
        indexes marked stale."""
        ...


class PostgresReconcileRepository:
    """ReconcileRepository on Postgres: each method opens its own transaction."""

    def drive_rows(self, bucket: str, pending_after_min: int) -> DriveRows:
        in_bucket = f"s3://{bucket}/%"
        with transaction() as cur:
            cur.execute(
                """SELECT id, owner_id, uri, status, visibility FROM images
                   WHERE uri LIKE %s AND status IN ('PENDING', 'READY') ORDER BY id""",
                (in_bucket,),
            )
            rows = _image_rows(cur)
            cur.execute(
                """SELECT id, owner_id, uri, status, visibility FROM images
                   WHERE status = 'PENDING' AND updated_at < now() - make_interval(mins => %s) ORDER BY id""",
                (pending_after_min,),
            )
            pending = _image_rows(cur)
            cur.execute("SELECT uri FROM images WHERE uri LIKE %s", (in_bucket,))
            uris = frozenset(row["uri"] for row in cur.fetchall())
            current = tuple(versions.every_current(cur))
        return DriveRows(rows, pending, uris, current)

    def stuck(self, pending_after_min: int) -> StuckCounts:
        with transaction() as cur:
            cur.execute("SELECT count(*) AS n FROM images WHERE status = 'PENDING' "
                        "AND updated_at < now() - make_interval(mins => %s)", (pending_after_min,))
            count = int(fetch_one(cur)["n"])
            current = tuple(versions.every_current(cur))
        return StuckCounts(count, current)

    def mark_missing_original(self, rows: Sequence[ImageRow]) -> MissingOriginals:
        failed: list[ImageRow] = []
        with transaction() as cur:
            for row in rows:
                reason = f"{MISSING_ORIGINAL}: {row.uri} no longer exists"
                if mark_failed(cur, reason, image_id=row.id, from_statuses=("PENDING", "READY")):
                    failed.append(row)
                    audit.record(cur, MISSING_ORIGINAL, user_id=row.owner_id, target_id=row.id, uri=row.uri,
                                 was=row.status)
            stale = union([affected_users(r.owner_id, r.visibility) for r in failed if r.status == "READY"])
            if stale:
                mark_stale(cur, stale)
        return MissingOriginals(tuple(failed), stale)


def _image_rows(cur: Any) -> tuple[ImageRow, ...]:
    return tuple(ImageRow(**row) for row in cur.fetchall())
