"""ImageRepository: MemoryImages (unit tests) behaves as PostgresImages (production) in everything the image
service relies on: the visibility rule on reads, paging, edits, deletions and library stats."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from imagedrive import db
from imagedrive.images.models import ImageQuery
from imagedrive.images.repository import ImageChanges, ImageRepository, PostgresImages
from tests.contract.conftest import REAL
from tests.fakes.image_repository import MemoryImages
from tests.fakes.transactions import no_transaction


@dataclass
class Library:
    images: ImageRepository
    transaction: Callable[[], Any]
    add_user: Callable[[str], int]
    add_image: Callable[..., int]  # (owner_id, filename, visibility=, status=, size=, mime=) -> id


def _insert_image(owner_id: int, filename: str = "photo.jpg", *, visibility: str = "private", status: str = "READY",
                  size: int = 1234, mime: str = "image/jpeg") -> int:
    with db.transaction() as cur:
        cur.execute(
            """INSERT INTO images (owner_id, uri, filename, checksum, mime, w, h, size, status, visibility,
                                   thumbnail_key, ready_at, error)
               VALUES (%(owner)s, %(uri)s, %(filename)s, %(checksum)s, %(mime)s, 10, 10, %(size)s, %(status)s,
                       %(visibility)s, %(thumbnail)s, CASE WHEN %(status)s = 'READY' THEN now() END,
                       CASE WHEN %(status)s = 'FAILED' THEN 'broken' END)
               RETURNING id""",
            {"owner": owner_id, "uri": f"s3://originals/uploads/{owner_id}/{filename}", "filename": filename,
             "checksum": hashlib.sha256(uuid.uuid4().bytes).hexdigest(), "mime": mime, "size": size,
             "status": status, "visibility": visibility, "thumbnail": f"thumbnails/{owner_id}/{filename}.jpg"},
        )
        return int(cur.fetchone()["id"])


@pytest.fixture(params=["memory", REAL])
def library(request: pytest.FixtureRequest) -> Library:
    if request.param == "memory":
        fake = MemoryImages()
        return Library(fake, no_transaction, fake.add_user, lambda *args, **kw: fake.add_image(*args, **kw).id)
    request.getfixturevalue("clean_db")
    from tests.fixtures.ingest import make_user

    return Library(PostgresImages(), db.transaction, make_user, _insert_image)


def test_a_viewer_finds_own_public_and_system_images_and_never_anothers_private_one(library):
    alice, bob = library.add_user("alice"), library.add_user("bob")
    own, private = library.add_image(alice, "own.jpg"), library.add_image(bob, "private.jpg")
    public = library.add_image(bob, "public.jpg", visibility="public")
    system = library.add_image(bob, "system.jpg", visibility="system")
    with library.transaction() as cur:
        for image_id in (own, public, system):
            row = library.images.find_visible(cur, alice, image_id, lock=True)
            assert row is not None and row.id == image_id
        assert library.images.find_visible(cur, alice, private) is None
        assert library.images.find_visible(cur, alice, private + 1000) is None
        row = library.images.find_visible(cur, alice, public)
        assert (row.owner_id, row.owner, row.filename, row.visibility, row.status) == (
            bob, "bob", "public.jpg", "public", "READY")
        assert row.thumbnail_key and row.uri.endswith("/public.jpg") and row.source == "upload"


def test_pages_follow_the_cursor_and_the_filters(library):
    alice, bob = library.add_user("alice"), library.add_user("bob")
    ids = [library.add_image(alice, f"{n}.jpg") for n in range(5)]
    library.add_image(bob, "hidden.jpg")
    shared = library.add_image(bob, "shared.jpg", visibility="public")
    seen: list[int] = []
    query = ImageQuery(limit=2)
    with library.transaction() as cur:
        while True:
            rows, next_cursor = library.images.page(cur, alice, query)
            seen += [row.id for row in rows]
            if next_cursor is None:
                break
            query = ImageQuery(limit=2, cursor=next_cursor)
        assert seen == [shared, *reversed(ids)], "newest first, every visible image exactly once"
        mine, _ = library.images.page(cur, alice, ImageQuery(scope="mine", sort="oldest", q="3"))
        assert [row.id for row in mine] == [ids[3]]


def test_an_update_changes_only_the_given_fields(library):
    alice = library.add_user("alice")
    image_id = library.add_image(alice, "a.jpg")
    with library.transaction() as cur:
        before = library.images.find_visible(cur, alice, image_id)
        library.images.update(cur, image_id, ImageChanges(visibility="public"))
        library.images.update(cur, image_id, ImageChanges(filename="b.jpg"))
    with library.transaction() as cur:
        after = library.images.find_visible(cur, alice, image_id)
    assert (after.filename, after.visibility, after.checksum) == ("b.jpg", "public", before.checksum)
    assert after.updated_at > before.updated_at


def test_deletes_remove_rows_and_say_what_to_clean_up(library):
    alice, bob = library.add_user("alice"), library.add_user("bob")
    one = library.add_image(alice, "one.jpg")
    two = library.add_image(alice, "two.jpg", visibility="public")
    theirs = library.add_image(bob, "theirs.jpg")
    with library.transaction() as cur:
        library.images.delete(cur, one)
        assert library.images.find_visible(cur, alice, one) is None
        deleted = library.images.delete_owned(cur, alice)
        assert [(d.id, d.owner_id, d.visibility) for d in deleted] == [(two, alice, "public")]
        assert deleted[0].uri.endswith("/two.jpg") and deleted[0].thumbnail_key
        assert library.images.find_visible(cur, bob, theirs) is not None
        assert library.images.categories_of(cur, two) == [] and library.images.ocr_of(cur, two) is None


def test_stats_count_only_the_owners_images_by_status_and_format(library):
    alice, bob = library.add_user("alice"), library.add_user("bob")
    library.add_image(alice, "a.jpg", size=100)
    library.add_image(alice, "b.jpg", size=25, status="FAILED")
    library.add_image(alice, "c.png", size=7, mime="image/png")
    library.add_image(bob, "d.jpg", size=1000)
    with library.transaction() as cur:
        stats = library.images.stats(cur, alice)
    assert stats.by_status == {"READY": 2, "FAILED": 1}
    assert [(f.mime, f.count, f.bytes) for f in stats.by_format] == [("image/jpeg", 2, 125), ("image/png", 1, 7)]
