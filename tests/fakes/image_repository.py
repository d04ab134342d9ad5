"""ImageRepository in memory (imagedrive.images.repository.ImageRepository), and the StaleIndexes port
the image service also takes. tests/contract/test_image_repository.py runs the repository against Postgres."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from imagedrive import storage
from imagedrive.images import cursor
from imagedrive.images.models import ImageQuery
from imagedrive.images.repository import (
    SORTS,
    CategoryLink,
    DeletedImage,
    FormatTotal,
    ImageChanges,
    ImageRow,
    LibraryStats,
    OcrText,
)
from imagedrive.visibility import Users, can_see

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class MemoryImages:
    def __init__(self, originals_bucket: str = "originals") -> None:
        self.originals_bucket = originals_bucket
        self.users: dict[int, str] = {}
        self.rows: dict[int, ImageRow] = {}
        self.categories: dict[int, list[CategoryLink]] = {}
        self.ocr: dict[int, OcrText] = {}

    # -- set-up helpers for tests ----------------------------------------------------------------------
    def add_user(self, username: str) -> int:
        user_id = len(self.users) + 1
        self.users[user_id] = username
        return user_id

    def add_image(self, owner_id: int, filename: str = "photo.jpg", *, visibility: str = "private",
                  status: str = "READY", size: int = 1234, mime: str = "image/jpeg",
                  thumbnail: bool = True) -> ImageRow:
        image_id = max(self.rows, default=0) + 1
        uploaded = _EPOCH + timedelta(minutes=image_id)
        row = ImageRow(
            image_id, owner_id, self.users[owner_id], f"s3://{self.originals_bucket}/uploads/{owner_id}/{filename}",
            filename, hashlib.sha256(str(image_id).encode()).hexdigest(), mime, 10, 10, size, uploaded, uploaded,
            uploaded if status == "READY" else None, status, visibility,  # type: ignore[arg-type]
            "broken" if status == "FAILED" else None,
            storage.thumbnail_key(owner_id, image_id) if thumbnail else None, "upload",
        )
        self.rows[image_id] = row
        return row

    # -- ImageRepository -----------------------------------------------------------------------------------
    def page(self, cur: Any, viewer_id: int, query: ImageQuery) -> tuple[list[ImageRow], str | None]:
        column, direction = SORTS[query.sort]
        descending = direction == "DESC"
        rows = sorted((row for row in self.rows.values() if self._matches(row, viewer_id, query)),
                      key=lambda row: (getattr(row, column), row.id), reverse=descending)
        if query.cursor:
            last = cursor.decode(query.cursor, query.sort)
            rows = [row for row in rows
                    if ((getattr(row, column), row.id) < last if descending else (getattr(row, column), row.id) > last)]
        if len(rows) <= query.limit:
            return rows, None
        rows = rows[: query.limit]
        return rows, cursor.encode(query.sort, getattr(rows[-1], column), rows[-1].id)

    def find_visible(self, cur: Any, viewer_id: int, image_id: int, *, lock: bool = False) -> ImageRow | None:
        row = self.rows.get(image_id)
        return row if row is not None and can_see(viewer_id, row.owner_id, row.visibility) else None

    def categories_of(self, cur: Any, image_id: int) -> list[CategoryLink]:
        return sorted(self.categories.get(image_id, []), key=lambda link: (link.name.lower(), link.id))

    def ocr_of(self, cur: Any, image_id: int) -> OcrText | None:
        return self.ocr.get(image_id)

    def update(self, cur: Any, image_id: int, changes: ImageChanges) -> None:
        row = self.rows[image_id]
        self.rows[image_id] = replace(row, **changes.as_dict(), updated_at=row.updated_at + timedelta(seconds=1))

    def delete(self, cur: Any, image_id: int) -> None:
        self.rows.pop(image_id, None)
        self.categories.pop(image_id, None)
        self.ocr.pop(image_id, None)

    def delete_owned(self, cur: Any, owner_id: int) -> list[DeletedImage]:
        owned = [row for row in self.rows.values() if row.owner_id == owner_id]
        for row in owned:
            self.delete(cur, row.id)
        return [DeletedImage(row.id, row.owner_id, row.uri, row.thumbnail_key, row.visibility) for row in owned]

    def stats(self, cur: Any, owner_id: int) -> LibraryStats:
        owned = [row for row in self.rows.values() if row.owner_id == owner_id]
        counts = Counter(row.mime for row in owned)
        by_format = [FormatTotal(mime, count, sum(row.size for row in owned if row.mime == mime))
                     for mime, count in counts.items()]
        by_format.sort(key=lambda total: (-total.count, total.mime is None, total.mime or ""))
        return LibraryStats(dict(Counter(row.status for row in owned)), by_format)

    def _matches(self, row: ImageRow, viewer_id: int, query: ImageQuery) -> bool:
        links = self.categories.get(row.id, [])
        in_category = query.category is None or any(link.id == query.category for link in links)
        return (can_see(viewer_id, row.owner_id, row.visibility) and in_category
                and (query.scope != "mine" or row.owner_id == viewer_id)
                and query.status in (None, row.status) and query.visibility in (None, row.visibility)
                and (query.q is None or query.q.lower() in row.filename.lower())
                and (query.uploaded_from is None or row.upload_ts >= query.uploaded_from)
                and (query.uploaded_to is None or row.upload_ts < query.uploaded_to))


@dataclass
class MemoryStaleIndexes:
    """StaleIndexes: what was marked inside transactions and what rebuilds were asked for after them."""

    marked: list[Users] = field(default_factory=list)
    requested: list[Users] = field(default_factory=list)

    def mark_stale(self, cur: Any, users: Users) -> None:
        self.marked.append(users)

    def request_rebuild(self, users: Users) -> None:
        self.requested.append(users)
