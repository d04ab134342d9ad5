"""The ingestion decisions, on in-memory ports: no Postgres, no S3, no SQS, no model weights.

The doubles below implement the pipeline's model Protocols with a few lines of arithmetic (a colour
histogram as the "embedding", the picture's size as what the "reader" reads); the real Ingestor runs on them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image

from imagedrive import storage
from imagedrive.inference.batch import BatchEmbedding, EmbeddingFailure
from imagedrive.inference.ocr import OcrLine, OcrResult
from imagedrive.ingest.pipeline import IngestItem, Ingestor, Status
from imagedrive.settings import Settings
from imagedrive.storage import ObjectRef
from imagedrive.visibility import SHARED_INDEX
from tests.fakes.ingest_repository import MemoryIngestRepository
from tests.fakes.objects import MemoryObjectStore
from tests.fakes.queues import MemoryQueue

ORIGINALS, DERIVED = "originals", "derived"
REFUSED_COLOUR = (1, 2, 3)  # the embedder refuses pictures of exactly this colour
CRASH_SIZE = (41, 43)  # the reader raises on pictures of exactly this size


class ColourEmbedder:
    model_version = "colour-test-1"

    def __init__(self) -> None:
        self.embedded = 0

    def embed_batch(self, images: Sequence[Image.Image], batch_size: int = 32) -> BatchEmbedding:
        self.embedded += len(images)
        result = BatchEmbedding(vectors=[])
        for index, image in enumerate(images):
            colour = Image.Image.getpixel(image.convert("RGB"), (0, 0))
            if colour == REFUSED_COLOUR:
                result.vectors.append(None)
                result.failures.append(EmbeddingFailure(index, "memory", "zero_vector", "all zeros"))
                continue
            vector = np.array([*colour, 1.0], np.float32)
            result.vectors.append(vector / np.linalg.norm(vector))
        return result

    def embed_text(self, text: str) -> np.ndarray:
        return np.array([0, 0, 0, 1], np.float32)


class SizeReader:
    """Reads the picture's size as its text; crashes as a broken engine would on `crash_on`."""

    engine, model = "size-reader", "test"
    parallel = 2

    def __init__(self) -> None:
        self.crash_on: tuple[int, int] | None = CRASH_SIZE

    def read(self, image: Image.Image) -> OcrResult:
        if image.size == self.crash_on:
            raise RuntimeError("the engine crashed on this picture")
        return OcrResult(self.engine, self.model, [OcrLine(f"{image.width}x{image.height}", 0.9, (0, 0, 1, 1))])


def png(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


class Drive:
    def __init__(self, *, max_upload_bytes: int = 10_000_000) -> None:
        self.repository = MemoryIngestRepository()
        self.objects = MemoryObjectStore()
        self.index_queue = MemoryQueue()
        self.embedder = ColourEmbedder()
        self.reader = SizeReader()
        settings = Settings(originals_bucket=ORIGINALS, derived_bucket=DERIVED, max_upload_bytes=max_upload_bytes)
        self.ingestor = Ingestor(self.embedder, self.reader, settings, repository=self.repository,
                                 objects=self.objects, index_queue=self.index_queue)
        self.alice = self.repository.add_user("alice")
        self.bob = self.repository.add_user("bob")
        self.system = self.repository.add_user("system", system=True)
        self.uploads = 0

    def upload(self, user_id: int, data: bytes, name: str = "photo.png") -> ObjectRef:
        self.uploads += 1
        ref = ObjectRef(ORIGINALS, f"uploads/{user_id}/{self.uploads:04d}/{name}")
        self.objects.write_bytes(ref, data, "image/png")
        return ref

    def ingest(self, *refs: ObjectRef):
        return self.ingestor.ingest([IngestItem(ref) for ref in refs])


@pytest.fixture
def drive() -> Drive:
    return Drive()


def test_a_new_image_becomes_ready_with_thumbnail_text_and_one_rebuild_request(drive):
    (outcome,) = drive.ingest(drive.upload(drive.alice, png()))
    image = drive.repository.images[outcome.image_id]
    assert (outcome.status, outcome.inferred, image.status) == (Status.READY, True, "READY")
    assert image.derived.ocr.text == "64x48"
    assert image.thumbnail_key == storage.thumbnail_key(drive.alice, outcome.image_id)
    assert drive.objects.read_bytes(ObjectRef(DERIVED, image.thumbnail_key))[:3] == b"\xff\xd8\xff"
    assert drive.index_queue.take_all() == [{"users": [drive.alice]}]


def test_a_batch_asks_for_one_coalesced_rebuild(drive):
    drive.ingest(*(drive.upload(user, png((n, 9, 9))) for n, user in enumerate([drive.alice, drive.bob] * 3)))
    assert drive.index_queue.take_all() == [{"users": sorted([drive.alice, drive.bob])}]


def test_the_same_bytes_again_are_a_duplicate_and_the_second_object_is_deleted(drive):
    first, second = drive.upload(drive.alice, png()), drive.upload(drive.alice, png(), "again.png")
    (one,) = drive.ingest(first)
    (two,) = drive.ingest(second)
    assert (two.status, two.image_id) == (Status.DUPLICATE, one.image_id)
    assert len(drive.repository.images) == 1
    assert "duplicate_upload" in drive.repository.actions()
    with pytest.raises(storage.ObjectNotFound):
        drive.objects.read_bytes(second)
    assert drive.objects.read_bytes(first) == png(), "the first upload keeps its original"


def test_another_owners_copy_of_the_same_bytes_reuses_the_vector_and_text(drive):
    drive.ingest(drive.upload(drive.alice, png()))
    (bobs,) = drive.ingest(drive.upload(drive.bob, png()))
    assert (bobs.status, bobs.inferred) == (Status.READY, False)
    assert drive.embedder.embedded == 1, "no second inference for the same bytes"
    assert drive.repository.images[bobs.image_id].derived.ocr.text == "64x48"


def test_undecodable_bytes_fail_with_a_reason_and_the_original_moves_to_quarantine(drive):
    ref = drive.upload(drive.alice, b"not an image at all", "broken.png")
    (outcome,) = drive.ingest(ref)
    image = drive.repository.images[outcome.image_id]
    assert outcome.status == Status.FAILED and image.status == "FAILED" and image.error == outcome.reason
    assert drive.objects.read_bytes(storage.quarantine_ref(ref)) == b"not an image at all"
    assert image.uri == storage.quarantine_ref(ref).uri
    with pytest.raises(storage.ObjectNotFound):
        drive.objects.read_bytes(ref)
    assert drive.index_queue.take_all() == []


def test_a_file_over_the_size_limit_fails_before_it_is_read():
    drive = Drive(max_upload_bytes=100)
    ref = drive.upload(drive.alice, png())
    (outcome,) = drive.ingest(ref)
    assert outcome.status == Status.FAILED and outcome.reason.startswith("too_large:")
    assert drive.embedder.embedded == 0
    image = drive.repository.images[outcome.image_id]
    assert image.status == "FAILED" and image.error == outcome.reason
    kept = storage.quarantine_ref(ref)
    assert image.uri == kept.uri and drive.objects.read_bytes(kept) == png()
    with pytest.raises(storage.ObjectNotFound):
        drive.objects.read_bytes(ref)


def test_an_unknown_owner_is_skipped_and_quarantined(drive):
    ref = drive.upload(999, png())
    (outcome,) = drive.ingest(ref)
    assert (outcome.status, outcome.image_id) == (Status.SKIPPED, None)
    assert drive.objects.read_bytes(storage.quarantine_ref(ref)) == png()
    assert drive.repository.images == {} and drive.repository.actions() == ["ingest_failed"]


def test_an_object_already_gone_is_skipped(drive):
    ref = drive.upload(drive.alice, png())
    drive.objects.delete(ref)
    (outcome,) = drive.ingest(ref)
    assert outcome.status == Status.SKIPPED and drive.repository.images == {}


def test_a_reader_crash_fails_only_its_own_image(drive):
    refs = [drive.upload(drive.alice, png((n, 50, 50))) for n in range(9)]
    refs.insert(4, drive.upload(drive.alice, png((77, 7, 7), CRASH_SIZE)))
    outcomes = drive.ingest(*refs)
    assert [o.status for o in outcomes].count(Status.READY) == 9
    crashed = outcomes[4]
    assert crashed.status == Status.ERROR and crashed.reason.startswith("ocr_failed: RuntimeError")
    assert not crashed.transient, "a crash of the engine is not a dependency being away"
    assert drive.repository.images[crashed.image_id].status == "PENDING", "until the retries give up"
    assert drive.ingestor.abandon(refs[4], crashed.reason)
    statuses = sorted(image.status for image in drive.repository.images.values())
    assert statuses == ["FAILED"] + ["READY"] * 9


def test_an_image_the_model_refuses_fails_as_embedding_failed(drive):
    (outcome,) = drive.ingest(drive.upload(drive.alice, png(REFUSED_COLOUR)))
    assert outcome.status == Status.FAILED and outcome.reason.startswith("zero_vector")
    assert drive.repository.images[outcome.image_id].status == "FAILED"
    assert "embedding_failed" in drive.repository.actions()


def test_abandon_fails_only_a_pending_row(drive):
    ready_ref = drive.upload(drive.alice, png())
    drive.ingest(ready_ref)
    assert not drive.ingestor.abandon(ready_ref, "gave up"), "a READY image is never failed by a retry"
    assert not drive.ingestor.abandon(ObjectRef(ORIGINALS, "uploads/1/none/x.png"), "gave up")


def test_a_redelivered_event_resumes_the_pending_row_without_a_second_one(drive):
    ref = drive.upload(drive.alice, png((5, 6, 7), CRASH_SIZE))
    (first,) = drive.ingest(ref)
    assert first.status == Status.ERROR
    drive.reader.crash_on = None  # the engine reads it on the next delivery
    (second,) = drive.ingest(ref)
    assert (second.status, second.image_id) == (Status.READY, first.image_id)
    assert len(drive.repository.images) == 1


def test_a_drop_folder_names_owner_visibility_and_category(drive):
    ref = ObjectRef(ORIGINALS, "drop/system/Receipts/scan.png")
    drive.objects.write_bytes(ref, png(), "image/png")
    (outcome,) = drive.ingest(ref)
    image = drive.repository.images[outcome.image_id]
    assert (image.owner_id, image.visibility, image.filename) == (drive.system, "system", "scan.png")
    (category_id,) = image.categories
    assert drive.repository.categories[category_id] == ("Receipts", None, None)
    assert drive.index_queue.take_all() == [{"users": [SHARED_INDEX]}], "a system image is in the shared index"
