"""One picture that makes the text reader raise, in a full SQS batch of ten, through the ingest
function's batch handling behind the real queue: its nine neighbours are READY on the first delivery,
it ends FAILED with the reader's error after the retries, and nothing is left PENDING or in the DLQ."""

from __future__ import annotations

import time

import pytest
from PIL import Image

from imagedrive.inference.ocr import OcrResult
from imagedrive.ingest.pipeline import Ingestor
from imagedrive.ingest.sqs_batch import handle_batch
from localcloud.runner import EventRunner, Route
from tests.fixtures import images
from tests.fixtures.cloud import drain
from tests.fixtures.ingest import image_rows, make_user, put
from tests.integration.ingest.test_handler import _wait_visible

POISON_SIZE = (641, 479)  # the marked picture: no other test picture has this size


class MarkedPictureReader:
    """A TextReader that reads no text, and raises on the marked picture as a crashing engine would."""

    engine, model = "marker-reader", "test"
    parallel = 2

    def read(self, image: Image.Image) -> OcrResult:
        if image.size == POISON_SIZE:
            raise RuntimeError("the engine crashed on this picture")
        return OcrResult(self.engine, self.model, [])


@pytest.fixture
def runner(models, cloud, clean_db):
    drain(cloud.ingest_queue)
    drain(cloud.ingest_dlq)
    ingestor = Ingestor(models.clip, MarkedPictureReader(), cloud)
    route = Route(cloud.ingest_queue, "ingest", lambda event, context: handle_batch(event, context, ingestor))
    return EventRunner([route], cloud)


def test_a_picture_that_makes_ocr_raise_fails_alone_and_its_batch_is_ready(runner, cloud):
    alice = make_user("alice")
    for n in range(9):
        put(f"uploads/{alice}/b{n}/fine {n}.jpg", images.picture(700 + n))
    put(f"uploads/{alice}/poison/crash.jpg", images.picture(799, size=POISON_SIZE))
    _wait_visible(cloud.ingest_queue, 10)

    first = runner.poll_once(runner.routes[0])

    assert (first.received, first.deleted, first.failed) == (10, 9, 1)
    by_name = {row["filename"]: row for row in image_rows(alice)}
    assert sorted(name for name, row in by_name.items() if row["status"] == "READY") == [
        f"fine {n}.jpg" for n in range(9)
    ]
    assert by_name["crash.jpg"]["status"] == "PENDING", "one failed delivery is retried, not given up"

    deadline = time.monotonic() + 30
    while by_name["crash.jpg"]["status"] == "PENDING" and time.monotonic() < deadline:
        runner.poll_once(runner.routes[0])
        by_name = {row["filename"]: row for row in image_rows(alice)}

    poison = by_name["crash.jpg"]
    assert poison["status"] == "FAILED"
    assert poison["error"] == "ocr_failed: RuntimeError: the engine crashed on this picture"
    assert [row["status"] for row in image_rows(alice)].count("PENDING") == 0
    assert len(image_rows(alice)) == 10
    assert drain(cloud.ingest_queue) == [], "the poison's message is done once its row says why"
    assert drain(cloud.ingest_dlq) == [], "a failure recorded on its row is not a dead letter"
