"""The SQL of single images and of a user's library, behind `ImageRepository`, the port the image service
takes; `PostgresImages` is its adapter, tests/fakes/image_repository.py the in-memory one and
tests/contract/test_image_repository.py keeps them in step.

Every method runs in the caller's transaction (the cursor it is given): a change locks its row, writes,
marks indexes stale and is audited atomically. Reads apply THE visibility rule (imagedrive.visibility).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg2 import sql

from imagedrive.images import cursor
from imagedrive.images.models import CategorySource, ImageQuery, Source, Status, Visibility
from imagedrive.visibility import visible_clause

Cursor = Any  # the caller's transaction: a psycopg2 cursor, or None for the in-memory adapter


@dataclass(frozen=True)
class ImageRow:
    id: int
    owner_id: int
    owner: str  # the owner's username
    uri: str
    filename: str
    checksum: str
    mime: str | None
    w: int | None
    h: int | None
    size: int
    upload_ts: datetime
    updated_at: datetime
    ready_at: datetime | None
    status: Status
    visibility: Visibility
    error: str | None
    thumbnail_key: str | None
    source: Source


@dataclass(frozen=True)
class CategoryLink:
    id: int
    name: str
    system: bool
    source: CategorySource
    score: float | None


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float | None


@dataclass(frozen=True)
class DeletedImage:
    """What is left to clean up after a row is gone: its objects and whose indexes held it."""

    id: int
    owner_id: int
    uri: str
    thumbnail_key: str | None
    visibility: str


@dataclass(frozen=True)
class FormatTotal:
    mime: str | None
    count: int
    bytes: int


@dataclass(frozen=True)
class LibraryStats:
    by_status: dict[str, int]
    by_format: list[FormatTotal]  # most images first


@dataclass(frozen=True)
class ImageChanges:
    filename: str | None = None
    visibility: Visibility | None = None

    def as_dict(self) -> dict[str, str]:
        return {name: value for name, value in (("filename", self.filename), ("visibility", self.visibility))
                if value is not None}


class ImageRepository(Protocol):
    def page(self, cur: Cursor, viewer_id: int, query: ImageQuery) -> tuple[list[ImageRow], str | None]:
        """One page of the viewer's visible images and the cursor of the next page (None on the last)."""
        ...

    def find_visible(self, cur: Cursor, viewer_id: int, image_id: int, *, lock: bool = False) -> ImageRow | None:
        """The image if this viewer may see it; None both when it does not exist and when it is hidden."""
        ...

    def categories_of(self, cur: Cursor, image_id: int) -> list[CategoryLink]: ...

    def ocr_of(self, cur: Cursor, image_id: int) -> OcrText | None: ...

    def update(self, cur: Cursor, image_id: int, changes: ImageChanges) -> None: ...

    def delete(self, cur: Cursor, image_id: int) -> None:
        """The row and, with it, its embedding, OCR text and category links."""
        ...

    def delete_owned(self, cur: Cursor, owner_id: int) -> list[DeletedImage]: ...

    def stats(self, cur: Cursor, owner_id: int) -> LibraryStats: ...


_SELECT_IMAGES = sql.SQL(
    """SELECT i.id, i.owner_id, u.username AS owner, i.uri, i.filename, i.checksum, i.mime, i.w, i.h, i.size,
              i.upload_ts, i.updated_at, i.ready_at, i.status, i.visibility, i.error, i.thumbnail_key, i.source
       FROM images i JOIN users u ON u.id = i.owner_id"""
)
# Sort name → (column, direction). The image id breaks ties in the same direction.
SORTS = {
    "newest": ("upload_ts", "DESC"),
    "oldest": ("upload_ts", "ASC"),
    "name": ("filename", "ASC"),
    "size": ("size", "DESC"),
}


class PostgresImages:
    def page(self, cur: Cursor, viewer_id: int, query: ImageQuery) -> tuple[list[ImageRow], str | None]:
        column, direction = SORTS[query.sort]
        conditions, params = _filters(viewer_id, query)
        if query.cursor:
            key, last_id = cursor.decode(query.cursor, query.sort)
            conditions.append(sql.SQL("(i.{column}, i.id) {op} (%s, %s)").format(
                column=sql.Identifier(column), op=sql.SQL("<" if direction == "DESC" else ">")))
            params += [key, last_id]
        statement = sql.SQL("{select} WHERE {conditions} ORDER BY i.{column} {dir}, i.id {dir} LIMIT %s").format(
            select=_SELECT_IMAGES, conditions=sql.SQL(" AND ").join(conditions),
            column=sql.Identifier(column), dir=sql.SQL(direction),
        )
        cur.execute(statement, [*params, query.limit + 1])
        rows = [ImageRow(**row) for row in cur.fetchall()]
        if len(rows) <= query.limit:
            return rows, None
        rows = rows[: query.limit]
        last = rows[-1]
        return rows, cursor.encode(query.sort, getattr(last, column), last.id)

    def find_visible(self, cur: Cursor, viewer_id: int, image_id: int, *, lock: bool = False) -> ImageRow | None:
        query = sql.SQL("{select} WHERE i.id = %s AND {visible}{lock}").format(
            select=_SELECT_IMAGES, visible=visible_clause(viewer_id),
            lock=sql.SQL(" FOR UPDATE OF i") if lock else sql.SQL(""),
        )
        cur.execute(query, (image_id,))
        row = cur.fetchone()
        return ImageRow(**row) if row else None

    def categories_of(self, cur: Cursor, image_id: int) -> list[CategoryLink]:
        cur.execute(
            """SELECT c.id, c.name, c.owner_id IS NULL AS system, ic.source, ic.score
               FROM image_categories ic JOIN categories c ON c.id = ic.category_id
               WHERE ic.image_id = %s ORDER BY lower(c.name), c.id""",
            (image_id,),
        )
        return [CategoryLink(**row) for row in cur.fetchall()]

    def ocr_of(self, cur: Cursor, image_id: int) -> OcrText | None:
        cur.execute("SELECT text, confidence FROM ocr_texts WHERE image_id = %s", (image_id,))
        row = cur.fetchone()
        return OcrText(**row) if row else None

    def update(self, cur: Cursor, image_id: int, changes: ImageChanges) -> None:
        values = changes.as_dict()
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in values
        )
        cur.execute(
            sql.SQL("UPDATE images SET {assignments}, updated_at = now() WHERE id = %(image_id)s").format(
                assignments=assignments),
            {**values, "image_id": image_id},
        )

    def delete(self, cur: Cursor, image_id: int) -> None:
        cur.execute("DELETE FROM images WHERE id = %s", (image_id,))  # the rest goes by cascade

    def delete_owned(self, cur: Cursor, owner_id: int) -> list[DeletedImage]:
        cur.execute(
            "DELETE FROM images WHERE owner_id = %s RETURNING id, owner_id, uri, thumbnail_key, visibility",
            (owner_id,),
        )
        return [DeletedImage(**row) for row in cur.fetchall()]

    def stats(self, cur: Cursor, owner_id: int) -> LibraryStats:
        cur.execute("SELECT status, count(*) AS n FROM images WHERE owner_id = %s GROUP BY status", (owner_id,))
        by_status = {row["status"]: row["n"] for row in cur.fetchall()}
        cur.execute(
            """SELECT mime, count(*) AS count, coalesce(sum(size), 0)::bigint AS bytes FROM images
               WHERE owner_id = %s GROUP BY mime ORDER BY count(*) DESC, mime NULLS LAST""",
            (owner_id,),
        )
        return LibraryStats(by_status, [FormatTotal(**row) for row in cur.fetchall()])


def _filters(viewer_id: int, query: ImageQuery) -> tuple[list[sql.Composable], list[Any]]:
    conditions: list[sql.Composable] = [visible_clause(viewer_id)]
    params: list[Any] = []

    def where(fragment: str, *values: Any) -> None:
        conditions.append(sql.SQL(fragment))
        params.extend(values)

    if query.scope == "mine":
        where("i.owner_id = %s", viewer_id)
    if query.status:
        where("i.status = %s", query.status)
    if query.visibility:
        where("i.visibility = %s", query.visibility)
    if query.category:
        where("EXISTS (SELECT 1 FROM image_categories ic WHERE ic.image_id = i.id AND ic.category_id = %s)",
              query.category)
    if query.q:
        where("i.filename ILIKE %s", f"%{escape_like(query.q)}%")
    if query.uploaded_from:
        where("i.upload_ts >= %s", query.uploaded_from)
    if query.uploaded_to:
        where("i.upload_ts < %s", query.uploaded_to)
    return conditions, params


def escape_like(text: str) -> str:
    """The text matched literally inside a LIKE pattern (backslash is Postgres's default escape)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
