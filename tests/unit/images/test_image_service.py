"""The image service on in-memory ports: visibility of details and links, who may change what, and
deletions that leave neither rows nor objects. No Postgres, no S3."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from imagedrive.auth.models import CurrentUser
from imagedrive.errors import Forbidden, NotFound
from imagedrive.images.models import ImagePatch, ImageQuery
from imagedrive.images.repository import CategoryLink, ImageRow, OcrText
from imagedrive.images.service import ImageService
from imagedrive.settings import Settings
from imagedrive.storage import ObjectRef, quarantine_ref
from imagedrive.visibility import SHARED_INDEX
from tests.fakes.audit import MemoryAuditTrail
from tests.fakes.image_repository import MemoryImages, MemoryStaleIndexes
from tests.fakes.objects import MemoryObjectStore
from tests.fakes.transactions import no_transaction

DERIVED = "derived"


@dataclass
class Drive:
    service: ImageService
    images: MemoryImages
    objects: MemoryObjectStore
    indexes: MemoryStaleIndexes
    audit: MemoryAuditTrail
    alice: CurrentUser
    bob: CurrentUser
    admin: CurrentUser

    def add_image(self, owner: CurrentUser, filename: str = "photo.jpg", **fields) -> ImageRow:
        """A row with its original and thumbnail stored, as ingestion leaves it."""
        row = self.images.add_image(owner.id, filename, **fields)
        self.objects.write_bytes(ObjectRef.from_uri(row.uri), b"original", "image/jpeg")
        if row.thumbnail_key:
            self.objects.write_bytes(ObjectRef(DERIVED, row.thumbnail_key), b"thumbnail", "image/jpeg")
        return row


@pytest.fixture
def drive() -> Drive:
    images, objects, indexes, audit = MemoryImages(), MemoryObjectStore(), MemoryStaleIndexes(), MemoryAuditTrail()
    service = ImageService(images, objects, indexes, audit=audit, transaction=no_transaction,
                           configured=Settings(derived_bucket=DERIVED, presign_ttl_s=120))
    alice, bob, admin = (CurrentUser(images.add_user(name), name, role)
                         for name, role in (("alice", "user"), ("bob", "user"), ("root", "admin")))
    return Drive(service, images, objects, indexes, audit, alice, bob, admin)


def _everything(drive: Drive, user: CurrentUser, image_id: int) -> list:
    service = drive.service
    return [
        lambda: service.get_image(user, image_id), lambda: service.download_link(user, image_id),
        lambda: service.thumbnail_link(user, image_id), lambda: service.delete_image(user, image_id),
        lambda: service.update_image(user, image_id, ImagePatch(filename="mine now.jpg")),
    ]


def test_another_users_private_image_is_not_found_by_id_anywhere(drive):
    private = drive.add_image(drive.bob, "diary.jpg")
    for attempt in _everything(drive, drive.alice, private.id):
        with pytest.raises(NotFound) as refused:
            attempt()
        assert refused.value.code == "not_found" and "diary" not in str(refused.value)
    assert drive.images.rows[private.id] == private and drive.indexes.marked == [] and drive.audit.entries == []
    assert [item.id for item in drive.service.list_images(drive.alice, ImageQuery()).items] == []


def test_public_and_system_images_are_seen_by_everyone_but_changed_only_by_their_owner(drive):
    shared = drive.add_image(drive.bob, "harbour.jpg", visibility="public")
    system = drive.add_image(drive.admin, "logo.png", visibility="system")
    own = drive.add_image(drive.alice, "cat.jpg")
    seen = drive.service.list_images(drive.alice, ImageQuery())
    assert {item.id: item.is_owner for item in seen.items} == {shared.id: False, system.id: False, own.id: True}
    assert drive.service.get_image(drive.alice, shared.id).owner == "bob"
    for attempt in _everything(drive, drive.alice, shared.id)[3:]:
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert refused.value.code == "not_owner"
    drive.service.update_image(drive.admin, system.id, ImagePatch(filename="brand.png"))  # admins manage system images


def test_details_carry_ocr_text_categories_and_a_presigned_thumbnail(drive):
    row = drive.add_image(drive.alice, "invoice.png")
    drive.images.ocr[row.id] = OcrText("INVOICE 4711", 0.93)
    drive.images.categories[row.id] = [CategoryLink(3, "receipts", False, "auto", 0.81),
                                       CategoryLink(1, "Documents", True, "manual", None)]
    detail = drive.service.get_image(drive.alice, row.id)
    assert (detail.ocr_text, detail.ocr_confidence) == ("INVOICE 4711", 0.93)
    assert [(c.name, c.source) for c in detail.categories] == [("Documents", "manual"), ("receipts", "auto")]
    assert detail.thumbnail_url == f"memory://{DERIVED}/thumbnails/{drive.alice.id}/{row.id}.jpg"


def test_download_and_thumbnail_links_name_the_stored_objects(drive):
    row = drive.add_image(drive.alice, "été à Paris.jpg")
    download = drive.service.download_link(drive.alice, row.id)
    assert download.filename == "été à Paris.jpg" and download.expires_in == 120
    assert download.url.startswith("memory://originals/uploads/") and "download=" in download.url
    thumbnail = drive.service.thumbnail_link(drive.alice, row.id)
    assert thumbnail.url == f"memory://{DERIVED}/{row.thumbnail_key}"
    pending = drive.add_image(drive.alice, "new.jpg", status="PENDING", thumbnail=False)
    with pytest.raises(NotFound) as not_yet:
        drive.service.thumbnail_link(drive.alice, pending.id)
    assert not_yet.value.code == "thumbnail_not_ready"


def test_renaming_sanitises_and_does_not_touch_indexes_but_sharing_marks_shared_and_private_stale(drive):
    row = drive.add_image(drive.alice, "a.jpg")
    renamed = drive.service.update_image(drive.alice, row.id, ImagePatch(filename="../secret/b.jpg"))
    assert renamed.filename == "b.jpg" and drive.indexes.marked == [] and drive.indexes.requested == []
    drive.service.update_image(drive.alice, row.id, ImagePatch(visibility="public"))
    moved = [SHARED_INDEX, drive.alice.id]  # it leaves alice's private index for the shared one
    assert drive.indexes.marked == [moved] and drive.indexes.requested == [moved]
    [_, shared] = [e for e in drive.audit.entries if e.action == "image.update"]
    assert shared.details == {"before": {"visibility": "private"}, "after": {"visibility": "public"}}


def test_only_an_admin_makes_an_image_system_wide(drive):
    row = drive.add_image(drive.alice)
    with pytest.raises(Forbidden) as refused:
        drive.service.update_image(drive.alice, row.id, ImagePatch(visibility="system"))
    assert refused.value.code == "admin_only" and drive.images.rows[row.id].visibility == "private"


def test_delete_removes_the_row_the_original_its_quarantined_copy_and_the_thumbnail(drive):
    row = drive.add_image(drive.alice, "gone.jpg")
    original = ObjectRef.from_uri(row.uri)
    drive.objects.write_bytes(quarantine_ref(original), b"kept for inspection", "image/jpeg")
    kept = drive.add_image(drive.alice, "kept.jpg")
    drive.service.delete_image(drive.alice, row.id)
    assert row.id not in drive.images.rows and kept.id in drive.images.rows
    assert set(drive.objects.objects) == {(original.bucket, ObjectRef.from_uri(kept.uri).key),
                                          (DERIVED, kept.thumbnail_key)}
    assert drive.indexes.marked == [[drive.alice.id]] and drive.indexes.requested == [[drive.alice.id]]
    assert drive.audit.actions() == ["image.delete"]


def test_clearing_a_library_removes_only_the_callers_images_and_objects(drive):
    mine = [drive.add_image(drive.alice, f"{n}.jpg", visibility=v) for n, v in enumerate(("private", "public"))]
    theirs = drive.add_image(drive.bob, "bob.jpg")
    assert drive.service.clear_library(drive.alice).deleted == 2
    assert list(drive.images.rows) == [theirs.id]
    assert all(key.startswith(f"uploads/{drive.bob.id}/") or key.startswith(f"thumbnails/{drive.bob.id}/")
               for _, key in drive.objects.objects)
    assert drive.indexes.marked == [[SHARED_INDEX, drive.alice.id]], "a public one was among them: the shared index too"
    assert len(mine) == 2 and drive.audit.entries[-1].details == {"deleted": 2}


def test_stats_count_the_callers_library_by_status_and_format(drive):
    drive.add_image(drive.alice, "a.jpg", size=100)
    drive.add_image(drive.alice, "b.jpg", size=25, status="FAILED")
    drive.add_image(drive.alice, "c.png", size=7, mime="image/png")
    drive.add_image(drive.bob, "d.jpg", size=1000)
    stats = drive.service.library_stats(drive.alice)
    assert (stats.count, stats.storage_bytes, stats.by_status) == (3, 132, {"READY": 2, "FAILED": 1})
    assert [(f.mime, f.count, f.bytes) for f in stats.by_format] == [("image/jpeg", 2, 125), ("image/png", 1, 7)]
