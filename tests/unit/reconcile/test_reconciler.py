"""One reconciliation pass (imagedrive.reconcile.run.reconcile) on in-memory ports: what it repairs, what it
leaves alone, and that a dry run changes nothing. No servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from imagedrive.reconcile.run import ReconcileReport, reconcile
from imagedrive.settings import Settings
from imagedrive.storage import ObjectRef
from tests.fakes.objects import MemoryObjectStore
from tests.fakes.queues import MemoryQueue
from tests.fakes.reconcile_repository import MemoryReconcileRepository

ORIGINALS, DERIVED = "unit-originals", "unit-derived"
AFTER_MIN = 15
LONG_AGO = AFTER_MIN + 45


class Drive:
    def __init__(self) -> None:
        self.repository = MemoryReconcileRepository()
        self.objects = MemoryObjectStore()
        self.ingest_queue, self.index_queue = MemoryQueue("ingest"), MemoryQueue("index")
        self.settings = Settings(originals_bucket=ORIGINALS, derived_bucket=DERIVED, reconcile_after_min=AFTER_MIN)

    def put(self, key: str, *, age_min: int = LONG_AGO) -> ObjectRef:
        ref = ObjectRef(ORIGINALS, key)
        self.objects.write_bytes(ref, b"picture", "image/png")
        body, content_type, _ = self.objects.objects[(ORIGINALS, key)]
        self.objects.objects[(ORIGINALS, key)] = (body, content_type, datetime.now(UTC) - timedelta(minutes=age_min))
        return ref

    def row(self, owner: int, key: str, *, status: str = "READY", visibility: str = "private",
            idle_min: int = 0) -> int:
        return self.repository.add_image(owner, f"s3://{ORIGINALS}/{key}", status=status, visibility=visibility,
                                         idle_min=idle_min)

    def reconcile(self, *, dry_run: bool = False) -> ReconcileReport:
        return reconcile(self.settings, dry_run=dry_run, repository=self.repository, objects=self.objects,
                         ingest_queue=self.ingest_queue, index_queue=self.index_queue)

    def resent_keys(self) -> list[str]:
        return [m["Records"][0]["s3"]["object"]["key"] for m in self.ingest_queue.take_all()]


@pytest.fixture
def drive() -> Drive:
    return Drive()


def test_a_drive_in_step_needs_nothing(drive):
    drive.put("uploads/1/a/cat.png")
    drive.row(1, "uploads/1/a/cat.png")
    report = drive.reconcile()
    assert report.repair_counts() == {"missing_originals": 0, "requeued_pending": 0, "ingested_unknown": 0,
                                      "rebuilt_indexes": 0}
    assert drive.ingest_queue.messages == [] and drive.index_queue.messages == []


def test_a_ready_image_whose_original_vanished_fails_and_its_owners_index_is_rebuilt(drive):
    gone = drive.row(1, "uploads/1/a/gone.png")
    report = drive.reconcile()
    assert report.missing_originals == [gone]
    status, error = drive.repository.status(gone)
    assert status == "FAILED" and error.startswith("missing_original: ")
    assert drive.index_queue.take_all() == [{"users": [1]}]


def test_a_pending_row_whose_original_vanished_fails_without_a_rebuild(drive):
    gone = drive.row(1, "uploads/1/a/gone.png", status="PENDING", idle_min=LONG_AGO)
    report = drive.reconcile()
    assert report.missing_originals == [gone] and report.requeued_pending == [], "not re-sent: nothing to ingest"
    assert drive.repository.status(gone)[0] == "FAILED"
    assert drive.index_queue.messages == [] and drive.ingest_queue.messages == []


def test_a_pending_row_idle_too_long_has_its_event_sent_again_and_a_recent_one_waits(drive):
    drive.put("uploads/1/a/lost.png")
    drive.put("uploads/1/b/busy.png")
    lost = drive.row(1, "uploads/1/a/lost.png", status="PENDING", idle_min=LONG_AGO)
    drive.row(1, "uploads/1/b/busy.png", status="PENDING", idle_min=1)
    report = drive.reconcile()
    assert report.requeued_pending == [lost]
    assert drive.resent_keys() == ["uploads/1/a/lost.png"]
    assert drive.repository.status(lost)[0] == "PENDING", "ingestion, not the reconciler, finishes it"


def test_an_upload_no_row_names_is_ingested_once_its_own_notification_had_time(drive):
    drive.put("uploads/1/a/unknown.png")
    drive.put("drop/alice/dropped.png")
    drive.put("uploads/1/b/just-now.png", age_min=0)
    drive.put("thumbnails/1/1.jpg")  # not under an ingest prefix
    report = drive.reconcile()
    assert report.ingested_unknown == ["drop/alice/dropped.png", "uploads/1/a/unknown.png"]
    assert sorted(drive.resent_keys()) == ["drop/alice/dropped.png", "uploads/1/a/unknown.png"]


def test_a_failed_row_names_its_quarantined_original_so_that_is_not_unknown(drive):
    drive.put("uploads/1/a/bad.png")
    drive.row(1, "uploads/1/a/bad.png", status="FAILED")
    assert drive.reconcile().ingested_unknown == []


def test_a_dry_run_reports_and_changes_nothing(drive):
    gone = drive.row(1, "uploads/1/a/gone.png")
    drive.put("uploads/1/b/unknown.png")
    report = drive.reconcile(dry_run=True)
    assert report.dry_run and report.missing_originals == [gone]
    assert report.ingested_unknown == ["uploads/1/b/unknown.png"]
    assert drive.repository.status(gone)[0] == "READY"
    assert drive.ingest_queue.messages == [] and drive.index_queue.messages == []
