"""Presigning uploads on in-memory ports: which files may be uploaded, where they go, and how a batch
answers for each file. No S3, no Postgres."""

from __future__ import annotations

import pytest

from imagedrive.auth.models import CurrentUser
from imagedrive.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from imagedrive.settings import Settings
from imagedrive.uploads.models import BatchUploadRequest, UploadRequest
from imagedrive.uploads.presign import UploadService
from tests.fakes.audit import MemoryAuditTrail
from tests.fakes.post_signer import MemoryPostSigner
from tests.fakes.transactions import no_transaction

ALICE = CurrentUser(7, "alice", "user")
MAX_BYTES = 1000


@pytest.fixture
def uploads() -> tuple[UploadService, MemoryPostSigner, MemoryAuditTrail]:
    signer, audit = MemoryPostSigner(), MemoryAuditTrail()
    settings = Settings(originals_bucket="originals", max_upload_bytes=MAX_BYTES, presign_ttl_s=60, upload_batch_max=3)
    return UploadService(signer, audit=audit, transaction=no_transaction, configured=settings), signer, audit


def _file(name: str = "cat.jpg", content_type: str = "image/jpeg", size: int = 10) -> UploadRequest:
    return UploadRequest(filename=name, content_type=content_type, size=size)


def test_an_accepted_image_is_signed_under_the_users_uploads_with_its_type_and_the_size_limit(uploads):
    service, signer, audit = uploads
    post = service.presign_upload(ALICE, _file("../holiday/été.PNG", " Image/PNG "))
    [signed] = signer.signed
    assert signed.ref.bucket == "originals" and signed.ref.key == post.key
    assert post.key.startswith("uploads/7/") and post.key.endswith("/été.PNG")
    assert (signed.content_type, signed.max_bytes, signed.ttl_s) == ("image/png", MAX_BYTES, 60)
    assert (post.expires_in, post.max_bytes, post.fields["Content-Type"]) == (60, MAX_BYTES, "image/png")
    assert [(e.action, e.target_id) for e in audit.entries] == [("upload.presign", post.key)]


def test_other_types_and_oversized_files_are_refused_before_anything_is_signed(uploads):
    service, signer, audit = uploads
    with pytest.raises(UnsupportedMediaType) as wrong_type:
        service.presign_upload(ALICE, _file("notes.pdf", "application/pdf"))
    assert wrong_type.value.details == {"allowed": list(Settings().upload_content_types)}
    with pytest.raises(PayloadTooLarge) as too_big:
        service.presign_upload(ALICE, _file(size=MAX_BYTES + 1))
    assert too_big.value.details == {"max_bytes": MAX_BYTES}
    assert signer.signed == [] and audit.entries == []


def test_a_batch_answers_each_file_and_refuses_only_the_bad_ones(uploads):
    service, signer, audit = uploads
    batch = BatchUploadRequest(files=[_file("a.jpg"), _file("b.exe", "application/x-msdownload"),
                                      _file("c.jpg", size=MAX_BYTES * 2)])
    items = service.presign_batch(ALICE, batch).items
    assert [item.filename for item in items] == ["a.jpg", "b.exe", "c.jpg"]
    assert items[0].upload is not None and items[0].error is None
    assert [item.error.code for item in items[1:]] == ["unsupported_image_type", "image_too_large"]
    assert len(signer.signed) == 1
    [entry] = audit.entries
    assert entry.action == "upload.presign_batch" and entry.details == {"keys": [items[0].upload.key], "refused": 2}


def test_a_batch_over_the_limit_is_refused_whole(uploads):
    service, signer, _ = uploads
    with pytest.raises(InvalidInput) as refused:
        service.presign_batch(ALICE, BatchUploadRequest(files=[_file(f"{n}.jpg") for n in range(4)]))
    assert refused.value.code == "batch_too_large" and signer.signed == []


def test_a_query_picture_goes_under_queries_and_is_not_an_upload(uploads):
    service, signer, audit = uploads
    post = service.presign_query_image(ALICE, _file("what is this.jpg"))
    assert post.key.startswith("queries/7/") and signer.signed[0].ref.key == post.key
    assert audit.entries == []
