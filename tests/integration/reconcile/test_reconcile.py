"""The drive heals itself: the reconciler, against real Postgres, S3 and SQS, with the real ingest and
index builder handling what it re-sends. /health says "degraded" while there is something to heal."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from imagedrive.analytics.repository import summary
from imagedrive.auth.models import CurrentUser
from imagedrive.aws import client, queue_url
from imagedrive.db import transaction
from imagedrive.health import check_health
from imagedrive.indexing import versions
from imagedrive.indexing.rebuild import rebuild
from imagedrive.indexing.store import INDEX_FILE
from imagedrive.reconcile.run import reconcile
from imagedrive.storage import ObjectRef, s3_objects
from localcloud.paths import REPO_ROOT
from localcloud.runner import EventRunner, Route, load_handler
from tests.fixtures import images
from tests.fixtures.cloud import drain
from tests.fixtures.ingest import image_rows, make_user, put


def _empty_ingest_prefixes(bucket: str) -> None:
    """Objects earlier tests left in the test bucket would be "unknown uploads" to a fresh database."""
    s3 = client("s3")
    for prefix in ("uploads/", "drop/"):
        keys = [{"Key": o.key} for o in s3_objects().list_objects(bucket, prefix)]
        for start in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start:start + 1000], "Quiet": True})


@pytest.fixture
def runner(models, cloud, clean_db):
    _empty_ingest_prefixes(cloud.originals_bucket)
    for queue in (cloud.ingest_queue, cloud.ingest_dlq, cloud.index_queue, cloud.index_dlq):
        drain(queue)
    handler = load_handler(REPO_ROOT / "functions" / "ingest" / "app.py")
    yield EventRunner([Route(cloud.ingest_queue, "ingest", handler)], cloud)
    for queue in (cloud.ingest_queue, cloud.ingest_dlq, cloud.index_queue, cloud.index_dlq):
        drain(queue)


def _ingest_until(runner, done, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        runner.poll_once(runner.routes[0])
    assert done(), "ingestion did not finish in time"


def _by_name(owner: int) -> dict[str, dict]:
    return {row["filename"]: row for row in image_rows(owner)}


def _lost_pending_row(owner: int, ref: ObjectRef, data: bytes) -> None:
    """A PENDING row whose ingest message was lost an hour ago (an emulator restart, say)."""
    with transaction() as cur:
        cur.execute(
            """INSERT INTO images (owner_id, uri, filename, checksum, size, status, upload_ts, updated_at)
               VALUES (%s, %s, %s, %s, %s, 'PENDING', now() - interval '1 hour', now() - interval '1 hour')""",
            (owner, ref.uri, ref.key.rsplit("/", 1)[-1], hashlib.sha256(data).hexdigest(), len(data)),
        )


def test_the_reconciler_heals_lost_messages_vanished_originals_unknown_uploads_and_broken_indexes(
        runner, cloud, settings):
    alice = make_user("alice")
    # Two images ingested normally, alice's index built from them.
    kept = put(f"uploads/{alice}/k/kept.jpg", images.picture(901))
    doomed = put(f"uploads/{alice}/d/doomed.jpg", images.picture(902))
    _ingest_until(runner, lambda: [r["status"] for r in image_rows(alice)] == ["READY", "READY"])
    assert rebuild([alice]) == {alice: None}
    drain(cloud.index_queue)
    with transaction() as cur:
        index = versions.current(cur, alice)

    # Then things go missing: an original, an index file, two ingest messages, and a dead letter arrives.
    client("s3").delete_object(Bucket=doomed.bucket, Key=doomed.key)
    client("s3").delete_object(Bucket=cloud.derived_bucket, Key=index.s3_prefix + INDEX_FILE)
    lost_data = images.picture(903)
    lost = put(f"uploads/{alice}/l/lost.jpg", lost_data)
    unknown = put("drop/alice/unknown.jpg", images.picture(904))
    drain(cloud.ingest_queue)  # their notifications are gone
    _lost_pending_row(alice, lost, lost_data)
    client("sqs").send_message(QueueUrl=queue_url(cloud.ingest_dlq), MessageBody="a dead letter")

    health = check_health(settings).as_dict()
    assert health["status"] == "degraded" and health["down"] == []
    assert health["reconcile"]["pending_stuck"] == 1
    assert health["reconcile"]["missing_index_files"] == [alice]
    assert health["reconcile"]["dead_letters"] == {cloud.ingest_dlq: 1, cloud.index_dlq: 0}

    dry = reconcile(after_min=0, dry_run=True)
    assert _by_name(alice)["doomed.jpg"]["status"] == "READY", "a dry run changes nothing"

    report = reconcile(after_min=0)

    assert report.as_dict() == {**dry.as_dict(), "dry_run": False}
    rows = _by_name(alice)
    assert report.missing_originals == [rows["doomed.jpg"]["id"]]
    assert rows["doomed.jpg"]["status"] == "FAILED"
    assert rows["doomed.jpg"]["error"].startswith("missing_original: ")
    assert report.requeued_pending == [rows["lost.jpg"]["id"]]
    assert report.ingested_unknown == [unknown.key]
    assert list(report.rebuilt_indexes) == [alice] and "index.faiss" in report.rebuilt_indexes[alice]

    # What it re-sent is ingested by the real handler, exactly once each.
    _ingest_until(runner, lambda: _by_name(alice).get("unknown.jpg", {}).get("status") == "READY"
                  and _by_name(alice)["lost.jpg"]["status"] == "READY")
    assert sorted(_by_name(alice)) == ["doomed.jpg", "kept.jpg", "lost.jpg", "unknown.jpg"]
    assert _by_name(alice)["kept.jpg"]["status"] == "READY" and kept.key in _by_name(alice)["kept.jpg"]["uri"]

    # Rebuild requests (the broken index, the READY image that left it) name alice; the builder heals it.
    requested = {u for m in drain(cloud.index_queue) for u in json.loads(m["Body"])["users"]}
    assert alice in requested
    assert rebuild([alice]) == {alice: None}

    # Visible in analytics, with its reason.
    failures = summary(CurrentUser(alice, "alice", "user"), 7).ingest_failures
    assert failures.events.get("missing_original") == 1
    assert [f.error.split(":")[0] for f in failures.recent] == ["missing_original"]

    drain(cloud.ingest_dlq)
    again = reconcile(after_min=0)
    assert again.as_dict() == {"missing_originals": [], "requeued_pending": [], "ingested_unknown": [],
                               "rebuilt_indexes": {}, "dry_run": False}
    healed = check_health(settings).as_dict()
    assert healed["status"] == "ok", healed["reconcile"]
