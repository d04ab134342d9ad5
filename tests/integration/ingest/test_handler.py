"""The ingest function behind real SQS: S3 notifications delivered by the local event runner."""

from __future__ import annotations

import time

import pytest

from imagedrive import db
from imagedrive.aws import client, queue_url
from localcloud import postgres
from localcloud.paths import REPO_ROOT
from localcloud.runner import EventRunner, Route, load_handler
from tests.fixtures import images
from tests.fixtures.cloud import drain
from tests.fixtures.ingest import image_rows, make_user, put


@pytest.fixture
def runner(models, cloud, clean_db):
    drain(cloud.ingest_queue)
    drain(cloud.ingest_dlq)
    handler = load_handler(REPO_ROOT / "functions" / "ingest" / "app.py")
    return EventRunner([Route(cloud.ingest_queue, "ingest", handler)], cloud)


def _wait_visible(queue: str, count: int, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=queue_url(queue), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        if int(attributes["ApproximateNumberOfMessages"]) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"{count} messages never arrived on {queue}")


def _run_until(runner: EventRunner, done, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        runner.poll_once(runner.routes[0])
    assert done(), "the runner did not finish in time"


def test_uploads_become_ready_through_the_queue(runner, cloud):
    alice = make_user("alice")
    for n in range(3):
        put(f"uploads/{alice}/u{n}/photo {n}.jpg", images.picture(100 + n))
    _run_until(runner, lambda: sum(r["status"] == "READY" for r in image_rows(alice)) == 3)
    assert drain(cloud.ingest_queue) == []


def test_with_the_database_stopped_the_messages_come_back_and_succeed_once_it_is_back(runner, cloud, settings):
    alice = make_user("alice")
    for n in range(3):
        put(f"uploads/{alice}/d{n}/p.jpg", images.picture(200 + n))
    _wait_visible(cloud.ingest_queue, 3)
    cluster = postgres.cluster_from_settings(settings)
    postgres.stop(cluster)
    try:
        outcome = runner.poll_once(runner.routes[0])
        assert outcome.received >= 1 and outcome.deleted == 0, "nothing is acknowledged while the database is down"
    finally:
        postgres.start(cluster)
    db.reset_connection()
    _run_until(runner, lambda: sum(r["status"] == "READY" for r in image_rows(alice)) == 3)
    assert len(image_rows(alice)) == 3
    assert drain(cloud.ingest_dlq) == []


def test_a_poison_message_reaches_the_dlq_while_the_rest_of_its_batch_succeeds(runner, cloud):
    alice = make_user("alice")
    sqs = client("sqs")
    sqs.send_message(QueueUrl=queue_url(cloud.ingest_queue), MessageBody="this is not an S3 event")
    put(f"uploads/{alice}/ok/fine.jpg", images.picture(300))
    _wait_visible(cloud.ingest_queue, 2)

    dead: list = []

    def poisoned_and_done() -> bool:
        dead.extend(sqs.receive_message(QueueUrl=queue_url(cloud.ingest_dlq)).get("Messages", []))
        return bool(dead) and [r["status"] for r in image_rows(alice)] == ["READY"]

    _run_until(runner, poisoned_and_done)
    assert [m["Body"] for m in dead] == ["this is not an S3 event"]
    drain(cloud.ingest_dlq)  # a dead letter left behind would make /health "degraded" for later tests
