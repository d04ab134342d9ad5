"""Every SQL statement of search, each in its own transaction: stored vectors and ids (never re-embedded,
always visibility-checked), hydration (THE visibility rule checked again on the final ids, so an image
deleted, hidden or no longer READY since the index was built never comes back), the text-in-pictures query
and the analytics event.

Text written in pictures is found in Postgres (the one search that runs in the database, by design).

A row matches by any of three, each served by a GIN index on ocr_texts:
- substring (`ILIKE '%q%'`, trigram index): codes inside longer tokens such as `RE16`, and CJK text,
  which the 'simple' parser keeps as one token per run of characters;
- words (`words @@ plainto_tsquery('simple', q)`): every query word present;
- fuzzy (`q <% text`, trigram word similarity ≥ pg_trgm.word_similarity_threshold): misread letters.
Relevance = substring (1) + ts_rank of the words + word similarity, ties by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from psycopg2 import sql

from imagedrive.db import fetch_one, transaction, vector_codec
from imagedrive.errors import Conflict, NotFound
from imagedrive.images.repository import escape_like
from imagedrive.search.models import Kind
from imagedrive.visibility import visible_clause


@dataclass(frozen=True)
class TextMatch:
    row: dict[str, Any]  # id, filename, owner_id, visibility, thumbnail_key, text
    relevance: float


class SearchRepository(Protocol):
    """What the search engine reads from (and writes to) the database."""

    def stored_vector(self, user_id: int, image_id: int, model_version: str) -> np.ndarray: ...

    def stored_vectors(self, image_ids: list[int], model_version: str) -> dict[int, np.ndarray]: ...

    def own_ready_ids(self, user_id: int) -> np.ndarray: ...

    def visible_rows(self, user_id: int, ids: list[int], *, category: int | None = None
                     ) -> dict[int, dict[str, Any]]: ...

    def category_members(self, user_id: int, category: int) -> list[int]: ...

    def find_text(self, user_id: int, q: str, k: int) -> list[TextMatch]: ...

    def insert_search_event(self, user_id: int, kind: Kind, *, latency_ms: float, result_count: int,
                            query_text: str | None) -> None: ...


class PostgresSearchRepository:
    """SearchRepository on Postgres; each method is one transaction."""

    def stored_vector(self, user_id: int, image_id: int, model_version: str) -> np.ndarray:
        """The query vector of "similar": the image's own embedding, if the user may see the image."""
        query = sql.SQL(
            """SELECT e.vec, e.model_version FROM images i JOIN embeddings e ON e.image_id = i.id
               WHERE i.id = %s AND i.status = 'READY' AND {visible}"""
        ).format(visible=visible_clause(user_id))
        with transaction() as cur:
            cur.execute(query, (image_id,))
            row = cur.fetchone()
        if row is None:
            raise NotFound("no such image")
        if row["model_version"] != model_version:
            raise Conflict("this image is not embedded with the current model yet", code="not_embedded")
        return vector_codec.decode(row["vec"])


    def stored_vectors(self, image_ids: list[int], model_version: str) -> dict[int, np.ndarray]:
        """Embeddings of already visibility-checked images (hybrid's OCR-only hits get a cosine too)."""
        if not image_ids:
            return {}
        with transaction() as cur:
            cur.execute("SELECT image_id, vec FROM embeddings WHERE image_id = ANY(%s) AND model_version = %s",
                        (image_ids, model_version))
            return {row["image_id"]: vector_codec.decode(row["vec"]) for row in cur.fetchall()}


    def own_ready_ids(self, user_id: int) -> np.ndarray:
        with transaction() as cur:
            cur.execute("SELECT coalesce(array_agg(id), '{}') AS ids FROM images"
                        " WHERE owner_id = %s AND status = 'READY'", (user_id,))
            return np.asarray(fetch_one(cur)["ids"], dtype=np.int64)


    def visible_rows(self, user_id: int, ids: list[int], *, category: int | None = None
                     ) -> dict[int, dict[str, Any]]:
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


    def category_members(self, user_id: int, category: int) -> list[int]:
        """Images in a category the user can use (a system one or their own); NotFound otherwise."""
        with transaction() as cur:
            cur.execute("SELECT 1 FROM categories WHERE id = %s AND (owner_id IS NULL OR owner_id = %s)",
                        (category, user_id))
            if cur.fetchone() is None:
                raise NotFound("no such category", code="category_not_found")
            cur.execute("SELECT image_id FROM image_categories WHERE category_id = %s", (category,))
            return [row["image_id"] for row in cur.fetchall()]


    def find_text(self, user_id: int, q: str, k: int) -> list[TextMatch]:
        query = sql.SQL(
            """WITH query AS (SELECT plainto_tsquery('simple', %(q)s) AS words)
               SELECT i.id, i.filename, i.owner_id, i.visibility, i.thumbnail_key, o.text,
                      (o.text ILIKE %(like)s)::int + ts_rank(o.words, query.words) + word_similarity(%(q)s, o.text)
                          AS relevance
               FROM ocr_texts o JOIN images i ON i.id = o.image_id CROSS JOIN query
               WHERE i.status = 'READY' AND {visible}
                 AND (o.text ILIKE %(like)s OR o.words @@ query.words OR %(q)s <%% o.text)
               ORDER BY relevance DESC, i.id
               LIMIT %(k)s"""
        ).format(visible=visible_clause(user_id))
        with transaction() as cur:
            cur.execute(query, {"q": q, "like": f"%{escape_like(q.strip())}%", "k": k})
            return [TextMatch(row, float(row["relevance"])) for row in cur.fetchall()]


    def insert_search_event(self, user_id: int, kind: Kind, *, latency_ms: float, result_count: int,
                            query_text: str | None) -> None:
        """One search_events row; the raw query only if the user opted in."""
        with transaction() as cur:
            cur.execute(
                """INSERT INTO search_events (user_id, kind, latency_ms, result_count, query_text)
                   SELECT id, %s, %s, %s, CASE WHEN store_search_queries THEN %s END FROM users WHERE id = %s""",
                (kind, max(0.0, latency_ms), result_count, query_text, user_id),
            )

