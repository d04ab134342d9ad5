"""One reconciliation pass: find (imagedrive.reconcile.findings), then repair (…repair), then report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from imagedrive import storage
from imagedrive.indexing.store import IndexStore
from imagedrive.log import logger
from imagedrive.queues import MessageQueue, sqs_queue
from imagedrive.reconcile import findings, repair
from imagedrive.reconcile.repository import ImageRow, PostgresReconcileRepository, ReconcileRepository
from imagedrive.settings import Settings, get_settings
from imagedrive.storage import ObjectStore


@dataclass
class ReconcileReport:
    missing_originals: list[int] = field(default_factory=list)  # image ids now FAILED missing_original
    requeued_pending: list[int] = field(default_factory=list)  # PENDING image ids whose event was re-sent
    ingested_unknown: list[str] = field(default_factory=list)  # keys with no row, now on the ingest queue
    rebuilt_indexes: dict[int, str] = field(default_factory=dict)  # user id → what was wrong with the index
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def repair_counts(self) -> dict[str, int]:
        return {"missing_originals": len(self.missing_originals), "requeued_pending": len(self.requeued_pending),
                "ingested_unknown": len(self.ingested_unknown), "rebuilt_indexes": len(self.rebuilt_indexes)}


def reconcile(settings: Settings | None = None, *, after_min: int | None = None, dry_run: bool = False,
              repository: ReconcileRepository | None = None, objects: ObjectStore | None = None,
              ingest_queue: MessageQueue | None = None, index_queue: MessageQueue | None = None,
              ) -> ReconcileReport:
    """Everything out of step older than `after_min` minutes (default IMAGEDRIVE_RECONCILE_AFTER_MIN).
    The ports default to the real adapters (Postgres, S3, the ingest and index queues)."""
    settings = settings or get_settings()
    repository = repository or PostgresReconcileRepository()
    objects = objects or storage.s3_objects()
    after = settings.reconcile_after_min if after_min is None else after_min
    bucket = settings.originals_bucket
    drive = repository.drive_rows(bucket, after)
    prefixes = set(findings.INGEST_PREFIXES) | {row.ref.key.split("/", 1)[0] + "/" for row in drive.in_bucket}
    present = findings.objects_under(objects, bucket, sorted(prefixes))

    gone = [row for row in findings.vanished(drive.in_bucket, present)
            if not _exists(objects, row)]  # confirmed one by one
    gone_ids = {row.id for row in gone}
    lost = [row for row in drive.pending
            if row.ref.bucket == bucket and row.ref.key in present and row.id not in gone_ids]
    unknown = findings.unknown(bucket, present, drive.known_uris, older_than=timedelta(minutes=after))
    broken = findings.broken_indexes(IndexStore(settings.derived_bucket), drive.current_indexes)
    report = ReconcileReport(
        missing_originals=sorted(gone_ids), requeued_pending=[row.id for row in lost],
        ingested_unknown=[o.key for o in unknown], rebuilt_indexes=broken, dry_run=dry_run,
    )
    if not dry_run:
        repair.mark_missing_original(repository, index_queue or sqs_queue(settings.index_queue), gone)
        repair.enqueue(ingest_queue or sqs_queue(settings.ingest_queue),
                       [(row.ref, present[row.ref.key].size) for row in lost]
                       + [(storage.ObjectRef(bucket, o.key), o.size) for o in unknown])
        repair.rebuild_indexes(list(broken))
    logger.info("reconciled", extra={"report": report.as_dict()})
    return report


def _exists(objects: ObjectStore, row: ImageRow) -> bool:
    try:
        objects.object_size(row.ref)
    except storage.ObjectNotFound:
        return False
    return True
