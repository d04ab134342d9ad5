"""What a user can do with images. Reads are filtered by the one visibility rule; changes are the
owner's, audited in the same transaction, and deletions leave no row and no object behind."""

from __future__ import annotations

from imagedrive import audit, storage
from imagedrive.auth.models import CurrentUser
from imagedrive.db import transaction
from imagedrive.errors import Forbidden, NotFound
from imagedrive.images import listing, repository
from imagedrive.visibility import can_modify
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
from imagedrive.images.objects import delete_objects
from imagedrive.indexing.stale import affected_users, mark_stale, request_rebuild, union
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef

_NOT_FOUND = "no such image"


def list_images(user: CurrentUser, query: ImageQuery) -> ImagePage:
    with transaction() as cur:
        rows, next_cursor = listing.page(cur, user.id, query)
    return ImagePage(items=[_summary(row, user) for row in rows], next_cursor=next_cursor)


def get_image(user: CurrentUser, image_id: int) -> ImageDetail:
    with transaction() as cur:
        row = visible_image(cur, user, image_id)
        categories = repository.categories_of(cur, image_id)
        ocr = repository.ocr_of(cur, image_id) or {}
    return ImageDetail(
        **_summary(row, user).model_dump(), checksum=row["checksum"], source=row["source"],
        updated_at=row["updated_at"], ready_at=row["ready_at"],
        ocr_text=ocr.get("text"), ocr_confidence=ocr.get("confidence"),
        categories=[ImageCategory(**category) for category in categories],
    )


def download_link(user: CurrentUser, image_id: int) -> DownloadLink:
    with transaction() as cur:
        row = visible_image(cur, user, image_id)
    ttl_s = get_settings().presign_ttl_s
    url = storage.s3_objects().presigned_get(ObjectRef.from_uri(row["uri"]), download_name=row["filename"], ttl_s=ttl_s)
    return DownloadLink(url=url, filename=row["filename"], expires_in=ttl_s)


def thumbnail_link(user: CurrentUser, image_id: int) -> Link:
    with transaction() as cur:
        row = visible_image(cur, user, image_id)
    if not row["thumbnail_key"]:
        raise NotFound("this image has no thumbnail yet", code="thumbnail_not_ready")
    ttl_s = get_settings().presign_ttl_s
    return Link(url=storage.s3_objects().presigned_get(_thumbnail(row), ttl_s=ttl_s), expires_in=ttl_s)


def update_image(user: CurrentUser, image_id: int, patch: ImagePatch) -> ImageDetail:
    changes = patch.model_dump(exclude_none=True)
    if "filename" in changes:
        changes["filename"] = storage.sanitise_filename(changes["filename"], max_length=255)
    if changes.get("visibility") == "system" and not user.is_admin:
        raise Forbidden("only an admin can make an image system-wide", code="admin_only")
    with transaction() as cur:
        row = modifiable_image(cur, user, image_id)
        repository.update(cur, image_id, changes)
        stale = _stale_for(row, changes.get("visibility", row["visibility"]))
        if stale:
            mark_stale(cur, stale)
        audit.record(cur, "image.update", user_id=user.id, target_id=image_id,
                     before={k: row[k] for k in changes}, after=changes)
    if stale:
        request_rebuild(stale)
    return get_image(user, image_id)


def delete_image(user: CurrentUser, image_id: int) -> None:
    with transaction() as cur:
        row = modifiable_image(cur, user, image_id)
        repository.delete(cur, image_id)
        stale = affected_users(row["owner_id"], row["visibility"])
        mark_stale(cur, stale)
        audit.record(cur, "image.delete", user_id=user.id, target_id=image_id, filename=row["filename"],
                     uri=row["uri"])
        # Inside the transaction: if S3 refuses, the row stays and the delete can simply be retried.
        _delete_objects([row])
    request_rebuild(stale)


def clear_library(user: CurrentUser) -> ClearedLibrary:
    """Every image the user owns, rows and objects, behind the route's explicit confirmation."""
    with transaction() as cur:
        rows = repository.delete_owned(cur, user.id)
        stale = union(affected_users(row["owner_id"], row["visibility"]) for row in rows)
        mark_stale(cur, stale)
        audit.record(cur, "library.clear", user_id=user.id, target_id=user.id, deleted=len(rows))
        _delete_objects(rows)
    request_rebuild(stale)
    return ClearedLibrary(deleted=len(rows))


def library_stats(user: CurrentUser) -> ImageStats:
    with transaction() as cur:
        by_status, formats = repository.stats(cur, user.id)
    return ImageStats(
        count=sum(by_status.values()), storage_bytes=sum(f["bytes"] for f in formats), by_status=by_status,
        by_format=[FormatCount(**f) for f in formats],
    )


def visible_image(cur, user: CurrentUser, image_id: int, *, lock: bool = False) -> dict:
    """The row, or NotFound whether it is missing or hidden (ids of others' private images leak nothing)."""
    row = repository.find_visible(cur, user.id, image_id, lock=lock)
    if row is None:
        raise NotFound(_NOT_FOUND)
    return row


def modifiable_image(cur, user: CurrentUser, image_id: int) -> dict:
    row = visible_image(cur, user, image_id, lock=True)
    if not can_modify(user, row["owner_id"], row["visibility"]):
        raise Forbidden("only the owner can change this image", code="not_owner")
    return row


def _summary(row: dict, viewer: CurrentUser) -> ImageSummary:
    thumbnail_url = storage.s3_objects().presigned_get(_thumbnail(row)) if row["thumbnail_key"] else None
    return ImageSummary(
        id=row["id"], filename=row["filename"], owner_id=row["owner_id"], owner=row["owner"],
        is_owner=row["owner_id"] == viewer.id, mime=row["mime"], width=row["w"], height=row["h"],
        size=row["size"], status=row["status"], visibility=row["visibility"], uploaded_at=row["upload_ts"],
        thumbnail_url=thumbnail_url, error=row["error"],
    )


def _thumbnail(row: dict) -> ObjectRef:
    return ObjectRef(get_settings().derived_bucket, row["thumbnail_key"])


def _stale_for(row: dict, new_visibility: str) -> list[int] | str:
    if new_visibility == row["visibility"]:
        return []
    return union([affected_users(row["owner_id"], row["visibility"]),
                   affected_users(row["owner_id"], new_visibility)])


def _delete_objects(rows: list[dict]) -> None:
    """Original (and its quarantined copy, for failed ingests) and thumbnail of each image."""
    refs = []
    for row in rows:
        original = ObjectRef.from_uri(row["uri"])
        refs += [original, storage.quarantine_ref(original), storage.thumbnail_ref(row["owner_id"], row["id"])]
    delete_objects(refs)
