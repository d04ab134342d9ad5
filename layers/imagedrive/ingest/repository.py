"""The SQL of ingestion. `IngestRepository` is the port the Ingestor takes, `PostgresIngestRepository` its
adapter (tests/fakes/ingest_repository.py is the in-memory one, tests/contract/test_ingest_repository.py keeps
them in step); `StoredImages`/`PostgresStoredImages` serve bulk import, re-embedding and re-OCR.

One way: every adapter method opens its own transaction. The module-level functions are the statements
those methods share, run on the cursor of the method's transaction; `mark_failed` is also the one way an
image becomes FAILED for the reconciler, inside its own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from psycopg2.extras import Json

from imagedrive import audit
from imagedrive.categories import repository as categories
from imagedrive.db import fetch_one, transaction, vector_codec
from imagedrive.indexing.stale import EVERYONE, Users, affected_users, mark_stale
from imagedrive.inference.ocr import OcrResult
from imagedrive.ingest.targets import IngestTarget, Owner
from imagedrive.storage import ObjectRef


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


def _find_by_checksum(cur: Any, owner_id: int, checksum: str) -> ExistingImage | None:
    cur.execute("SELECT id, status, uri FROM images WHERE owner_id = %s AND checksum = %s", (owner_id, checksum))
    row = cur.fetchone()
    return ExistingImage(row["id"], row["status"], row["uri"]) if row else None


def _insert_image(
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


def _find_donor(cur: Any, checksum: str, model_version: str) -> DerivedData | None:
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
    return DerivedData(vector_codec.decode(row["vec"]), row["model_version"], _stored_ocr(row))


def _stored_ocr(row: dict[str, Any]) -> OcrResult | None:
    """An ocr_texts row (engine, model, lines) as the result that wrote it; None for a row without
    provenance (written before it was recorded) or no row."""
    if row.get("engine") is None:
        return None
    return OcrResult.from_json(row["engine"], row["model"], row["lines"] or [])


def _write_ocr(cur: Any, image_id: int, ocr: OcrResult) -> None:
    """The image's text, line by line, and what read it; a row with no text when nothing was read."""
    cur.execute(
        """INSERT INTO ocr_texts (image_id, text, confidence, engine, model, lines)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (image_id) DO UPDATE SET text = EXCLUDED.text, confidence = EXCLUDED.confidence,
               engine = EXCLUDED.engine, model = EXCLUDED.model, lines = EXCLUDED.lines, created_at = now()""",
        (image_id, ocr.text, ocr.mean_confidence, ocr.engine, ocr.model, Json(ocr.lines_json())),
    )


def _category_prompts(cur: Any, owner_id: int) -> list[tuple[int, str]]:
    """Categories that auto-tagging may assign to this owner's images: system ones and the owner's,
    each with its zero-shot prompt (its name when it has none)."""
    cur.execute(
        """SELECT id, coalesce(prompt, 'a photo of ' || name) AS prompt FROM categories
           WHERE owner_id IS NULL OR owner_id = %s ORDER BY id""",
        (owner_id,),
    )
    return [(row["id"], row["prompt"]) for row in cur.fetchall()]


def _write_ready(
    cur: Any, image_id: int, derived: DerivedData, *, thumbnail_key: str,
    auto_categories: list[tuple[int, float]], manual_categories: list[int],
) -> None:
    """Everything derived, and READY, in the caller's one transaction."""
    cur.execute(
        """INSERT INTO embeddings (image_id, model_version, dim, normalized, vec) VALUES (%s, %s, %s, true, %s)
           ON CONFLICT (image_id) DO UPDATE SET model_version = EXCLUDED.model_version, dim = EXCLUDED.dim,
               normalized = true, vec = EXCLUDED.vec, created_at = now()""",
        (image_id, derived.model_version, len(derived.vector), vector_codec.encode(derived.vector)),
    )
    if derived.ocr is not None:
        _write_ocr(cur, image_id, derived.ocr)
    for category_id, score in auto_categories:
        cur.execute(
            """INSERT INTO image_categories (image_id, category_id, source, score) VALUES (%s, %s, 'auto', %s)
               ON CONFLICT (image_id, category_id) DO NOTHING""",
            (image_id, category_id, score),
        )
    if manual_categories:
        categories.assign(cur, image_id, manual_categories)
    cur.execute(
        """UPDATE images SET status = 'READY', ready_at = now(), updated_at = now(), thumbnail_key = %s,
               error = NULL
           WHERE id = %s""",
        (thumbnail_key, image_id),
    )


NOT_READY = ("PENDING", "FAILED")


def mark_failed(cur: Any, error: str, *, image_id: int | None = None, uri: str | None = None,
                from_statuses: tuple[str, ...] = NOT_READY) -> list[tuple[int, int]]:
    """The one way an image becomes FAILED with its reason, by id or by original uri, only from
    `from_statuses` (ingestion never fails a READY image; the reconciler does when its original is gone).
    Returns (image id, owner id) of the rows changed."""
    if (image_id is None) == (uri is None):
        raise ValueError("mark_failed needs exactly one of image_id and uri")
    column = "id" if image_id is not None else "uri"  # one of two constants, never input
    cur.execute(
        f"""UPDATE images SET status = 'FAILED', error = %s, updated_at = now()
            WHERE {column} = %s AND status = ANY(%s) RETURNING id, owner_id""",
        (error, image_id if image_id is not None else uri, list(from_statuses)),
    )
    return [(row["id"], row["owner_id"]) for row in cur.fetchall()]


@dataclass(frozen=True)
class ReadyImage:
    """Everything stage 3 of the pipeline writes for one image, in one transaction."""

    image_id: int
    target: IngestTarget
    key: str
    derived: DerivedData
    thumbnail_key: str
    auto_categories: list[tuple[int, float]]
    copied: bool  # the vector and text came from the same bytes ingested before
    timings_ms: dict[str, float] = field(default_factory=dict)


class IngestRepository(Protocol):
    """What the Ingestor needs from the database; each call is one transaction."""

    def upload_owner(self, user_id: int) -> int | None:
        """The id of the (non-system) user an uploads/ key names, if they exist."""
        ...

    def drop_owner(self, username: str) -> Owner | None: ...

    def find_by_checksum(self, owner_id: int, checksum: str) -> ExistingImage | None: ...

    def insert_pending(self, target: IngestTarget, *, uri: str, checksum: str, size: int, mime: str | None,
                       width: int, height: int) -> int | None:
        """A PENDING row; None when the owner already has these bytes (a concurrent duplicate)."""
        ...

    def record_rejected(self, key: str, target: IngestTarget | None, *, kept: ObjectRef, reason: str,
                        checksum: str | None, size: int) -> int | None:
        """A FAILED row pointing at the quarantined original (when the owner is known) and an audit entry."""
        ...

    def record_duplicate_upload(self, owner_id: int, existing_id: int, key: str) -> None: ...

    def find_donor(self, checksum: str, model_version: str) -> DerivedData | None: ...

    def category_prompts(self, owner_id: int) -> list[tuple[int, str]]: ...

    def embedding_failed(self, image_id: int, owner_id: int, reason: str) -> None: ...

    def write_ready(self, ready: ReadyImage) -> Users:
        """Vector, text, tags, READY, audit and stale marks; returns the users whose index went stale."""
        ...

    def abandon(self, uri: str, reason: str) -> bool:
        """A PENDING row for this original becomes FAILED; False when there was none."""
        ...


class PostgresIngestRepository:
    """IngestRepository on Postgres: each method opens its own transaction."""

    def upload_owner(self, user_id: int) -> int | None:
        with transaction() as cur:
            cur.execute("SELECT id FROM users WHERE id = %s AND role <> 'system'", (user_id,))
            row = cur.fetchone()
        return int(row["id"]) if row else None

    def drop_owner(self, username: str) -> Owner | None:
        with transaction() as cur:
            cur.execute("SELECT id, role FROM users WHERE lower(username) = lower(%s)", (username,))
            row = cur.fetchone()
        return Owner(row["id"], row["role"] == "system") if row else None

    def find_by_checksum(self, owner_id: int, checksum: str) -> ExistingImage | None:
        with transaction() as cur:
            return _find_by_checksum(cur, owner_id, checksum)

    def insert_pending(self, target: IngestTarget, *, uri: str, checksum: str, size: int, mime: str | None,
                       width: int, height: int) -> int | None:
        with transaction() as cur:
            return _insert_image(cur, target, uri=uri, checksum=checksum, size=size, mime=mime, width=width,
                                height=height)

    def record_rejected(self, key: str, target: IngestTarget | None, *, kept: ObjectRef, reason: str,
                        checksum: str | None, size: int) -> int | None:
        with transaction() as cur:
            image_id = None
            if target is not None and checksum is not None:
                image_id = _insert_image(cur, target, uri=kept.uri, checksum=checksum, size=size, error=reason)
            audit.record(cur, "ingest_failed", user_id=target.owner_id if target else None, target_id=image_id,
                         key=key, quarantined_as=kept.key, reason=reason)
        return image_id

    def record_duplicate_upload(self, owner_id: int, existing_id: int, key: str) -> None:
        with transaction() as cur:
            audit.record(cur, "duplicate_upload", user_id=owner_id, target_id=existing_id, key=key)

    def find_donor(self, checksum: str, model_version: str) -> DerivedData | None:
        with transaction() as cur:
            return _find_donor(cur, checksum, model_version)

    def category_prompts(self, owner_id: int) -> list[tuple[int, str]]:
        with transaction() as cur:
            return _category_prompts(cur, owner_id)

    def embedding_failed(self, image_id: int, owner_id: int, reason: str) -> None:
        """The spec's `embedding_failed`: audited, FAILED, left out of every index."""
        with transaction() as cur:
            mark_failed(cur, reason, image_id=image_id)
            audit.record(cur, "embedding_failed", user_id=owner_id, target_id=image_id, reason=reason)

    def write_ready(self, ready: ReadyImage) -> Users:
        target = ready.target
        with transaction() as cur:
            manual = []
            if target.category:
                system = target.visibility == "system"
                manual.append(categories.ensure(cur, target.category, None if system else target.owner_id))
            _write_ready(cur, ready.image_id, ready.derived, thumbnail_key=ready.thumbnail_key,
                        auto_categories=[t for t in ready.auto_categories if t[0] not in manual],
                        manual_categories=manual)
            audit.record(cur, "image_ready", user_id=target.owner_id, target_id=ready.image_id, key=ready.key,
                         copied_from_checksum=ready.copied, timings_ms=ready.timings_ms)
            users = affected_users(target.owner_id, target.visibility)
            mark_stale(cur, users)
        return users

    def abandon(self, uri: str, reason: str) -> bool:
        with transaction() as cur:
            changed = mark_failed(cur, reason, uri=uri, from_statuses=("PENDING",))
            for image_id, owner_id in changed:
                audit.record(cur, "ingest_abandoned", user_id=owner_id, target_id=image_id, reason=reason)
        return bool(changed)


@dataclass(frozen=True)
class StoredImage:
    """An image to derive again (re-embed, re-OCR): where its original is and whose it is."""

    id: int
    uri: str
    owner_id: int


class StoredImages(Protocol):
    """What bulk import, re-embedding and re-OCR need from the database; each call is one transaction.
    The listings go in id order after `after_id`, so an interrupted run resumes where it stopped."""

    def ready_checksums(self, owner_id: int, checksums: list[str]) -> set[str]:
        """Which of these checksums the owner already has READY (a resumed import skips them)."""
        ...

    def count_embedded_otherwise(self, model_version: str) -> int: ...

    def embedded_otherwise(self, model_version: str, *, after_id: int, limit: int) -> list[StoredImage]:
        """Images whose vector another model made."""
        ...

    def write_embeddings(self, model_version: str, vectors: list[tuple[StoredImage, np.ndarray | None]]) -> None:
        """Each new vector (None: the model refused the image, audited `embedding_failed`); every index stale."""
        ...

    def count_read_otherwise(self, engine: str, model: str) -> int:
        """READY images with no text, or a text another OCR engine or model read."""
        ...

    def read_otherwise(self, engine: str, model: str, *, after_id: int, limit: int) -> list[StoredImage]: ...

    def write_texts(self, texts: list[tuple[StoredImage, OcrResult | str]]) -> None:
        """Each text read, or why there is none (a string, audited `ocr_failed`)."""
        ...


_READ_OTHERWISE = """FROM images i LEFT JOIN ocr_texts o ON o.image_id = i.id
                     WHERE i.status = 'READY' AND (o.image_id IS NULL OR o.engine IS DISTINCT FROM %(engine)s
                                                   OR o.model IS DISTINCT FROM %(model)s)"""


class PostgresStoredImages:
    """StoredImages on Postgres: each method opens its own transaction."""

    def ready_checksums(self, owner_id: int, checksums: list[str]) -> set[str]:
        with transaction() as cur:
            cur.execute("SELECT checksum FROM images WHERE owner_id = %s AND checksum = ANY(%s) AND status = 'READY'",
                        (owner_id, checksums))
            return {row["checksum"] for row in cur.fetchall()}

    def count_embedded_otherwise(self, model_version: str) -> int:
        with transaction() as cur:
            cur.execute("SELECT count(*) AS n FROM embeddings WHERE model_version <> %s", (model_version,))
            return int(fetch_one(cur)["n"])

    def embedded_otherwise(self, model_version: str, *, after_id: int, limit: int) -> list[StoredImage]:
        with transaction() as cur:
            cur.execute(
                """SELECT i.id, i.uri, i.owner_id FROM images i JOIN embeddings e ON e.image_id = i.id
                   WHERE e.model_version <> %s AND i.id > %s ORDER BY i.id LIMIT %s""",
                (model_version, after_id, limit),
            )
            return _stored_images(cur)

    def write_embeddings(self, model_version: str, vectors: list[tuple[StoredImage, np.ndarray | None]]) -> None:
        with transaction() as cur:
            for image, vector in vectors:
                if vector is None:
                    audit.record(cur, "embedding_failed", user_id=image.owner_id, target_id=image.id,
                                 during="reembed")
                    continue
                cur.execute(
                    """UPDATE embeddings SET vec = %s, model_version = %s, dim = %s, created_at = now()
                       WHERE image_id = %s""",
                    (vector_codec.encode(vector), model_version, len(vector), image.id),
                )
                # the change stamp searches read fresh rows by (imagedrive.indexing.vectors)
                cur.execute("UPDATE images SET updated_at = now() WHERE id = %s", (image.id,))
            mark_stale(cur, EVERYONE)

    def count_read_otherwise(self, engine: str, model: str) -> int:
        with transaction() as cur:
            cur.execute(f"SELECT count(*) AS n {_READ_OTHERWISE}", {"engine": engine, "model": model})
            return int(fetch_one(cur)["n"])

    def read_otherwise(self, engine: str, model: str, *, after_id: int, limit: int) -> list[StoredImage]:
        with transaction() as cur:
            cur.execute(
                f"SELECT i.id, i.uri, i.owner_id {_READ_OTHERWISE} AND i.id > %(after)s ORDER BY i.id LIMIT %(n)s",
                {"engine": engine, "model": model, "after": after_id, "n": limit},
            )
            return _stored_images(cur)

    def write_texts(self, texts: list[tuple[StoredImage, OcrResult | str]]) -> None:
        with transaction() as cur:
            for image, result in texts:
                if isinstance(result, str):
                    audit.record(cur, "ocr_failed", user_id=image.owner_id, target_id=image.id, reason=result)
                else:
                    _write_ocr(cur, image.id, result)


def _stored_images(cur: Any) -> list[StoredImage]:
    return [StoredImage(row["id"], row["uri"], row["owner_id"]) for row in cur.fetchall()]
