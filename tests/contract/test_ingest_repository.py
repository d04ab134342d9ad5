"""IngestRepository: MemoryIngestRepository (unit tests) behaves as PostgresIngestRepository (production)
in everything the Ingestor relies on."""

from __future__ import annotations

import hashlib

import numpy as np

from imagedrive.inference.ocr import OcrLine, OcrResult
from imagedrive.ingest.repository import DerivedData, ReadyImage
from imagedrive.ingest.targets import IngestTarget
from imagedrive.storage import ObjectRef
from imagedrive.visibility import SHARED_INDEX

MODEL = "contract-model"


def _sum(label: str) -> str:
    """A checksum as the schema wants it (sha256 hex)."""
    return hashlib.sha256(label.encode()).hexdigest()


def _target(owner_id: int, visibility: str = "private", filename: str = "a.png") -> IngestTarget:
    return IngestTarget(owner_id, visibility, "upload", filename)


def _pending(repository, owner_id: int, checksum: str = "c1", uri: str = "s3://o/uploads/a.png") -> int | None:
    return repository.insert_pending(_target(owner_id), uri=uri, checksum=_sum(checksum), size=10, mime="image/png",
                                     width=4, height=3)


def _derived() -> DerivedData:
    vector = np.zeros(512, np.float32)
    vector[7] = 1.0
    return DerivedData(vector, MODEL, OcrResult("engine", "model-1", [OcrLine("RE16", 0.97, (0, 0, 1, 1))]))


def _ready(repository, image_id: int, owner_id: int, visibility: str = "private"):
    return repository.write_ready(ReadyImage(image_id, _target(owner_id, visibility), "uploads/a.png", _derived(),
                                             f"thumbnails/{owner_id}/{image_id}.jpg", [], copied=False))


def test_owners_are_found_by_upload_id_and_by_drop_name(ingest_repository):
    repository, add_user = ingest_repository
    alice = add_user("alice")
    assert repository.upload_owner(alice) == alice
    assert repository.upload_owner(alice + 1000) is None
    owner = repository.drop_owner("ALICE")
    assert (owner.id, owner.is_system) == (alice, False)
    assert repository.drop_owner("nobody") is None


def test_checksums_are_unique_per_owner_and_a_second_insert_returns_none(ingest_repository):
    repository, add_user = ingest_repository
    alice, bob = add_user("alice"), add_user("bob")
    first = _pending(repository, alice)
    assert first is not None
    assert _pending(repository, alice, uri="s3://o/uploads/again.png") is None
    assert _pending(repository, bob) is not None, "another owner may have the same bytes"
    found = repository.find_by_checksum(alice, _sum("c1"))
    assert (found.id, found.status, found.uri) == (first, "PENDING", "s3://o/uploads/a.png")
    assert repository.find_by_checksum(alice, _sum("other")) is None


def test_a_ready_image_is_a_donor_for_its_bytes_and_model_only(ingest_repository):
    repository, add_user = ingest_repository
    alice = add_user("alice")
    image_id = _pending(repository, alice)
    assert repository.find_donor(_sum("c1"), MODEL) is None, "a PENDING image gives nothing"
    assert _ready(repository, image_id, alice) == [alice]
    donor = repository.find_donor(_sum("c1"), MODEL)
    assert np.array_equal(donor.vector, _derived().vector) and donor.ocr.text == "RE16"
    assert repository.find_donor(_sum("c1"), "another-model") is None
    assert repository.find_by_checksum(alice, _sum("c1")).status == "READY"


def test_a_public_image_makes_the_shared_index_stale(ingest_repository):
    repository, add_user = ingest_repository
    alice = add_user("alice")
    assert _ready(repository, _pending(repository, alice), alice, visibility="public") == [SHARED_INDEX]


def test_failing_never_touches_a_ready_image_and_abandon_only_a_pending_one(ingest_repository):
    repository, add_user = ingest_repository
    alice = add_user("alice")
    ready = _pending(repository, alice, "ready", "s3://o/uploads/ready.png")
    _ready(repository, ready, alice)
    repository.embedding_failed(ready, alice, "zero_vector: late")
    assert repository.find_by_checksum(alice, _sum("ready")).status == "READY"
    assert not repository.abandon("s3://o/uploads/ready.png", "gave up")
    pending = _pending(repository, alice, "pending", "s3://o/uploads/pending.png")
    assert repository.abandon("s3://o/uploads/pending.png", "gave up")
    assert repository.find_by_checksum(alice, _sum("pending")).status == "FAILED"
    assert not repository.abandon("s3://o/uploads/pending.png", "again"), "already FAILED"
    assert pending is not None


def test_a_rejected_file_is_a_failed_row_at_its_quarantined_uri_when_the_owner_is_known(ingest_repository):
    repository, add_user = ingest_repository
    alice = add_user("alice")
    kept = ObjectRef("o", "quarantine/uploads/bad.png")
    image_id = repository.record_rejected("uploads/bad.png", _target(alice), kept=kept, reason="bad: no",
                                          checksum=_sum("bad"), size=3)
    found = repository.find_by_checksum(alice, _sum("bad"))
    assert (found.id, found.status, found.uri) == (image_id, "FAILED", kept.uri)
    assert repository.record_rejected("drop/nobody/x.png", None, kept=kept, reason="no owner", checksum=None,
                                      size=0) is None

