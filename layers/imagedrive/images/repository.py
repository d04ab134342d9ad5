"""The SQL of single images and of a user's library. Every function runs in the caller's transaction."""

from __future__ import annotations

from typing import Any

from psycopg2 import sql

from imagedrive.visibility import visible_clause

SELECT_IMAGES = sql.SQL(
    """SELECT i.id, i.owner_id, u.username AS owner, i.uri, i.filename, i.checksum, i.mime, i.w, i.h, i.size,
              i.upload_ts, i.updated_at, i.ready_at, i.status, i.visibility, i.error, i.thumbnail_key, i.source
       FROM images i JOIN users u ON u.id = i.owner_id"""
)


def find_visible(cur: Any, viewer_id: int, image_id: int, *, lock: bool = False) -> dict | None:
    """The image if this viewer may see it; None both when it does not exist and when it is hidden."""
    query = sql.SQL("{select} WHERE i.id = %s AND {visible}{lock}").format(
        select=SELECT_IMAGES, visible=visible_clause(viewer_id),
        lock=sql.SQL(" FOR UPDATE OF i") if lock else sql.SQL(""),
    )
    cur.execute(query, (image_id,))
    return cur.fetchone()


def categories_of(cur: Any, image_id: int) -> list[dict]:
    cur.execute(
        """SELECT c.id, c.name, c.owner_id IS NULL AS system, ic.source, ic.score
           FROM image_categories ic JOIN categories c ON c.id = ic.category_id
           WHERE ic.image_id = %s ORDER BY lower(c.name), c.id""",
        (image_id,),
    )
    return cur.fetchall()


def ocr_of(cur: Any, image_id: int) -> dict | None:
    cur.execute("SELECT text, confidence FROM ocr_texts WHERE image_id = %s", (image_id,))
    return cur.fetchone()


def update(cur: Any, image_id: int, changes: dict[str, Any]) -> None:
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in changes
    )
    cur.execute(
        sql.SQL("UPDATE images SET {assignments}, updated_at = now() WHERE id = %(image_id)s").format(
            assignments=assignments),
        {**changes, "image_id": image_id},
    )


def delete(cur: Any, image_id: int) -> None:
    """The row and, by cascade, its embedding, OCR text and category links."""
    cur.execute("DELETE FROM images WHERE id = %s", (image_id,))


def delete_owned(cur: Any, owner_id: int) -> list[dict]:
    cur.execute(
        "DELETE FROM images WHERE owner_id = %s RETURNING id, owner_id, uri, thumbnail_key, visibility",
        (owner_id,),
    )
    return cur.fetchall()


def stats(cur: Any, owner_id: int) -> tuple[dict[str, int], list[dict]]:
    cur.execute("SELECT status, count(*) AS n FROM images WHERE owner_id = %s GROUP BY status", (owner_id,))
    by_status = {row["status"]: row["n"] for row in cur.fetchall()}
    cur.execute(
        """SELECT mime, count(*) AS count, coalesce(sum(size), 0)::bigint AS bytes FROM images
           WHERE owner_id = %s GROUP BY mime ORDER BY count(*) DESC, mime NULLS LAST""",
        (owner_id,),
    )
    return by_status, cur.fetchall()
