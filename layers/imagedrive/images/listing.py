"""Listing images: filters, sorts and keyset pagination over the viewer's visible set."""

from __future__ import annotations

from typing import Any

from psycopg2 import sql

from imagedrive.images import cursor
from imagedrive.visibility import visible_clause
from imagedrive.images.models import ImageQuery
from imagedrive.images.repository import SELECT_IMAGES

# Sort name → (column, direction). The image id breaks ties in the same direction.
SORTS = {
    "newest": ("upload_ts", "DESC"),
    "oldest": ("upload_ts", "ASC"),
    "name": ("filename", "ASC"),
    "size": ("size", "DESC"),
}


def page(cur: Any, viewer_id: int, query: ImageQuery) -> tuple[list[dict], str | None]:
    """One page of rows and the cursor of the next page (None on the last)."""
    column, direction = SORTS[query.sort]
    conditions, params = _filters(viewer_id, query)
    if query.cursor:
        key, last_id = cursor.decode(query.cursor, query.sort)
        conditions.append(sql.SQL("(i.{column}, i.id) {op} (%s, %s)").format(
            column=sql.Identifier(column), op=sql.SQL("<" if direction == "DESC" else ">")))
        params += [key, last_id]
    statement = sql.SQL("{select} WHERE {conditions} ORDER BY i.{column} {dir}, i.id {dir} LIMIT %s").format(
        select=SELECT_IMAGES, conditions=sql.SQL(" AND ").join(conditions),
        column=sql.Identifier(column), dir=sql.SQL(direction),
    )
    cur.execute(statement, [*params, query.limit + 1])
    rows = cur.fetchall()
    if len(rows) <= query.limit:
        return rows, None
    rows = rows[: query.limit]
    last = rows[-1]
    return rows, cursor.encode(query.sort, last[column], last["id"])


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
