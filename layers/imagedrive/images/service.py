"""What a user can do with images. Reads are filtered by the one visibility rule (imagedrive.visibility);
changes are the owner's, audited in the same transaction, and deletions leave no row and no object behind.

`ImageService` takes its ports (the image repository, the object store, index staleness, and
imagedrive.services.ServicePorts); `image_service()` is the process's instance on Postgres and S3, for
composition roots.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from imagedrive import storage
from imagedrive.auth.models import CurrentUser
from imagedrive.errors import Forbidden, NotFound
from imagedrive.images.models import (
    ClearedLibrary,
    DownloadLink,
    FormatCount,
    ImageCategory,
    ImageDetail,
    ImagePage,
    ImagePatch,
    ImageQuery,
    ImageStats,
    ImageSummary,
    Link,
)
from imagedrive.images.repository import Cursor, DeletedImage, ImageChanges, ImageRepository, ImageRow, PostgresImages
from imagedrive.indexing import stale
from imagedrive.services import ServicePorts
from imagedrive.storage import ObjectRef, ObjectStore
from imagedrive.visibility import Users, affected_users, can_modify

_NOT_FOUND = "no such image"


class StaleIndexes(Protocol):
    """Whose search indexes a change makes stale: marked in the change's transaction, rebuilt after commit."""

    def mark_stale(self, cur: Cursor, users: Users) -> None: ...

    def request_rebuild(self, users: Users) -> None: ...


class QueuedRebuilds:
    """StaleIndexes on Postgres and the index queue (imagedrive.indexing.stale)."""

    def mark_stale(self, cur: Cursor, users: Users) -> None:
        stale.mark_stale(cur, users)

    def request_rebuild(self, users: Users) -> None:
        stale.request_rebuild(users)


@dataclass
class ImageService(ServicePorts):
    images: ImageRepository
    objects: ObjectStore
    indexes: StaleIndexes

    def list_images(self, user: CurrentUser, query: ImageQuery) -> ImagePage:
        with self.transaction() as cur:
            rows, next_cursor = self.images.page(cur, user.id, query)
        return ImagePage(items=[self._summary(row, user) for row in rows], next_cursor=next_cursor)

    def get_image(self, user: CurrentUser, image_id: int) -> ImageDetail:
        with self.transaction() as cur:
            row = self.visible_image(cur, user, image_id)
            categories = self.images.categories_of(cur, image_id)
            ocr = self.images.ocr_of(cur, image_id)
        return ImageDetail(
            **self._summary(row, user).model_dump(), checksum=row.checksum, source=row.source,
            updated_at=row.updated_at, ready_at=row.ready_at,
            ocr_text=ocr.text if ocr else None, ocr_confidence=ocr.confidence if ocr else None,
            categories=[ImageCategory.model_validate(link, from_attributes=True) for link in categories],
        )

    def download_link(self, user: CurrentUser, image_id: int) -> DownloadLink:
        with self.transaction() as cur:
            row = self.visible_image(cur, user, image_id)
        ttl_s = self.settings.presign_ttl_s
        url = self.objects.presigned_get(ObjectRef.from_uri(row.uri), download_name=row.filename, ttl_s=ttl_s)
        return DownloadLink(url=url, filename=row.filename, expires_in=ttl_s)

    def thumbnail_link(self, user: CurrentUser, image_id: int) -> Link:
        with self.transaction() as cur:
            row = self.visible_image(cur, user, image_id)
        if not row.thumbnail_key:
            raise NotFound("this image has no thumbnail yet", code="thumbnail_not_ready")
        ttl_s = self.settings.presign_ttl_s
        return Link(url=self.objects.presigned_get(self._thumbnail(row.thumbnail_key), ttl_s=ttl_s), expires_in=ttl_s)

    def update_image(self, user: CurrentUser, image_id: int, patch: ImagePatch) -> ImageDetail:
        filename = storage.sanitise_filename(patch.filename, max_length=255) if patch.filename is not None else None
        changes = ImageChanges(filename, patch.visibility)
        if changes.visibility == "system" and not user.is_admin:
            raise Forbidden("only an admin can make an image system-wide", code="admin_only")
        with self.transaction() as cur:
            row = self.modifiable_image(cur, user, image_id)
            self.images.update(cur, image_id, changes)
            stale_users = _stale_for(row, changes.visibility or row.visibility)
            if stale_users:
                self.indexes.mark_stale(cur, stale_users)
            after = changes.as_dict()
            self.audit.record(cur, "image.update", user_id=user.id, target_id=image_id,
                              before={k: getattr(row, k) for k in after}, after=after)
        if stale_users:
            self.indexes.request_rebuild(stale_users)
        return self.get_image(user, image_id)

    def delete_image(self, user: CurrentUser, image_id: int) -> None:
        with self.transaction() as cur:
            row = self.modifiable_image(cur, user, image_id)
            self.images.delete(cur, image_id)
            stale_users = affected_users(row.owner_id, row.visibility)
            self.indexes.mark_stale(cur, stale_users)
            self.audit.record(cur, "image.delete", user_id=user.id, target_id=image_id, filename=row.filename,
                              uri=row.uri)
            # Inside the transaction: if S3 refuses, the row stays and the delete can simply be retried.
            self._delete_objects([DeletedImage(row.id, row.owner_id, row.uri, row.thumbnail_key, row.visibility)])
        self.indexes.request_rebuild(stale_users)

    def clear_library(self, user: CurrentUser) -> ClearedLibrary:
        """Every image the user owns, rows and objects, behind the route's explicit confirmation."""
        with self.transaction() as cur:
            rows = self.images.delete_owned(cur, user.id)
            stale_users = stale.union(affected_users(row.owner_id, row.visibility) for row in rows)
            self.indexes.mark_stale(cur, stale_users)
            self.audit.record(cur, "library.clear", user_id=user.id, target_id=user.id, deleted=len(rows))
            self._delete_objects(rows)
        self.indexes.request_rebuild(stale_users)
        return ClearedLibrary(deleted=len(rows))

    def library_stats(self, user: CurrentUser) -> ImageStats:
        with self.transaction() as cur:
            stats = self.images.stats(cur, user.id)
        return ImageStats(
            count=sum(stats.by_status.values()), storage_bytes=sum(f.bytes for f in stats.by_format),
            by_status=stats.by_status,
            by_format=[FormatCount.model_validate(total, from_attributes=True) for total in stats.by_format],
        )

    def visible_image(self, cur: Cursor, user: CurrentUser, image_id: int, *, lock: bool = False) -> ImageRow:
        """The row, or NotFound whether it is missing or hidden (ids of others' private images leak nothing)."""
        row = self.images.find_visible(cur, user.id, image_id, lock=lock)
        if row is None:
            raise NotFound(_NOT_FOUND)
        return row

    def modifiable_image(self, cur: Cursor, user: CurrentUser, image_id: int) -> ImageRow:
        row = self.visible_image(cur, user, image_id, lock=True)
        if not can_modify(user, row.owner_id, row.visibility):
            raise Forbidden("only the owner can change this image", code="not_owner")
        return row

    def _summary(self, row: ImageRow, viewer: CurrentUser) -> ImageSummary:
        thumbnail_url = self.objects.presigned_get(self._thumbnail(row.thumbnail_key)) if row.thumbnail_key else None
        return ImageSummary(
            id=row.id, filename=row.filename, owner_id=row.owner_id, owner=row.owner,
            is_owner=row.owner_id == viewer.id, mime=row.mime, width=row.w, height=row.h,
            size=row.size, status=row.status, visibility=row.visibility, uploaded_at=row.upload_ts,
            thumbnail_url=thumbnail_url, error=row.error,
        )

    def _thumbnail(self, key: str) -> ObjectRef:
        return ObjectRef(self.settings.derived_bucket, key)

    def _delete_objects(self, rows: Iterable[DeletedImage]) -> None:
        """Original (and its quarantined copy, for failed ingests) and thumbnail of each image. The thumbnail
        is the stored key; an image whose row never got one may still have the object its ingest was writing."""
        refs: list[ObjectRef] = []
        for row in rows:
            original = ObjectRef.from_uri(row.uri)
            thumbnail = row.thumbnail_key or storage.thumbnail_key(row.owner_id, row.id)
            refs += [original, storage.quarantine_ref(original), self._thumbnail(thumbnail)]
        self.objects.delete(*refs)


@cache
def image_service() -> ImageService:
    """The process's service on Postgres, S3 and the index queue, for composition roots (the API)."""
    return ImageService(PostgresImages(), storage.s3_objects(), QueuedRebuilds())


def _stale_for(row: ImageRow, new_visibility: str) -> Users:
    if new_visibility == row.visibility:
        return []
    return stale.union([affected_users(row.owner_id, row.visibility), affected_users(row.owner_id, new_visibility)])
