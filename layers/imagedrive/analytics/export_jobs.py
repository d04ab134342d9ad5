"""The SQL of export jobs and of the image rows they export. Every function runs in the caller's
transaction."""

from __future__ import annotations

from typing import Any

from psycopg2.extras import Json

from imagedrive.db import fetch_one

_JOB_COLUMNS = """id, user_id, scope, format, status, s3_key, upload_id, parts, max_image_id, last_image_id,
                  total_rows, rows_written, bytes_written, error, created_at, finished_at"""


def snapshot(cur: Any, user_id: int, everyone: bool) -> tuple[int, int]:
    """The highest image id and the row count the export will cover."""
    cur.execute(
        "SELECT coalesce(max(id), 0) AS max_id, count(*) AS n FROM images WHERE (%s OR owner_id = %s)",
        (everyone, user_id),
    )
    row = cur.fetchone()
    return row["max_id"], row["n"]


def insert(cur: Any, job: dict[str, Any]) -> dict[str, Any]:
    cur.execute(
        f"""INSERT INTO export_jobs (id, user_id, scope, format, s3_key, upload_id, max_image_id, total_rows)
            VALUES (%(id)s, %(user_id)s, %(scope)s, %(format)s, %(s3_key)s, %(upload_id)s, %(max_image_id)s,
                    %(total_rows)s)
            RETURNING {_JOB_COLUMNS}""",
        job,
    )
    return fetch_one(cur)


def find(cur: Any, user_id: int, job_id: str, *, lock: bool) -> dict[str, Any] | None:
    """The caller's job. With `lock`, None also when another request is advancing it right now."""
    suffix = " FOR UPDATE SKIP LOCKED" if lock else ""
    cur.execute(f"SELECT {_JOB_COLUMNS} FROM export_jobs WHERE id = %s AND user_id = %s{suffix}",
                (job_id, user_id))
    row: dict[str, Any] | None = cur.fetchone()
    return row


def save_progress(cur: Any, job: dict[str, Any]) -> None:
    cur.execute(
        """UPDATE export_jobs SET status = %(status)s, parts = %(parts)s, last_image_id = %(last_image_id)s,
                  rows_written = %(rows_written)s, bytes_written = %(bytes_written)s, error = %(error)s,
                  updated_at = now(), finished_at = CASE WHEN %(status)s = 'running' THEN NULL ELSE now() END
           WHERE id = %(id)s""",
        {**job, "parts": Json(job["parts"])},
    )


def image_rows(cur: Any, job: dict[str, Any], after_id: int, limit: int) -> list[dict[str, Any]]:
    cur.execute(
        """SELECT i.id, u.username AS owner, i.filename, i.mime, i.w AS width, i.h AS height, i.size, i.status,
                  i.visibility, i.source, i.checksum, i.upload_ts AS uploaded_at, i.ready_at, i.error,
                  (SELECT string_agg(c.name, '; ' ORDER BY lower(c.name))
                   FROM image_categories ic JOIN categories c ON c.id = ic.category_id
                   WHERE ic.image_id = i.id) AS categories,
                  o.text AS ocr_text
           FROM images i JOIN users u ON u.id = i.owner_id LEFT JOIN ocr_texts o ON o.image_id = i.id
           WHERE i.id > %s AND i.id <= %s AND (%s OR i.owner_id = %s)
           ORDER BY i.id LIMIT %s""",
        (after_id, job["max_image_id"], job["scope"] == "all", job["user_id"], limit),
    )
    rows: list[dict[str, Any]] = cur.fetchall()
    return rows
