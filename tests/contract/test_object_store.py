"""ObjectStore: MemoryObjectStore (unit tests) behaves as S3ObjectStore (production)."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import unquote

import pytest

from imagedrive.storage import ObjectNotFound, ObjectRef


def _ref(bucket: str, name: str = "a.jpg") -> ObjectRef:
    return ObjectRef(bucket, f"contract/{uuid.uuid4().hex}/{name}")


def test_written_bytes_read_back_with_size_and_checksum(object_store):
    store, bucket = object_store
    ref = _ref(bucket)
    store.write_bytes(ref, b"\xff\xd8 image bytes", "image/jpeg")
    assert store.read_bytes(ref) == b"\xff\xd8 image bytes"
    assert store.object_size(ref) == 14
    assert store.object_sha256(ref) == hashlib.sha256(b"\xff\xd8 image bytes").hexdigest()


def test_missing_objects_raise_object_not_found_and_deleting_them_is_fine(object_store):
    store, bucket = object_store
    ref = _ref(bucket)
    for read in (store.read_bytes, store.object_size, store.object_sha256):
        with pytest.raises(ObjectNotFound):
            read(ref)
    with pytest.raises(ObjectNotFound):
        store.copy(ref, _ref(bucket))
    store.delete(ref)


def test_copy_then_delete_moves_an_object(object_store):
    store, bucket = object_store
    source, target = _ref(bucket), _ref(bucket, "kept.png")
    store.write_bytes(source, b"original", "image/png")
    store.copy(source, target)
    store.delete(source)
    assert store.read_bytes(target) == b"original"
    with pytest.raises(ObjectNotFound):
        store.read_bytes(source)


def test_listing_is_in_key_order_under_the_prefix_and_bounded(object_store):
    store, bucket = object_store
    folder = f"contract/{uuid.uuid4().hex}/"
    for name in ("c", "a", "b/nested"):
        store.write_bytes(ObjectRef(bucket, folder + name), name.encode(), "text/plain")
    store.write_bytes(ObjectRef(bucket, folder.rstrip("/") + "-sibling"), b"x", "text/plain")
    listed = list(store.list_objects(bucket, folder))
    assert [o.key.removeprefix(folder) for o in listed] == ["a", "b/nested", "c"]
    assert [o.size for o in listed] == [1, 8, 1]
    assert [o.key for o in store.list_objects(bucket, folder, max_keys=2)] == [o.key for o in listed[:2]]


def test_a_presigned_link_names_the_object_and_the_download_name(object_store):
    store, bucket = object_store
    ref = _ref(bucket, "photo 1.jpg")
    store.write_bytes(ref, b"x", "image/jpeg")
    url = store.presigned_get(ref, download_name="照片.jpg", ttl_s=60)
    assert ref.key.split("/")[1] in url and "photo%201.jpg" in url
    assert "照片.jpg" in unquote(unquote(url))  # S3 puts the encoded Content-Disposition in the query
