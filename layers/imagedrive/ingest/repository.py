"""The SQL of ingestion. Every function runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg2.extras import Json

from imagedrive.inference.ocr import OcrResult
from imagedrive.ingest.targets import IngestTarget


@dataclass(frozen=True)
class ExistingImage:
    id: int
    status: str
    uri: str


@dataclass(frozen=True)
class DerivedData:
    """What inference produced (or what is copied from the same bytes ingested before)."""

    vector: np.ndarray
    model_version: str
    ocr: OcrResult | None  # None: OCR was not run (it is off, or the donor was never read)


def find_by_checksum(cur: Any, owner_id: int, checksum: str) -> ExistingImage | None:
    cur.execute("SELECT id, status, uri FROM images WHERE owner_id = %s AND checksum = %s", (owner_id, checksum))
    row = cur.fetchone()
    return ExistingImage(row["id"], row["status"], row["uri"]) if row else None


def insert_image(
    cur: Any, target: IngestTarget, *, uri: str, checksum: str, size: int, mime: str | None = None,
    width: int | None = None, height: int | None = None, error: str | None = None,
) -> int | None:
    """A PENDING row (FAILED when `error` is given); None when the owner already has these bytes."""
    cur.execute(
        """INSERT INTO images (owner_id, uri, filename, checksum, mime, w, h, size, status, visibility, error, source)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (owner_id, checksum) DO NOTHING
           RETURNING id""",
        (
            target.owner_id, uri, target.filename, checksum, mime, width, height, size,
            "FAILED" if error else "PENDING", target.visibility, error, target.source,
        ),
    )
    row = cur.fetchone()
    return row["id"] if row else None


def find_donor(cur: Any, checksum: str, model_version: str) -> DerivedData | None:
    """The vector and OCR of the same bytes already ingested for any owner, with this model."""
    cur.execute(
        """SELECT e.vec, e.model_version, o.engine, o.model, o.lines
           FROM images i
           JOIN embeddings e ON e.image_id = i.id
           LEFT JOIN ocr_texts o ON o.image_id = i.id
           WHERE i.checksum = %s AND i.status = 'READY' AND e.model_version = %s
           LIMIT 1""",
        (checksum, model_version),
    )
    row = cur.fetchone()
    if row is None:
        return None
    vector = np.frombuffer(bytes(row["vec"]), dtype="<f4")
    return DerivedData(vector, row["model_version"], stored_ocr(row))


def stored_ocr(row: dict[str, Any]) -> OcrResult | None:
    """An ocr_texts row (engine, model, lines) as the result that wrote it; None for a row without
    provenance (written before it was recorded) or no row."""
    if row.get("engine") is None:
        return None
    return OcrResult.from_json(row["engine"], row["model"], row["lines"] or [])


def write_ocr(cur: Any, image_id: int, ocr: OcrResult) -> None:
    """The image's text, line by line, and what read it; a row with no text when nothing was read."""
    cur.execute(
        """INSERT INTO ocr_texts (image_id, text, confidence, engine, model, lines)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (image_id) DO UPDATE SET text = EXCLUDED.text, confidence = EXCLUDED.confidence,
               engine = EXCLUDED.engine, model = EXCLUDED.model, lines = EXCLUDED.lines, created_at = now()""",
        (image_id, ocr.text, ocr.mean_confidence, ocr.engine, ocr.model, Json(ocr.lines_json())),
    )


def ensure_category(cur: Any, name: str, owner_id: int, owner_is_system: bool) -> int:
    """The category a drop folder names: a system category for system drops, else the user's own."""
    category_owner = None if owner_is_system else owner_id
    cur.execute(
        """INSERT INTO categories (name, owner_id) VALUES (%s, %s)
           ON CONFLICT (coalesce(owner_id, 0), lower(name)) DO NOTHING""",
        (name, category_owner),
    )
    cur.execute(
        "SELECT id FROM categories WHERE coalesce(owner_id, 0) = coalesce(%s, 0) AND lower(name) = lower(%s)",
        (category_owner, name),
    )
    return cur.fetchone()["id"]


def category_prompts(cur: Any, owner_id: int) -> list[tuple[int, str]]:
    """Categories that auto-tagging may assign to this owner's images: system ones and the owner's,
    each with its zero-shot prompt (its name when it has none)."""
    cur.execute(
        """SELECT id, coalesce(prompt, 'a photo of ' || name) AS prompt FROM categories
           WHERE owner_id IS NULL OR owner_id = %s ORDER BY id""",
        (owner_id,),
    )
    return [(row["id"], row["prompt"]) for row in cur.fetchall()]


def write_ready(
    cur: Any, image_id: int, derived: DerivedData, *, thumbnail_key: str,
    auto_categories: list[tuple[int, float]], manual_categories: list[int],
) -> None:
    """Everything derived, and READY, in the caller's one transaction."""
    vector = np.ascontiguousarray(derived.vector, dtype="<f4")
    cur.execute(
        """INSERT INTO embeddings (image_id, model_version, dim, normalized, vec) VALUES (%s, %s, %s, true, %s)
           ON CONFLICT (image_id) DO UPDATE SET model_version = EXCLUDED.model_version, dim = EXCLUDED.dim,
               normalized = true, vec = EXCLUDED.vec, created_at = now()""",
        (image_id, derived.model_version, vector.shape[0], vector.tobytes()),
    )
    if derived.ocr is not None:
        write_ocr(cur, image_id, derived.ocr)
    for category_id, score in auto_categories:
        cur.execute(
            """INSERT INTO image_categories (image_id, category_id, source, score) VALUES (%s, %s, 'auto', %s)
               ON CONFLICT (image_id, category_id) DO NOTHING""",
            (image_id, category_id, score),
        )
    for category_id in manual_categories:
        cur.execute(
            """INSERT INTO image_categories (image_id, category_id, source) VALUES (%s, %s, 'manual')
               ON CONFLICT (image_id, category_id) DO UPDATE SET source = 'manual', score = NULL""",
            (image_id, category_id),
        )
    cur.execute(
        """UPDATE images SET status = 'READY', ready_at = now(), updated_at = now(), thumbnail_key = %s,
               error = NULL
           WHERE id = %s""",
        (thumbnail_key, image_id),
    )


def mark_failed(cur: Any, image_id: int, error: str) -> None:
    cur.execute(
        "UPDATE images SET status = 'FAILED', error = %s, updated_at = now() WHERE id = %s AND status <> 'READY'",
        (error, image_id),
    )
