"""Search results as the user may see them: THE visibility rule checked again on the final ids, so
an image deleted, hidden or no longer READY since the index was built never comes back."""

from __future__ import annotations

from typing import Any

from psycopg2 import sql

from imagedrive import storage
from imagedrive.db import transaction
from imagedrive.errors import NotFound
from imagedrive.images.access import visible_clause
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef


def visible_rows(user_id: int, ids: list[int], *, category: int | None = None) -> dict[int, dict[str, Any]]:
    """id → row for the ids the user may see (in the category, when given)."""
    if not ids:
        return {}
    in_category = sql.SQL(
        "AND EXISTS (SELECT 1 FROM image_categories ic WHERE ic.image_id = i.id AND ic.category_id = {})"
    ).format(sql.Literal(category)) if category else sql.SQL("")
    query = sql.SQL(
        """SELECT i.id, i.filename, i.owner_id, i.visibility, i.thumbnail_key FROM images i
           WHERE i.id = ANY(%s) AND i.status = 'READY' AND {visible} {in_category}"""
    ).format(visible=visible_clause(user_id), in_category=in_category)
    with transaction() as cur:
        cur.execute(query, (ids,))
        return {row["id"]: row for row in cur.fetchall()}


def category_members(user_id: int, category: int) -> list[int]:
    """Images in a category the user can use (a system one or their own); NotFound otherwise."""
    with transaction() as cur:
        cur.execute("SELECT 1 FROM categories WHERE id = %s AND (owner_id IS NULL OR owner_id = %s)",
                    (category, user_id))
        if cur.fetchone() is None:
            raise NotFound("no such category", code="category_not_found")
        cur.execute("SELECT image_id FROM image_categories WHERE category_id = %s", (category,))
        return [row["image_id"] for row in cur.fetchall()]


def thumbnail_url(row: dict[str, Any]) -> str | None:
    if not row["thumbnail_key"]:
        return None
    return storage.s3_objects().presigned_get(ObjectRef(get_settings().derived_bucket, row["thumbnail_key"]))
